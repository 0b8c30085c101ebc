package posts

import (
	"context"

	"github.com/pinhole/pinhole"
)

// Find returns a post whatever its visibility, for other contexts'
// indexers (search), which filter what they serve through Hydrate.
func (s *Service) Find(ctx context.Context, id pinhole.ID) (*pinhole.Post, error) {
	return s.store.FindPost(ctx, id)
}
