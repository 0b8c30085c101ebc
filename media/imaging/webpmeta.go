package imaging

import (
	"bytes"
	"encoding/binary"
)

// StripWebPMetadata returns a WebP file without its EXIF, XMP and ICC
// chunks, and with the flags that announce them cleared. libvips 8.14
// writes a small EXIF chunk (orientation, resolution) even when told to
// strip; this is the safety net that keeps every served WebP bare.
func StripWebPMetadata(data []byte) []byte {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return data
	}
	out := append([]byte(nil), data[:12]...)
	for i := 12; i+8 <= len(data); {
		id := string(data[i : i+4])
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		end := i + 8 + n + n%2
		if n < 0 || end > len(data) {
			end = len(data)
		}
		switch id {
		case "EXIF", "XMP ", "ICCP":
		case "VP8X":
			chunk := bytes.Clone(data[i:end])
			if len(chunk) > 8 {
				chunk[8] &^= 0x20 | 0x08 | 0x04 // ICC, EXIF, XMP
			}
			out = append(out, chunk...)
		default:
			out = append(out, data[i:end]...)
		}
		i = end
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}
