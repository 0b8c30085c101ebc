package imagingtest

// Builders for the images the suite feeds in, all generated in code so a
// reader sees what each test uses where it is made.

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

var (
	Red   = color.RGBA{0xff, 0x00, 0x00, 0xff}
	Blue  = color.RGBA{0x00, 0x00, 0xff, 0xff}
	White = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// Solid returns a w×h picture of one colour.
func Solid(w, h int, c color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

// Quadrant returns a w×h blue picture whose top-left quarter is red.
func Quadrant(w, h int) *image.RGBA {
	m := Solid(w, h, Blue)
	for y := range h / 2 {
		for x := range w / 2 {
			m.SetRGBA(x, y, Red)
		}
	}
	return m
}

// Photo returns a w×h picture with gradients and noise, which compresses
// and scales like a photograph rather than a flat test card.
func Photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := r.IntN(32)
			i := m.PixOffset(x, y)
			m.Pix[i] = uint8((x*200/w + n) % 256)
			m.Pix[i+1] = uint8((y*200/h + n) % 256)
			m.Pix[i+2] = uint8(((x+y)*100/(w+h) + 2*n) % 256)
			m.Pix[i+3] = 0xff
		}
	}
	return m
}

// Swatches returns a w×h picture of 4×3 flat colour patches spanning
// skin, sky, foliage, greys and saturated colours: what a filter's look
// is judged on.
func Swatches(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := SwatchColours[(y*3/h)*4+x*4/w]
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// SwatchColours are Swatches' patches, row by row.
var SwatchColours = []color.RGBA{
	{224, 172, 140, 255}, {110, 160, 220, 255}, {70, 130, 60, 255}, {30, 30, 30, 255},
	{128, 128, 128, 255}, {230, 230, 230, 255}, {200, 40, 40, 255}, {40, 40, 200, 255},
	{240, 200, 40, 255}, {90, 50, 120, 255}, {20, 160, 160, 255}, {170, 110, 60, 255},
}

func MustJPEG(tb testing.TB, m image.Image, quality int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatalf("encode jpeg: %v", err)
	}
	return buf.Bytes()
}

func MustPNG(tb testing.TB, m image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		tb.Fatalf("encode png: %v", err)
	}
	return buf.Bytes()
}

func MustGIF(tb testing.TB, m image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, m, nil); err != nil {
		tb.Fatalf("encode gif: %v", err)
	}
	return buf.Bytes()
}

// PNGHeader returns a PNG signature and an IHDR chunk (8-bit truecolour)
// claiming w×h, and nothing after it: a decompression bomb's header.
func PNGHeader(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}

// WebPLossless returns a real lossless WebP file, w×h of one colour: each
// prefix code is a single symbol, so no pixel data follows the headers.
func WebPLossless(w, h int, c color.NRGBA) []byte {
	var acc uint64
	var nbits uint
	var payload []byte
	write := func(v uint64, n uint) {
		acc |= v << nbits
		nbits += n
		for nbits >= 8 {
			payload = append(payload, byte(acc))
			acc >>= 8
			nbits -= 8
		}
	}
	write(0x2f, 8)
	write(uint64(w-1), 14)
	write(uint64(h-1), 14)
	alpha := uint64(0)
	if c.A != 0xff {
		alpha = 1
	}
	write(alpha, 1)
	write(0, 3)
	write(0, 1)
	write(0, 1)
	write(0, 1)
	for _, symbol := range []uint8{c.G, c.R, c.B, c.A, 0} {
		write(1, 1)
		write(0, 1)
		write(1, 1)
		write(uint64(symbol), 8)
	}
	if nbits > 0 {
		payload = append(payload, byte(acc))
	}
	var f bytes.Buffer
	f.WriteString("RIFF")
	_ = binary.Write(&f, binary.LittleEndian, uint32(4+8+len(payload)+len(payload)%2))
	f.WriteString("WEBPVP8L")
	_ = binary.Write(&f, binary.LittleEndian, uint32(len(payload)))
	f.Write(payload)
	if len(payload)%2 == 1 {
		f.WriteByte(0)
	}
	return f.Bytes()
}

// Segment returns a JPEG marker segment.
func Segment(marker byte, payload []byte) []byte {
	s := []byte{0xff, marker}
	s = binary.BigEndian.AppendUint16(s, uint16(2+len(payload)))
	return append(s, payload...)
}

// WithSegments inserts marker segments right after a JPEG's SOI marker,
// where cameras put their APPn segments.
func WithSegments(jpegData []byte, segments ...[]byte) []byte {
	out := append([]byte(nil), jpegData[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, jpegData[2:]...)
}

// Secret is what the metadata of PhoneExif holds; no output may contain it.
const Secret = "PINHOLE-SECRET-48.8584N-2.2945E"

// PhoneExif returns an APP1 Exif segment as a phone writes one: an
// orientation, a camera make and model, an owner name and a GPS position.
func PhoneExif(orientation uint16) []byte {
	le := binary.LittleEndian
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte
	}
	ascii := func(tag uint16, s string) entry { return entry{tag, 2, uint32(len(s) + 1), append([]byte(s), 0)} }
	rational := func(n, d uint32) []byte { return le.AppendUint32(le.AppendUint32(nil, n), d) }
	ifd0 := []entry{
		ascii(0x010f, "PinholePhone"),   // Make
		ascii(0x0110, "Secret "+Secret), // Model
		{0x0112, 3, 1, le.AppendUint16(nil, orientation)},
		ascii(0x013b, Secret), // Artist
		{0x8825, 4, 1, nil},   // GPS IFD, filled below
	}
	gps := []entry{
		{0x0000, 1, 4, []byte{2, 3, 0, 0}},
		ascii(0x0001, "N"),
		{0x0002, 5, 3, append(append(rational(48, 1), rational(51, 1)...), rational(30, 1)...)},
		ascii(0x001b, Secret),
	}
	size := func(n int) int { return 2 + 12*n + 4 }
	gpsAt := 8 + size(len(ifd0))
	dataAt := gpsAt + size(len(gps))
	ifd0[len(ifd0)-1].value = le.AppendUint32(nil, uint32(gpsAt))
	var data []byte
	writeIFD := func(out []byte, es []entry) []byte {
		out = le.AppendUint16(out, uint16(len(es)))
		for _, e := range es {
			out = le.AppendUint16(out, e.tag)
			out = le.AppendUint16(out, e.typ)
			out = le.AppendUint32(out, e.count)
			if len(e.value) <= 4 {
				out = append(out, e.value...)
				out = append(out, make([]byte, 4-len(e.value))...)
				continue
			}
			out = le.AppendUint32(out, uint32(dataAt+len(data)))
			data = append(data, e.value...)
			if len(data)%2 == 1 {
				data = append(data, 0)
			}
		}
		return le.AppendUint32(out, 0)
	}
	tiff := []byte("II\x2a\x00\x08\x00\x00\x00")
	tiff = writeIFD(tiff, ifd0)
	tiff = writeIFD(tiff, gps)
	tiff = append(tiff, data...)
	return Segment(0xe1, append([]byte("Exif\x00\x00"), tiff...))
}

// PhoneJPEG returns what a phone uploads: a JPEG of m, stored turned as
// orientation says, with EXIF (GPS included), XMP, an ICC profile and a
// comment, each holding Secret.
func PhoneJPEG(tb testing.TB, m image.Image, orientation uint16) []byte {
	tb.Helper()
	xmp := Segment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"+Secret+"</x:xmpmeta>"))
	icc := Segment(0xe2, []byte("ICC_PROFILE\x00\x01\x01"+Secret))
	comment := Segment(0xfe, []byte(Secret))
	return WithSegments(MustJPEG(tb, m, 92), PhoneExif(orientation), xmp, icc, comment)
}

// ScanBomb returns a valid progressive w×h greyscale JPEG of n AC scans
// that code nothing: a few bytes each, yet a decoder visits every block
// of the image once per scan.
func ScanBomb(w, h, n int) []byte {
	out := []byte{0xff, 0xd8}
	out = append(out, Segment(0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))...)
	sof := []byte{8}
	sof = binary.BigEndian.AppendUint16(sof, uint16(h))
	sof = binary.BigEndian.AppendUint16(sof, uint16(w))
	sof = append(sof, 1, 1, 0x11, 0)
	out = append(out, Segment(0xc2, sof)...)
	counts := make([]byte, 16)
	counts[0] = 1
	out = append(out, Segment(0xc4, append(append([]byte{0x10}, counts...), 0xe0))...)
	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	for range n {
		out = append(out, Segment(0xda, []byte{1, 1, 0x00, 1, 63, 0x00})...)
		var bits []bool
		for covered := 0; covered < blocks; covered += 32767 {
			bits = append(bits, false)
			for range 14 {
				bits = append(bits, true)
			}
		}
		for len(bits)%8 != 0 {
			bits = append(bits, true)
		}
		for i := 0; i < len(bits); i += 8 {
			var b byte
			for _, bit := range bits[i : i+8] {
				b <<= 1
				if bit {
					b |= 1
				}
			}
			out = append(out, b)
			if b == 0xff {
				out = append(out, 0x00)
			}
		}
	}
	return append(out, 0xff, 0xd9)
}

// Near reports whether c is within tol of want in each of R, G and B.
func Near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(got uint32, want uint8) bool {
		diff := int(got>>8) - int(want)
		return diff >= -tol && diff <= tol
	}
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// Mean returns the average colour of r in m.
func Mean(m image.Image, r image.Rectangle) color.RGBA {
	var sr, sg, sb, n uint64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := m.At(x, y).RGBA()
			sr, sg, sb, n = sr+uint64(cr>>8), sg+uint64(cg>>8), sb+uint64(cb>>8), n+1
		}
	}
	if n == 0 {
		return color.RGBA{}
	}
	return color.RGBA{uint8(sr / n), uint8(sg / n), uint8(sb / n), 0xff}
}
