package imaging

import "image"

// orient returns m turned upright according to an EXIF orientation: 1 is
// stored upright, 2 to 8 are the mirrorings and quarter turns the EXIF
// standard lists. Orientations 5 to 8 swap width and height. m is not
// changed; for 1 (or an unknown value) m itself is returned.
func orient(m *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return m
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))

	// Source pixel (x, y) lands at byte start + x*stepX + y*stepY of dst.
	s := dst.Stride
	var start, stepX, stepY int
	switch orientation {
	case 2: // mirrored left to right
		start, stepX, stepY = 4*(w-1), -4, s
	case 3: // turned 180°
		start, stepX, stepY = 4*(w-1)+(h-1)*s, -4, -s
	case 4: // mirrored top to bottom
		start, stepX, stepY = (h-1)*s, 4, -s
	case 5: // transposed
		start, stepX, stepY = 0, s, 4
	case 6: // needs a quarter turn clockwise
		start, stepX, stepY = 4*(h-1), s, -4
	case 7: // transversed
		start, stepX, stepY = 4*(h-1)+(w-1)*s, -s, -4
	case 8: // needs a quarter turn anticlockwise
		start, stepX, stepY = (w-1)*s, -s, 4
	}
	for y := range h {
		row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		d := start + y*stepY
		for x := range w {
			copy(dst.Pix[d:d+4], row[4*x:4*x+4])
			d += stepX
		}
	}
	return dst
}
