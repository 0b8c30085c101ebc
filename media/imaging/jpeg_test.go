package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"testing"
)

func TestJPEGScans(t *testing.T) {
	t.Parallel()
	baseline := mustJPEG(t, photo(64, 48), 90)
	// Go's encoder writes no restart markers; add a scan whose data holds
	// stuffed bytes and restart markers, which must not end it.
	withRST := append(append([]byte(nil), baseline[:len(baseline)-2]...),
		0xff, 0xda, 0x00, 0x08, 1, 1, 0x00, 1, 63, 0x00, // SOS
		0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0xff, 0x00, // entropy data
		0xff, 0xd9)
	second := mustJPEG(t, photo(8, 8), 90) // e.g. an Ultra HDR gain map after EOI

	tests := []struct {
		name  string
		data  []byte
		limit int
		want  int
	}{
		{"BaselineHasOne", baseline, MaxJPEGScans, 1},
		{"WithExifHasOne", withSegments(baseline, orientationExif(binary.BigEndian, 6)), MaxJPEGScans, 1},
		{"SkipsStuffedBytesAndRestarts", withRST, MaxJPEGScans, 2},
		{"StopsAtEndOfFirstImage", append(append([]byte(nil), baseline...), second...), MaxJPEGScans, 1},
		{"CountsProgressiveScans", scanBomb(64, 64, 7), MaxJPEGScans, 7},
		{"StopsPastLimit", scanBomb(64, 64, 1000), 10, 11},
		{"TruncatedInScan", baseline[:len(baseline)/2], MaxJPEGScans, 1},
		{"NotJPEG", []byte("\x89PNG\r\n\x1a\n"), MaxJPEGScans, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegScans(tt.data, tt.limit); got != tt.want {
				t.Errorf("jpegScans() = %d, want %d", got, tt.want)
			}
		})
	}

	t.Run("ScanBombIsAValidJPEG", func(t *testing.T) {
		// Otherwise the tests refusing it would prove nothing.
		m, err := jpeg.Decode(bytes.NewReader(scanBomb(64, 40, 3)))
		if err != nil || m.Bounds() != image.Rect(0, 0, 64, 40) {
			t.Fatalf("decode = %v, %v; want a 64×40 image", m, err)
		}
	})

	t.Run("SurvivesEveryTruncation", func(t *testing.T) {
		data := withSegments(scanBomb(64, 64, 3), orientationExif(binary.LittleEndian, 3))
		for n := range len(data) {
			if got := jpegScans(data[:n], MaxJPEGScans); got < 0 || got > 3 {
				t.Fatalf("truncated to %d bytes: %d scans", n, got)
			}
		}
	})
}
