package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
)

// Variant is one rendered size of an image.
type Variant struct {
	Name          string // "1080", "640", "320" or "thumb"
	Width, Height int
	Data          []byte // JPEG, no metadata; variants of equal size may share it
}

// widths are the widths of the full-picture variants, largest first: each
// one is rendered from the one before it.
var widths = []struct {
	name  string
	width int
}{
	{"1080", 1080},
	{"640", 640},
	{"320", 320},
}

// ThumbSide is the side of the square "thumb" variant.
const ThumbSide = 150

// render produces the variants of src, which is stored turned as
// orientation says. It returns them with the smallest full-picture variant,
// ready for the blurhash.
func render(ctx context.Context, src image.Image, orientation, quality int) ([]Variant, *image.RGBA, error) {
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	if orientation >= 5 {
		w, h = h, w
	}

	var (
		variants []Variant
		pictures []*image.RGBA
		prev     *image.RGBA
	)
	for _, size := range widths {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("imaging: render: %w", err)
		}
		tw, th := scaledSize(w, h, size.width)
		var (
			m   *image.RGBA
			err error
		)
		if prev == nil {
			// Resize before turning upright: the fewer pixels to move, the better.
			rw, rh := tw, th
			if orientation >= 5 {
				rw, rh = th, tw
			}
			if m, err = resize(ctx, src, rw, rh); err == nil {
				m = orient(m, orientation)
			}
		} else {
			m, err = resize(ctx, prev, tw, th)
		}
		if err != nil {
			return nil, nil, err
		}
		v := Variant{Name: size.name, Width: tw, Height: th}
		if m == prev {
			v.Data = variants[len(variants)-1].Data
		} else if v.Data, err = encodeJPEG(m, quality); err != nil {
			return nil, nil, err
		}
		variants = append(variants, v)
		pictures = append(pictures, m)
		prev = m
	}

	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("imaging: render: %w", err)
	}
	thumb, err := resize(ctx, centreSquare(thumbSource(pictures)), ThumbSide, ThumbSide)
	if err != nil {
		return nil, nil, err
	}
	data, err := encodeJPEG(thumb, quality)
	if err != nil {
		return nil, nil, err
	}
	variants = append(variants, Variant{Name: "thumb", Width: ThumbSide, Height: ThumbSide, Data: data})
	return variants, prev, nil
}

// thumbSource picks the smallest picture whose short side still covers the
// thumbnail, or the largest one when none does (the thumb is then scaled up
// so that every thumb in a grid is the same size).
func thumbSource(pictures []*image.RGBA) *image.RGBA {
	for i := len(pictures) - 1; i >= 0; i-- {
		if s := pictures[i].Bounds().Size(); min(s.X, s.Y) >= ThumbSide {
			return pictures[i]
		}
	}
	return pictures[0]
}

// centreSquare returns the largest square in the middle of m.
func centreSquare(m *image.RGBA) image.Image {
	b := m.Bounds()
	s := min(b.Dx(), b.Dy())
	x, y := b.Min.X+(b.Dx()-s)/2, b.Min.Y+(b.Dy()-s)/2
	return m.SubImage(image.Rect(x, y, x+s, y+s))
}

// encodeJPEG encodes m afresh. Go's encoder writes no APP segments at all,
// so nothing of the source's EXIF (GPS included), ICC or XMP comes along.
func encodeJPEG(m image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("imaging: encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}
