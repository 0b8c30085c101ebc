package pinhole

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on hashtags.
const (
	MaxTagBytes     = 100 // the longest hashtag ParseCaption reads
	MaxFollowedTags = 100 // hashtags one member may follow
	TagHistoryDays  = 7   // days of use a Tag entity reports
)

// Tag is a hashtag as the search index knows it. Names are lower case, so
// #Sunset and #sunset are one tag; Unicode letters are allowed (#café).
type Tag struct {
	Name       string
	Uses       int64     // posts and comments that carry it
	LastUsedAt time.Time // zero when never used
}

// TagDay is one day of a tag's use, for its history.
type TagDay struct {
	Day      time.Time // UTC midnight
	Uses     int64
	Accounts int64 // distinct authors that day
}

// TagUse is one post (or comment) carrying a tag.
type TagUse struct {
	Tag      string
	PostID   ID
	AuthorID ID
}

// TagFollow is a member following a hashtag; its ID orders the list.
type TagFollow struct {
	ID        ID
	Tag       string
	CreatedAt time.Time
}

// NormalizeTag turns a hashtag as typed ("#Sunset", "sunset") into its
// name, or says why it is not one. It accepts exactly what a caption would
// make a hashtag of, so every tag a post can carry can be looked up.
func NormalizeTag(s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if s == "" || !utf8.ValidString(s) {
		return "", Errorf(EINVALID, "A hashtag needs at least one letter, like #sunset.")
	}
	segs := ParseCaption("#" + s)
	if len(segs) != 1 || segs[0].Kind != HashtagSegment {
		return "", Errorf(EINVALID, "%.60q is not a hashtag: use letters, digits and underscores (at most %d bytes), with at least one letter.", s, MaxTagBytes)
	}
	return strings.ToLower(s), nil
}

// TagStore is the search context's index of hashtags: which posts carry
// each tag, how much it is used, and who follows it. The index is fed by
// events (see SearchStore.IndexPost); follows are a member's own rows.
type TagStore interface {
	// FindTags returns those of names that have been used.
	FindTags(ctx context.Context, names []string) (map[string]*Tag, error)
	// SearchTags returns used tags whose names start with prefix, most
	// used first.
	SearchTags(ctx context.Context, prefix string, limit int) ([]*Tag, error)
	// TagPostIDs lists what carries tag, newest first: posts and comments,
	// or posts only.
	TagPostIDs(ctx context.Context, tag string, postsOnly bool, page Page) ([]ID, error)
	// TagHistory counts, per UTC day since a time, what carried tag and
	// how many distinct authors; days without use are absent.
	TagHistory(ctx context.Context, tag string, since time.Time) ([]TagDay, error)

	// FollowTag makes account follow tag; false when it already did.
	// ECONFLICT when the account already follows max tags.
	FollowTag(ctx context.Context, account ID, tag string, max int, now time.Time) (bool, error)
	// UnfollowTag stops following; false when it did not follow.
	UnfollowTag(ctx context.Context, account ID, tag string) (bool, error)
	// ListFollowedTags pages through account's followed tags, newest first.
	ListFollowedTags(ctx context.Context, account ID, page Page) ([]TagFollow, error)
	// FollowedTagNames returns every tag account follows.
	FollowedTagNames(ctx context.Context, account ID) ([]string, error)
}
