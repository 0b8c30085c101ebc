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

// Media is one uploaded photo and its rendered variants. It goes
// received → processing → ready | failed; only ready media can be posted.
type Media struct {
	ID              ID
	OwnerID         ID
	PostID          ID // 0 until attached to a post
	Position        int
	State           string
	Description     string // alt text
	Width           int    // of the display image
	Height          int
	Blurhash        string
	Filter          string     // "" for none
	FilterIntensity int        // 0 to 100
	Focus           [2]float64 // x, y from -1 to 1 (Mastodon's convention)
	Crop            [4]float64 // x, y, width, height as fractions of the upright photo; all zero: none
	Error           string     // why processing failed, for the member
	Variants        []MediaVariant
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// MediaVariant is one stored size of a photo.
type MediaVariant struct {
	Name     string // "1080", "640", "320", "thumb"; or MediaSource
	Key      string // blob key of the JPEG, content-addressed; the WebP is beside it
	Width    int
	Height   int
	Size     int64
	WebPSize int64 `json:",omitempty"`
}

// MediaSource names the variant entry that holds an upload's own bytes
// while it is kept (to re-render it with another filter before posting,
// or for good when the operator keeps originals). It is never served;
// listing it among the variants means whatever deletes a photo's files
// deletes it too.
const MediaSource = "source"

// Variant returns the named variant, or the largest one when missing.
func (m *Media) Variant(name string) MediaVariant {
	var best MediaVariant
	for _, v := range m.Variants {
		if v.Name == name {
			return v
		}
		if v.Name != "thumb" && v.Name != MediaSource && v.Width > best.Width {
			best = v
		}
	}
	return best
}

// Source returns the kept upload, if any.
func (m *Media) Source() (MediaVariant, bool) {
	for _, v := range m.Variants {
		if v.Name == MediaSource {
			return v, true
		}
	}
	return MediaVariant{}, false
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
	// UpdateMedia writes a media row's processing state, edit, size,
	// blurhash, error and variants. With from set, only a row in one of
	// those states is written: ECONFLICT otherwise, ENOTFOUND when gone.
	UpdateMedia(ctx context.Context, m *Media, from ...string) error
	// DeleteMedia removes a media row that is not attached to a post.
	DeleteMedia(ctx context.Context, id ID) error
	// ListMedia returns media across every shard, oldest first.
	ListMedia(ctx context.Context, f MediaFilter) ([]*Media, error)
}

// MediaFilter selects media for the clean-up jobs. Set fields combine.
type MediaFilter struct {
	Unattached    bool      // not in a post
	Attached      bool      // in a post
	WithSource    bool      // still keeping the upload itself
	States        []string  // in any of these states
	CreatedBefore time.Time // zero: any
	UpdatedBefore time.Time // zero: any
	Limit         int       // per physical database; 0 means 100
}
