package nats

import (
	"context"
	"encoding/json"
	"fmt"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pinhole/pinhole"
)

// Publish sends events to JetStream with the event ID as the message ID:
// the stream drops a second copy within its duplicate window, so the
// outbox relay may safely publish again after a crash.
func (c *Conn) Publish(ctx context.Context, events ...pinhole.Event) error {
	for _, e := range events {
		data, err := pinhole.EncodeEvent(e)
		if err != nil {
			return err
		}
		msg := &natsgo.Msg{Subject: c.eventSubject(e.Type), Data: data}
		if _, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(e.ID.String())); err != nil {
			return fmt.Errorf("nats: publish %s %d: %w", e.Type, e.ID, err)
		}
	}
	return nil
}

// PublishUser sends a live message to the web nodes holding a member's
// connections. It is fire-and-forget: a member who is not connected
// catches up from the database.
func (c *Conn) PublishUser(id pinhole.ID, data []byte) error {
	if err := c.nc.Publish(c.userSubject(id), data); err != nil {
		return fmt.Errorf("nats: publish to user %d: %w", id, err)
	}
	return nil
}

// SubscribeUser receives the live messages for a member until the returned
// function is called.
func (c *Conn) SubscribeUser(id pinhole.ID, fn func(data []byte)) (func(), error) {
	sub, err := c.nc.Subscribe(c.userSubject(id), func(m *natsgo.Msg) { fn(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("nats: subscribe to user %d: %w", id, err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Flush waits until the server has processed everything sent so far.
func (c *Conn) Flush(ctx context.Context) error { return c.nc.FlushWithContext(ctx) }

var _ pinhole.LivePusher = (*Conn)(nil)

// PushLive publishes a live message for a member.
func (c *Conn) PushLive(_ context.Context, account pinhole.ID, m pinhole.LiveMessage) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.PublishUser(account, data)
}
