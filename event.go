package pinhole

import (
	"context"
	"encoding/json"
	"fmt"
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
	EventAccountCreated  = "account.created" // the search index learns new names
	EventAccountUpdated  = "account.updated" // a profile's display name may have changed
)

// Event is a fact about a change. It is written in the same transaction as
// the change (the outbox) and published after it commits, so it is never
// lost; it may be delivered more than once, so handlers must be
// idempotent (its ID names it).
type Event struct {
	ID        ID
	Type      string
	ActorID   ID       // who did it
	TargetID  ID       // the account acted on, when any
	PostID    ID       // the post, when any
	ParentID  ID       // for a comment: the post it answers
	Mentions  []ID     // accounts @mentioned in a new post
	MediaKeys []string // blob keys a deleted post leaves behind
	At        time.Time
}

// eventWire is the event's stable encoding on the outbox and the bus.
type eventWire struct {
	ID        ID       `json:"id"`
	Type      string   `json:"type"`
	ActorID   ID       `json:"actor_id,omitempty"`
	TargetID  ID       `json:"target_id,omitempty"`
	PostID    ID       `json:"post_id,omitempty"`
	ParentID  ID       `json:"parent_id,omitempty"`
	Mentions  []ID     `json:"mentions,omitempty"`
	MediaKeys []string `json:"media_keys,omitempty"`
	At        int64    `json:"at"`
}

// EncodeEvent returns the event's wire form.
func EncodeEvent(e Event) ([]byte, error) {
	return json.Marshal(eventWire{e.ID, e.Type, e.ActorID, e.TargetID, e.PostID, e.ParentID, e.Mentions, e.MediaKeys, e.At.UnixMilli()})
}

// DecodeEvent parses the wire form.
func DecodeEvent(b []byte) (Event, error) {
	var w eventWire
	if err := json.Unmarshal(b, &w); err != nil {
		return Event{}, fmt.Errorf("decode event: %w", err)
	}
	if w.ID == 0 || w.Type == "" {
		return Event{}, fmt.Errorf("decode event: no id or type")
	}
	return Event{w.ID, w.Type, w.ActorID, w.TargetID, w.PostID, w.ParentID, w.Mentions, w.MediaKeys, time.UnixMilli(w.At).UTC()}, nil
}

// EventHandler reacts to an event. An error means "try again later".
type EventHandler func(ctx context.Context, e Event) error

// EventBus carries events from the outbox to their consumers. Each
// consumer (a name) gets every event of the types it subscribed to once in
// effect, however many processes run it.
type EventBus interface {
	// Publish sends committed events (the outbox relay calls it). The same
	// event published twice is delivered once.
	Publish(ctx context.Context, events ...Event) error
	// Subscribe registers a consumer's handler for an event type.
	Subscribe(eventType, consumer string, h EventHandler)
}

// DeadLetter is an event a consumer gave up on after repeated failures.
type DeadLetter struct {
	Seq      uint64 // position in the dead-letter store
	Consumer string
	Event    Event
	Error    string
	Attempts int
	At       time.Time
}

// DeadLetters lets admins see and retry what consumers gave up on.
type DeadLetters interface {
	ListDeadLetters(ctx context.Context, limit int) ([]DeadLetter, error)
	// RetryDeadLetter hands the event to its consumer again.
	RetryDeadLetter(ctx context.Context, seq uint64) error
}

// Outbox is told when committed changes left events to publish.
type Outbox interface {
	Kick()
}

// LiveMessage is pushed to a member's open streaming connections: what
// happened and the ID of the thing it happened to (a post for "update" and
// "delete", a notification for "notification").
type LiveMessage struct {
	Event string `json:"event"`
	ID    ID     `json:"id"`
}

// Live message events (the Mastodon streaming API's names).
const (
	LiveUpdate       = "update"
	LiveNotification = "notification"
	LiveDelete       = "delete"
)

// LivePusher delivers live messages to whichever web nodes hold a
// member's connections. Delivery is best effort: a member who is not
// connected catches up from the database.
type LivePusher interface {
	PushLive(ctx context.Context, account ID, m LiveMessage) error
}
