package search

import (
	"context"

	"github.com/pinhole/pinhole"
)

// Source is what a reindex reads: the source of truth, every account and
// every post, in batches.
type Source interface {
	EachAccount(ctx context.Context, fn func([]*pinhole.Account) error) error
	EachPostID(ctx context.Context, fn func([]pinhole.ID) error) error
}

// Reindex brings the index in step with the source of truth: after the
// index was lost, or for data written before it existed. It is what the
// event handlers do, for everything at once, and as idempotent: running it
// on a live index changes no counter twice. progress is told the totals
// after each batch.
func (s *Service) Reindex(ctx context.Context, src Source, progress func(accounts, posts int)) error {
	accounts, posted := 0, 0
	err := src.EachAccount(ctx, func(batch []*pinhole.Account) error {
		for _, a := range batch {
			if err := s.store.IndexAccount(ctx, AccountEntry(a)); err != nil {
				return err
			}
		}
		accounts += len(batch)
		progress(accounts, posted)
		return nil
	})
	if err != nil {
		return err
	}
	err = src.EachPostID(ctx, func(batch []pinhole.ID) error {
		for _, id := range batch {
			if err := s.onPostCreated(ctx, pinhole.Event{PostID: id}); err != nil {
				return err
			}
		}
		posted += len(batch)
		progress(accounts, posted)
		return nil
	})
	if err != nil {
		return err
	}
	return s.store.CompactIndex(ctx, 0)
}
