// Package imaging checks uploaded images and renders the sizes Pinhole
// serves: it sniffs the format from the bytes, refuses images too large to
// decode safely, turns JPEGs upright by their EXIF orientation, and
// re-encodes every variant as a JPEG without any of the source's metadata.
// It is pure Go: the standard decoders, golang.org/x/image for WebP and
// resampling, and a blurhash encoder.
package imaging

import (
	"context"
	"fmt"
	"io"
)

// Result is what Process makes of one uploaded image.
type Result struct {
	Format        Format // of the source, from its bytes
	Width, Height int    // of the whole source turned upright, before resizing
	// Variants are always "1080", "640" and "320" (those widths at most: a
	// narrower source keeps its width), then "thumb", a 150×150 centre crop.
	Variants []Variant
	Blurhash string     // 4×3 components
	Focus    [2]float64 // point of interest; always 0,0 for now
}

// Process reads one image from r, checks it and renders its variants.
//
// The caller limits how many bytes r yields. The format comes from the
// bytes; the dimensions from the header, checked against cfg before the
// image is decoded. JPEGs are turned upright by their EXIF orientation.
// Every variant is re-encoded from pixels, so no metadata survives.
// Anything wrong with the image itself is an EINVALID error whose message
// can be shown to the member.
func Process(ctx context.Context, r io.Reader, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("imaging: read: %w", err)
	}
	format, err := Sniff(data)
	if err != nil {
		return nil, err
	}
	hdr, err := decodeHeader(format, data, cfg.MaxPixels)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("imaging: %w", err)
	}
	img, err := decode(format, data, hdr)
	if err != nil {
		return nil, err
	}
	orientation := 1
	if format == JPEG {
		orientation = jpegOrientation(data)
	}

	variants, smallest, err := render(ctx, img, orientation, cfg.Quality)
	if err != nil {
		return nil, err
	}
	hash, err := blurhashOf(ctx, smallest)
	if err != nil {
		return nil, err
	}

	w, h := hdr.Width, hdr.Height
	if orientation >= 5 {
		w, h = h, w
	}
	return &Result{
		Format:   format,
		Width:    w,
		Height:   h,
		Variants: variants,
		Blurhash: hash,
	}, nil
}
