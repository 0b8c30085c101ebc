package imaging

import (
	"bytes"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"

	"github.com/pinhole/pinhole"
	"golang.org/x/image/webp"
)

// codec pairs a format's header reader and decoder. They are called
// directly rather than through image.Decode, so the format Sniff found is
// the one decoded, whatever other packages register.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[Format]codec{
	JPEG: {jpeg.DecodeConfig, jpeg.Decode},
	PNG:  {png.DecodeConfig, png.Decode},
	GIF:  {gif.DecodeConfig, gif.Decode}, // gif.Decode stops after the first frame
	WebP: {webp.DecodeConfig, webp.Decode},
}

// decodeHeader reads the dimensions from the header alone, so an image
// claiming to be enormous is refused before anything is allocated for it.
func decodeHeader(f Format, r io.Reader, maxPixels int64) (hdr image.Config, err error) {
	defer recoverDecoder(&err)
	hdr, err = codecs[f].config(r)
	if err != nil {
		return image.Config{}, pinhole.Errorf(pinhole.EINVALID, "The image could not be decoded: %v", err)
	}
	w, h := int64(hdr.Width), int64(hdr.Height)
	switch {
	case w < 1 || h < 1:
		return image.Config{}, pinhole.Errorf(pinhole.EINVALID, "The image is %d×%d; it has no pixels", w, h)
	case w*h > maxPixels:
		return image.Config{}, pinhole.Errorf(pinhole.EINVALID, "The image is %d×%d = %s megapixels; the limit is %s",
			w, h, megapixels(w*h), megapixels(maxPixels))
	case w > MaxSide || h > MaxSide:
		return image.Config{}, pinhole.Errorf(pinhole.EINVALID, "The image is %d×%d; no side may be longer than %d pixels", w, h, MaxSide)
	}
	return hdr, nil
}

// decode decodes the whole image (the first frame of an animation) and
// places it on a canvas of the size its header stated.
func decode(f Format, data []byte, hdr image.Config) (m image.Image, err error) {
	defer recoverDecoder(&err)
	m, err = codecs[f].decode(bytes.NewReader(data))
	if err != nil {
		return nil, pinhole.Errorf(pinhole.EINVALID, "The image could not be decoded: %v", err)
	}
	full := image.Rect(0, 0, hdr.Width, hdr.Height)
	b := m.Bounds()
	if b == full {
		return m, nil
	}
	// A GIF frame may cover only part of its screen; the rest is background,
	// which browsers show as transparent, so here it turns white.
	if !b.In(full) {
		return nil, pinhole.Errorf(pinhole.EINVALID, "The image could not be decoded: the picture lies outside its own bounds")
	}
	c := canvas(hdr.Width, hdr.Height, false)
	draw.Draw(c, b, m, b.Min, draw.Over)
	return c, nil
}

// recoverDecoder turns a decoder panic into EINVALID: the standard decoders
// are not meant to panic, but hostile input must never take the server down.
func recoverDecoder(err *error) {
	if r := recover(); r != nil {
		*err = pinhole.Errorf(pinhole.EINVALID, "The image could not be decoded: the data is malformed")
	}
}

// megapixels formats n pixels as megapixels, exactly: rounding could make
// an image just over the limit look like it is at it.
func megapixels(n int64) string {
	return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64)
}
