// Package graph is the graph context: follows, follow requests for private
// accounts, and blocks.
package graph

import (
	"context"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

// Accounts is what the graph needs of the identity context.
type Accounts interface {
	Account(ctx context.Context, id pinhole.ID) (*pinhole.Account, error)
	Forget(ids ...pinhole.ID)
}

// Service is the graph context's logic.
type Service struct {
	store    pinhole.GraphStore
	accounts Accounts
	ids      *pinhole.IDGenerator
	now      func() time.Time
	// blocked caches whether a block stands between two accounts (either
	// way), keyed by the ordered pair; block and unblock drop the pair.
	blocked *inmem.Cache[pair, bool]
	onBlock func(ctx context.Context, a, b pinhole.ID)
}

type pair struct{ a, b pinhole.ID }

func orderedPair(x, y pinhole.ID) pair {
	if x > y {
		x, y = y, x
	}
	return pair{x, y}
}

// New returns the service.
func New(store pinhole.GraphStore, accounts Accounts, ids *pinhole.IDGenerator, now func() time.Time) *Service {
	return &Service{store: store, accounts: accounts, ids: ids, now: now,
		blocked: inmem.NewCache[pair, bool](1_000_000, 30*time.Second, now)}
}

// event describes a graph change, to be written with it.
func (s *Service) event(typ string, actor, target pinhole.ID) pinhole.Event {
	return pinhole.Event{ID: s.ids.Next(actor.Shard()), Type: typ, ActorID: actor, TargetID: target, At: s.now().UTC()}
}

// target loads the account acted on, refusing the viewer themself.
func (s *Service) target(ctx context.Context, viewer, id pinhole.ID, verb string) (*pinhole.Account, error) {
	if viewer == id {
		return nil, pinhole.Errorf(pinhole.EINVALID, "You cannot %s yourself.", verb)
	}
	return s.accounts.Account(ctx, id)
}

// Follow follows an account, or asks to when it is private.
func (s *Service) Follow(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Relationship, error) {
	t, err := s.target(ctx, viewer, id, "follow")
	if err != nil {
		return nil, err
	}
	rel, err := s.Relationship(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	switch {
	case rel.Blocking:
		return nil, pinhole.Errorf(pinhole.EFORBIDDEN, "You block this account; unblock it to follow.")
	case rel.BlockedBy:
		return nil, pinhole.Errorf(pinhole.EFORBIDDEN, "You cannot follow this account.")
	case rel.Following:
		return rel, nil
	case t.Locked:
		err = s.store.CreateFollowRequest(ctx, &pinhole.FollowRequest{From: viewer, To: id, CreatedAt: s.now().UTC()},
			s.event(pinhole.EventFollowRequested, viewer, id))
	default:
		_, err = s.store.Follow(ctx, viewer, id, s.now().UTC(), s.event(pinhole.EventFollowed, viewer, id))
		s.accounts.Forget(viewer, id)
	}
	if err != nil {
		return nil, err
	}
	return s.Relationship(ctx, viewer, id)
}

// Unfollow stops following (or withdraws a request).
func (s *Service) Unfollow(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Relationship, error) {
	if _, err := s.target(ctx, viewer, id, "unfollow"); err != nil {
		return nil, err
	}
	if _, err := s.store.Unfollow(ctx, viewer, id, s.event(pinhole.EventUnfollowed, viewer, id)); err != nil {
		return nil, err
	}
	s.accounts.Forget(viewer, id)
	return s.Relationship(ctx, viewer, id)
}

// OnBlockChange calls fn after every block or unblock made here, so other
// nodes can drop the pair from their caches (ForgetBlock).
func (s *Service) OnBlockChange(fn func(ctx context.Context, a, b pinhole.ID)) { s.onBlock = fn }

// Settle keeps what a lagging read replica returns right after a block
// began or ended out of the cache (inmem.Cache.Settle). Call it before use.
func (s *Service) Settle(d time.Duration) { s.blocked.Settle(d) }

// ForgetBlock drops what this node holds about a block between a and b.
func (s *Service) ForgetBlock(a, b pinhole.ID) { s.blocked.Delete(orderedPair(a, b)) }

func (s *Service) blockChanged(ctx context.Context, a, b pinhole.ID) {
	s.ForgetBlock(a, b)
	if s.onBlock != nil {
		s.onBlock(ctx, a, b)
	}
}

// Block blocks an account: follows both ways end, each is hidden from the
// other.
func (s *Service) Block(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Relationship, error) {
	if _, err := s.target(ctx, viewer, id, "block"); err != nil {
		return nil, err
	}
	err := s.store.Block(ctx, viewer, id, s.now().UTC(), s.event(pinhole.EventBlocked, viewer, id))
	s.blockChanged(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	s.accounts.Forget(viewer, id)
	return s.Relationship(ctx, viewer, id)
}

// Unblock lifts a block.
func (s *Service) Unblock(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Relationship, error) {
	if _, err := s.target(ctx, viewer, id, "unblock"); err != nil {
		return nil, err
	}
	err := s.store.Unblock(ctx, viewer, id)
	s.blockChanged(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	return s.Relationship(ctx, viewer, id)
}

// Relationship returns the viewer's relationship to one account.
func (s *Service) Relationship(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Relationship, error) {
	rels, err := s.store.Relationships(ctx, viewer, []pinhole.ID{id})
	if err != nil {
		return nil, err
	}
	return rels[id], nil
}

// Relationships returns the viewer's relationships to many accounts.
func (s *Service) Relationships(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Relationship, error) {
	return s.store.Relationships(ctx, viewer, ids)
}

// FollowRequests lists the requests waiting for the viewer's approval.
func (s *Service) FollowRequests(ctx context.Context, viewer pinhole.ID, page pinhole.Page) ([]*pinhole.FollowRequest, error) {
	return s.store.ListFollowRequests(ctx, viewer, page.Normalize(80))
}

// Authorize approves a follow request.
func (s *Service) Authorize(ctx context.Context, viewer, from pinhole.ID) (*pinhole.Relationship, error) {
	if err := s.store.AcceptFollowRequest(ctx, from, viewer, s.now().UTC(), s.event(pinhole.EventFollowed, from, viewer)); err != nil {
		return nil, err
	}
	s.accounts.Forget(viewer, from)
	return s.Relationship(ctx, viewer, from)
}

// Reject declines a follow request.
func (s *Service) Reject(ctx context.Context, viewer, from pinhole.ID) (*pinhole.Relationship, error) {
	ok, err := s.store.DeleteFollowRequest(ctx, from, viewer)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "No pending follow request from account %s.", from)
	}
	return s.Relationship(ctx, viewer, from)
}

// CanSee reports whether viewer (0: logged out) may see author's posts and
// lists: not blocked either way, and the author is public, the viewer, or
// followed by the viewer.
func (s *Service) CanSee(ctx context.Context, viewer pinhole.ID, author *pinhole.Account) (bool, error) {
	if viewer == author.ID {
		return true, nil
	}
	if viewer == 0 {
		return !author.Locked, nil
	}
	rel, err := s.Relationship(ctx, viewer, author.ID)
	if err != nil {
		return false, err
	}
	if rel.Blocking || rel.BlockedBy {
		return false, nil
	}
	return !author.Locked || rel.Following, nil
}

// Followers lists who follows id, as far as viewer may see.
func (s *Service) Followers(ctx context.Context, viewer, id pinhole.ID, page pinhole.Page) ([]pinhole.Edge, error) {
	return s.list(ctx, viewer, id, page, s.store.ListFollowers)
}

// Following lists whom id follows, as far as viewer may see.
func (s *Service) Following(ctx context.Context, viewer, id pinhole.ID, page pinhole.Page) ([]pinhole.Edge, error) {
	return s.list(ctx, viewer, id, page, s.store.ListFollowing)
}

func (s *Service) list(ctx context.Context, viewer, id pinhole.ID, page pinhole.Page, fn func(context.Context, pinhole.ID, pinhole.Page) ([]pinhole.Edge, error)) ([]pinhole.Edge, error) {
	a, err := s.accounts.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.CanSee(ctx, viewer, a)
	if err != nil || !ok {
		return nil, err // a private account's lists are empty to strangers
	}
	return fn(ctx, id, page.Normalize(80))
}

// FollowerIDs streams every follower of id (for fan-out).
func (s *Service) FollowerIDs(ctx context.Context, id pinhole.ID, fn func([]pinhole.ID) error) error {
	return s.store.FollowerIDs(ctx, id, fn)
}

// FollowingIDs returns everyone id follows.
func (s *Service) FollowingIDs(ctx context.Context, id pinhole.ID) ([]pinhole.ID, error) {
	return s.store.FollowingIDs(ctx, id)
}

// BlockedEither returns those of ids that block viewer or that viewer blocks.
func (s *Service) BlockedEither(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) (map[pinhole.ID]bool, error) {
	return inmem.Flags(ctx, s.blocked, ids, func(id pinhole.ID) pair { return orderedPair(viewer, id) },
		func(miss []pinhole.ID) (map[pinhole.ID]bool, error) { return s.store.BlockedEither(ctx, viewer, miss) })
}

// SetNotify asks (or stops asking) to be notified of an account's posts.
func (s *Service) SetNotify(ctx context.Context, viewer, id pinhole.ID, notify bool) (*pinhole.Relationship, error) {
	if err := s.store.SetNotify(ctx, viewer, id, notify); err != nil {
		return nil, err
	}
	return s.Relationship(ctx, viewer, id)
}

// NotifyFollowerIDs returns who asked to be notified of id's posts.
func (s *Service) NotifyFollowerIDs(ctx context.Context, id pinhole.ID) ([]pinhole.ID, error) {
	return s.store.NotifyFollowerIDs(ctx, id)
}
