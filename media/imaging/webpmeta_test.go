package imaging

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestStripWebPMetadata(t *testing.T) {
	chunk := func(id string, payload []byte) []byte {
		c := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
		c = append(c, payload...)
		if len(payload)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	riff := func(chunks ...[]byte) []byte {
		body := []byte("WEBP")
		for _, c := range chunks {
			body = append(body, c...)
		}
		return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
	}
	vp8x := chunk("VP8X", []byte{0x2c, 0, 0, 0, 9, 0, 0, 9, 0, 0}) // ICC, EXIF and XMP flags
	image := chunk("VP8 ", []byte("pretend frame"))
	in := riff(vp8x, chunk("ICCP", []byte("icc GPS")), image, chunk("EXIF", []byte("Exif\x00\x00GPS 48N")), chunk("XMP ", []byte("<x>GPS</x>")))
	got := StripWebPMetadata(in)
	want := riff(chunk("VP8X", []byte{0, 0, 0, 0, 9, 0, 0, 9, 0, 0}), image)
	if !bytes.Equal(got, want) {
		t.Errorf("got  % x\nwant % x", got, want)
	}
	if plain := riff(image); !bytes.Equal(StripWebPMetadata(plain), plain) {
		t.Errorf("a bare WebP changed")
	}
}
