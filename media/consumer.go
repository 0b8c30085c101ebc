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

// onPostDeleted removes a deleted post's files. Deleting a missing blob
// succeeds, so a redelivered event does no harm.
func (s *Service) onPostDeleted(ctx context.Context, e pinhole.Event) error {
	var errs []error
	for _, key := range e.MediaKeys {
		if err := s.blobs.Delete(ctx, key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
