package imaging

import (
	"context"
	"fmt"
	"image"

	"golang.org/x/image/draw"
)

// scaleBudget bounds the scratch memory of one CatmullRom pass: x/image/draw
// keeps 32 bytes for every (destination column, source row) pair, which for a
// tall photo would run to hundreds of megabytes in one call.
const scaleBudget = 8 << 20

// scaledSize returns the size of a w×h image scaled down to width maxW,
// keeping its aspect ratio. It never scales up.
func scaledSize(w, h, maxW int) (int, int) {
	if w <= maxW {
		return w, h
	}
	return maxW, max(1, (h*maxW*2+w)/(2*w)) // rounded to the nearest pixel
}

// resize renders src at exactly dw×dh as an opaque RGBA image, composited
// over white, with its top-left corner at the origin. It never modifies src
// and may return it when nothing changes.
//
// Large reductions go in two steps, as libvips does: a cheap box average
// and bilinear pass down to twice the target, then CatmullRom, which is
// sharp but costs in proportion to the source it reads.
func resize(ctx context.Context, src image.Image, dw, dh int) (*image.RGBA, error) {
	sb := src.Bounds()
	opaque := isOpaque(src) // may scan every pixel: once per resize
	if sb.Dx() == dw && sb.Dy() == dh {
		if m, ok := src.(*image.RGBA); ok && sb.Min == (image.Point{}) && opaque {
			return m, nil
		}
		dst := canvas(dw, dh, opaque)
		flatten(dst, dst.Bounds(), src, sb.Min, opaque)
		return dst, nil
	}
	if sb.Dx() >= 2*dw && sb.Dy() >= 2*dh {
		if k := min(sb.Dx()/(2*dw), sb.Dy()/(2*dh)); k >= 2 {
			shrunk, err := boxShrink(ctx, src, k, opaque)
			if err != nil {
				return nil, err
			}
			src, opaque = shrunk, true
		}
		if src.Bounds().Size() != image.Pt(2*dw, 2*dh) {
			mid := canvas(2*dw, 2*dh, opaque)
			draw.ApproxBiLinear.Scale(mid, mid.Bounds(), src, src.Bounds(), compose(opaque), nil)
			src, opaque = mid, true
		}
	}
	dst := canvas(dw, dh, opaque)
	if err := catmullRom(ctx, dst, src, opaque, scaleBudget); err != nil {
		return nil, err
	}
	return dst, nil
}

// catmullRom scales src into all of dst, which must be white where src is
// not opaque. When one call would need more than budget bytes of scratch,
// it scales in two separable passes over bands instead: horizontally in
// bands of rows, then vertically in bands of columns. A pass that keeps one
// axis at 1:1 copies that axis exactly, so the bands join without seams.
func catmullRom(ctx context.Context, dst *image.RGBA, src image.Image, opaque bool, budget int) error {
	const scratch = 32 // bytes per (destination column, source row)
	sr, dr := src.Bounds(), dst.Bounds()
	dw, dh, sh := dr.Dx(), dr.Dy(), sr.Dy()
	if dw*sh*scratch <= budget {
		draw.CatmullRom.Scale(dst, dr, src, sr, compose(opaque), nil)
		return nil
	}

	// One scaler per pass: its weights and scratch are reused by every band
	// of the same size; only a shorter last band pays for its own.
	mid := canvas(dw, sh, opaque)
	rows := max(1, min(sh, budget/(dw*scratch)))
	across := draw.CatmullRom.NewScaler(dw, rows, sr.Dx(), rows)
	for y := 0; y < sh; y += rows {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("imaging: resize: %w", err)
		}
		band := image.Rect(0, y, dw, min(y+rows, sh))
		from := image.Rect(sr.Min.X, sr.Min.Y+band.Min.Y, sr.Max.X, sr.Min.Y+band.Max.Y)
		across.Scale(mid.SubImage(band).(*image.RGBA), band, src, from, compose(opaque), nil)
	}

	cols := max(1, min(dw, budget/(sh*scratch)))
	down := draw.CatmullRom.NewScaler(cols, dh, cols, sh)
	for x := 0; x < dw; x += cols {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("imaging: resize: %w", err)
		}
		band := image.Rect(x, 0, min(x+cols, dw), dh).Add(dr.Min)
		from := image.Rect(x, 0, min(x+cols, dw), sh)
		down.Scale(dst.SubImage(band).(*image.RGBA), band, mid, from, draw.Src, nil)
	}
	return nil
}

// compose returns how to draw a source onto a white canvas: copy it when it
// is opaque, composite it otherwise. Passing Src for opaque sources also
// stops x/image/draw from scanning the whole source for opacity on every
// call, which banding would turn into a scan per band.
func compose(opaque bool) draw.Op {
	if opaque {
		return draw.Src
	}
	return draw.Over
}

// boxShrink averages every k×k block of src into one pixel, reading src a
// strip of k rows at a time so any image type costs no more than a strip.
// Partial blocks at the right and bottom edges average what they have.
func boxShrink(ctx context.Context, src image.Image, k int, opaque bool) (*image.RGBA, error) {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	dw, dh := (sw+k-1)/k, (sh+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	strip := image.NewRGBA(image.Rect(0, 0, sw, k))
	sums := make([]uint64, 3*dw)
	for dy := range dh {
		if dy%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("imaging: resize: %w", err)
			}
		}
		y0 := b.Min.Y + dy*k
		rows := min(k, b.Max.Y-y0)
		flatten(strip, image.Rect(0, 0, sw, rows), src, image.Pt(b.Min.X, y0), opaque)
		clear(sums)
		for y := range rows {
			row := strip.Pix[y*strip.Stride : y*strip.Stride+4*sw]
			for dx := range dw {
				var r, g, bl uint64
				for i := 4 * dx * k; i < 4*min(dx*k+k, sw); i += 4 {
					r += uint64(row[i])
					g += uint64(row[i+1])
					bl += uint64(row[i+2])
				}
				sums[3*dx] += r
				sums[3*dx+1] += g
				sums[3*dx+2] += bl
			}
		}
		out := dst.Pix[dy*dst.Stride:]
		for dx := range dw {
			n := uint64(min(k, sw-dx*k) * rows)
			out[4*dx] = uint8((sums[3*dx] + n/2) / n)
			out[4*dx+1] = uint8((sums[3*dx+1] + n/2) / n)
			out[4*dx+2] = uint8((sums[3*dx+2] + n/2) / n)
			out[4*dx+3] = 0xff
		}
	}
	return dst, nil
}

// flatten draws src from sp into r of dst, converting any colour model
// (YCbCr, CMYK, Gray, Paletted, 16-bit…) to RGB and compositing transparent
// pixels over white. opaque says whether src is known to be opaque.
func flatten(dst *image.RGBA, r image.Rectangle, src image.Image, sp image.Point, opaque bool) {
	if !opaque {
		fillWhite(dst, r)
	}
	draw.Draw(dst, r, src, sp, compose(opaque))
}

// canvas returns a w×h RGBA image to draw onto: white unless what is drawn
// is opaque and will cover it anyway.
func canvas(w, h int, opaque bool) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	if !opaque {
		fillWhite(m, m.Bounds())
	}
	return m
}

func fillWhite(m *image.RGBA, r image.Rectangle) {
	r = r.Intersect(m.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := m.PixOffset(r.Min.X, y)
		row := m.Pix[i : i+4*r.Dx()]
		for j := range row {
			row[j] = 0xff
		}
	}
}

// isOpaque reports whether every pixel of m is opaque. The standard image
// types answer from their colour model (YCbCr, Gray, CMYK) or by a scan.
func isOpaque(m image.Image) bool {
	o, ok := m.(interface{ Opaque() bool })
	return ok && o.Opaque()
}
