package pinhole

import "context"

// TimelineTrimEvery is how many pushes a store lets pass between trims.
const TimelineTrimEvery = 8

// TimelineEntry is one post on a home timeline.
type TimelineEntry struct {
	PostID   ID
	AuthorID ID
}

// TimelineStore keeps home timelines: a capped cache of post IDs per
// member, filled by fan-out on write. It is not the source of truth: a
// missing timeline is rebuilt from the graph and the posts.
type TimelineStore interface {
	// TimelineExists reports whether owner's timeline has been built.
	TimelineExists(ctx context.Context, owner ID) (bool, error)
	// ReplaceTimeline stores entries as owner's whole timeline and marks it
	// built.
	ReplaceTimeline(ctx context.Context, owner ID, entries []TimelineEntry, cap int) error
	// PushTimelines adds one entry to each built timeline among owners.
	// Owners without a built timeline are skipped. Trimming to cap is
	// amortized: a timeline holds its cap newest entries and at most
	// TimelineTrimEvery more per writing process.
	PushTimelines(ctx context.Context, owners []ID, e TimelineEntry, cap int) error
	// AddToTimeline merges entries into owner's built timeline (backfill on
	// follow) and trims it to cap.
	AddToTimeline(ctx context.Context, owner ID, entries []TimelineEntry, cap int) error
	// ReadTimeline returns a page of owner's timeline, newest first (with
	// Page.MinID: the page right after MinID, still newest first).
	ReadTimeline(ctx context.Context, owner ID, page Page) ([]TimelineEntry, error)
	// RemoveAuthor drops an author's posts from owner's timeline.
	RemoveAuthor(ctx context.Context, owner, author ID) error
	// RemovePost drops a post from every timeline.
	RemovePost(ctx context.Context, postID ID) error
	// DropTimeline forgets owner's timeline so the next read rebuilds it.
	DropTimeline(ctx context.Context, owner ID) error
}
