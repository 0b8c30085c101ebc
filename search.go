package pinhole

import (
	"context"
	"time"
)

// Search limits.
const (
	MaxSearchQueryLen = 100 // runes of a query that are looked at; the rest is ignored
	MaxSearchResults  = 40
)

// Search result types, as the v2 search API names them.
const (
	SearchAccounts = "accounts"
	SearchHashtags = "hashtags"
	SearchStatuses = "statuses"
	SearchPlaces   = "places"
)

// Trend kinds.
const (
	TrendTags     = "tags"
	TrendStatuses = "statuses"
)

// AccountEntry is an account as the search index holds it.
type AccountEntry struct {
	ID          ID
	Username    string
	DisplayName string
	// TypoKeys are the username's one-deletion neighbourhood (and the
	// username itself): two names within one edit share a key.
	TypoKeys []string
}

// AccountQuery is a search for accounts, already normalized to plain
// tokens: adapters build their engine's query syntax from these and never
// pass member text through as syntax.
type AccountQuery struct {
	Username string   // exact and prefix match on usernames; "" to skip
	Words    []string // every word in the display name or username, the last as a prefix
	TypoKeys []string // keys of the query's one-edit neighbourhood
	Limit    int      // candidates per kind of match
}

// Ways an account can match a query.
const (
	MatchExact = 1 << iota
	MatchPrefix
	MatchWords
	MatchTypo
)

// AccountHit is a candidate answer to an AccountQuery.
type AccountHit struct {
	ID          ID
	Username    string
	DisplayName string
	Match       int // MatchExact | MatchPrefix | …
}

// IndexedPost is a post (or comment) as the search index records it.
type IndexedPost struct {
	PostID    ID
	AuthorID  ID
	ParentID  ID // the post a comment answers; 0 for posts
	PlaceID   ID
	Tags      []string
	CreatedAt time.Time
}

// PostSignal is the engagement the index has seen for a recent post.
type PostSignal struct {
	PostID   ID
	AuthorID ID
	Likes    int64
	Replies  int64
}

// Trend is one entry of a computed trend list: a tag name or a post ID.
type Trend struct {
	Key   string
	Score float64
}

// SearchStore is the search context's own index, fed by events: accounts
// by name, and what posts carry (tags, places, engagement), plus the trend
// lists the scheduler computes from it.
type SearchStore interface {
	// IndexAccount adds or replaces an account's entry.
	IndexAccount(ctx context.Context, e AccountEntry) error
	// SearchAccounts returns candidates for each kind of match.
	SearchAccounts(ctx context.Context, q AccountQuery) ([]AccountHit, error)

	// IndexPost records a post's tags, place and engagement row. It is
	// idempotent: counters move only for what was not indexed yet.
	IndexPost(ctx context.Context, p IndexedPost) error
	// UnindexPost removes a post and the comments answering it.
	UnindexPost(ctx context.Context, postID ID) error
	// RecordLike counts a like once per event ID.
	RecordLike(ctx context.Context, eventID, postID ID) error
	// RecentSignals returns the engagement of posts (not comments) minted
	// at or after since.
	RecentSignals(ctx context.Context, since ID, limit int) ([]PostSignal, error)
	// RecentTagUses returns what carried tags at or after since.
	RecentTagUses(ctx context.Context, since ID, limit int) ([]TagUse, error)
	// PruneIndex forgets engagement rows and seen events minted before
	// before (trends look only at recent posts).
	PruneIndex(ctx context.Context, before ID) error
	// CompactIndex merges the pieces a text index grows in as it is
	// written: a bounded step of about pages pages per index, or all of
	// it when pages is 0 (after a bulk load; it blocks writers meanwhile).
	CompactIndex(ctx context.Context, pages int) error

	// SaveTrends replaces a trend list; LoadTrends reads it back with the
	// time it was computed (zero when never).
	SaveTrends(ctx context.Context, kind string, trends []Trend, at time.Time) error
	LoadTrends(ctx context.Context, kind string) ([]Trend, time.Time, error)
}
