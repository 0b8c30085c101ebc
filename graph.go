package pinhole

import (
	"context"
	"time"
)

// Relationship is how one account (the viewer) stands to another.
type Relationship struct {
	ID             ID // the other account
	Following      bool
	FollowedBy     bool
	Requested      bool // the viewer asked to follow and waits for approval
	RequestedBy    bool // the other account asked to follow the viewer
	Blocking       bool
	BlockedBy      bool
	Notifying      bool
	ShowingReblogs bool
}

// FollowRequest is a pending request to follow a private account.
type FollowRequest struct {
	ID        ID // of the request; orders the list
	From      ID
	To        ID
	CreatedAt time.Time
}

// Edge is one entry of a followers/following list, ordered by its ID.
type Edge struct {
	ID        ID // cursor: when the edge was made
	AccountID ID
}

// GraphStore persists follows, follow requests and blocks. A follow is
// written on both accounts' shards ("following" on the follower's,
// "followers" on the followee's) and the counters move with it.
type GraphStore interface {
	// Follow makes follower follow followee; false when it already did.
	// The events are written with the change (the outbox), and only when
	// there was a change; so for every method that takes events.
	Follow(ctx context.Context, follower, followee ID, now time.Time, events ...Event) (bool, error)
	// Unfollow removes the follow; false when there was none.
	Unfollow(ctx context.Context, follower, followee ID, events ...Event) (bool, error)
	// CreateFollowRequest records a pending request (idempotent).
	CreateFollowRequest(ctx context.Context, r *FollowRequest, events ...Event) error
	// DeleteFollowRequest removes a pending request; false when none.
	DeleteFollowRequest(ctx context.Context, from, to ID) (bool, error)
	// AcceptFollowRequest turns a pending request into a follow;
	// ENOTFOUND when there is no such request.
	AcceptFollowRequest(ctx context.Context, from, to ID, now time.Time, events ...Event) error
	ListFollowRequests(ctx context.Context, to ID, page Page) ([]*FollowRequest, error)
	// Block records the block and removes follows and requests both ways.
	Block(ctx context.Context, blocker, blocked ID, now time.Time, events ...Event) error
	Unblock(ctx context.Context, blocker, blocked ID) error
	// Relationships returns the viewer's relationship to each of others.
	Relationships(ctx context.Context, viewer ID, others []ID) (map[ID]*Relationship, error)
	ListFollowers(ctx context.Context, id ID, page Page) ([]Edge, error)
	ListFollowing(ctx context.Context, id ID, page Page) ([]Edge, error)
	// FollowerIDs streams every follower of id in batches (for fan-out).
	FollowerIDs(ctx context.Context, id ID, fn func(batch []ID) error) error
	// FollowingIDs returns every account id follows (for timeline rebuilds).
	FollowingIDs(ctx context.Context, id ID) ([]ID, error)
	// SetNotify turns "notify me of this account's posts" on or off for an
	// existing follow (ENOTFOUND when follower does not follow followee).
	SetNotify(ctx context.Context, follower, followee ID, notify bool) error
	// NotifyFollowerIDs returns the followers who asked to be notified of
	// id's posts.
	NotifyFollowerIDs(ctx context.Context, id ID) ([]ID, error)
	// BlockedEither returns those of others that block viewer or that
	// viewer blocks.
	BlockedEither(ctx context.Context, viewer ID, others []ID) (map[ID]bool, error)
}
