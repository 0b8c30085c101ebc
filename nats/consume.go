package nats

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pinhole/pinhole"
)

// ackWait is how long a delivery stays claimed without word from its
// handler; after it, another worker gets the event.
const ackWait = 6 * time.Second

// Subscribe registers a consumer's handler for an event type. Call it
// before Start.
func (c *Conn) Subscribe(eventType, consumer string, h pinhole.EventHandler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handlers[consumer] == nil {
		c.handlers[consumer] = map[string]pinhole.EventHandler{}
	}
	c.handlers[consumer][eventType] = h
}

// Start creates a durable consumer per registered consumer name and starts
// consuming. Any number of processes may start the same consumers: each
// event goes to one of them.
func (c *Conn) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name := range c.handlers {
		// Every consumer reads the whole stream and acknowledges at once
		// what is not for it: servers before 2.10 take one filter subject
		// only, and the event types a consumer handles are not one subtree.
		cons, err := c.events.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			Durable: name, FilterSubject: c.cfg.Prefix + ".events.>", AckPolicy: jetstream.AckExplicitPolicy,
			AckWait: ackWait, MaxDeliver: -1, DeliverPolicy: jetstream.DeliverAllPolicy,
			MaxAckPending: 1000,
		})
		if err != nil {
			return fmt.Errorf("nats: consumer %s: %w", name, err)
		}
		name := name
		cc, err := cons.Consume(func(m jetstream.Msg) { c.handle(name, m) }, jetstream.PullMaxMessages(64))
		if err != nil {
			return fmt.Errorf("nats: consume %s: %w", name, err)
		}
		c.running = append(c.running, cc)
	}
	return nil
}

// handle runs one delivery: success acks; failure asks for redelivery after
// a backoff; the last failure dead-letters the event.
func (c *Conn) handle(consumer string, m jetstream.Msg) {
	if strings.HasPrefix(m.Subject(), c.cfg.Prefix+".events.retry.") && m.Subject() != c.retrySubject(consumer) {
		_ = m.Ack() // a retry meant for another consumer
		return
	}
	e, err := pinhole.DecodeEvent(m.Data())
	if err != nil {
		c.log.Error("nats: undecodable event", "consumer", consumer, "subject", m.Subject(), "err", err)
		c.deadLetter(consumer, pinhole.Event{}, m.Data(), err, 1)
		_ = m.Term()
		return
	}
	c.mu.Lock()
	h := c.handlers[consumer][e.Type]
	c.mu.Unlock()
	if h == nil {
		_ = m.Ack() // not a type this consumer handles
		return
	}
	attempt := 1
	if md, err := m.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	// A short ack wait lets the events of a crashed worker go to another
	// soon; a long handler keeps its claim by saying it is in progress.
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.HandlerWait)
	working := make(chan struct{})
	go func() {
		t := time.NewTicker(ackWait / 3)
		defer t.Stop()
		for {
			select {
			case <-working:
				return
			case <-t.C:
				_ = m.InProgress()
			}
		}
	}()
	err = safely(ctx, h, e)
	close(working)
	cancel()
	if err == nil {
		c.cfg.fault("consumer-after-handle")
		c.cfg.fault("consumer-after-handle:" + e.Type)
		if err := m.Ack(); err != nil {
			c.log.Warn("nats: ack", "consumer", consumer, "event_id", e.ID, "err", err)
		}
		return
	}
	if attempt >= c.cfg.MaxAttempts {
		c.log.Error("nats: giving up on event", "consumer", consumer, "event", e.Type, "event_id", e.ID, "attempts", attempt, "err", err)
		c.deadLetter(consumer, e, nil, err, attempt)
		_ = m.Term()
		return
	}
	delay := c.cfg.Backoff[min(attempt-1, len(c.cfg.Backoff)-1)]
	c.log.Warn("nats: event handler failed; will retry", "consumer", consumer, "event", e.Type, "event_id", e.ID, "attempt", attempt, "retry_in", delay, "err", err)
	_ = m.NakWithDelay(delay)
}

// safely runs a handler, turning a panic into an error.
func safely(ctx context.Context, h pinhole.EventHandler, e pinhole.Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(ctx, e)
}

type deadWire struct {
	Consumer string          `json:"consumer"`
	Event    json.RawMessage `json:"event"`
	Error    string          `json:"error"`
	Attempts int             `json:"attempts"`
	At       int64           `json:"at"`
}

func (c *Conn) deadLetter(consumer string, e pinhole.Event, raw []byte, cause error, attempts int) {
	if raw == nil {
		raw, _ = pinhole.EncodeEvent(e)
	}
	if !json.Valid(raw) {
		raw, _ = json.Marshal(string(raw))
	}
	data, _ := json.Marshal(deadWire{Consumer: consumer, Event: raw, Error: cause.Error(), Attempts: attempts, At: time.Now().UnixMilli()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := &natsgo.Msg{Subject: c.deadSubject(consumer), Data: data}
	if _, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(consumer+":"+e.ID.String())); err != nil {
		c.log.Error("nats: dead-letter publish failed", "consumer", consumer, "event_id", e.ID, "err", err)
	}
}

// ListDeadLetters returns the newest dead letters first.
func (c *Conn) ListDeadLetters(ctx context.Context, limit int) ([]pinhole.DeadLetter, error) {
	info, err := c.dead.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("nats: dead letters: %w", err)
	}
	var out []pinhole.DeadLetter
	for seq := info.State.LastSeq; seq >= info.State.FirstSeq && seq > 0 && len(out) < limit; seq-- {
		raw, err := c.dead.GetMsg(ctx, seq)
		if err != nil {
			continue // deleted after a retry
		}
		var w deadWire
		if err := json.Unmarshal(raw.Data, &w); err != nil {
			continue
		}
		e, _ := pinhole.DecodeEvent(w.Event)
		out = append(out, pinhole.DeadLetter{Seq: seq, Consumer: w.Consumer, Event: e, Error: w.Error, Attempts: w.Attempts, At: time.UnixMilli(w.At).UTC()})
	}
	return out, nil
}

// RetryDeadLetter hands a dead-lettered event back to its consumer alone
// and removes it from the dead letters.
func (c *Conn) RetryDeadLetter(ctx context.Context, seq uint64) error {
	raw, err := c.dead.GetMsg(ctx, seq)
	if err != nil {
		return pinhole.Errorf(pinhole.ENOTFOUND, "Dead letter %d not found.", seq)
	}
	var w deadWire
	if err := json.Unmarshal(raw.Data, &w); err != nil {
		return fmt.Errorf("nats: dead letter %d: %w", seq, err)
	}
	if _, err := pinhole.DecodeEvent(w.Event); err != nil {
		return pinhole.Errorf(pinhole.EINVALID, "Dead letter %d holds no valid event; it cannot be retried.", seq)
	}
	msg := &natsgo.Msg{Subject: c.retrySubject(w.Consumer), Data: w.Event}
	if _, err := c.js.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("retry:%d:%d", seq, raw.Sequence))); err != nil {
		return fmt.Errorf("nats: retry dead letter %d: %w", seq, err)
	}
	if err := c.dead.DeleteMsg(ctx, seq); err != nil {
		return fmt.Errorf("nats: retry dead letter %d: %w", seq, err)
	}
	return nil
}
