package imaging

// Builders for the images the tests need. Everything is generated in code,
// so what each test feeds in is visible where it is made.

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

var (
	red   = color.RGBA{0xff, 0x00, 0x00, 0xff}
	blue  = color.RGBA{0x00, 0x00, 0xff, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

func solid(w, h int, c color.Color) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, c)
		}
	}
	return m
}

// quadrant returns a w×h blue image whose top-left quarter is red.
func quadrant(w, h int) *image.RGBA {
	m := solid(w, h, blue)
	for y := range h / 2 {
		for x := range w / 2 {
			m.Set(x, y, red)
		}
	}
	return m
}

// photo returns a w×h picture with smooth gradients and noise, which
// compresses and resizes like a photograph rather than a flat test card.
func photo(w, h int) *image.RGBA {
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

func mustJPEG(tb testing.TB, m image.Image, quality int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatalf("encode jpeg: %v", err)
	}
	return buf.Bytes()
}

func mustPNG(tb testing.TB, m image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		tb.Fatalf("encode png: %v", err)
	}
	return buf.Bytes()
}

func mustGIF(tb testing.TB, m image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, m, nil); err != nil {
		tb.Fatalf("encode gif: %v", err)
	}
	return buf.Bytes()
}

// mustAnimatedGIF encodes frames on a w×h screen; each frame keeps its own
// bounds, so a frame may cover part of the screen only.
func mustAnimatedGIF(tb testing.TB, w, h int, frames ...*image.Paletted) []byte {
	tb.Helper()
	var buf bytes.Buffer
	g := &gif.GIF{
		Image:  frames,
		Delay:  make([]int, len(frames)),
		Config: image.Config{ColorModel: color.Palette(palette.Plan9), Width: w, Height: h},
	}
	if err := gif.EncodeAll(&buf, g); err != nil {
		tb.Fatalf("encode gif: %v", err)
	}
	return buf.Bytes()
}

func paletted(r image.Rectangle, c color.Color) *image.Paletted {
	m := image.NewPaletted(r, palette.Plan9)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			m.Set(x, y, c)
		}
	}
	return m
}

// bitWriter writes the least significant bit first, as VP8L wants.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nbits > 0 {
		return append(w.buf, byte(w.acc))
	}
	return w.buf
}

// webpLossless returns a real lossless (VP8L) WebP file, w×h of one colour.
// Each of the five prefix codes is a "simple" code of a single symbol, which
// the format codes in zero bits, so no pixel data follows the headers.
func webpLossless(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8) // VP8L signature
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	alpha := uint64(0)
	if c.A != 0xff {
		alpha = 1
	}
	bw.write(alpha, 1)
	bw.write(0, 3)                                          // version
	bw.write(0, 1)                                          // no transform
	bw.write(0, 1)                                          // no colour cache
	bw.write(0, 1)                                          // no meta prefix codes
	for _, symbol := range []uint8{c.G, c.R, c.B, c.A, 0} { // green, red, blue, alpha, distance
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // of eight bits
		bw.write(uint64(symbol), 8)
	}
	payload := bw.bytes()

	var f bytes.Buffer
	f.WriteString("RIFF")
	size := 4 + 8 + len(payload) + len(payload)%2
	binary.Write(&f, binary.LittleEndian, uint32(size))
	f.WriteString("WEBPVP8L")
	binary.Write(&f, binary.LittleEndian, uint32(len(payload)))
	f.Write(payload)
	if len(payload)%2 == 1 {
		f.WriteByte(0)
	}
	return f.Bytes()
}

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffEntry is one IFD entry. Values of up to four bytes sit in the entry;
// longer ones go to the data area after the IFDs.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

const (
	tiffByte     = 1
	tiffASCII    = 2
	tiffShort    = 3
	tiffLong     = 4
	tiffRational = 5
)

func shortEntry(order byteOrder, tag, v uint16) tiffEntry {
	return tiffEntry{tag, tiffShort, 1, order.AppendUint16(nil, v)}
}

func asciiEntry(tag uint16, s string) tiffEntry {
	return tiffEntry{tag, tiffASCII, uint32(len(s) + 1), append([]byte(s), 0)}
}

// buildTIFF lays out a TIFF header, IFD0 and, when gps is not nil, a GPS
// IFD that IFD0 points to with tag 0x8825. Entries must be in tag order.
func buildTIFF(order byteOrder, ifd0, gps []tiffEntry) []byte {
	if gps != nil {
		ifd0 = append(ifd0, tiffEntry{0x8825, tiffLong, 1, nil}) // filled below
	}
	ifdSize := func(n int) int { return 2 + 12*n + 4 }
	gpsAt := 8 + ifdSize(len(ifd0))
	dataAt := gpsAt
	if gps != nil {
		dataAt += ifdSize(len(gps))
		ifd0[len(ifd0)-1].value = order.AppendUint32(nil, uint32(gpsAt))
	}

	var data []byte
	writeIFD := func(out []byte, entries []tiffEntry) []byte {
		out = order.AppendUint16(out, uint16(len(entries)))
		for _, e := range entries {
			out = order.AppendUint16(out, e.tag)
			out = order.AppendUint16(out, e.typ)
			out = order.AppendUint32(out, e.count)
			if len(e.value) <= 4 {
				out = append(out, e.value...)
				out = append(out, make([]byte, 4-len(e.value))...)
				continue
			}
			out = order.AppendUint32(out, uint32(dataAt+len(data)))
			data = append(data, e.value...)
			if len(data)%2 == 1 {
				data = append(data, 0)
			}
		}
		return order.AppendUint32(out, 0) // no next IFD
	}

	var out []byte
	if order.String() == binary.LittleEndian.String() {
		out = append(out, "II"...)
	} else {
		out = append(out, "MM"...)
	}
	out = order.AppendUint16(out, 42)
	out = order.AppendUint32(out, 8)
	out = writeIFD(out, ifd0)
	if gps != nil {
		out = writeIFD(out, gps)
	}
	return append(out, data...)
}

// app1Exif wraps a TIFF structure in a JPEG APP1 Exif segment.
func app1Exif(tiff []byte) []byte {
	seg := []byte{0xff, 0xe1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+6+len(tiff)))
	seg = append(seg, "Exif\x00\x00"...)
	return append(seg, tiff...)
}

// orientationExif returns an APP1 segment holding only an Orientation tag.
func orientationExif(order byteOrder, orientation uint16) []byte {
	return app1Exif(buildTIFF(order, []tiffEntry{shortEntry(order, 0x0112, orientation)}, nil))
}

// withSegments inserts marker segments right after a JPEG's SOI marker,
// where cameras put their APPn segments.
func withSegments(jpegData []byte, segments ...[]byte) []byte {
	out := append([]byte(nil), jpegData[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, jpegData[2:]...)
}

// near reports whether c is within tol of want in each of R, G and B.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(got uint32, want uint8) bool {
		diff := int(got>>8) - int(want)
		return diff >= -tol && diff <= tol
	}
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// scanBomb returns a valid progressive, greyscale w×h JPEG made of n AC
// scans that code nothing: each scan is a few end-of-band runs, a handful
// of bytes, yet a decoder visits every block of the image for each one.
func scanBomb(w, h, n int) []byte {
	segment := func(marker byte, payload ...byte) []byte {
		s := []byte{0xff, marker}
		s = binary.BigEndian.AppendUint16(s, uint16(2+len(payload)))
		return append(s, payload...)
	}
	out := []byte{0xff, 0xd8}
	out = append(out, segment(0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)...)...) // DQT
	sof := []byte{8}
	sof = binary.BigEndian.AppendUint16(sof, uint16(h))
	sof = binary.BigEndian.AppendUint16(sof, uint16(w))
	sof = append(sof, 1, 1, 0x11, 0)            // one component, 1×1 sampling, table 0
	out = append(out, segment(0xc2, sof...)...) // SOF2: progressive
	counts := make([]byte, 16)
	counts[0] = 1                                                                         // one code of length 1…
	out = append(out, segment(0xc4, append(append([]byte{0x10}, counts...), 0xe0)...)...) // …for EOBRUN 2^14 + 14 bits

	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	for range n {
		out = append(out, segment(0xda, 1, 1, 0x00, 1, 63, 0x00)...) // AC 1–63 of component 1
		// Each run: code "0", then 14 one-bits: 32767 blocks.
		var bits []bool
		for covered := 0; covered < blocks; covered += 32767 {
			bits = append(bits, false)
			for range 14 {
				bits = append(bits, true)
			}
		}
		for len(bits)%8 != 0 {
			bits = append(bits, true) // padding is one-bits
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
				out = append(out, 0x00) // byte stuffing
			}
		}
	}
	return append(out, 0xff, 0xd9)
}
