package imaging

import (
	"image"
	"math"

	"github.com/pinhole/pinhole"
)

// The allowed aspect range of a displayed photo, width over height, as
// Instagram has it: from 4:5 (portrait) to 1.91:1 (landscape). A picture
// outside it is cropped, never letterboxed.
const (
	MinAspect = 4.0 / 5.0
	MaxAspect = 1.91
)

// DisplayWidth is the width of the largest variant; narrower pictures keep
// their own width.
const DisplayWidth = 1080

// Box is a crop box in fractions of the upright picture: 0,0 is the top
// left corner and 1,1 the bottom right. Fractions, not pixels, because a
// client shows the photo at whatever size suits it.
type Box struct {
	X, Y, W, H float64
}

// Point is a focus point as Mastodon's API gives it: x from -1 (left) to 1
// (right), y from 1 (top) to -1 (bottom); 0,0 is the centre.
type Point struct {
	X, Y float64
}

// Edit is what the member chose for a photo: where to crop and which
// filter, at what intensity. The zero Edit is a centre crop, no filter.
type Edit struct {
	Crop      *Box // nil: the whole picture
	Focus     Point
	Filter    string // a Filter's Name; "" is none
	Intensity int    // 0 to 100; used when Filter is set
}

// Validate checks an Edit; the messages speak to the member (EINVALID).
func (e Edit) Validate() error {
	if c := e.Crop; c != nil {
		ok := func(v float64) bool { return !math.IsNaN(v) && v >= 0 && v <= 1 }
		if !ok(c.X) || !ok(c.Y) || !ok(c.W) || !ok(c.H) || c.W <= 0 || c.H <= 0 || c.X+c.W > 1.000001 || c.Y+c.H > 1.000001 {
			return pinhole.Errorf(pinhole.EINVALID, "crop must be a box inside the photo: x,y,width,height as fractions from 0 to 1.")
		}
	}
	if math.IsNaN(e.Focus.X) || math.IsNaN(e.Focus.Y) || math.Abs(e.Focus.X) > 1 || math.Abs(e.Focus.Y) > 1 {
		return pinhole.Errorf(pinhole.EINVALID, "focus must be two numbers from -1.0 to 1.0, like 0.2,-0.5.")
	}
	if e.Filter != "" {
		if _, ok := FilterByName(e.Filter); !ok {
			return pinhole.Errorf(pinhole.EINVALID, "filter %.40q is not one of Pinhole's filters; GET /api/pinhole/v1/filters lists them.", e.Filter)
		}
	}
	if e.Intensity < 0 || e.Intensity > 100 {
		return pinhole.Errorf(pinhole.EINVALID, "filter_intensity must be from 0 to 100.")
	}
	return nil
}

// Plan is the geometry and colour of one rendering, worked out once from
// the header so that every processor makes the same picture.
type Plan struct {
	// Crop is the part of the upright source that is shown, in pixels.
	Crop image.Rectangle
	// Width and Height are the size of the largest variant ("1080").
	Width, Height int
	// Thumb is the square of the largest variant the thumbnail shows.
	Thumb image.Rectangle
	// Filter is the colour transform; nil for none.
	Filter *Matrix
}

// NewPlan works out the rendering of a w×h upright picture.
func NewPlan(w, h int, e Edit) Plan {
	r := image.Rect(0, 0, w, h)
	if c := e.Crop; c != nil {
		x0, y0 := int(math.Round(c.X*float64(w))), int(math.Round(c.Y*float64(h)))
		x1, y1 := int(math.Round((c.X+c.W)*float64(w))), int(math.Round((c.Y+c.H)*float64(h)))
		r = image.Rect(x0, y0, max(x1, x0+1), max(y1, y0+1)).Intersect(image.Rect(0, 0, w, h))
		if r.Empty() {
			r = image.Rect(0, 0, w, h)
		}
	}
	// The focus point, in pixels of the upright picture.
	fx := (e.Focus.X + 1) / 2 * float64(w)
	fy := (1 - e.Focus.Y) / 2 * float64(h)
	if e.Crop != nil && e.Focus == (Point{}) {
		fx, fy = float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2
	}
	cw, ch := r.Dx(), r.Dy()
	switch {
	case float64(cw) > MaxAspect*float64(ch):
		nw := max(1, int(math.Floor(MaxAspect*float64(ch))))
		x := span(fx, nw, r.Min.X, r.Max.X)
		r = image.Rect(x, r.Min.Y, x+nw, r.Max.Y)
	case float64(cw) < MinAspect*float64(ch):
		nh := max(1, int(math.Floor(float64(cw)/MinAspect)))
		y := span(fy, nh, r.Min.Y, r.Max.Y)
		r = image.Rect(r.Min.X, y, r.Max.X, y+nh)
	}
	dw, dh := scaledSize(r.Dx(), r.Dy(), DisplayWidth)

	// The thumbnail: the largest square of the display picture, centred on
	// the focus point as far as the edges allow.
	side := min(dw, dh)
	tx := span((fx-float64(r.Min.X))*float64(dw)/float64(r.Dx()), side, 0, dw)
	ty := span((fy-float64(r.Min.Y))*float64(dh)/float64(r.Dy()), side, 0, dh)
	p := Plan{Crop: r, Width: dw, Height: dh, Thumb: image.Rect(tx, ty, tx+side, ty+side)}
	if f, ok := FilterByName(e.Filter); ok && e.Intensity > 0 && !f.identity() {
		m := f.At(e.Intensity)
		p.Filter = &m
	}
	return p
}

// span returns where a run of n pixels centred on c starts, kept within
// [lo, hi).
func span(c float64, n, lo, hi int) int {
	s := int(math.Round(c - float64(n)/2))
	return max(lo, min(s, hi-n))
}
