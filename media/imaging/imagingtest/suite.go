// Package imagingtest is the conformance suite every imaging.Processor
// passes: the pure-Go one in every build, libvips when built with -tags
// vips. It checks what members see: sizes, orientation, crop, the filters'
// look, no metadata left, and hostile files refused.
package imagingtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media/imaging"
	"golang.org/x/image/webp"
)

// Options say what a processor promises beyond the common contract.
type Options struct {
	ProgressiveJPEG bool // every JPEG variant is progressive
}

// Run runs the whole suite against p.
func Run(t *testing.T, p imaging.Processor, o Options) {
	tests := []struct {
		name string
		fn   func(*testing.T, imaging.Processor, Options)
	}{
		{"VariantSizes", testVariantSizes},
		{"AutoOrients", testAutoOrients},
		{"CropsToTheBox", testCropsToTheBox},
		{"FocusSteersTheAspectCrop", testFocusSteersTheAspectCrop},
		{"StripsMetadata", testStripsMetadata},
		{"FiltersMatchTheReference", testFiltersMatchTheReference},
		{"FlattensTransparencyOverWhite", testFlattensTransparency},
		{"DecodesEveryFormat", testDecodesEveryFormat},
		{"ComputesBlurhash", testComputesBlurhash},
		{"ResizesOnDemand", testResizesOnDemand},
		{"RefusesHostileFiles", testRefusesHostileFiles},
		{"StopsWhenCancelled", testStopsWhenCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, p, o)
		})
	}
}

// MustProcess processes data with the default limits and no edit.
func MustProcess(tb testing.TB, p imaging.Processor, data []byte, e imaging.Edit) *imaging.Result {
	tb.Helper()
	res, err := imaging.Process(context.Background(), p, bytes.NewReader(data), e, imaging.NewDefaultConfig())
	if err != nil {
		tb.Fatalf("Process (%s): %v", p.Name(), err)
	}
	return res
}

// Decoded returns a variant's JPEG and WebP, decoded.
func Decoded(tb testing.TB, res *imaging.Result, name string) (jpg, wp image.Image) {
	tb.Helper()
	for _, v := range res.Variants {
		if v.Name != name {
			continue
		}
		j, err := jpeg.Decode(bytes.NewReader(v.JPEG))
		if err != nil {
			tb.Fatalf("%s: JPEG does not decode: %v", name, err)
		}
		w, err := DecodeWebP(v.WebP)
		if err != nil {
			tb.Fatalf("%s: WebP does not decode: %v", name, err)
		}
		return j, w
	}
	tb.Fatalf("no variant %q", name)
	return nil, nil
}

// DecodeWebP decodes a WebP file to RGBA. Lossy WebP stores "video
// range" YCbCr (Y from 16 to 235), which Go's image/color reads as full
// range: the colours would come out washed out, so it converts here.
func DecodeWebP(data []byte) (image.Image, error) {
	m, err := webp.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var yc *image.YCbCr
	switch v := m.(type) {
	case *image.YCbCr:
		yc = v
	case *image.NYCbCrA:
		yc = &v.YCbCr
	default:
		return m, nil
	}
	b := yc.Bounds()
	out := image.NewRGBA(b)
	clamp := func(v float64) uint8 { return uint8(max(0, min(255, v+0.5))) }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			Y := 1.164 * (float64(yc.Y[yc.YOffset(x, y)]) - 16)
			cb := float64(yc.Cb[yc.COffset(x, y)]) - 128
			cr := float64(yc.Cr[yc.COffset(x, y)]) - 128
			out.SetRGBA(x, y, color.RGBA{clamp(Y + 1.596*cr), clamp(Y - 0.392*cb - 0.813*cr), clamp(Y + 2.017*cb), 0xff})
		}
	}
	return out, nil
}

type size struct{ W, H int }

func testVariantSizes(t *testing.T, p imaging.Processor, o Options) {
	tests := []struct {
		name        string
		src         size // as stored
		orientation uint16
		upright     size
		want        map[string]size
	}{
		{"Landscape", size{1200, 900}, 1, size{1200, 900}, map[string]size{"1080": {1080, 810}, "640": {640, 480}, "320": {320, 240}, "thumb": {150, 150}}},
		{"PortraitCroppedTo4x5", size{1100, 1500}, 1, size{1100, 1500}, map[string]size{"1080": {1080, 1350}, "640": {640, 800}, "320": {320, 400}, "thumb": {150, 150}}},
		{"PanoramaCroppedTo1.91", size{3000, 500}, 1, size{3000, 500}, map[string]size{"1080": {955, 500}, "640": {640, 335}, "320": {320, 168}, "thumb": {150, 150}}},
		{"NarrowerThan1080IsNotUpscaled", size{500, 400}, 1, size{500, 400}, map[string]size{"1080": {500, 400}, "640": {500, 400}, "320": {320, 256}, "thumb": {150, 150}}},
		{"TinyStillGetsAFullThumb", size{100, 60}, 1, size{100, 60}, map[string]size{"1080": {100, 60}, "640": {100, 60}, "320": {100, 60}, "thumb": {150, 150}}},
		{"TurnedByExif", size{1500, 1100}, 6, size{1100, 1500}, map[string]size{"1080": {1080, 1350}, "640": {640, 800}, "320": {320, 400}, "thumb": {150, 150}}},
		{"Square", size{1100, 1100}, 8, size{1100, 1100}, map[string]size{"1080": {1080, 1080}, "640": {640, 640}, "320": {320, 320}, "thumb": {150, 150}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := MustProcess(t, p, PhoneJPEG(t, Photo(tt.src.W, tt.src.H), tt.orientation), imaging.Edit{})
			if res.Width != tt.upright.W || res.Height != tt.upright.H || res.Format != imaging.JPEG {
				t.Errorf("result = %s %d×%d, want jpeg %d×%d", res.Format, res.Width, res.Height, tt.upright.W, tt.upright.H)
			}
			var names []string
			for _, v := range res.Variants {
				names = append(names, v.Name)
				j, w := Decoded(t, res, v.Name)
				for format, m := range map[string]image.Image{"jpeg": j, "webp": w} {
					got := size{m.Bounds().Dx(), m.Bounds().Dy()}
					if got != tt.want[v.Name] || v.Width != got.W || v.Height != got.H {
						t.Errorf("%s %s: encoded %v, says %d×%d; want %v", v.Name, format, got, v.Width, v.Height, tt.want[v.Name])
					}
				}
				if o.ProgressiveJPEG && !bytes.Contains(markers(v.JPEG), []byte{0xc2}) {
					t.Errorf("%s: JPEG is not progressive (markers % x)", v.Name, markers(v.JPEG))
				}
			}
			if want := []string{"1080", "640", "320", "thumb"}; len(names) != 4 || names[0] != want[0] || names[3] != want[3] {
				t.Errorf("variants = %v, want %v", names, want)
			}
		})
	}
}

func testAutoOrients(t *testing.T, p imaging.Processor, _ Options) {
	// 80×64 as stored (within the allowed aspect either way up), red in
	// the top-left quarter; where that quarter is once the photo is upright.
	const (
		topLeft = iota
		topRight
		bottomRight
		bottomLeft
	)
	stored := MustJPEG(t, Quadrant(80, 64), 95)
	tests := []struct {
		orientation uint16
		w, h        int
		red         int
	}{
		{1, 80, 64, topLeft}, {2, 80, 64, topRight}, {3, 80, 64, bottomRight}, {4, 80, 64, bottomLeft},
		{5, 64, 80, topLeft}, {6, 64, 80, topRight}, {7, 64, 80, bottomRight}, {8, 64, 80, bottomLeft},
	}
	for _, tt := range tests {
		res := MustProcess(t, p, WithSegments(stored, PhoneExif(tt.orientation)), imaging.Edit{})
		if res.Width != tt.w || res.Height != tt.h {
			t.Errorf("orientation %d: result %d×%d, want %d×%d", tt.orientation, res.Width, res.Height, tt.w, tt.h)
		}
		for _, name := range []string{"1080", "thumb"} {
			j, w := Decoded(t, res, name)
			for format, m := range map[string]image.Image{"jpeg": j, "webp": w} {
				b := m.Bounds()
				if name == "1080" && (b.Dx() != tt.w || b.Dy() != tt.h) {
					t.Errorf("orientation %d: %s %s is %d×%d, want %d×%d", tt.orientation, name, format, b.Dx(), b.Dy(), tt.w, tt.h)
				}
				corners := [4]image.Point{{b.Min.X + 3, b.Min.Y + 3}, {b.Max.X - 4, b.Min.Y + 3}, {b.Max.X - 4, b.Max.Y - 4}, {b.Min.X + 3, b.Max.Y - 4}}
				for c, pt := range corners {
					want := Blue
					if c == tt.red {
						want = Red
					}
					if got := m.At(pt.X, pt.Y); !Near(got, want, 48) {
						t.Errorf("orientation %d, %s %s: corner %d = %v, want %v", tt.orientation, name, format, c, got, want)
					}
				}
			}
		}
	}
}

func testCropsToTheBox(t *testing.T, p imaging.Processor, _ Options) {
	// The member crops to the top-left quarter of an upright photo stored
	// turned: what is shown is all red, at the box's size.
	src := WithSegments(MustJPEG(t, Quadrant(400, 320), 95), PhoneExif(3)) // red ends up bottom right
	res := MustProcess(t, p, src, imaging.Edit{Crop: &imaging.Box{X: 0.5, Y: 0.5, W: 0.5, H: 0.5}})
	j, w := Decoded(t, res, "1080")
	for format, m := range map[string]image.Image{"jpeg": j, "webp": w} {
		if b := m.Bounds(); b.Dx() != 200 || b.Dy() != 160 {
			t.Errorf("%s: cropped size %v, want 200×160", format, b.Size())
		}
		if c := Mean(m, m.Bounds().Inset(4)); !Near(c, Red, 12) {
			t.Errorf("%s: cropped picture averages %v, want red", format, c)
		}
	}
}

func testFocusSteersTheAspectCrop(t *testing.T, p imaging.Processor, _ Options) {
	// A 1000×200 strip, red on its left fifth: too wide, so cropped to
	// 382×200; a focus on the left keeps the red, the default centre crop
	// drops it.
	m := Solid(1000, 200, Blue)
	for y := range 200 {
		for x := range 200 {
			m.SetRGBA(x, y, Red)
		}
	}
	src := MustJPEG(t, m, 95)
	left := MustProcess(t, p, src, imaging.Edit{Focus: imaging.Point{X: -1, Y: 0}})
	centre := MustProcess(t, p, src, imaging.Edit{})
	lj, _ := Decoded(t, left, "1080")
	cj, _ := Decoded(t, centre, "1080")
	if b := lj.Bounds(); b.Dx() != 382 || b.Dy() != 200 {
		t.Errorf("cropped size %v, want 382×200", b.Size())
	}
	if c := Mean(lj, image.Rect(5, 5, 150, 195)); !Near(c, Red, 16) {
		t.Errorf("focus left: left part is %v, want red", c)
	}
	if c := Mean(cj, cj.Bounds().Inset(5)); !Near(c, Blue, 16) {
		t.Errorf("centre crop: %v, want all blue", c)
	}
	lt, _ := Decoded(t, left, "thumb")
	if c := Mean(lt, lt.Bounds().Inset(5)); !Near(c, Red, 16) {
		t.Errorf("focus left: thumb is %v, want the red on the left", c)
	}
}

// markers lists a JPEG's marker bytes up to its first scan.
func markers(data []byte) []byte {
	var out []byte
	for i := 2; i+4 <= len(data) && data[i] == 0xff; {
		m := data[i+1]
		out = append(out, m)
		if m == 0xda {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	return out
}

func testStripsMetadata(t *testing.T, p imaging.Processor, _ Options) {
	res := MustProcess(t, p, PhoneJPEG(t, Photo(600, 450), 6), imaging.Edit{})
	for _, v := range res.Variants {
		for i := 2; i+4 <= len(v.JPEG) && v.JPEG[i] == 0xff; {
			m := v.JPEG[i+1]
			n := int(binary.BigEndian.Uint16(v.JPEG[i+2:]))
			payload := v.JPEG[i+4 : min(len(v.JPEG), i+2+n)]
			// JFIF's APP0 holds only a version and a pixel density.
			jfif := m == 0xe0 && bytes.HasPrefix(payload, []byte("JFIF\x00"))
			if (m >= 0xe0 && m <= 0xef && !jfif) || m == 0xfe {
				t.Errorf("%s: JPEG has marker %#x (APPn or comment)", v.Name, m)
			}
			if m == 0xda {
				break
			}
			i += 2 + n
		}
		for i := 12; i+8 <= len(v.WebP); {
			id := string(v.WebP[i : i+4])
			if id != "VP8 " && id != "VP8L" && id != "VP8X" && id != "ALPH" {
				t.Errorf("%s: WebP has a %q chunk", v.Name, id)
			}
			n := int(binary.LittleEndian.Uint32(v.WebP[i+4:]))
			i += 8 + n + n%2
		}
		for _, trace := range []string{"Exif", Secret, "PinholePhone", "ICC_PROFILE", "xmpmeta"} {
			if bytes.Contains(v.JPEG, []byte(trace)) || bytes.Contains(v.WebP, []byte(trace)) {
				t.Errorf("%s: contains %q", v.Name, trace)
			}
		}
	}
}

// reference renders what a filter must look like: the matrix applied in
// exact arithmetic to the source's own colours.
func reference(m imaging.Matrix, c color.RGBA) color.RGBA {
	in := [3]float64{float64(c.R), float64(c.G), float64(c.B)}
	var out [3]uint8
	for i := range 3 {
		v := m[i][0]*in[0] + m[i][1]*in[1] + m[i][2]*in[2] + m[i][3]
		out[i] = uint8(max(0, min(255, v+0.5)))
	}
	return color.RGBA{out[0], out[1], out[2], 0xff}
}

func testFiltersMatchTheReference(t *testing.T, p imaging.Processor, _ Options) {
	// Flat patches, so what is measured is the colour, not the scaling.
	const w, h = 320, 240
	src := MustPNG(t, Swatches(w, h))
	filters := imaging.Filters()
	if len(filters) < 13 {
		t.Fatalf("%d filters, want at least 12 besides normal", len(filters))
	}
	bw := false
	for _, f := range filters {
		intensities := []int{100}
		if f.Name == "noir" || f.Name == "golden" {
			intensities = append(intensities, 40) // the blend, on two looks
		}
		for _, intensity := range intensities {
			res := MustProcess(t, p, src, imaging.Edit{Filter: f.Name, Intensity: intensity})
			m := f.At(intensity)
			j, wp := Decoded(t, res, "320")
			for format, img := range map[string]image.Image{"jpeg": j, "webp": wp} {
				b := img.Bounds()
				for i, c := range SwatchColours {
					col, row := i%4, i/4
					patch := image.Rect(col*b.Dx()/4, row*b.Dy()/3, (col+1)*b.Dx()/4, (row+1)*b.Dy()/3).Inset(10)
					got, want := Mean(img, patch), reference(m, c)
					if !Near(got, want, 8) {
						t.Errorf("%s at %d, %s: patch %d = %v, want %v", f.Name, intensity, format, i, got, want)
					}
				}
			}
		}
		if g := f.At(100); sameRow(g[0], g[1]) && sameRow(g[1], g[2]) {
			bw = true
		}
	}
	if !bw {
		t.Errorf("no black-and-white filter among %d", len(filters))
	}
}

func sameRow(a, b [4]float64) bool {
	for i := range a {
		if d := a[i] - b[i]; d > 1e-9 || d < -1e-9 {
			return false
		}
	}
	return true
}

func testFlattensTransparency(t *testing.T, p imaging.Processor, _ Options) {
	src := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			if x >= 32 {
				src.SetNRGBA(x, y, color.NRGBA{0xff, 0, 0, 0xff})
			} else {
				src.SetNRGBA(x, y, color.NRGBA{0, 0xff, 0, 0}) // invisible green
			}
		}
	}
	res := MustProcess(t, p, MustPNG(t, src), imaging.Edit{})
	j, w := Decoded(t, res, "1080")
	for format, m := range map[string]image.Image{"jpeg": j, "webp": w} {
		if c := m.At(8, 24); !Near(c, White, 10) {
			t.Errorf("%s: transparent half = %v, want white", format, c)
		}
		if c := m.At(56, 24); !Near(c, Red, 16) {
			t.Errorf("%s: opaque half = %v, want red", format, c)
		}
	}
}

func testDecodesEveryFormat(t *testing.T, p imaging.Processor, _ Options) {
	tests := []struct {
		name   string
		data   []byte
		format imaging.Format
		want   color.RGBA
	}{
		{"PNG", MustPNG(t, Solid(64, 48, Red)), imaging.PNG, Red},
		{"GIF", MustGIF(t, Solid(64, 48, Blue)), imaging.GIF, Blue},
		{"WebP", WebPLossless(64, 48, color.NRGBA{0, 0, 0xff, 0x80}), imaging.WebP, color.RGBA{0x7f, 0x7f, 0xff, 0xff}},
		{"JPEG", MustJPEG(t, Solid(64, 48, Red), 95), imaging.JPEG, Red},
	}
	for _, tt := range tests {
		res := MustProcess(t, p, tt.data, imaging.Edit{})
		if res.Format != tt.format || res.Width != 64 || res.Height != 48 {
			t.Errorf("%s: result %s %d×%d, want %s 64×48", tt.name, res.Format, res.Width, res.Height, tt.format)
		}
		j, _ := Decoded(t, res, "1080")
		if c := j.At(32, 24); !Near(c, tt.want, 12) {
			t.Errorf("%s: pixel = %v, want %v", tt.name, c, tt.want)
		}
	}
}

func testComputesBlurhash(t *testing.T, p imaging.Processor, _ Options) {
	res := MustProcess(t, p, MustJPEG(t, Photo(400, 300), 90), imaging.Edit{})
	if len(res.Blurhash) != 4+2*4*3 {
		t.Errorf("blurhash %q: want 28 characters (4×3 components)", res.Blurhash)
	}
}

func testResizesOnDemand(t *testing.T, p imaging.Processor, _ Options) {
	res := MustProcess(t, p, MustJPEG(t, Quadrant(400, 300), 92), imaging.Edit{})
	display := res.Variants[0].JPEG
	q := imaging.Quality{JPEG: 85, WebP: 80}
	for _, f := range []imaging.Format{imaging.JPEG, imaging.WebP} {
		for _, s := range []size{{200, 200}, {300, 225}, {64, 100}} {
			data, err := p.Resize(context.Background(), display, s.W, s.H, f, q)
			if err != nil {
				t.Fatalf("Resize %v %s: %v", s, f, err)
			}
			var m image.Image
			if f == imaging.JPEG {
				m, err = jpeg.Decode(bytes.NewReader(data))
			} else {
				m, err = DecodeWebP(data)
			}
			if err != nil {
				t.Fatalf("Resize %v %s: does not decode: %v", s, f, err)
			}
			if got := (size{m.Bounds().Dx(), m.Bounds().Dy()}); got != s {
				t.Errorf("Resize %v %s: got %v", s, f, got)
			}
			if c := m.At(2, 2); !Near(c, Red, 48) {
				t.Errorf("Resize %v %s: top left = %v, want red", s, f, c)
			}
		}
	}
	if _, err := p.Resize(context.Background(), []byte("not a jpeg"), 10, 10, imaging.JPEG, q); pinhole.ErrorCode(err) != pinhole.EINVALID {
		t.Errorf("Resize of garbage: error %v, want EINVALID", err)
	}
}

// Hostile returns files that must be refused, by name.
func Hostile(tb testing.TB) map[string][]byte {
	r := rand.New(rand.NewPCG(5, 6))
	random := func(prefix string, n int) []byte {
		b := []byte(prefix)
		for range n {
			b = append(b, byte(r.IntN(256)))
		}
		return b
	}
	jpg := MustJPEG(tb, Photo(240, 180), 90)
	pngData := MustPNG(tb, Photo(240, 180))
	gifData := MustGIF(tb, Photo(120, 90))
	badGIF := append([]byte(nil), gifData...)
	for i := len(badGIF) / 3; i < len(badGIF)-1; i += 3 {
		badGIF[i] ^= 0x5a
	}
	return map[string][]byte{
		"Empty":                   nil,
		"Text":                    []byte("just some text"),
		"PDFNamedJPEG":            []byte("%PDF-1.7\n1 0 obj <<>> endobj\n"),
		"SVGWithScript":           []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"HTML":                    []byte("<!doctype html><script>alert(1)</script>"),
		"TruncatedJPEG":           jpg[:len(jpg)*2/3],
		"JPEGWithoutScan":         jpg[:300],
		"TruncatedPNG":            pngData[:len(pngData)*2/3],
		"PNGHeaderOnly":           PNGHeader(120, 90),
		"TruncatedGIF":            gifData[:len(gifData)*2/3],
		"GIFWithBadData":          badGIF,
		"TruncatedWebP":           WebPLossless(64, 48, color.NRGBA{A: 0xff})[:30],
		"RandomAfterJPEGMagic":    random("\xff\xd8\xff", 4096),
		"RandomAfterPNGMagic":     random("\x89PNG\r\n\x1a\n", 4096),
		"RandomAfterGIFMagic":     random("GIF89a", 4096),
		"RandomAfterWebPMagic":    random("RIFF\x00\x10\x00\x00WEBP", 4096),
		"DecompressionBomb":       PNGHeader(100000, 100000),
		"JustOverTheMegapixels":   PNGHeader(7072, 7071),
		"ScanBomb":                ScanBomb(7000, 7000, imaging.MaxJPEGScans+1),
		"SideTooLong":             PNGHeader(30001, 1),
		"ExifClaimingHugeOffsets": append(Segment(0xe1, []byte("Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff")), jpg[2:200]...),
	}
}

func testRefusesHostileFiles(t *testing.T, p imaging.Processor, _ Options) {
	for name, data := range Hostile(t) {
		if name == "ExifClaimingHugeOffsets" {
			data = append([]byte{0xff, 0xd8}, data...)
		}
		t.Run(name, func(t *testing.T) {
			res, err := imaging.Process(context.Background(), p, bytes.NewReader(data), imaging.Edit{}, imaging.NewDefaultConfig())
			if pinhole.ErrorCode(err) != pinhole.EINVALID || res != nil {
				t.Errorf("got %v, %v; want EINVALID", res, err)
			}
			if msg := pinhole.ErrorMessage(err); msg == "" || msg == "Internal error." {
				t.Errorf("message %q: want one that tells the member what is wrong", msg)
			}
		})
	}
}

func testStopsWhenCancelled(t *testing.T, p imaging.Processor, _ Options) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := imaging.Process(ctx, p, bytes.NewReader(MustJPEG(t, Photo(64, 48), 90)), imaging.Edit{}, imaging.NewDefaultConfig())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}
