package inmem_test

import (
	"context"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

func TestCache(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	t.Run("EvictsLeastRecentlyUsed", func(t *testing.T) {
		c := inmem.NewCache[string, int](2, time.Minute, clock)
		c.Set("a", 1)
		c.Set("b", 2)
		c.Get("a")
		c.Set("c", 3)
		if _, ok := c.Get("b"); ok {
			t.Error("b survived; want evicted as least recently used")
		}
		if v, ok := c.Get("a"); !ok || v != 1 {
			t.Errorf("a: got %d,%v; want 1,true", v, ok)
		}
	})
	t.Run("ExpiresAfterTTL", func(t *testing.T) {
		c := inmem.NewCache[string, int](2, time.Second, clock)
		c.Set("a", 1)
		now = now.Add(2 * time.Second)
		if _, ok := c.Get("a"); ok {
			t.Error("a still cached after its TTL")
		}
	})
}

func TestRateLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := inmem.NewRateLimiter(func() time.Time { return now })
	r := pinhole.Rate{Burst: 3, Period: time.Minute}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if ok, _, _ := l.Allow(ctx, "k", r); !ok {
			t.Fatalf("event %d refused within burst", i)
		}
	}
	ok, wait, _ := l.Allow(ctx, "k", r)
	if ok || wait <= 0 || wait > 20*time.Second {
		t.Fatalf("fourth event: got ok=%v wait=%v; want refused with wait in (0,20s]", ok, wait)
	}
	if ok, _, _ := l.Allow(ctx, "other", r); !ok {
		t.Fatal("another key was limited")
	}
	now = now.Add(wait)
	if ok, _, _ := l.Allow(ctx, "k", r); !ok {
		t.Fatal("refused after waiting Retry-After")
	}
}
