package imaging

import (
	"encoding/binary"
	"testing"
)

func TestJPEGOrientation(t *testing.T) {
	t.Parallel()
	base := mustJPEG(t, solid(8, 8, red), 90)
	le, be := binary.LittleEndian, binary.BigEndian

	t.Run("ReadsEveryOrientationInBothByteOrders", func(t *testing.T) {
		for _, order := range []byteOrder{le, be} {
			for want := 1; want <= 8; want++ {
				data := withSegments(base, orientationExif(order, uint16(want)))
				if got := jpegOrientation(data); got != want {
					t.Errorf("%v orientation %d: got %d", order, want, got)
				}
			}
		}
	})

	xmp := append([]byte{0xff, 0xe1, 0x00, 0x20}, "http://ns.adobe.com/xap/1.0/\x00\x00"...)
	app0 := append([]byte{0xff, 0xe0, 0x00, 0x10}, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"...)
	withDesc := app1Exif(buildTIFF(le, []tiffEntry{
		asciiEntry(0x010e, "a description long enough to live in the data area"),
		shortEntry(le, 0x0112, 6),
	}, nil))
	longType := app1Exif(buildTIFF(be, []tiffEntry{{0x0112, tiffLong, 1, be.AppendUint32(nil, 8)}}, nil))
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"NoExifIsUpright", base, 1},
		{"FindsExifAfterOtherSegments", withSegments(base, app0, xmp, orientationExif(le, 3)), 3},
		{"SkipsFillBytesBeforeMarkers", withSegments(base, []byte{0xff, 0xff}, orientationExif(be, 8)), 8},
		{"FindsOrientationAfterOtherTags", withSegments(base, withDesc), 6},
		{"AcceptsLongType", withSegments(base, longType), 8},
		{"UsesFirstExifSegment", withSegments(base, orientationExif(le, 5), orientationExif(le, 7)), 5},
		{"IgnoresZero", withSegments(base, orientationExif(le, 0)), 1},
		{"IgnoresNine", withSegments(base, orientationExif(le, 9)), 1},
		{"IgnoresMissingTag", withSegments(base, app1Exif(buildTIFF(le, []tiffEntry{asciiEntry(0x010f, "Cam")}, nil))), 1},
		{"IgnoresExifAfterScan", append(base[:len(base)-2:len(base)-2], orientationExif(le, 6)...), 1},
		{"IgnoresNonJPEG", orientationExif(le, 6), 1},
		{"IgnoresEmpty", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegOrientation(tt.data); got != tt.want {
				t.Errorf("jpegOrientation() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestTIFFOrientation(t *testing.T) {
	t.Parallel()
	le := binary.LittleEndian
	valid := buildTIFF(le, []tiffEntry{shortEntry(le, 0x0112, 6)}, nil)
	patch := func(b []byte, at int, v ...byte) []byte {
		out := append([]byte(nil), b...)
		copy(out[at:], v)
		return out
	}
	tests := []struct {
		name string
		tiff []byte
		want int
	}{
		{"Valid", valid, 6},
		{"BadByteOrder", patch(valid, 0, 'X', 'X'), 1},
		{"BadMagic", patch(valid, 2, 43, 0), 1},
		{"IFDOffsetPastEnd", patch(valid, 4, 0xff, 0xff, 0xff, 0xff), 1},
		{"IFDOffsetAtLastByte", patch(valid, 4, byte(len(valid)-1), 0, 0, 0), 1},
		{"EntryCountPastEndStillReadsEntriesInBounds", patch(valid, 8, 0xff, 0xff), 6},
		{"EntryCountPastEndWithoutTheTag", patch(valid, 8, 0xff, 0xff, 0x13, 0x01), 1},
		{"WrongType", patch(valid, 12, tiffASCII, 0), 1},
		{"ZeroCount", patch(valid, 14, 0, 0, 0, 0), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tiffOrientation(tt.tiff); got != tt.want {
				t.Errorf("tiffOrientation() = %d, want %d", got, tt.want)
			}
		})
	}

	t.Run("SurvivesEveryTruncation", func(t *testing.T) {
		jpg := withSegments(mustJPEG(t, solid(8, 8, red), 90), app1Exif(valid))
		for n := range len(jpg) {
			if got := jpegOrientation(jpg[:n]); got < 1 || got > 8 {
				t.Fatalf("truncated to %d bytes: got %d", n, got)
			}
		}
		const entryEnd = 8 + 2 + 12 // the tag is readable once its entry is whole
		for n := range len(valid) {
			want := 1
			if n >= entryEnd {
				want = 6
			}
			if got := tiffOrientation(valid[:n]); got != want {
				t.Errorf("TIFF truncated to %d bytes: got %d, want %d", n, got, want)
			}
		}
	})
}
