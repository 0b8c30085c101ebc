package search

import (
	"context"

	"github.com/pinhole/pinhole"
)

// The indexer: event handlers that keep the index in step. Each may run
// more than once for one event; every write is idempotent (an upsert, an
// insert-if-absent, or a counter keyed by the event ID).

func (s *Service) onAccountChanged(ctx context.Context, e pinhole.Event) error {
	// The account as it is now, past every cache: a copy cached before
	// the change would index the old name.
	a, err := s.accounts.Account(pinhole.WithFreshReads(ctx), e.ActorID)
	if pinhole.IsNotFound(err) {
		return nil // gone since: nothing to index
	} else if err != nil {
		return err
	}
	return s.store.IndexAccount(ctx, AccountEntry(a))
}

// AccountEntry is how an account is indexed.
func AccountEntry(a *pinhole.Account) pinhole.AccountEntry {
	return pinhole.AccountEntry{ID: a.ID, Username: a.Username, DisplayName: a.DisplayName, TypoKeys: TypoKeys(a.Username)}
}

func (s *Service) onPostCreated(ctx context.Context, e pinhole.Event) error {
	p, err := s.posts.Find(ctx, e.PostID)
	if pinhole.IsNotFound(err) {
		return nil // deleted before it was indexed
	} else if err != nil {
		return err
	}
	return s.store.IndexPost(ctx, pinhole.IndexedPost{
		PostID: p.ID, AuthorID: p.AuthorID, ParentID: p.InReplyToID, PlaceID: p.PlaceID, Tags: p.Tags, CreatedAt: p.CreatedAt,
	})
}

func (s *Service) onPostDeleted(ctx context.Context, e pinhole.Event) error {
	return s.store.UnindexPost(ctx, e.PostID)
}

func (s *Service) onLiked(ctx context.Context, e pinhole.Event) error {
	return s.store.RecordLike(ctx, e.ID, e.PostID)
}
