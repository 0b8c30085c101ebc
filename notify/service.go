// Package notify is the notify context: notifications, made by consumers
// of events, and their live push to connected members.
package notify

import (
	"context"
	"time"

	"github.com/pinhole/pinhole"
)

// Graph is what notifications need of the graph context.
type Graph interface {
	BlockedEither(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) (map[pinhole.ID]bool, error)
	NotifyFollowerIDs(ctx context.Context, id pinhole.ID) ([]pinhole.ID, error)
}

// Posts is what notifications need of the posts context.
type Posts interface {
	FindPost(ctx context.Context, id pinhole.ID) (*pinhole.Post, error)
}

// Service is the notify context's logic.
type Service struct {
	store pinhole.NotificationStore
	graph Graph
	posts Posts
	live  pinhole.LivePusher
	ids   *pinhole.IDGenerator
	now   func() time.Time
}

// New returns the service.
func New(store pinhole.NotificationStore, graph Graph, posts Posts, live pinhole.LivePusher, ids *pinhole.IDGenerator, now func() time.Time) *Service {
	return &Service{store: store, graph: graph, posts: posts, live: live, ids: ids, now: now}
}

// List returns a page of the member's notifications, newest first.
func (s *Service) List(ctx context.Context, viewer pinhole.ID, f pinhole.NotificationFilter, page pinhole.Page) ([]*pinhole.Notification, error) {
	for _, t := range append(append([]string{}, f.Types...), f.ExcludeTypes...) {
		if !pinhole.NotificationTypes[t] {
			return nil, pinhole.Errorf(pinhole.EINVALID, "Unknown notification type %.30q; use follow, follow_request, favourite, mention or status.", t)
		}
	}
	return s.store.ListNotifications(ctx, viewer, f, page.Normalize(80))
}

// Get returns one of the member's notifications.
func (s *Service) Get(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Notification, error) {
	return s.store.FindNotification(ctx, viewer, id)
}

// Dismiss deletes one notification.
func (s *Service) Dismiss(ctx context.Context, viewer, id pinhole.ID) error {
	return s.store.DismissNotification(ctx, viewer, id)
}

// Clear deletes all of the member's notifications.
func (s *Service) Clear(ctx context.Context, viewer pinhole.ID) error {
	return s.store.ClearNotifications(ctx, viewer)
}

// MarkRead resets the unread count (the member opened their notifications).
func (s *Service) MarkRead(ctx context.Context, viewer pinhole.ID) error {
	return s.store.MarkNotificationsRead(ctx, viewer)
}

// Unread returns how many notifications the member has not seen.
func (s *Service) Unread(ctx context.Context, viewer pinhole.ID) (int64, error) {
	return s.store.UnreadNotifications(ctx, viewer)
}
