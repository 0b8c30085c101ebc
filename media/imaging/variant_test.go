package imaging

import (
	"context"
	"image"
	"testing"
)

func TestThumbSource(t *testing.T) {
	t.Parallel()
	pics := func(sizes ...image.Point) []*image.RGBA {
		var out []*image.RGBA
		for _, s := range sizes {
			out = append(out, image.NewRGBA(image.Rectangle{Max: s}))
		}
		return out
	}
	tests := []struct {
		name     string
		pictures []*image.RGBA
		want     int
	}{
		{"SmallestThatCovers", pics(image.Pt(1080, 810), image.Pt(640, 480), image.Pt(320, 240)), 2},
		{"SkipsTooShort", pics(image.Pt(1080, 180), image.Pt(640, 107), image.Pt(320, 53)), 0},
		{"ExactlyTheSide", pics(image.Pt(1080, 506), image.Pt(640, 300), image.Pt(320, 150)), 2},
		{"LargestWhenNoneCovers", pics(image.Pt(100, 60), image.Pt(100, 60), image.Pt(100, 60)), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := thumbSource(tt.pictures); got != tt.pictures[tt.want] {
				t.Errorf("thumbSource() = %v, want picture %d", got.Bounds(), tt.want)
			}
		})
	}
}

func TestCentreSquare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		size image.Point
		want image.Rectangle
	}{
		{image.Pt(320, 240), image.Rect(40, 0, 280, 240)},
		{image.Pt(240, 320), image.Rect(0, 40, 240, 280)},
		{image.Pt(5, 2), image.Rect(1, 0, 3, 2)},
		{image.Pt(7, 7), image.Rect(0, 0, 7, 7)},
	}
	for _, tt := range tests {
		if got := centreSquare(image.NewRGBA(image.Rectangle{Max: tt.size})).Bounds(); got != tt.want {
			t.Errorf("centreSquare(%v) = %v, want %v", tt.size, got, tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	t.Run("SharesDataBetweenEqualSizes", func(t *testing.T) {
		variants, _, err := render(context.Background(), photo(300, 200), 1, 85)
		if err != nil {
			t.Fatal(err)
		}
		if &variants[0].Data[0] != &variants[1].Data[0] || &variants[1].Data[0] != &variants[2].Data[0] {
			t.Error("300px variants 1080, 640 and 320 were encoded separately, want them shared")
		}
	})

	t.Run("ReturnsSmallestPictureUpright", func(t *testing.T) {
		_, smallest, err := render(context.Background(), photo(900, 600), 6, 85)
		if err != nil {
			t.Fatal(err)
		}
		if got := smallest.Bounds().Size(); got != image.Pt(320, 480) {
			t.Errorf("smallest picture = %v, want 320×480", got)
		}
	})
}
