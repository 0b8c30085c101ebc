package imaging

import (
	"image/color"
	"testing"

	"github.com/pinhole/pinhole"
)

func TestSniff(t *testing.T) {
	t.Parallel()
	t.Run("DetectsFormats", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			head []byte
			want Format
		}{
			{"JPEG", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), JPEG},
			{"JPEGMagicOnly", []byte("\xff\xd8\xff"), JPEG},
			{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), PNG},
			{"GIF87a", []byte("GIF87a\x01\x00"), GIF},
			{"GIF89a", []byte("GIF89a\x01\x00"), GIF},
			{"WebP", []byte("RIFF\x24\x00\x00\x00WEBPVP8L"), WebP},
			{"GeneratedJPEG", mustJPEG(t, solid(8, 8, red), 90), JPEG},
			{"GeneratedPNG", mustPNG(t, solid(8, 8, red)), PNG},
			{"GeneratedGIF", mustGIF(t, solid(8, 8, red)), GIF},
			{"GeneratedWebP", webpLossless(8, 8, color.NRGBA(red)), WebP},
		}
		for _, tt := range tests {
			got, err := Sniff(tt.head)
			if err != nil || got != tt.want {
				t.Errorf("%s: Sniff() = %q, %v; want %q, nil", tt.name, got, err, tt.want)
			}
		}
	})

	t.Run("RejectsNonImage", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			head []byte
		}{
			{"Empty", nil},
			{"Text", []byte("hello, this is not a photo")},
			{"PDF", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3")},
			{"HTML", []byte("<!DOCTYPE html><html>")},
			{"SVG", []byte("<svg xmlns=\"http://www.w3.org/2000/svg\">")},
			{"TruncatedJPEGMagic", []byte("\xff\xd8")},
			{"TruncatedPNGMagic", []byte("\x89PNG\r\n")},
			{"GIFUnknownVersion", []byte("GIF88a\x01\x00")},
			{"RIFFButWAVE", []byte("RIFF\x24\x00\x00\x00WAVEfmt ")},
			{"RIFFTooShort", []byte("RIFF\x24\x00\x00\x00WEB")},
			{"BMP", []byte("BM\x36\x00\x00\x00\x00\x00")},
			{"TIFF", []byte("II*\x00\x08\x00\x00\x00")},
		}
		for _, tt := range tests {
			got, err := Sniff(tt.head)
			if pinhole.ErrorCode(err) != pinhole.EINVALID {
				t.Errorf("%s: Sniff() = %q, %v; want an EINVALID error", tt.name, got, err)
				continue
			}
			if msg, want := pinhole.ErrorMessage(err), "The file is not a supported image; choose a JPEG, PNG, WebP or GIF photo"; msg != want {
				t.Errorf("%s: message = %q, want %q", tt.name, msg, want)
			}
		}
	})
}
