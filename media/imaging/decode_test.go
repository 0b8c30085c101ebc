package imaging

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"runtime"
	"testing"

	"github.com/pinhole/pinhole"
)

// pngHeader returns a PNG signature and a valid IHDR chunk (8-bit truecolour)
// claiming w×h, and nothing after it.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // depth, colour type, compression, filter, interlace
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}

func TestDecodeHeader(t *testing.T) {
	cfg := NewDefaultConfig()

	// Not parallel: it measures allocation across the whole process.
	t.Run("RefusesBombBeforeAllocating", func(t *testing.T) {
		bomb := pngHeader(100000, 100000)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decodeHeader(PNG, bytes.NewReader(bomb), cfg.MaxPixels)
		runtime.ReadMemStats(&after)
		if got := pinhole.ErrorCode(err); got != pinhole.EINVALID {
			t.Fatalf("code = %q (%v), want %q", got, err, pinhole.EINVALID)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("allocated %d bytes refusing a header, want under 1 MiB", n)
		}
	})

	tests := []struct {
		name      string
		data      []byte
		maxPixels int64
		want      string // message
	}{
		{"OverMaxPixels", pngHeader(100000, 100000), cfg.MaxPixels, "The image is 100000×100000 = 10000 megapixels; the limit is 50"},
		{"JustOverMaxPixels", pngHeader(7072, 7071), cfg.MaxPixels, "The image is 7072×7071 = 50.006112 megapixels; the limit is 50"},
		{"OverSmallLimit", pngHeader(101, 100), 10_000, "The image is 101×100 = 0.0101 megapixels; the limit is 0.01"},
		{"OverMaxSide", pngHeader(30001, 1), cfg.MaxPixels, "The image is 30001×1; no side may be longer than 30000 pixels"},
		{"PNGZeroWidth", pngHeader(0, 10), cfg.MaxPixels, "The image could not be decoded: png: invalid format: non-positive dimension"},
		{"GIFZeroSize", []byte("GIF89a\x00\x00\x00\x00\x00\x00\x00"), cfg.MaxPixels, "The image is 0×0; it has no pixels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Sniff(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			_, err = decodeHeader(f, bytes.NewReader(tt.data), tt.maxPixels)
			if code, msg := pinhole.ErrorCode(err), pinhole.ErrorMessage(err); code != pinhole.EINVALID || msg != tt.want {
				t.Errorf("error = %q %q, want %q %q", code, msg, pinhole.EINVALID, tt.want)
			}
		})
	}

	t.Run("AcceptsAtTheLimits", func(t *testing.T) {
		for _, size := range []image.Point{{100, 100}, {30000, 1}, {1, 30000}} {
			hdr, err := decodeHeader(PNG, bytes.NewReader(pngHeader(uint32(size.X), uint32(size.Y))), 10_000)
			if size.X*size.Y > 10_000 {
				hdr, err = decodeHeader(PNG, bytes.NewReader(pngHeader(uint32(size.X), uint32(size.Y))), cfg.MaxPixels)
			}
			if err != nil || hdr.Width != size.X || hdr.Height != size.Y {
				t.Errorf("%v: header = %d×%d, %v; want accepted", size, hdr.Width, hdr.Height, err)
			}
		}
	})
}

func TestDecode(t *testing.T) {
	t.Parallel()
	decodeAll := func(t *testing.T, f Format, data []byte) image.Image {
		t.Helper()
		hdr, err := decodeHeader(f, bytes.NewReader(data), NewDefaultConfig().MaxPixels)
		if err != nil {
			t.Fatalf("decodeHeader: %v", err)
		}
		m, err := decode(f, data, hdr)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		return m
	}

	t.Run("DecodesWebP", func(t *testing.T) {
		m := decodeAll(t, WebP, webpLossless(7, 5, color.NRGBA{0x10, 0x80, 0xf0, 0xff}))
		if s := m.Bounds().Size(); s != image.Pt(7, 5) {
			t.Fatalf("size = %v, want 7×5", s)
		}
		if c := color.NRGBAModel.Convert(m.At(6, 4)); c != (color.NRGBA{0x10, 0x80, 0xf0, 0xff}) {
			t.Errorf("pixel = %v, want the encoded colour", c)
		}
	})

	t.Run("PlacesPartialGIFFrameOnWhiteScreen", func(t *testing.T) {
		frame := paletted(image.Rect(10, 10, 20, 20), red)
		m := decodeAll(t, GIF, mustAnimatedGIF(t, 20, 20, frame))
		if s := m.Bounds(); s != image.Rect(0, 0, 20, 20) {
			t.Fatalf("bounds = %v, want the 20×20 screen", s)
		}
		if c := m.At(2, 2); !near(c, white, 0) {
			t.Errorf("outside the frame = %v, want white", c)
		}
		if c := m.At(15, 15); !near(c, red, 0) {
			t.Errorf("inside the frame = %v, want red", c)
		}
	})

	t.Run("RejectsTruncatedAndCorrupt", func(t *testing.T) {
		jpg := mustJPEG(t, photo(64, 48), 90)
		pngData := mustPNG(t, photo(64, 48))
		gifData := mustGIF(t, photo(64, 48))
		corruptGIF := append([]byte(nil), gifData...)
		for i := len(corruptGIF) / 2; i < len(corruptGIF)-1; i++ {
			corruptGIF[i] = 0xff
		}
		tests := []struct {
			name string
			f    Format
			data []byte
		}{
			{"JPEGHeaderOnly", JPEG, jpg[:200]},
			{"JPEGHalf", JPEG, jpg[:len(jpg)/2]},
			{"PNGHalf", PNG, pngData[:len(pngData)/2]},
			{"PNGWithoutEnd", PNG, pngData[:len(pngData)-12]},
			{"PNGBadCRC", PNG, append(append([]byte(nil), pngData[:29]...), bytes.Repeat([]byte{0}, len(pngData)-29)...)},
			{"GIFHalf", GIF, gifData[:len(gifData)/2]},
			{"GIFBadData", GIF, corruptGIF},
			{"WebPHeaderOnly", WebP, webpLossless(7, 5, color.NRGBA{A: 0xff})[:20]},
		}
		for _, tt := range tests {
			hdr, err := decodeHeader(tt.f, bytes.NewReader(tt.data), 1<<20)
			if err == nil {
				_, err = decode(tt.f, tt.data, hdr)
			}
			if pinhole.ErrorCode(err) != pinhole.EINVALID {
				t.Errorf("%s: error = %v, want EINVALID", tt.name, err)
			}
		}
	})
}

func TestRecoverDecoder(t *testing.T) {
	t.Parallel()
	err := func() (err error) {
		defer recoverDecoder(&err)
		panic("index out of range")
	}()
	if code, msg := pinhole.ErrorCode(err), pinhole.ErrorMessage(err); code != pinhole.EINVALID || msg != "The image could not be decoded: the data is malformed" {
		t.Errorf("error = %q %q, want EINVALID and a message that hides the panic", code, msg)
	}
}
