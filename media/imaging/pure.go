package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"

	"github.com/pinhole/pinhole"
)

// Pure returns the pure-Go processor: the standard decoders and
// golang.org/x/image, so a plain `go build` needs no C library. It ignores
// embedded ICC profiles (pixels are taken as sRGB) and writes baseline
// JPEGs: Go's encoder has no progressive mode.
func Pure() Processor { return pure{} }

type pure struct{}

func (pure) Name() string { return "go" }

func (pure) Render(ctx context.Context, src *Source, plan Plan, q Quality) ([]Variant, error) {
	display, err := displayPicture(ctx, src, plan)
	if err != nil {
		return nil, err
	}

	var out []Variant
	prev := display
	for _, size := range Variants {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("imaging: render: %w", err)
		}
		var m *image.RGBA
		w, h := plan.VariantSize(size.Width)
		if size.Width == 0 {
			m, err = resize(ctx, display.SubImage(plan.Thumb), w, h)
		} else {
			m, err = resize(ctx, prev, w, h)
		}
		if err != nil {
			return nil, err
		}
		v := Variant{Name: size.Name, Width: w, Height: h}
		if m == prev && len(out) > 0 {
			v.JPEG, v.WebP = out[len(out)-1].JPEG, out[len(out)-1].WebP
		} else if v.JPEG, v.WebP, err = encodeBoth(m, q); err != nil {
			return nil, err
		}
		out = append(out, v)
		if size.Width != 0 {
			prev = m
		}
	}
	return out, nil
}

func (pure) Resize(ctx context.Context, data []byte, w, h int, f Format, q Quality) (m []byte, err error) {
	defer recoverDecoder(&err)
	if _, err := Sniff(data); err != nil {
		return nil, err
	}
	hdr, err := decodeHeader(JPEG, bytes.NewReader(data), DisplayWidth*DisplayWidth*2)
	if err != nil {
		return nil, err
	}
	src, err := decode(JPEG, data, hdr)
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	r := fillRect(b.Dx(), b.Dy(), w, h).Add(b.Min)
	sub, ok := src.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return nil, fmt.Errorf("imaging: cannot crop a %T", src)
	}
	out, err := resize(ctx, sub.SubImage(r), w, h)
	if err != nil {
		return nil, err
	}
	switch f {
	case JPEG:
		return encodeJPEG(out, q.JPEG)
	case WebP:
		return encodeWebP(out, q.WebP)
	}
	return nil, pinhole.Errorf(pinhole.EINVALID, "On-demand sizes come as JPEG or WebP.")
}

// displayPicture decodes src and renders the largest variant's pixels:
// cropped, scaled, upright and filtered. It is the whole path hostile
// bytes take, which FuzzProcess exercises.
func displayPicture(ctx context.Context, src *Source, plan Plan) (*image.RGBA, error) {
	img, err := decode(src.Format, src.Data, image.Config{Width: src.Width, Height: src.Height})
	if err != nil {
		return nil, err
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return nil, fmt.Errorf("imaging: cannot crop a %T", img)
	}
	crop := storedRect(plan.Crop, src.Width, src.Height, src.Orientation).Add(img.Bounds().Min)
	// Resize before turning upright: the fewer pixels to move, the better.
	rw, rh := plan.Width, plan.Height
	if src.Orientation >= 5 {
		rw, rh = rh, rw
	}
	display, err := resize(ctx, sub.SubImage(crop), rw, rh)
	if err != nil {
		return nil, err
	}
	display = orient(display, src.Orientation)
	if plan.Filter != nil {
		if display == img { // never filter the decoder's own buffer in place
			display = copyRGBA(display)
		}
		plan.Filter.Apply(display)
	}
	return display, nil
}

// storedRect maps a rectangle of the upright picture back onto the
// picture as stored with an EXIF orientation; w×h is the stored size.
func storedRect(r image.Rectangle, w, h, orientation int) image.Rectangle {
	u0, v0, u1, v1 := r.Min.X, r.Min.Y, r.Max.X, r.Max.Y
	switch orientation {
	case 2:
		return image.Rect(w-u1, v0, w-u0, v1)
	case 3:
		return image.Rect(w-u1, h-v1, w-u0, h-v0)
	case 4:
		return image.Rect(u0, h-v1, u1, h-v0)
	case 5:
		return image.Rect(v0, u0, v1, u1)
	case 6:
		return image.Rect(v0, h-u1, v1, h-u0)
	case 7:
		return image.Rect(w-v1, h-u1, w-v0, h-u0)
	case 8:
		return image.Rect(w-v1, u0, w-v0, u1)
	}
	return r
}

func copyRGBA(m *image.RGBA) *image.RGBA {
	c := image.NewRGBA(m.Bounds())
	copy(c.Pix, m.Pix)
	return c
}
