package redis

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/testenv"
)

// openTest opens the test Redis on a fresh prefix (redistest cannot be
// imported from inside the package).
func openTest(t *testing.T, tweak func(*Config)) *Client {
	t.Helper()
	url := "redis://127.0.0.1:6379"
	if v := os.Getenv("PINHOLE_TEST_REDIS"); v != "" {
		url = v
	}
	cfg := NewDefaultConfig(url)
	cfg.Prefix = "pinhole-test-" + rand.Text()
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := Open(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ready(t.Context()); err != nil {
		c.Close()
		testenv.Missing(t, "Redis tests need a server at %s (PINHOLE_TEST_REDIS): %v", url, err)
	}
	t.Cleanup(func() {
		if _, err := c.Purge(context.Background()); err != nil {
			t.Errorf("purge: %v", err)
		}
		c.Close()
	})
	return c
}

// TestTimelineLifetimes checks the rule RemovePost relies on: a post's
// owner set outlives every timeline the post was written to.
func TestTimelineLifetimes(t *testing.T) {
	c := openTest(t, func(c *Config) { c.TimelineTTL = time.Hour })
	tl := NewTimelines(c, time.Now)
	ctx := t.Context()
	pttl := func(key string) time.Duration {
		d, err := c.rdb.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	owner, e := pinhole.ID(10), pinhole.TimelineEntry{PostID: 99, AuthorID: 5}
	if err := tl.ReplaceTimeline(ctx, owner, nil, 10); err != nil {
		t.Fatal(err)
	}
	built := pttl(tl.tlKey(owner))
	if built <= 0 || built > time.Hour {
		t.Fatalf("a built timeline's TTL: got %v, want in (0, 1h]", built)
	}
	if err := tl.PushTimelines(ctx, []pinhole.ID{owner}, e, 10); err != nil {
		t.Fatal(err)
	}
	if err := tl.AddToTimeline(ctx, owner, []pinhole.TimelineEntry{{PostID: 98, AuthorID: 5}}, 10); err != nil {
		t.Fatal(err)
	}
	if got := pttl(tl.tlKey(owner)); got > built {
		t.Errorf("writes extended the timeline's life: %v, was %v", got, built)
	}
	for _, p := range []pinhole.ID{98, 99} {
		if got := pttl(tl.postKey(p)); got < pttl(tl.tlKey(owner)) {
			t.Errorf("post %d's owner set expires before the timeline holding it: %v < %v", p, got, pttl(tl.tlKey(owner)))
		}
	}
}

func TestIdempotencyPendingClaimExpiresSooner(t *testing.T) {
	c := openTest(t, func(c *Config) { c.IdempotencyPendingTTL = time.Minute })
	s := NewIdempotency(c, nil)
	ctx := t.Context()
	r := &pinhole.IdempotencyRecord{AccountID: 7, Key: "k", RequestHash: []byte("h"), CreatedAt: time.Now()}
	if _, err := s.BeginIdempotent(ctx, r); err != nil {
		t.Fatal(err)
	}
	if d := c.rdb.PTTL(ctx, s.recKey(7, "k")).Val(); d <= 0 || d > time.Minute {
		t.Errorf("pending claim's TTL: got %v, want in (0, 1m]", d)
	}
	if err := s.FinishIdempotent(ctx, 7, "k", 200, "", nil); err != nil {
		t.Fatal(err)
	}
	if d := c.rdb.PTTL(ctx, s.recKey(7, "k")).Val(); d <= time.Minute || d > pinhole.IdempotencyTTL {
		t.Errorf("finished record's TTL: got %v, want in (1m, %v]", d, pinhole.IdempotencyTTL)
	}
}

func TestKeysUnderThePrefix(t *testing.T) {
	for prefix, want := range map[string]string{"pinhole": "pinhole:tl:7", "pinhole:": "pinhole:tl:7", "a.b-c": "a.b-c:tl:7"} {
		c := &Client{cfg: Config{Prefix: prefix}}
		if got := c.key("tl", "7"); got != want {
			t.Errorf("prefix %q: got %q, want %q", prefix, got, want)
		}
	}
}
