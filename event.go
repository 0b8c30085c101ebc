package pinhole

import (
	"context"
	"time"
)

// Event types: state changes other contexts react to.
const (
	EventPostCreated     = "post.created"
	EventPostDeleted     = "post.deleted"
	EventFollowed        = "graph.followed"
	EventFollowRequested = "graph.follow_requested"
	EventUnfollowed      = "graph.unfollowed"
	EventBlocked         = "graph.blocked"
	EventLiked           = "post.liked"
)

// Event is a fact about a change, published after it commits. Handlers must
// be idempotent: an event may be delivered more than once.
type Event struct {
	ID       ID
	Type     string
	ActorID  ID // who did it
	TargetID ID // the account acted on, when any
	PostID   ID // the post, when any
	At       time.Time
}

// EventHandler reacts to events.
type EventHandler func(ctx context.Context, e Event) error

// EventBus publishes events to the handlers subscribed to their type.
type EventBus interface {
	Publish(ctx context.Context, events ...Event) error
	Subscribe(eventType, consumer string, h EventHandler)
}
