package imaging

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/buckket/go-blurhash"
	"github.com/pinhole/pinhole"
)

func mustProcess(tb testing.TB, data []byte) *Result {
	tb.Helper()
	res, err := Process(context.Background(), bytes.NewReader(data), NewDefaultConfig())
	if err != nil {
		tb.Fatalf("Process: %v", err)
	}
	return res
}

// variant returns the named variant of res, decoded.
func variant(tb testing.TB, res *Result, name string) image.Image {
	tb.Helper()
	for _, v := range res.Variants {
		if v.Name == name {
			return mustDecodeJPEG(tb, v.Data)
		}
	}
	tb.Fatalf("no variant %q", name)
	return nil
}

func TestProcess(t *testing.T) {
	// Not parallel: it measures allocation across the whole process, and
	// the other subtests wait for it.
	t.Run("RejectsDecompressionBomb", func(t *testing.T) {
		bomb := pngHeader(100000, 100000)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Process(context.Background(), bytes.NewReader(bomb), NewDefaultConfig())
		runtime.ReadMemStats(&after)
		if code, msg := pinhole.ErrorCode(err), pinhole.ErrorMessage(err); code != pinhole.EINVALID ||
			msg != "The image is 100000×100000 = 10000 megapixels; the limit is 50" {
			t.Fatalf("error = %q %q, want EINVALID with the size and the limit", code, msg)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("allocated %d bytes refusing it, want under 1 MiB", n)
		}
	})

	t.Run("RejectsScanBomb", func(t *testing.T) {
		t.Parallel()
		// 7000×7000 in about 4 kB: decoding all its scans would take
		// seconds of CPU per upload.
		_, err := Process(context.Background(), bytes.NewReader(scanBomb(7000, 7000, MaxJPEGScans+1)), NewDefaultConfig())
		if code, msg := pinhole.ErrorCode(err), pinhole.ErrorMessage(err); code != pinhole.EINVALID ||
			msg != "The image has more than 50 scans, which no camera or editor writes" {
			t.Errorf("error = %q %q, want EINVALID about scans", code, msg)
		}
		res := mustProcess(t, scanBomb(64, 48, MaxJPEGScans))
		if res.Width != 64 || res.Height != 48 {
			t.Errorf("at the limit: result %d×%d, want 64×48", res.Width, res.Height)
		}
	})

	t.Run("RejectsNonImage", func(t *testing.T) {
		t.Parallel()
		for _, data := range [][]byte{nil, []byte("just some text"), []byte("%PDF-1.7\n")} {
			_, err := Process(context.Background(), bytes.NewReader(data), NewDefaultConfig())
			if code, msg := pinhole.ErrorCode(err), pinhole.ErrorMessage(err); code != pinhole.EINVALID ||
				msg != "The file is not a supported image; choose a JPEG, PNG, WebP or GIF photo" {
				t.Errorf("%q: error = %q %q, want EINVALID", data, code, msg)
			}
		}
	})

	t.Run("RejectsTruncatedAndCorrupt", func(t *testing.T) {
		t.Parallel()
		r := rand.New(rand.NewPCG(5, 6))
		random := func(prefix string, n int) []byte {
			b := []byte(prefix)
			for range n {
				b = append(b, byte(r.IntN(256)))
			}
			return b
		}
		jpg := mustJPEG(t, photo(120, 90), 90)
		pngData := mustPNG(t, photo(120, 90))
		gifData := mustGIF(t, photo(120, 90))
		badGIF := append([]byte(nil), gifData...)
		for i := len(badGIF) / 3; i < len(badGIF)-1; i += 3 {
			badGIF[i] ^= 0x5a
		}
		tests := []struct {
			name string
			data []byte
		}{
			{"TruncatedJPEG", jpg[:len(jpg)*2/3]},
			{"JPEGWithoutScan", jpg[:300]},
			{"TruncatedPNG", pngData[:len(pngData)*2/3]},
			{"PNGHeaderOnly", pngHeader(120, 90)},
			{"TruncatedGIF", gifData[:len(gifData)*2/3]},
			{"GIFWithBadData", badGIF},
			{"TruncatedWebP", webpLossless(64, 48, color.NRGBA{A: 0xff})[:30]},
			{"RandomAfterJPEGMagic", random("\xff\xd8\xff", 4096)},
			{"RandomAfterPNGMagic", random("\x89PNG\r\n\x1a\n", 4096)},
			{"RandomAfterGIFMagic", random("GIF89a", 4096)},
			{"RandomAfterWebPMagic", random("RIFF\x00\x10\x00\x00WEBP", 4096)},
			{"RandomAfterVP8LHeader", random("RIFF\x00\x10\x00\x00WEBPVP8L\x00\x10\x00\x00\x2f", 4096)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := Process(context.Background(), bytes.NewReader(tt.data), NewDefaultConfig())
				if pinhole.ErrorCode(err) != pinhole.EINVALID {
					t.Errorf("error = %v, want EINVALID", err)
				}
			})
		}
	})

	t.Run("AutoOrients", func(t *testing.T) {
		t.Parallel()
		// 40×20, red in the top-left quarter as stored; where that quarter
		// ends up once the picture is upright.
		type corner int
		const (
			topLeft corner = iota
			topRight
			bottomRight
			bottomLeft
		)
		stored := mustJPEG(t, quadrant(40, 20), 95)
		tests := []struct {
			orientation uint16
			w, h        int
			red         corner
		}{
			{1, 40, 20, topLeft},
			{2, 40, 20, topRight},
			{3, 40, 20, bottomRight},
			{4, 40, 20, bottomLeft},
			{5, 20, 40, topLeft},
			{6, 20, 40, topRight},
			{7, 20, 40, bottomRight},
			{8, 20, 40, bottomLeft},
		}
		for _, tt := range tests {
			for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
				res := mustProcess(t, withSegments(stored, orientationExif(order, tt.orientation)))
				if res.Width != tt.w || res.Height != tt.h {
					t.Errorf("orientation %d: result %d×%d, want %d×%d", tt.orientation, res.Width, res.Height, tt.w, tt.h)
				}
				for _, name := range []string{"1080", "thumb"} {
					m := variant(t, res, name)
					b := m.Bounds()
					if name == "1080" && (b.Dx() != tt.w || b.Dy() != tt.h) {
						t.Errorf("orientation %d: %s is %d×%d, want %d×%d", tt.orientation, name, b.Dx(), b.Dy(), tt.w, tt.h)
					}
					corners := [4]image.Point{
						{b.Min.X + 2, b.Min.Y + 2}, {b.Max.X - 3, b.Min.Y + 2},
						{b.Max.X - 3, b.Max.Y - 3}, {b.Min.X + 2, b.Max.Y - 3},
					}
					for c, p := range corners {
						want := blue
						if corner(c) == tt.red {
							want = red
						}
						if got := m.At(p.X, p.Y); !near(got, want, 40) {
							t.Errorf("orientation %d (%v), %s: corner %d = %v, want %v", tt.orientation, order, name, c, got, want)
						}
					}
				}
			}
		}
	})

	t.Run("StripsMetadata", func(t *testing.T) {
		t.Parallel()
		const secret = "PINHOLE-SECRET-48.8584N-2.2945E"
		le := binary.LittleEndian
		rational := func(n, d uint32) []byte { return le.AppendUint32(le.AppendUint32(nil, n), d) }
		exif := app1Exif(buildTIFF(le,
			[]tiffEntry{asciiEntry(0x010e, secret), shortEntry(le, 0x0112, 1)},
			[]tiffEntry{
				{0x0000, tiffByte, 4, []byte{2, 3, 0, 0}}, // GPSVersionID
				asciiEntry(0x0001, "N"),                   // GPSLatitudeRef
				{0x0002, tiffRational, 3, append(append(rational(48, 1), rational(51, 1)...), rational(30, 1)...)}, // GPSLatitude
				asciiEntry(0x001b, secret), // GPSProcessingMethod
			}))
		if !bytes.Contains(exif, []byte(secret)) {
			t.Fatal("test EXIF does not hold the secret")
		}
		xmp := []byte("\xff\xe1\x00\x00http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>" + secret + "</x:xmpmeta>")
		binary.BigEndian.PutUint16(xmp[2:], uint16(len(xmp)-2))
		icc := []byte("\xff\xe2\x00\x00ICC_PROFILE\x00\x01\x01" + secret)
		binary.BigEndian.PutUint16(icc[2:], uint16(len(icc)-2))
		comment := []byte("\xff\xfe\x00\x00" + secret)
		binary.BigEndian.PutUint16(comment[2:], uint16(len(comment)-2))

		src := withSegments(mustJPEG(t, photo(1200, 900), 90), exif, xmp, icc, comment)
		res := mustProcess(t, src)
		if len(res.Variants) != 4 {
			t.Fatalf("got %d variants, want 4", len(res.Variants))
		}
		for _, v := range res.Variants {
			for _, m := range jpegMarkers(t, v.Data) {
				if (m >= 0xe0 && m <= 0xef) || m == 0xfe {
					t.Errorf("%s: has marker %#x (APPn or comment)", v.Name, m)
				}
			}
			for _, trace := range []string{"Exif", secret, "ICC_PROFILE", "xmpmeta"} {
				if bytes.Contains(v.Data, []byte(trace)) {
					t.Errorf("%s: contains %q", v.Name, trace)
				}
			}
		}
	})

	t.Run("VariantSizes", func(t *testing.T) {
		t.Parallel()
		type size struct{ w, h int }
		tests := []struct {
			name        string
			src         size // as stored
			orientation uint16
			upright     size
			want        map[string]size
		}{
			{"Landscape", size{2000, 1500}, 1, size{2000, 1500}, map[string]size{"1080": {1080, 810}, "640": {640, 480}, "320": {320, 240}, "thumb": {150, 150}}},
			{"Portrait", size{1200, 1600}, 1, size{1200, 1600}, map[string]size{"1080": {1080, 1440}, "640": {640, 853}, "320": {320, 427}, "thumb": {150, 150}}},
			{"NarrowerThan1080IsNotUpscaled", size{500, 400}, 1, size{500, 400}, map[string]size{"1080": {500, 400}, "640": {500, 400}, "320": {320, 256}, "thumb": {150, 150}}},
			{"TinyStillGetsAFullThumb", size{100, 60}, 1, size{100, 60}, map[string]size{"1080": {100, 60}, "640": {100, 60}, "320": {100, 60}, "thumb": {150, 150}}},
			{"TurnedByExif", size{1200, 900}, 6, size{900, 1200}, map[string]size{"1080": {900, 1200}, "640": {640, 853}, "320": {320, 427}, "thumb": {150, 150}}},
			{"WideSliver", size{3000, 2}, 1, size{3000, 2}, map[string]size{"1080": {1080, 1}, "640": {640, 1}, "320": {320, 1}, "thumb": {150, 150}}},
			{"TallSliver", size{2, 3000}, 1, size{2, 3000}, map[string]size{"1080": {2, 3000}, "640": {2, 3000}, "320": {2, 3000}, "thumb": {150, 150}}},
			{"Panorama", size{3000, 500}, 1, size{3000, 500}, map[string]size{"1080": {1080, 180}, "640": {640, 107}, "320": {320, 53}, "thumb": {150, 150}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				src := withSegments(mustJPEG(t, photo(tt.src.w, tt.src.h), 90), orientationExif(binary.BigEndian, tt.orientation))
				res := mustProcess(t, src)
				if res.Width != tt.upright.w || res.Height != tt.upright.h || res.Format != JPEG {
					t.Errorf("result = %s %d×%d, want jpeg %d×%d", res.Format, res.Width, res.Height, tt.upright.w, tt.upright.h)
				}
				var names []string
				for _, v := range res.Variants {
					names = append(names, v.Name)
					m := mustDecodeJPEG(t, v.Data)
					got := size{m.Bounds().Dx(), m.Bounds().Dy()}
					if got != tt.want[v.Name] || v.Width != got.w || v.Height != got.h {
						t.Errorf("%s: encoded %v, says %d×%d; want %v", v.Name, got, v.Width, v.Height, tt.want[v.Name])
					}
				}
				if got, want := names, []string{"1080", "640", "320", "thumb"}; !equal(got, want) {
					t.Errorf("variants = %v, want %v", got, want)
				}
			})
		}
	})

	t.Run("DecodesPNGWithAlphaOverWhite", func(t *testing.T) {
		t.Parallel()
		src := image.NewNRGBA(image.Rect(0, 0, 64, 32))
		for y := range 32 {
			for x := range 64 {
				if x >= 32 {
					src.SetNRGBA(x, y, color.NRGBA{0xff, 0, 0, 0xff})
				} else {
					src.SetNRGBA(x, y, color.NRGBA{0, 0xff, 0, 0}) // invisible green
				}
			}
		}
		res := mustProcess(t, mustPNG(t, src))
		m := variant(t, res, "1080")
		if res.Format != PNG {
			t.Errorf("format = %q, want png", res.Format)
		}
		if c := m.At(8, 16); !near(c, white, 8) {
			t.Errorf("transparent half = %v, want white", c)
		}
		if c := m.At(56, 16); !near(c, red, 8) {
			t.Errorf("opaque half = %v, want red", c)
		}
	})

	t.Run("DecodesWebP", func(t *testing.T) {
		t.Parallel()
		res := mustProcess(t, webpLossless(64, 48, color.NRGBA{0, 0, 0xff, 0x80}))
		if res.Format != WebP || res.Width != 64 || res.Height != 48 {
			t.Errorf("result = %s %d×%d, want webp 64×48", res.Format, res.Width, res.Height)
		}
		// Half-transparent blue over white.
		if c := variant(t, res, "1080").At(32, 24); !near(c, color.RGBA{0x7f, 0x7f, 0xff, 0xff}, 8) {
			t.Errorf("pixel = %v, want light blue", c)
		}
	})

	t.Run("DecodesGIFFirstFrame", func(t *testing.T) {
		t.Parallel()
		r := image.Rect(0, 0, 48, 32)
		res := mustProcess(t, mustAnimatedGIF(t, 48, 32, paletted(r, red), paletted(r, blue)))
		if res.Format != GIF {
			t.Errorf("format = %q, want gif", res.Format)
		}
		if c := variant(t, res, "1080").At(24, 16); !near(c, red, 8) {
			t.Errorf("pixel = %v, want red from the first frame", c)
		}
	})

	t.Run("ComputesBlurhash", func(t *testing.T) {
		t.Parallel()
		for _, m := range []image.Image{solid(300, 200, red), photo(800, 600), photo(30, 900)} {
			res := mustProcess(t, mustJPEG(t, m, 90))
			x, y, err := blurhash.Components(res.Blurhash)
			if err != nil || x != 4 || y != 3 || len(res.Blurhash) != 4+2*4*3 {
				t.Errorf("blurhash %q: %d×%d components, %v; want 4×3 in 28 characters", res.Blurhash, x, y, err)
				continue
			}
			if _, err := blurhash.Decode(res.Blurhash, 32, 32, 1); err != nil {
				t.Errorf("blurhash %q does not decode: %v", res.Blurhash, err)
			}
		}
		// A red picture blurs to red.
		res := mustProcess(t, mustJPEG(t, solid(300, 200, red), 90))
		blur, err := blurhash.Decode(res.Blurhash, 8, 8, 1)
		if err != nil {
			t.Fatal(err)
		}
		if c := blur.At(4, 4); !near(c, red, 16) {
			t.Errorf("blurred red = %v, want red", c)
		}
	})

	t.Run("LeavesFocusAtZero", func(t *testing.T) {
		t.Parallel()
		if res := mustProcess(t, mustJPEG(t, photo(64, 48), 90)); res.Focus != [2]float64{} {
			t.Errorf("focus = %v, want 0,0", res.Focus)
		}
	})

	t.Run("RefusesInvalidConfigAsInternal", func(t *testing.T) {
		t.Parallel()
		_, err := Process(context.Background(), bytes.NewReader(mustJPEG(t, photo(8, 8), 90)), Config{})
		if code := pinhole.ErrorCode(err); code != pinhole.EINTERNAL {
			t.Errorf("error = %v (code %q), want EINTERNAL", err, code)
		}
	})

	t.Run("PassesReadErrorsThrough", func(t *testing.T) {
		t.Parallel()
		tooLarge := pinhole.Errorf(pinhole.ETOOLARGE, "file is over 20 MB")
		_, err := Process(context.Background(), iotest.ErrReader(tooLarge), NewDefaultConfig())
		if !errors.Is(err, tooLarge) || pinhole.ErrorCode(err) != pinhole.ETOOLARGE {
			t.Errorf("error = %v, want the reader's ETOOLARGE", err)
		}
	})

	t.Run("StopsWhenCancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Process(ctx, bytes.NewReader(mustJPEG(t, photo(64, 48), 90)), NewDefaultConfig())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func BenchmarkProcess(b *testing.B) {
	data := mustJPEG(b, photo(4000, 3000), 90)
	cfg := NewDefaultConfig()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Process(context.Background(), bytes.NewReader(data), cfg); err != nil {
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

	// A small pixel limit keeps each run fast; the limit itself is what
	// stops a large claim, and the tests above cover it.
	cfg := Config{MaxPixels: 1 << 18, Quality: 75}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Process(context.Background(), bytes.NewReader(data), cfg)
		if err != nil {
			if code := pinhole.ErrorCode(err); code != pinhole.EINVALID {
				t.Fatalf("error code = %q (%v), want EINVALID for bad input", code, err)
			}
			return
		}
		if len(res.Variants) != 4 || res.Width < 1 || res.Height < 1 || int64(res.Width)*int64(res.Height) > cfg.MaxPixels {
			t.Fatalf("result %s %d×%d with %d variants", res.Format, res.Width, res.Height, len(res.Variants))
		}
		for _, v := range res.Variants {
			if v.Width < 1 || v.Height < 1 || v.Width > res.Width && v.Name != "thumb" || len(v.Data) == 0 {
				t.Fatalf("variant %s is %d×%d with %d bytes", v.Name, v.Width, v.Height, len(v.Data))
			}
		}
	})
}
