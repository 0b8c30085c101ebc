package imaging

import (
	"context"
	"image"
	"image/color"
	"image/color/palette"
	"math/rand/v2"
	"testing"
)

func TestScaledSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h, maxW   int
		wantW, wantH int
	}{
		{2000, 1500, 1080, 1080, 810},
		{2000, 1500, 640, 640, 480},
		{1500, 2000, 1080, 1080, 1440},
		{1170, 2532, 1080, 1080, 2337}, // 2337.2 rounds down
		{1000, 667, 640, 640, 427},     // 426.9 rounds up
		{500, 400, 1080, 500, 400},     // never scales up
		{1080, 5, 1080, 1080, 5},
		{30000, 2, 1080, 1080, 1}, // never below one pixel
	}
	for _, tt := range tests {
		if w, h := scaledSize(tt.w, tt.h, tt.maxW); w != tt.wantW || h != tt.wantH {
			t.Errorf("scaledSize(%d, %d, %d) = %d×%d, want %d×%d", tt.w, tt.h, tt.maxW, w, h, tt.wantW, tt.wantH)
		}
	}
}

func TestResize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ReturnsOpaqueRGBAOfSameSizeAsIs", func(t *testing.T) {
		src := solid(10, 10, red)
		got, err := resize(ctx, src, 10, 10)
		if err != nil || got != src {
			t.Errorf("resize() = %p, %v; want the source %p", got, err, src)
		}
	})

	t.Run("PutsResultAtOrigin", func(t *testing.T) {
		sub := solid(40, 40, red).SubImage(image.Rect(10, 10, 30, 30))
		for _, size := range []image.Point{{20, 20}, {7, 7}} {
			got, err := resize(ctx, sub, size.X, size.Y)
			if err != nil {
				t.Fatal(err)
			}
			if b := got.Bounds(); b != (image.Rectangle{Max: size}) {
				t.Errorf("bounds = %v, want %v at the origin", b, size)
			}
		}
	})

	t.Run("ConvertsEveryColourModelToRGB", func(t *testing.T) {
		const w, h = 64, 48
		ycbcr := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		y, cb, cr := color.RGBToYCbCr(0xff, 0, 0)
		for i := range ycbcr.Y {
			ycbcr.Y[i] = y
		}
		for i := range ycbcr.Cb {
			ycbcr.Cb[i], ycbcr.Cr[i] = cb, cr
		}
		fill := func(m interface {
			image.Image
			Set(x, y int, c color.Color)
		}, c color.Color) image.Image {
			for y := range h {
				for x := range w {
					m.Set(x, y, c)
				}
			}
			return m
		}
		rect := image.Rect(0, 0, w, h)
		tests := []struct {
			name string
			src  image.Image
			want color.RGBA
		}{
			{"YCbCr", ycbcr, red},
			{"Gray", fill(image.NewGray(rect), color.Gray{0x80}), color.RGBA{0x80, 0x80, 0x80, 0xff}},
			{"Gray16", fill(image.NewGray16(rect), color.Gray16{0x8080}), color.RGBA{0x80, 0x80, 0x80, 0xff}},
			{"CMYK", fill(image.NewCMYK(rect), color.CMYK{0, 0xff, 0xff, 0}), red},
			{"Paletted", fill(image.NewPaletted(rect, palette.Plan9), red), red},
			{"PalettedTransparentIsWhite", fill(image.NewPaletted(rect, color.Palette{color.Transparent, red}), color.Transparent), white},
			{"NRGBA", fill(image.NewNRGBA(rect), color.NRGBA{0, 0, 0xff, 0xff}), blue},
			{"NRGBATransparentIsWhite", fill(image.NewNRGBA(rect), color.NRGBA{0, 0, 0, 0}), white},
			{"NRGBAHalfRedIsPink", fill(image.NewNRGBA(rect), color.NRGBA{0xff, 0, 0, 0x80}), color.RGBA{0xff, 0x7f, 0x7f, 0xff}},
			{"RGBATransparentIsWhite", fill(image.NewRGBA(rect), color.RGBA{}), white},
			{"NRGBA64", fill(image.NewNRGBA64(rect), color.NRGBA64{0xffff, 0, 0, 0xffff}), red},
			{"RGBA64TransparentIsWhite", fill(image.NewRGBA64(rect), color.RGBA64{}), white},
		}
		sizes := []image.Point{{w, h}, {w / 2, h / 2}, {w / 5, h / 5}}
		for _, tt := range tests {
			for _, size := range sizes {
				got, err := resize(ctx, tt.src, size.X, size.Y)
				if err != nil {
					t.Fatalf("%s: resize: %v", tt.name, err)
				}
				if s := got.Bounds().Size(); s != size {
					t.Errorf("%s: size = %v, want %v", tt.name, s, size)
				}
				for _, p := range []image.Point{{0, 0}, {size.X - 1, size.Y - 1}, {size.X / 2, size.Y / 2}} {
					if c := got.RGBAAt(p.X, p.Y); !near(c, tt.want, 2) || c.A != 0xff {
						t.Errorf("%s at %v: pixel %v = %v, want %v", tt.name, size, p, c, tt.want)
					}
				}
			}
		}
	})

	t.Run("KeepsEdgesFreeOfTheWhiteCanvas", func(t *testing.T) {
		// Every path: box and bilinear, CatmullRom in one call and in bands.
		src := solid(1200, 900, blue)
		for _, size := range []image.Point{{500, 375}, {250, 180}, {150, 150}, {1199, 899}} {
			got, err := resize(ctx, src, size.X, size.Y)
			if err != nil {
				t.Fatal(err)
			}
			for y := range size.Y {
				for x := range size.X {
					if c := got.RGBAAt(x, y); c != blue {
						t.Fatalf("%v: pixel (%d,%d) = %v, want %v", size, x, y, c, blue)
					}
				}
			}
		}
	})

	t.Run("AveragesBoxesIncludingPartialOnes", func(t *testing.T) {
		// 5×3, k=2: blocks of 2×2, 1×2 at the right, 2×1 and 1×1 at the bottom.
		src := image.NewGray(image.Rect(0, 0, 5, 3))
		copy(src.Pix, []uint8{
			0, 100, 10, 10, 7,
			200, 100, 30, 30, 9,
			50, 60, 90, 90, 255,
		})
		got, err := boxShrink(ctx, src, 2, true)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]uint8{{100, 20, 8}, {55, 90, 255}}
		if s := got.Bounds().Size(); s != image.Pt(3, 2) {
			t.Fatalf("size = %v, want 3×2", s)
		}
		for y, row := range want {
			for x, v := range row {
				if c := got.RGBAAt(x, y); c != (color.RGBA{v, v, v, 0xff}) {
					t.Errorf("pixel (%d,%d) = %v, want gray %d", x, y, c, v)
				}
			}
		}
	})

	t.Run("StopsWhenCancelled", func(t *testing.T) {
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := resize(cancelled, solid(2000, 2000, red), 100, 100); err == nil {
			t.Error("box path: want an error from a cancelled context")
		}
		dst := image.NewRGBA(image.Rect(0, 0, 100, 100))
		if err := catmullRom(cancelled, dst, solid(150, 150, red), true, 1); err == nil {
			t.Error("banded path: want an error from a cancelled context")
		}
	})
}

func TestCatmullRomInBands(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	noise := func(m *image.NRGBA) *image.NRGBA {
		for i := range m.Pix {
			m.Pix[i] = uint8(r.IntN(256))
		}
		return m
	}
	opaque := noise(image.NewNRGBA(image.Rect(0, 0, 301, 203)))
	for i := 3; i < len(opaque.Pix); i += 4 {
		opaque.Pix[i] = 0xff
	}
	translucent := noise(image.NewNRGBA(image.Rect(0, 0, 301, 203)))
	offset := noise(image.NewNRGBA(image.Rect(0, 0, 320, 240))).SubImage(image.Rect(17, 9, 300, 230))
	tests := []struct {
		name string
		src  image.Image
		size image.Point
	}{
		{"Down", opaque, image.Pt(137, 91)},
		{"DownHalf", opaque, image.Pt(150, 101)},
		{"Up", opaque, image.Pt(407, 290)},
		{"TallerNarrower", opaque, image.Pt(97, 260)},
		{"Translucent", translucent, image.Pt(137, 91)},
		{"SubImage", offset, image.Pt(150, 150)},
	}
	scale := func(t *testing.T, src image.Image, size image.Point, budget int) *image.RGBA {
		t.Helper()
		m := canvas(size.X, size.Y, isOpaque(src))
		if err := catmullRom(context.Background(), m, src, isOpaque(src), budget); err != nil {
			t.Fatal(err)
		}
		return m
	}

	t.Run("JoinWithoutSeams", func(t *testing.T) {
		// Bands of one row and one column against bands of several: any
		// seam would show as a difference along the band edges.
		for _, tt := range tests {
			want := scale(t, tt.src, tt.size, 1)
			for _, budget := range []int{32 * tt.size.X * 7, 32 * 13 * tt.src.Bounds().Dy()} {
				if got := scale(t, tt.src, tt.size, budget); string(got.Pix) != string(want.Pix) {
					t.Errorf("%s: bands for budget %d differ from bands of one row and column", tt.name, budget)
				}
			}
		}
	})

	t.Run("MatchOneCallOnPhotos", func(t *testing.T) {
		// One call keeps the horizontal pass in floating point; bands store
		// it in 8 bits, clipping CatmullRom's overshoot. On noise that
		// differs a lot; on a picture it must not.
		src := photo(301, 203)
		for _, size := range []image.Point{{137, 91}, {150, 101}, {407, 290}, {97, 260}} {
			want := scale(t, src, size, 1<<40)
			got := scale(t, src, size, 1)
			worst, total := 0, 0
			for i := range want.Pix {
				d := max(int(want.Pix[i])-int(got.Pix[i]), int(got.Pix[i])-int(want.Pix[i]))
				worst, total = max(worst, d), total+d
			}
			if mean := float64(total) / float64(len(want.Pix)); worst > 2 || mean > 0.3 {
				t.Errorf("%v: difference from one call: largest %d, mean %.2f; want at most 2 and 0.3", size, worst, mean)
			}
		}
	})
}
