package imaging

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/pinhole/pinhole"
)

func mustProcess(tb testing.TB, data []byte) *Result {
	tb.Helper()
	res, err := Process(context.Background(), Pure(), bytes.NewReader(data), Edit{}, NewDefaultConfig())
	if err != nil {
		tb.Fatalf("Process: %v", err)
	}
	return res
}

// The conformance suite (imagingtest, run in conformance_test.go) covers
// what every processor must do; these cover Process's own checks.
func TestProcess(t *testing.T) {
	// Not parallel: it measures allocation across the whole process.
	t.Run("RejectsDecompressionBombCheaply", func(t *testing.T) {
		bomb := pngHeader(100000, 100000)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Process(context.Background(), Pure(), bytes.NewReader(bomb), Edit{}, NewDefaultConfig())
		runtime.ReadMemStats(&after)
		if code, msg := pinhole.ErrorCode(err), pinhole.ErrorMessage(err); code != pinhole.EINVALID ||
			msg != "The image is 100000×100000 = 10000 megapixels; the limit is 50" {
			t.Fatalf("error = %q %q, want EINVALID with the size and the limit", code, msg)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("allocated %d bytes refusing it, want under 1 MiB", n)
		}
	})

	t.Run("AcceptsScansUpToTheLimit", func(t *testing.T) {
		_, err := Process(context.Background(), Pure(), bytes.NewReader(scanBomb(7000, 7000, MaxJPEGScans+1)), Edit{}, NewDefaultConfig())
		if msg := pinhole.ErrorMessage(err); msg != "The image has more than 50 scans, which no camera or editor writes" {
			t.Errorf("over the limit: %q, want the scan message", msg)
		}
		res := mustProcess(t, scanBomb(64, 48, MaxJPEGScans))
		if res.Width != 64 || res.Height != 48 {
			t.Errorf("at the limit: result %d×%d, want 64×48", res.Width, res.Height)
		}
	})

	t.Run("RefusesInvalidConfigAsInternal", func(t *testing.T) {
		_, err := Process(context.Background(), Pure(), bytes.NewReader(mustJPEG(t, photo(8, 8), 90)), Edit{}, Config{})
		if code := pinhole.ErrorCode(err); code != pinhole.EINTERNAL {
			t.Errorf("error = %v (code %q), want EINTERNAL", err, code)
		}
	})

	t.Run("RefusesUnknownFilter", func(t *testing.T) {
		_, err := Process(context.Background(), Pure(), bytes.NewReader(mustJPEG(t, photo(8, 8), 90)), Edit{Filter: "sparkle"}, NewDefaultConfig())
		if pinhole.ErrorCode(err) != pinhole.EINVALID {
			t.Errorf("error = %v, want EINVALID", err)
		}
	})

	t.Run("PassesReadErrorsThrough", func(t *testing.T) {
		tooLarge := pinhole.Errorf(pinhole.ETOOLARGE, "file is over 20 MB")
		_, err := Process(context.Background(), Pure(), iotest.ErrReader(tooLarge), Edit{}, NewDefaultConfig())
		if !errors.Is(err, tooLarge) || pinhole.ErrorCode(err) != pinhole.ETOOLARGE {
			t.Errorf("error = %v, want the reader's ETOOLARGE", err)
		}
	})
}

func TestCheckHeader(t *testing.T) {
	t.Run("ReadsOnlyTheHeader", func(t *testing.T) {
		// A header claiming 100000×100000 followed by a reader that fails:
		// CheckHeader must answer from the header without reading on.
		r := io.MultiReader(bytes.NewReader(pngHeader(100000, 100000)), iotest.ErrReader(errors.New("read past the header")))
		_, _, _, err := CheckHeader(r, NewDefaultConfig())
		if msg := pinhole.ErrorMessage(err); msg != "The image is 100000×100000 = 10000 megapixels; the limit is 50" {
			t.Errorf("error %v, want the megapixel refusal", err)
		}
	})
	t.Run("ReportsFormatAndSize", func(t *testing.T) {
		f, w, h, err := CheckHeader(bytes.NewReader(mustJPEG(t, photo(40, 30), 80)), NewDefaultConfig())
		if err != nil || f != JPEG || w != 40 || h != 30 {
			t.Errorf("got %s %d×%d, %v; want jpeg 40×30", f, w, h, err)
		}
	})
	t.Run("SniffsNotTrusts", func(t *testing.T) {
		_, _, _, err := CheckHeader(bytes.NewReader([]byte("GIF89 is what I claim to be")), NewDefaultConfig())
		if pinhole.ErrorCode(err) != pinhole.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
}

func TestNewPlan(t *testing.T) {
	tests := []struct {
		name       string
		w, h       int
		edit       Edit
		crop       image.Rectangle
		dw, dh     int
		thumbStart image.Point
	}{
		{"WithinRangeIsWhole", 2000, 1500, Edit{}, image.Rect(0, 0, 2000, 1500), 1080, 810, image.Pt(135, 0)},
		{"TallCroppedTo4x5AroundCentre", 1000, 2000, Edit{}, image.Rect(0, 375, 1000, 1625), 1000, 1250, image.Pt(0, 125)},
		{"WideCroppedTo1.91", 4000, 1000, Edit{}, image.Rect(1045, 0, 2955, 1000), 1080, 565, image.Pt(258, 0)},
		{"FocusRightKeepsTheRight", 4000, 1000, Edit{Focus: Point{X: 1}}, image.Rect(2090, 0, 4000, 1000), 1080, 565, image.Pt(515, 0)},
		{"FocusTopKeepsTheTop", 1000, 2000, Edit{Focus: Point{Y: 1}}, image.Rect(0, 0, 1000, 1250), 1000, 1250, image.Pt(0, 0)},
		{"CropBox", 2000, 1000, Edit{Crop: &Box{0.25, 0, 0.5, 1}}, image.Rect(500, 0, 1500, 1000), 1000, 1000, image.Pt(0, 0)},
		{"CropBoxTooTallIsCroppedFurther", 1000, 1000, Edit{Crop: &Box{0, 0, 0.2, 1}}, image.Rect(0, 375, 200, 625), 200, 250, image.Pt(0, 25)},
		{"Sliver", 3000, 2, Edit{}, image.Rect(1499, 0, 1502, 2), 3, 2, image.Pt(0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan(tt.w, tt.h, tt.edit)
			if p.Crop != tt.crop || p.Width != tt.dw || p.Height != tt.dh || p.Thumb.Min != tt.thumbStart {
				t.Errorf("plan = crop %v %d×%d thumb %v; want crop %v %d×%d thumb at %v", p.Crop, p.Width, p.Height, p.Thumb, tt.crop, tt.dw, tt.dh, tt.thumbStart)
			}
			a := float64(p.Crop.Dx()) / float64(p.Crop.Dy())
			if p.Crop.Dy() > 2 && (a < MinAspect-0.01 || a > MaxAspect+0.01) {
				t.Errorf("aspect %.3f outside 4:5–1.91:1", a)
			}
			if p.Thumb.Dx() != p.Thumb.Dy() || !p.Thumb.In(image.Rect(0, 0, p.Width, p.Height)) {
				t.Errorf("thumb square %v is not a square inside the picture", p.Thumb)
			}
		})
	}
}

func TestStoredRect(t *testing.T) {
	// Every orientation: the upright rectangle mapped back, then the stored
	// picture turned upright, lands where it started.
	const w, h = 40, 30
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for o := 1; o <= 8; o++ {
		up := orient(m, o)
		r := image.Rect(3, 5, 11, 9)
		s := storedRect(r, w, h, o)
		probe := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := s.Min.Y; y < s.Max.Y; y++ {
			for x := s.Min.X; x < s.Max.X; x++ {
				probe.Set(x, y, color.White)
			}
		}
		turned := orient(probe, o)
		if turned.Bounds() != up.Bounds() {
			t.Fatalf("orientation %d: bounds differ", o)
		}
		for y := range turned.Bounds().Dy() {
			for x := range turned.Bounds().Dx() {
				in := image.Pt(x, y).In(r)
				if got := turned.RGBAAt(x, y).R == 0xff; got != in {
					t.Fatalf("orientation %d: upright pixel %d,%d marked %v, want %v", o, x, y, got, in)
				}
			}
		}
	}
}

func BenchmarkProcess12MP(b *testing.B) {
	data := mustJPEG(b, photo(4000, 3000), 90)
	cfg := NewDefaultConfig()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Process(context.Background(), Pure(), bytes.NewReader(data), Edit{}, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzProcess(f *testing.F) {
	f.Add(mustJPEG(f, photo(24, 16), 80))
	f.Add(withSegments(mustJPEG(f, quadrant(16, 8), 80), orientationExif(binary.BigEndian, 6)))
	f.Add(mustPNG(f, photo(24, 16)))
	f.Add(mustGIF(f, photo(24, 16)))
	f.Add(mustAnimatedGIF(f, 20, 20, paletted(image.Rect(5, 5, 15, 15), red), paletted(image.Rect(0, 0, 20, 20), blue)))
	f.Add(webpLossless(9, 7, color.NRGBA{1, 2, 3, 4}))
	f.Add(pngHeader(100000, 100000))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff"))
	f.Add([]byte("GIF89a\x10\x00\x10\x00\x80\x00\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8X"))
	f.Add(scanBomb(16, 16, 3))
	f.Add([]byte("not an image"))
	jpg := mustJPEG(f, photo(32, 24), 85)
	f.Add(jpg[:len(jpg)/2])                            // truncated
	f.Add(append([]byte("\x89PNG\r\n\x1a\n"), jpg...)) // disguised

	// A small pixel limit keeps each run fast; the limit itself is what
	// stops a large claim, and the tests above cover it. The fuzzer runs
	// the path hostile bytes take (sniff, header, scans, EXIF, decode,
	// crop, scale, orient, filter), not the encoders, which only ever see
	// pixels Pinhole made; the conformance suite covers those.
	cfg := Config{MaxPixels: 1 << 18, Quality: 75, WebPQuality: 75}
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := Check(data, cfg)
		if err == nil {
			w, h := src.Upright()
			e := Edit{Filter: "noir", Intensity: 60, Focus: Point{X: 0.5, Y: -0.5}}
			var m *image.RGBA
			plan := NewPlan(w, h, e)
			if m, err = displayPicture(context.Background(), src, plan); err == nil {
				if b := m.Bounds(); b.Dx() != plan.Width || b.Dy() != plan.Height {
					t.Fatalf("display %v, planned %d×%d", b.Size(), plan.Width, plan.Height)
				}
				if int64(w)*int64(h) > cfg.MaxPixels {
					t.Fatalf("%d×%d passed a limit of %d pixels", w, h, cfg.MaxPixels)
				}
			}
		}
		if err != nil {
			if code := pinhole.ErrorCode(err); code != pinhole.EINVALID {
				t.Fatalf("error code = %q (%v), want EINVALID for bad input", code, err)
			}
		}
	})
}
