package feed

import (
	"context"

	"github.com/pinhole/pinhole"
)

// FollowedTags is what the feed needs of the search context: the posts
// carrying hashtags a member follows.
//
// They are merged into the home feed at read time, like celebrities'
// posts, rather than fanned out: a popular tag has unbounded followers and
// posts (fan-out would write each post to every follower's timeline), a
// follow or unfollow of a tag shows at once with nothing to backfill or
// remove, and the stored timelines stay what the follow graph makes them,
// so rebuilding one needs nothing from search. The cost is one index
// range per followed tag per page read, bounded by MaxFollowedTags.
type FollowedTags interface {
	FollowedTagPostIDs(ctx context.Context, viewer pinhole.ID, page pinhole.Page) ([]pinhole.ID, error)
}

// UseFollowedTags merges posts with hashtags the viewer follows into home
// feeds. Hydrate still drops what the viewer may not see.
func (s *Service) UseFollowedTags(t FollowedTags) { s.tags = t }

// followedTagPosts returns a page of posts carrying tags the viewer
// follows, or none when the feed has no search context.
func (s *Service) followedTagPosts(ctx context.Context, viewer pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	if s.tags == nil {
		return nil, nil
	}
	return s.tags.FollowedTagPostIDs(ctx, viewer, page)
}
