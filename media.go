package pinhole

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxAltTextLen limits a photo's description (alt text).
const MaxAltTextLen = 1500

// Media states (DESIGN §6).
const (
	MediaReceived   = "received"
	MediaProcessing = "processing"
	MediaReady      = "ready"
	MediaFailed     = "failed"
)

// Media is one uploaded photo and its rendered variants.
type Media struct {
	ID          ID
	OwnerID     ID
	PostID      ID // 0 until attached to a post
	Position    int
	State       string
	Description string // alt text
	Width       int    // of the display image
	Height      int
	Blurhash    string
	Variants    []MediaVariant
	CreatedAt   time.Time
}

// MediaVariant is one stored size of a photo.
type MediaVariant struct {
	Name   string // "1080", "640", "320", "thumb"
	Key    string // blob key, content-addressed
	Width  int
	Height int
	Size   int64
}

// Variant returns the named variant, or the largest one when missing.
func (m *Media) Variant(name string) MediaVariant {
	var best MediaVariant
	for _, v := range m.Variants {
		if v.Name == name {
			return v
		}
		if v.Name != "thumb" && v.Width > best.Width {
			best = v
		}
	}
	return best
}

// ValidateAltText trims and checks a description.
func ValidateAltText(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxAltTextLen {
		return "", Errorf(EINVALID, "Description (alt text) must be at most %d characters.", MaxAltTextLen)
	}
	return s, nil
}

// MediaStore persists media rows; the bytes live in the BlobStore.
type MediaStore interface {
	CreateMedia(ctx context.Context, m *Media) error
	FindMedia(ctx context.Context, id ID) (*Media, error)
	UpdateMediaDescription(ctx context.Context, id ID, description string) error
	// DeleteMedia removes a media row that is not attached to a post.
	DeleteMedia(ctx context.Context, id ID) error
}
