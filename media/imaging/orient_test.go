package imaging

import (
	"image"
	"image/color"
	"testing"
)

func TestOrient(t *testing.T) {
	t.Parallel()
	// A 3×2 picture with six different pixels, stored as
	//   A B C
	//   D E F
	A, B, C := color.RGBA{1, 0, 0, 255}, color.RGBA{2, 0, 0, 255}, color.RGBA{3, 0, 0, 255}
	D, E, F := color.RGBA{4, 0, 0, 255}, color.RGBA{5, 0, 0, 255}, color.RGBA{6, 0, 0, 255}
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i, c := range []color.RGBA{A, B, C, D, E, F} {
		src.SetRGBA(i%3, i/3, c)
	}

	tests := []struct {
		name        string
		orientation int
		want        [][]color.RGBA // rows of the upright picture
	}{
		{"1KeepsAsStored", 1, [][]color.RGBA{{A, B, C}, {D, E, F}}},
		{"2MirrorsLeftRight", 2, [][]color.RGBA{{C, B, A}, {F, E, D}}},
		{"3Turns180", 3, [][]color.RGBA{{F, E, D}, {C, B, A}}},
		{"4MirrorsTopBottom", 4, [][]color.RGBA{{D, E, F}, {A, B, C}}},
		{"5Transposes", 5, [][]color.RGBA{{A, D}, {B, E}, {C, F}}},
		{"6TurnsClockwise", 6, [][]color.RGBA{{D, A}, {E, B}, {F, C}}},
		{"7Transverses", 7, [][]color.RGBA{{F, C}, {E, B}, {D, A}}},
		{"8TurnsAnticlockwise", 8, [][]color.RGBA{{C, F}, {B, E}, {A, D}}},
		{"UnknownKeepsAsStored", 9, [][]color.RGBA{{A, B, C}, {D, E, F}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := orient(src, tt.orientation)
			if w, h := got.Bounds().Dx(), got.Bounds().Dy(); w != len(tt.want[0]) || h != len(tt.want) {
				t.Fatalf("size = %d×%d, want %d×%d", w, h, len(tt.want[0]), len(tt.want))
			}
			for y, row := range tt.want {
				for x, want := range row {
					if c := got.RGBAAt(x, y); c != want {
						t.Errorf("pixel (%d,%d) = %v, want %v", x, y, c, want)
					}
				}
			}
		})
	}

	t.Run("ReadsFromSubImage", func(t *testing.T) {
		big := image.NewRGBA(image.Rect(0, 0, 5, 4))
		for y := range 2 {
			for x := range 3 {
				big.SetRGBA(x+1, y+2, src.RGBAAt(x, y))
			}
		}
		sub := big.SubImage(image.Rect(1, 2, 4, 4)).(*image.RGBA)
		got := orient(sub, 6)
		if c := got.RGBAAt(0, 0); c != D {
			t.Errorf("top-left = %v, want %v", c, D)
		}
		if c := got.RGBAAt(1, 2); c != C {
			t.Errorf("bottom-right = %v, want %v", c, C)
		}
	})

	t.Run("LeavesSourceUnchanged", func(t *testing.T) {
		before := append([]uint8(nil), src.Pix...)
		orient(src, 7)
		if string(before) != string(src.Pix) {
			t.Error("orient changed its source")
		}
	})
}
