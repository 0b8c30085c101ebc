package imaging

import (
	"image"
	"math"
)

// Matrix is an affine colour transform on 0–255 sRGB values: each output
// channel is a weighted sum of the input's red, green and blue plus an
// offset. Every filter is one, so the pure-Go processor, libvips (recomb
// and linear) and the upload page's previews (a canvas) compute the very
// same thing.
type Matrix [3][4]float64

var identity = Matrix{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}

// then returns m followed by n.
func (m Matrix) then(n Matrix) Matrix {
	var out Matrix
	for i := range 3 {
		for j := range 4 {
			v := 0.0
			for k := range 3 {
				v += n[i][k] * m[k][j]
			}
			if j == 3 {
				v += n[i][3]
			}
			out[i][j] = v
		}
	}
	return out
}

// The building blocks of the filters.

// Rec. 601 luma weights: what "black and white" means to most photo apps.
const lr, lg, lb = 0.299, 0.587, 0.114

func saturation(s float64) Matrix {
	return Matrix{
		{lr + (1-lr)*s, lg - lg*s, lb - lb*s, 0},
		{lr - lr*s, lg + (1-lg)*s, lb - lb*s, 0},
		{lr - lr*s, lg - lg*s, lb + (1-lb)*s, 0},
	}
}

func contrast(c float64) Matrix {
	o := 128 * (1 - c)
	return Matrix{{c, 0, 0, o}, {0, c, 0, o}, {0, 0, c, o}}
}

func gains(r, g, b float64) Matrix { return Matrix{{r, 0, 0, 0}, {0, g, 0, 0}, {0, 0, b, 0}} }

func offset(r, g, b float64) Matrix { return Matrix{{1, 0, 0, r}, {0, 1, 0, g}, {0, 0, 1, b}} }

func chain(ms ...Matrix) Matrix {
	out := identity
	for _, m := range ms {
		out = out.then(m)
	}
	return out
}

var sepia = Matrix{
	{0.393, 0.769, 0.189, 0},
	{0.349, 0.686, 0.168, 0},
	{0.272, 0.534, 0.131, 0},
}

// Filter is a named look a member can give a photo.
type Filter struct {
	Name        string // in the API
	DisplayName string // on the upload page
	Matrix      Matrix // at full intensity
}

// filters are Pinhole's looks, in the order the upload page shows them.
var filters = []Filter{
	{"normal", "Normal", identity},
	{"pop", "Pop", chain(contrast(1.18), saturation(1.35))},
	{"golden", "Golden", chain(gains(1.08, 1, 0.86), saturation(1.1), offset(6, 6, 6))},
	{"frost", "Frost", chain(gains(0.92, 1, 1.1), saturation(0.85), offset(4, 4, 4))},
	{"fade", "Fade", chain(contrast(0.82), offset(18, 18, 18), saturation(0.85))},
	{"noir", "Noir", chain(saturation(0), contrast(1.35))},
	{"silver", "Silver", chain(saturation(0), contrast(0.9), offset(10, 10, 10))},
	{"sepia", "Sepia", chain(sepia, contrast(1.05))},
	{"dune", "Dune", chain(gains(1.06, 1, 0.9), contrast(0.9), offset(14, 8, 0), saturation(0.9))},
	{"lagoon", "Lagoon", chain(gains(0.9, 1.04, 1.08), saturation(1.15), contrast(1.05))},
	{"ember", "Ember", chain(gains(1.12, 0.98, 0.85), contrast(1.2), saturation(1.2))},
	{"mist", "Mist", chain(saturation(0.6), contrast(0.8), offset(20, 22, 26))},
	{"velvet", "Velvet", chain(gains(1.05, 0.92, 1.06), offset(10, 0, 12), contrast(0.95))},
	{"meadow", "Meadow", chain(gains(0.98, 1.08, 0.94), saturation(1.2), offset(4, 4, 4))},
}

// Filters returns every filter, "normal" (none) first.
func Filters() []Filter { return append([]Filter(nil), filters...) }

// FilterByName finds a filter.
func FilterByName(name string) (Filter, bool) {
	for _, f := range filters {
		if f.Name == name {
			return f, true
		}
	}
	return Filter{}, false
}

func (f Filter) identity() bool { return f.Matrix == identity }

// At returns the filter's transform at an intensity from 0 (none) to 100
// (full): a blend of the picture and its filtered self.
func (f Filter) At(intensity int) Matrix {
	if intensity >= 100 {
		return f.Matrix
	}
	t := float64(max(0, intensity)) / 100
	var m Matrix
	for i := range 3 {
		for j := range 4 {
			m[i][j] = identity[i][j] + t*(f.Matrix[i][j]-identity[i][j])
		}
	}
	return m
}

// Apply transforms an opaque picture in place, rounding to the nearest
// value and clipping to 0–255.
func (m Matrix) Apply(img *image.RGBA) {
	// 16.16 fixed point: exact enough for 8-bit output, and fast.
	var k [3][4]int64
	for i := range 3 {
		for j := range 4 {
			k[i][j] = int64(math.Round(m[i][j] * 65536))
		}
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		for x := 0; x+3 < len(row); x += 4 {
			r, g, bl := int64(row[x]), int64(row[x+1]), int64(row[x+2])
			for i := range 3 {
				v := (k[i][0]*r + k[i][1]*g + k[i][2]*bl + k[i][3] + 1<<15) >> 16
				row[x+i] = uint8(max(0, min(v, 255)))
			}
		}
	}
}
