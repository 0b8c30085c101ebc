package notify

import (
	"context"

	"github.com/pinhole/pinhole"
)

// Subscribe registers the notification consumer.
func (s *Service) Subscribe(bus pinhole.EventBus) {
	bus.Subscribe(pinhole.EventFollowed, "notify", s.onFollowed)
	bus.Subscribe(pinhole.EventFollowRequested, "notify", s.onFollowRequested)
	bus.Subscribe(pinhole.EventLiked, "notify", s.onLiked)
	bus.Subscribe(pinhole.EventPostCreated, "notify", s.onPostCreated)
}

func (s *Service) onFollowed(ctx context.Context, e pinhole.Event) error {
	return s.notify(ctx, e, e.TargetID, pinhole.NotifyFollow, 0)
}

func (s *Service) onFollowRequested(ctx context.Context, e pinhole.Event) error {
	return s.notify(ctx, e, e.TargetID, pinhole.NotifyFollowRequest, 0)
}

func (s *Service) onLiked(ctx context.Context, e pinhole.Event) error {
	return s.notify(ctx, e, e.TargetID, pinhole.NotifyFavourite, e.PostID)
}

// onPostCreated tells the author of the post a comment answers, everyone
// @mentioned, and, for a post, the followers who asked to hear of it.
func (s *Service) onPostCreated(ctx context.Context, e pinhole.Event) error {
	if e.ParentID != 0 {
		parent, err := s.posts.FindPost(ctx, e.ParentID)
		if err != nil && !pinhole.IsNotFound(err) {
			return err
		}
		if err == nil {
			if err := s.notify(ctx, e, parent.AuthorID, pinhole.NotifyMention, e.PostID); err != nil {
				return err
			}
		}
	}
	for _, m := range e.Mentions {
		if err := s.notify(ctx, e, m, pinhole.NotifyMention, e.PostID); err != nil {
			return err
		}
	}
	if e.ParentID != 0 {
		return nil
	}
	fans, err := s.graph.NotifyFollowerIDs(ctx, e.ActorID)
	if err != nil {
		return err
	}
	for _, f := range fans {
		if err := s.notify(ctx, e, f, pinhole.NotifyStatus, e.PostID); err != nil {
			return err
		}
	}
	return nil
}

// notify stores one notification for the event (once, however often the
// event is delivered) and pushes it live when it is new. Nobody is
// notified of their own acts or by someone a block stands between.
func (s *Service) notify(ctx context.Context, e pinhole.Event, to pinhole.ID, typ string, post pinhole.ID) error {
	if to == 0 || to == e.ActorID {
		return nil
	}
	blocked, err := s.graph.BlockedEither(ctx, to, []pinhole.ID{e.ActorID})
	if err != nil || blocked[e.ActorID] {
		return err
	}
	n := &pinhole.Notification{ID: s.ids.Next(to.Shard()), AccountID: to, Type: typ, FromID: e.ActorID, PostID: post, EventID: e.ID, CreatedAt: e.At}
	created, err := s.store.AddNotification(ctx, n)
	if err != nil || !created {
		return err
	}
	// Best effort: the notification is stored; a missed push is caught up
	// from the database when the member looks or reconnects.
	_ = s.live.PushLive(ctx, to, pinhole.LiveMessage{Event: pinhole.LiveNotification, ID: n.ID})
	return nil
}
