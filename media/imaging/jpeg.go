package imaging

import "encoding/binary"

// MaxJPEGScans is the most scans a JPEG may have. Go's decoder visits every
// block of the image once per scan, so a few kilobytes of near-empty
// progressive scans can cost minutes of CPU at 50 megapixels. Encoders write
// one scan (baseline) or about ten (libjpeg's and mozjpeg's progressive).
const MaxJPEGScans = 50

const (
	markerSOS = 0xda
	markerEOI = 0xd9
)

// walkJPEG calls visit with each marker segment of a JPEG and its payload,
// in order, until visit returns false, the image ends or the structure
// breaks. After a start-of-scan segment it skips the entropy-coded data to
// the next marker. The bytes come from members: every length is checked.
func walkJPEG(data []byte, visit func(marker byte, payload []byte) bool) {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return
	}
	i := 2
	for {
		if i >= len(data) || data[i] != 0xff {
			return
		}
		for i < len(data) && data[i] == 0xff { // fill bytes may precede a marker
			i++
		}
		if i >= len(data) {
			return
		}
		marker := data[i]
		i++
		switch {
		case marker == 0x01 || marker == 0xd8 || isRST(marker):
			continue // standalone markers carry no length
		case marker == 0x00 || marker == markerEOI:
			return
		}
		if i+2 > len(data) {
			return
		}
		n := int(binary.BigEndian.Uint16(data[i:])) // counts its own two bytes
		if n < 2 || i+n > len(data) {
			return
		}
		if !visit(marker, data[i+2:i+n]) {
			return
		}
		i += n
		if marker == markerSOS {
			// In entropy-coded data 0xff is followed by 0x00 (a stuffed
			// byte) or a restart marker; anything else is the next marker.
			for i+1 < len(data) && (data[i] != 0xff || data[i+1] == 0x00 || isRST(data[i+1])) {
				i++
			}
		}
	}
}

func isRST(marker byte) bool { return marker >= 0xd0 && marker <= 0xd7 }

// jpegScans counts the scans of a JPEG's first image, stopping early once
// it passes limit.
func jpegScans(data []byte, limit int) int {
	n := 0
	walkJPEG(data, func(marker byte, _ []byte) bool {
		if marker == markerSOS {
			n++
		}
		return n <= limit
	})
	return n
}
