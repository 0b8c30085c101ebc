package imaging

import (
	"context"
	"image"
	"testing"

	"github.com/buckket/go-blurhash"
)

func TestBlurhashOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    *image.RGBA
	}{
		{"Landscape", photo(320, 240)},
		{"Portrait", photo(240, 320)},
		{"SmallerThanItsDownscale", photo(12, 9)},
		{"OnePixel", photo(1, 1)},
		{"Sliver", photo(320, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash, err := blurhashOf(context.Background(), tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if x, y, err := blurhash.Components(hash); err != nil || x != 4 || y != 3 {
				t.Errorf("blurhash %q has %d×%d components (%v), want 4×3", hash, x, y, err)
			}
			if _, err := blurhash.Decode(hash, 32, 24, 1); err != nil {
				t.Errorf("blurhash %q does not decode: %v", hash, err)
			}
		})
	}

	t.Run("DependsOnThePicture", func(t *testing.T) {
		a, err := blurhashOf(context.Background(), solid(64, 48, red))
		if err != nil {
			t.Fatal(err)
		}
		b, err := blurhashOf(context.Background(), quadrant(64, 48))
		if err != nil {
			t.Fatal(err)
		}
		if a == b {
			t.Errorf("red and red-on-blue both hash to %q", a)
		}
	})
}
