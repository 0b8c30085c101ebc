package imaging

import (
	"bytes"
	"encoding/binary"
)

// jpegOrientation returns the EXIF Orientation (1 to 8) of a JPEG file, or 1
// when it has none or the EXIF data cannot be read. The bytes come from
// members, so every length and offset is checked before it is used.
func jpegOrientation(data []byte) int {
	tiff := jpegExif(data)
	if tiff == nil {
		return 1
	}
	return tiffOrientation(tiff)
}

// jpegExif returns the TIFF structure inside the first APP1 "Exif" segment
// before the first scan, or nil.
func jpegExif(data []byte) []byte {
	var tiff []byte
	walkJPEG(data, func(marker byte, payload []byte) bool {
		if marker == 0xe1 && bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
			tiff = payload[6:]
			return false
		}
		return marker != markerSOS
	})
	return tiff
}

// tiffOrientation reads tag 0x0112 (Orientation) from IFD0 of a TIFF
// structure in either byte order. Anything malformed yields 1.
func tiffOrientation(b []byte) int {
	const (
		tagOrientation = 0x0112
		typeShort      = 3
		typeLong       = 4
	)
	if len(b) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(b[2:]) != 42 {
		return 1
	}
	// uint64 arithmetic: offsets are 32-bit and must not wrap.
	size := uint64(len(b))
	ifd := uint64(order.Uint32(b[4:]))
	if ifd+2 > size {
		return 1
	}
	count := uint64(order.Uint16(b[ifd:]))
	for k := range count {
		e := ifd + 2 + 12*k
		if e+12 > size {
			return 1
		}
		if order.Uint16(b[e:]) != tagOrientation {
			continue
		}
		if order.Uint32(b[e+4:]) < 1 {
			return 1
		}
		var v uint32
		switch order.Uint16(b[e+2:]) {
		case typeShort:
			v = uint32(order.Uint16(b[e+8:]))
		case typeLong: // not what the standard says, but some writers use it
			v = order.Uint32(b[e+8:])
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}

// orientationOf returns the EXIF orientation of any accepted format: JPEG
// APP1, PNG eXIf and WebP EXIF chunks carry it, and libvips honours all
// three, so the pure-Go processor does too.
func orientationOf(f Format, data []byte) int {
	var tiff []byte
	switch f {
	case JPEG:
		tiff = jpegExif(data)
	case PNG:
		tiff = pngExif(data)
	case WebP:
		tiff = webpExif(data)
	}
	if tiff == nil {
		return 1
	}
	return tiffOrientation(bytes.TrimPrefix(tiff, []byte("Exif\x00\x00")))
}

// pngExif returns the payload of a PNG's eXIf chunk before its image data.
func pngExif(data []byte) []byte {
	const sig = 8
	for i := sig; i+8 <= len(data); {
		n := uint64(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		end := uint64(i) + 8 + n
		if end > uint64(len(data)) || typ == "IDAT" || typ == "IEND" {
			return nil
		}
		if typ == "eXIf" {
			return data[i+8 : end]
		}
		i = int(end) + 4 // CRC
	}
	return nil
}

// webpExif returns the payload of a WebP's EXIF chunk.
func webpExif(data []byte) []byte {
	for i := 12; i+8 <= len(data); {
		n := uint64(binary.LittleEndian.Uint32(data[i+4:]))
		end := uint64(i) + 8 + n
		if end > uint64(len(data)) {
			return nil
		}
		if string(data[i:i+4]) == "EXIF" {
			return data[i+8 : end]
		}
		i = int(end + end%2) // chunks are padded to an even length
	}
	return nil
}
