package nats_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/testenv"
	"github.com/pinhole/pinhole/nats"
)

// invalidations records what a node hears.
type invalidations struct {
	mu  sync.Mutex
	got map[string][]pinhole.ID
	n   int // messages
}

func listen(t *testing.T, c *nats.Conn) *invalidations {
	t.Helper()
	r := &invalidations{got: map[string][]pinhole.ID{}}
	stop, err := c.OnInvalidate(func(kind string, ids []pinhole.ID) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got[kind] = append(r.got[kind], ids...)
		r.n++
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := c.Flush(ctx); err != nil { // the subscription is in place
		t.Fatal(err)
	}
	return r
}

func (r *invalidations) snapshot() (map[string][]pinhole.ID, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]pinhole.ID{}
	for k, v := range r.got {
		out[k] = slices.Clone(v)
	}
	return out, r.n
}

func TestInvalidate(t *testing.T) {
	many := make([]pinhole.ID, 10_000) // more than one message
	for i := range many {
		many[i] = pinhole.ID(i + 1)
	}
	t.Run("EmbeddedDeliversToThisNode", func(t *testing.T) {
		c := open(t, nats.NewDefaultConfig(t.TempDir()))
		r := listen(t, c)
		for _, b := range []struct {
			kind string
			ids  []pinhole.ID
		}{{"post", []pinhole.ID{3, 1 << 40}}, {"timelines", nil}, {"timeline", many}} {
			if err := c.Broadcast(b.kind, b.ids); err != nil {
				t.Fatalf("Broadcast(%s): %v", b.kind, err)
			}
		}
		waitFor(t, "every invalidation heard", func() bool {
			got, _ := r.snapshot()
			return len(got["timeline"]) == len(many) && len(got["post"]) == 2
		})
		got, n := r.snapshot()
		if !slices.Equal(got["post"], []pinhole.ID{3, 1 << 40}) || !slices.Equal(got["timeline"], many) || n != 4 {
			t.Errorf("heard %d messages: post %v, timeline %d IDs; want 4 messages, post [3 %d], timeline 10000 IDs in order", n, got["post"], len(got["timeline"]), 1<<40)
		}
		if _, ok := got["timelines"]; !ok {
			t.Error("an invalidation with no IDs was not heard")
		}
	})
	t.Run("RefusesABadKind", func(t *testing.T) {
		c := open(t, nats.NewDefaultConfig(t.TempDir()))
		for _, kind := range []string{"", string(make([]byte, 256))} {
			if err := c.Broadcast(kind, []pinhole.ID{1}); err == nil {
				t.Errorf("Broadcast(kind of %d bytes): got nil, want an error", len(kind))
			}
		}
	})
	t.Run("ExternalReachesOtherNodesOfThePrefixOnly", func(t *testing.T) {
		if !testenv.Reachable("127.0.0.1:4222") {
			testenv.Missing(t, "external NATS tests need a NATS server at 127.0.0.1:4222 (nats-server -js)")
		}
		cfg := nats.NewDefaultConfig(t.TempDir())
		cfg.URL = "nats://127.0.0.1:4222"
		cfg.Prefix = uniquePrefix()
		a, b := open(t, cfg), open(t, cfg)
		cfg.Prefix = uniquePrefix()
		other := open(t, cfg)
		rb, rother := listen(t, b), listen(t, other)
		if err := a.Broadcast("post", []pinhole.ID{42}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "node b hears node a", func() bool { got, _ := rb.snapshot(); return len(got["post"]) == 1 })
		// A marker on the other prefix, sent after: once it is heard, a's
		// message would have been heard too.
		if err := other.Broadcast("marker", []pinhole.ID{1}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the other prefix hears its own marker", func() bool { got, _ := rother.snapshot(); return len(got["marker"]) == 1 })
		if got, _ := rother.snapshot(); len(got["post"]) != 0 {
			t.Errorf("another deployment's node heard %v", got["post"])
		}
	})
	t.Run("ExternalDropsMalformedMessages", func(t *testing.T) {
		if !testenv.Reachable("127.0.0.1:4222") {
			testenv.Missing(t, "external NATS tests need a NATS server at 127.0.0.1:4222 (nats-server -js)")
		}
		cfg := nats.NewDefaultConfig(t.TempDir())
		cfg.URL = "nats://127.0.0.1:4222"
		cfg.Prefix = uniquePrefix()
		c := open(t, cfg)
		r := listen(t, c)
		raw, err := natsgo.Connect(cfg.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		for _, m := range [][]byte{nil, {0}, {9, 'p'}, append([]byte{4}, "post\x00\x01"...), append([]byte{4}, "post\x00\x00\x00\x00\x00\x00\x00\x00"...)} {
			if err := raw.Publish(cfg.Prefix+".invalidate", m); err != nil {
				t.Fatal(err)
			}
		}
		// A valid message from the same connection, so heard after them.
		if err := raw.Publish(cfg.Prefix+".invalidate", append([]byte{4}, "post\x00\x00\x00\x00\x00\x00\x00\x07"...)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the valid message heard", func() bool { got, _ := r.snapshot(); return len(got["post"]) > 0 })
		if got, n := r.snapshot(); n != 1 || !slices.Equal(got["post"], []pinhole.ID{7}) {
			t.Errorf("heard %d messages %v; want only the valid one", n, got)
		}
	})
}
