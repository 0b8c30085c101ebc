package pinhole

import (
	"context"
	"time"
)

// Notification types (the Mastodon API's names).
const (
	NotifyFollow        = "follow"
	NotifyFollowRequest = "follow_request"
	NotifyFavourite     = "favourite"
	NotifyMention       = "mention" // a comment on your post, or an @mention
	NotifyStatus        = "status"  // a post by someone you asked to be notified about
)

// NotificationTypes lists every type, for validating filters.
var NotificationTypes = map[string]bool{NotifyFollow: true, NotifyFollowRequest: true, NotifyFavourite: true, NotifyMention: true, NotifyStatus: true}

// Notification tells a member that something happened to them.
type Notification struct {
	ID        ID // on the recipient's shard
	AccountID ID // the recipient
	Type      string
	FromID    ID // who did it
	PostID    ID // the post concerned, when any
	EventID   ID // the event that caused it: one notification per event and type
	CreatedAt time.Time
}

// NotificationFilter selects notifications by type.
type NotificationFilter struct {
	Types        []string // only these (empty: all)
	ExcludeTypes []string
}

// NotificationStore persists notifications on the recipient's shard.
type NotificationStore interface {
	// AddNotification stores n unless one already exists for its event and
	// type (then false), and counts it as unread.
	AddNotification(ctx context.Context, n *Notification) (bool, error)
	ListNotifications(ctx context.Context, account ID, f NotificationFilter, page Page) ([]*Notification, error)
	FindNotification(ctx context.Context, account, id ID) (*Notification, error)
	DismissNotification(ctx context.Context, account, id ID) error
	ClearNotifications(ctx context.Context, account ID) error
	// MarkNotificationsRead sets the account's unread count to zero.
	MarkNotificationsRead(ctx context.Context, account ID) error
	// UnreadNotifications returns the account's unread count.
	UnreadNotifications(ctx context.Context, account ID) (int64, error)
}
