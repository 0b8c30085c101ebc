package imaging

import (
	"context"
	"image"
)

// Processor renders checked images. Two implement it: Pure, in Go with no C
// libraries (the default build), and the libvips one in media/imaging/vips
// (built with -tags vips). Both pass the conformance suite in
// media/imaging/imagingtest: same sizes, orientation, crop and filter look,
// no metadata, hostile files refused.
//
// Process does the checks that keep hostile files out before a processor
// sees them (format from the bytes, dimensions from the header, scan count)
// and works out the Plan, so a processor only decodes and renders.
type Processor interface {
	// Name is "go" or "vips".
	Name() string
	// Render turns src upright, converts it to sRGB, flattens it over
	// white, crops it to plan.Crop, scales it to plan.Width×plan.Height,
	// applies plan.Filter and renders the variants in Variants' order.
	// Variants carry no metadata. A source it cannot decode is EINVALID.
	Render(ctx context.Context, src *Source, plan Plan, q Quality) ([]Variant, error)
	// Resize renders a stored JPEG variant at w×h (cropped to fill it
	// around the centre) for on-demand sizes, in the given format.
	Resize(ctx context.Context, jpegData []byte, w, h int, f Format, q Quality) ([]byte, error)
}

// Source is an uploaded image that passed the header checks.
type Source struct {
	Format      Format
	Data        []byte
	Width       int // as stored, before orientation
	Height      int
	Orientation int // EXIF, 1 to 8
}

// Upright returns the size of the picture turned upright.
func (s *Source) Upright() (w, h int) {
	if s.Orientation >= 5 {
		return s.Height, s.Width
	}
	return s.Width, s.Height
}

// Quality is the encoders' settings.
type Quality struct {
	JPEG int // 1 to 100
	WebP int // 1 to 100
}

// Variant is one rendered size of an image, in both formats.
type Variant struct {
	Name          string // "1080", "640", "320" or "thumb"
	Width, Height int
	JPEG          []byte // progressive where the processor can, no metadata
	WebP          []byte // lossy, no metadata
}

// Variants names the sizes every upload gets, largest first: the display
// widths (a narrower picture keeps its width), then the square thumbnail.
var Variants = []struct {
	Name  string
	Width int // 0 for the square thumbnail
}{
	{"1080", DisplayWidth},
	{"640", 640},
	{"320", 320},
	{"thumb", 0},
}

// ThumbSide is the side of the square "thumb" variant.
const ThumbSide = 150

// VariantSize returns the size of a named variant under a plan.
func (p Plan) VariantSize(width int) (int, int) {
	if width == 0 {
		return ThumbSide, ThumbSide
	}
	return scaledSize(p.Width, p.Height, width)
}

// fillRect returns the part of a w×h picture that, scaled, fills tw×th:
// the largest rectangle of that aspect, centred.
func fillRect(w, h, tw, th int) image.Rectangle {
	cw, ch := w, w*th/tw
	if ch > h {
		cw, ch = max(1, h*tw/th), h
	}
	cw, ch = max(1, cw), max(1, ch)
	x, y := (w-cw)/2, (h-ch)/2
	return image.Rect(x, y, x+cw, y+ch)
}
