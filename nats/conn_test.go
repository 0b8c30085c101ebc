package nats_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/testenv"
	"github.com/pinhole/pinhole/nats"
)

// The bus conformance suite runs on the embedded server always and on the
// external server at 127.0.0.1:4222 when it is reachable.
func TestBus(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) {
		runBusSuite(t, func(t *testing.T) nats.Config {
			cfg := nats.NewDefaultConfig(t.TempDir())
			return cfg
		})
	})
	t.Run("External", func(t *testing.T) {
		if !testenv.Reachable("127.0.0.1:4222") {
			testenv.Missing(t, "external NATS tests need a NATS server with JetStream at 127.0.0.1:4222 (nats-server -js)")
		}
		runBusSuite(t, func(t *testing.T) nats.Config {
			cfg := nats.NewDefaultConfig(t.TempDir())
			cfg.URL = "nats://127.0.0.1:4222"
			return cfg
		})
		// An embedded server belongs to one process; several worker
		// processes share an external one.
		runSharedConsumer(t, func(t *testing.T) nats.Config {
			cfg := nats.NewDefaultConfig(t.TempDir())
			cfg.URL = "nats://127.0.0.1:4222"
			return cfg
		})
	})
}

func runSharedConsumer(t *testing.T, config func(t *testing.T) nats.Config) {
	ids := pinhole.NewIDGenerator(time.Now)
	event := func(typ string) pinhole.Event {
		return pinhole.Event{ID: ids.Next(1), Type: typ, ActorID: 42, PostID: 7, At: time.Now().UTC()}
	}
	t.Run("SharedConsumerSplitsWorkBetweenProcesses", func(t *testing.T) {
		cfg := config(t)
		cfg.Prefix = uniquePrefix()
		// Two connections with one prefix are two worker processes.
		a, b := open(t, cfg), open(t, cfg)
		r := newRecorder()
		a.Subscribe(pinhole.EventPostCreated, "feed", r.handle)
		b.Subscribe(pinhole.EventPostCreated, "feed", r.handle)
		if err := a.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := b.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		var evs []pinhole.Event
		for i := 0; i < 20; i++ {
			evs = append(evs, event(pinhole.EventPostCreated))
		}
		if err := a.Publish(context.Background(), evs...); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "all events handled", func() bool {
			for _, e := range evs {
				if r.count(e.ID) == 0 {
					return false
				}
			}
			return true
		})
		for _, e := range evs {
			if n := r.count(e.ID); n != 1 {
				t.Errorf("event %d handled %d times", e.ID, n)
			}
		}
	})

}

func uniquePrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "pinholetest_" + hex.EncodeToString(b)
}

// open connects with a prefix of the test's own and removes its streams
// afterwards.
func open(t *testing.T, cfg nats.Config) *nats.Conn {
	t.Helper()
	if cfg.Prefix == "pinhole" {
		cfg.Prefix = uniquePrefix()
	}
	cfg.MaxAttempts = 3
	cfg.Backoff = []time.Duration{20 * time.Millisecond}
	c, err := nats.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.DeleteStreams(ctx); err != nil {
			t.Errorf("delete streams: %v", err)
		}
		c.Close()
	})
	return c
}

// recorder counts handler calls per event.
type recorder struct {
	mu    sync.Mutex
	calls map[pinhole.ID]int
	fail  map[pinhole.ID]bool
}

func newRecorder() *recorder {
	return &recorder{calls: map[pinhole.ID]int{}, fail: map[pinhole.ID]bool{}}
}

func (r *recorder) handle(_ context.Context, e pinhole.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[e.ID]++
	if r.fail[e.ID] {
		return errors.New("refusing on purpose")
	}
	return nil
}

func (r *recorder) count(id pinhole.ID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

func (r *recorder) setFail(id pinhole.ID, fail bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail[id] = fail
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func runBusSuite(t *testing.T, config func(t *testing.T) nats.Config) {
	ids := pinhole.NewIDGenerator(time.Now)
	event := func(typ string) pinhole.Event {
		return pinhole.Event{ID: ids.Next(1), Type: typ, ActorID: 42, PostID: 7, At: time.Now().UTC().Truncate(time.Millisecond)}
	}

	t.Run("DeliversToEveryConsumerOnce", func(t *testing.T) {
		c := open(t, config(t))
		feed, notify := newRecorder(), newRecorder()
		c.Subscribe(pinhole.EventPostCreated, "feed", feed.handle)
		c.Subscribe(pinhole.EventPostCreated, "notify", notify.handle)
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		e := event(pinhole.EventPostCreated)
		// Published twice, as a relay does after a crash: delivered once.
		for i := 0; i < 2; i++ {
			if err := c.Publish(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "both consumers saw the event", func() bool { return feed.count(e.ID) == 1 && notify.count(e.ID) == 1 })
		time.Sleep(200 * time.Millisecond)
		if got := feed.count(e.ID); got != 1 {
			t.Errorf("feed handled the event %d times, want 1", got)
		}
	})

	t.Run("ConsumersOnlyGetTheirTypes", func(t *testing.T) {
		c := open(t, config(t))
		r := newRecorder()
		c.Subscribe(pinhole.EventLiked, "likes", r.handle)
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		other, like := event(pinhole.EventFollowed), event(pinhole.EventLiked)
		if err := c.Publish(context.Background(), other, like); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the like arrived", func() bool { return r.count(like.ID) == 1 })
		if r.count(other.ID) != 0 {
			t.Error("a consumer got an event type it did not subscribe to")
		}
	})

	t.Run("RetriesThenDeadLettersThenRetriesOnRequest", func(t *testing.T) {
		c := open(t, config(t))
		r := newRecorder()
		c.Subscribe(pinhole.EventLiked, "notify", r.handle)
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		e := event(pinhole.EventLiked)
		r.setFail(e.ID, true)
		if err := c.Publish(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var dead []pinhole.DeadLetter
		waitFor(t, "the event was dead-lettered", func() bool {
			dead, _ = c.ListDeadLetters(ctx, 10)
			return len(dead) == 1
		})
		if got := r.count(e.ID); got != 3 {
			t.Errorf("attempts: got %d, want 3 (MaxAttempts)", got)
		}
		if d := dead[0]; d.Consumer != "notify" || d.Event.ID != e.ID || d.Event.Type != e.Type || d.Attempts != 3 || d.Error == "" {
			t.Errorf("dead letter: %+v", d)
		}
		r.setFail(e.ID, false)
		if err := c.RetryDeadLetter(ctx, dead[0].Seq); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the retried event was handled", func() bool { return r.count(e.ID) == 4 })
		if dead, _ = c.ListDeadLetters(ctx, 10); len(dead) != 0 {
			t.Errorf("dead letters after retry: %v", dead)
		}
		if err := c.RetryDeadLetter(ctx, 999999); pinhole.ErrorCode(err) != pinhole.ENOTFOUND {
			t.Errorf("retry of a missing dead letter: got %v, want ENOTFOUND", err)
		}
	})

	t.Run("LiveMessagesReachSubscribers", func(t *testing.T) {
		c := open(t, config(t))
		got := make(chan []byte, 1)
		unsub, err := c.SubscribeUser(99, func(b []byte) { got <- b })
		if err != nil {
			t.Fatal(err)
		}
		defer unsub()
		fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Flush(fctx); err != nil {
			t.Fatal(err)
		}
		if err := c.PushLive(context.Background(), 99, pinhole.LiveMessage{Event: pinhole.LiveNotification, ID: 5}); err != nil {
			t.Fatal(err)
		}
		select {
		case b := <-got:
			if string(b) != `{"event":"notification","id":"5"}` {
				t.Errorf("got %s", b)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("live message never arrived")
		}
	})
}
