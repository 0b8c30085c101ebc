package imaging

import (
	"bytes"

	"github.com/pinhole/pinhole"
)

// Format is an image file format Process accepts.
type Format string

const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	WebP Format = "webp"
	GIF  Format = "gif"
)

// SniffLen is how many leading bytes Sniff needs to tell every format apart.
const SniffLen = 12

// Sniff reports the format of an image from its first bytes (magic numbers),
// never from a file name or a Content-Type header, which the uploader chose.
func Sniff(head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return JPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF, nil
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP, nil
	}
	return "", pinhole.Errorf(pinhole.EINVALID, "The file is not a supported image; choose a JPEG, PNG, WebP or GIF photo")
}
