// Package imaging checks uploaded images and renders the sizes Pinhole
// serves. Process is the front door: it sniffs the format from the bytes,
// reads the dimensions from the header and refuses images too large to
// decode safely before anything is decoded, works out the crop and filter
// (a Plan), and hands the rest to a Processor: Pure (Go, the default) or
// libvips (media/imaging/vips, built with -tags vips). Every variant is
// re-encoded from pixels, so no metadata survives.
package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"

	"github.com/pinhole/pinhole"
)

// Result is what Process makes of one uploaded image.
type Result struct {
	Format        Format // of the source, from its bytes
	Width, Height int    // of the whole source turned upright, before cropping
	Plan          Plan
	// Variants are "1080", "640" and "320" (those widths at most: a
	// narrower picture keeps its width), then "thumb", 150×150.
	Variants []Variant
	Blurhash string // 4×3 components
}

// Process reads one image from r, checks it and renders its variants with
// p. The caller limits how many bytes r yields. Anything wrong with the
// image itself is an EINVALID error whose message can be shown to the
// member.
func Process(ctx context.Context, p Processor, r io.Reader, e Edit, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("imaging: read: %w", err)
	}
	src, err := Check(data, cfg)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("imaging: %w", err)
	}
	w, h := src.Upright()
	plan := NewPlan(w, h, e)
	variants, err := p.Render(ctx, src, plan, Quality{JPEG: cfg.Quality, WebP: cfg.WebPQuality})
	if err != nil {
		return nil, err
	}
	if len(variants) != len(Variants) {
		return nil, fmt.Errorf("imaging: %s rendered %d variants, want %d", p.Name(), len(variants), len(Variants))
	}
	// The blurhash comes from the smallest full picture, decoded here, so
	// both processors give the same hash for the same pixels.
	small, err := jpeg.Decode(bytes.NewReader(variants[2].JPEG))
	if err != nil {
		return nil, fmt.Errorf("imaging: decode own variant: %w", err)
	}
	hash, err := blurhashOf(ctx, small)
	if err != nil {
		return nil, err
	}
	return &Result{Format: src.Format, Width: w, Height: h, Plan: plan, Variants: variants, Blurhash: hash}, nil
}

// Check sniffs data's format, reads its header and checks it against the
// limits, without decoding any pixels.
func Check(data []byte, cfg Config) (*Source, error) {
	format, err := Sniff(data)
	if err != nil {
		return nil, err
	}
	hdr, err := decodeHeader(format, bytes.NewReader(data), cfg.MaxPixels)
	if err != nil {
		return nil, err
	}
	if format == JPEG && jpegScans(data, MaxJPEGScans) > MaxJPEGScans {
		return nil, pinhole.Errorf(pinhole.EINVALID, "The image has more than %d scans, which no camera or editor writes", MaxJPEGScans)
	}
	return &Source{Format: format, Data: data, Width: hdr.Width, Height: hdr.Height, Orientation: orientationOf(format, data)}, nil
}

// CheckHeader reads only the start of r: the format and the dimensions.
// It is what an upload request runs before accepting a file, so a
// decompression bomb is refused in a moment with little memory.
func CheckHeader(r io.Reader, cfg Config) (Format, int, int, error) {
	var head [SniffLen]byte
	n, _ := io.ReadFull(r, head[:])
	format, err := Sniff(head[:n])
	if err != nil {
		return "", 0, 0, err
	}
	hdr, err := decodeHeader(format, io.MultiReader(bytes.NewReader(head[:n]), r), cfg.MaxPixels)
	if err != nil {
		return "", 0, 0, err
	}
	return format, hdr.Width, hdr.Height, nil
}
