package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/gen2brain/webp"
)

// encodeJPEG encodes m afresh. Go's encoder writes no APP segments at all,
// so nothing of the source's EXIF (GPS included), ICC or XMP comes along.
func encodeJPEG(m image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("imaging: encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

// encodeWebP encodes an opaque m as lossy WebP, with no metadata chunks.
// The encoder is libwebp, loaded as a shared library when the system has
// one and run as WebAssembly in Go otherwise: no cgo either way.
func encodeWebP(m *image.RGBA, quality int) ([]byte, error) {
	// Opaque RGBA and NRGBA are the same bytes: no conversion copy.
	n := &image.NRGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
	var buf bytes.Buffer
	if err := webp.Encode(&buf, n, webp.Options{Quality: quality, Method: 4}); err != nil {
		return nil, fmt.Errorf("imaging: encode webp: %w", err)
	}
	return buf.Bytes(), nil
}

func encodeBoth(m *image.RGBA, q Quality) (jpg, wp []byte, err error) {
	if jpg, err = encodeJPEG(m, q.JPEG); err != nil {
		return nil, nil, err
	}
	if wp, err = encodeWebP(m, q.WebP); err != nil {
		return nil, nil, err
	}
	return jpg, wp, nil
}
