package media

import (
	"context"
	"errors"

	"github.com/pinhole/pinhole"
)

// Subscribe registers the media context's event handlers.
func (s *Service) Subscribe(bus pinhole.EventBus) {
	bus.Subscribe(pinhole.EventPostDeleted, "media", s.onPostDeleted)
}

// onPostDeleted removes a deleted post's files: each variant's JPEG, its
// WebP and on-demand sizes, and a kept upload. Deleting a missing blob
// succeeds, so a redelivered event does no harm.
func (s *Service) onPostDeleted(ctx context.Context, e pinhole.Event) error {
	return errors.Join(s.deleteAll(ctx, e.MediaKeys)...)
}
