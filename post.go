package pinhole

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on posts.
const (
	MaxCaptionLen   = 2200
	MaxPhotosInPost = 10
	MaxMentions     = 20
	MaxHashtags     = 30
)

// Post is a photo post, or a comment when InReplyToID is set. Comments live
// on the shard of the post they answer, so a post's thread is one query.
type Post struct {
	ID                 ID
	AuthorID           ID
	Caption            string
	InReplyToID        ID
	InReplyToAccountID ID
	Media              []*Media // ordered; empty for comments
	Tags               []string // lower-case hashtags, from the caption
	Mentions           []Mention
	PlaceID            ID // 0: none; places belong to the search context
	CreatedAt          time.Time
	LikesCount         int64
	RepliesCount       int64
}

// Mention is an @username in a caption that named an existing account.
type Mention struct {
	AccountID ID
	Username  string
}

// IsComment reports whether the post answers another.
func (p *Post) IsComment() bool { return p.InReplyToID != 0 }

// NewPost is what a member submits.
type NewPost struct {
	Caption     string
	MediaIDs    []ID
	InReplyToID ID
	PlaceID     ID
}

// Validate trims and checks the submission. A post needs 1–10 photos unless
// it is a comment; a comment needs text and no photos.
func (n *NewPost) Validate() error {
	n.Caption = strings.TrimSpace(n.Caption)
	switch {
	case !utf8.ValidString(n.Caption):
		return Errorf(EINVALID, "Caption must be valid UTF-8 text.")
	case utf8.RuneCountInString(n.Caption) > MaxCaptionLen:
		return Errorf(EINVALID, "Caption must be at most %d characters.", MaxCaptionLen)
	case len(n.MediaIDs) > MaxPhotosInPost:
		return Errorf(EINVALID, "A post can have at most %d photos.", MaxPhotosInPost)
	case n.InReplyToID == 0 && len(n.MediaIDs) == 0:
		return Errorf(EINVALID, "A post needs at least one photo; attach media_ids[] (or set in_reply_to_id to comment).")
	case n.InReplyToID != 0 && len(n.MediaIDs) > 0:
		return Errorf(EINVALID, "Comments cannot have photos.")
	case n.InReplyToID != 0 && n.Caption == "":
		return Errorf(EINVALID, "Comment text is required.")
	case n.InReplyToID != 0 && n.PlaceID != 0:
		return Errorf(EINVALID, "Comments cannot have a place; set place_id on the post.")
	}
	seen := make(map[ID]bool, len(n.MediaIDs))
	for _, id := range n.MediaIDs {
		if seen[id] {
			return Errorf(EINVALID, "Photo %s is attached twice.", id)
		}
		seen[id] = true
	}
	return nil
}

// PostStore persists posts, their media attachments, likes and comments.
type PostStore interface {
	// CreatePost stores p in one transaction: attaches its media (which
	// must belong to the author, be ready and unattached: else EINVALID),
	// stores mentions and tags, and moves the counters (author's posts or
	// the parent's replies).
	CreatePost(ctx context.Context, p *Post, events ...Event) error
	FindPost(ctx context.Context, id ID) (*Post, error)
	// FindPosts returns those of ids that exist, with their media.
	FindPosts(ctx context.Context, ids []ID) (map[ID]*Post, error)
	// DeletePost removes a post with its comments, likes and media rows in
	// one transaction and returns the deleted media so their blobs can go.
	// A post.deleted event among events gets the media's blob keys.
	DeletePost(ctx context.Context, id ID, events ...Event) ([]*Media, error)
	// ListAccountPosts returns an author's posts (not comments), newest first.
	ListAccountPosts(ctx context.Context, author ID, page Page) ([]ID, error)
	// ListReplies returns a post's comments, oldest first.
	ListReplies(ctx context.Context, postID ID, page Page) ([]ID, error)
	// Like records a like and bumps the count; false when already liked.
	Like(ctx context.Context, postID, accountID ID, now time.Time, events ...Event) (bool, error)
	Unlike(ctx context.Context, postID, accountID ID) (bool, error)
	// Liked returns which of postIDs the account liked.
	Liked(ctx context.Context, accountID ID, postIDs []ID) (map[ID]bool, error)
	// ListLikers returns who liked a post, newest first; Edge.ID is the like.
	ListLikers(ctx context.Context, postID ID, page Page) ([]Edge, error)
}
