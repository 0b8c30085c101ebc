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
	t.Run("AFillCannotUndoADelete", func(t *testing.T) {
		c := inmem.NewCache[string, int](10, time.Minute, clock)
		read := c.Begin(t.Context()) // a reader reads the old value from the store...
		c.Delete("a")                // ...while a write changes it and drops the entry
		if !c.Stale("a", read) || c.Stale("b", read) {
			t.Error("Stale: want a stale under the old ticket, b not")
		}
		if c.Fill("a", 1, read) {
			t.Error("a read that began before the delete filled the cache")
		}
		if _, ok := c.Get("a"); ok {
			t.Fatal("the old value is cached after the delete")
		}
		if !c.Fill("b", 2, read) {
			t.Error("a delete of a refused a fill of b")
		}
		if !c.Fill("a", 3, c.Begin(t.Context())) {
			t.Error("a read that began after the delete was refused")
		}
		if v, _ := c.Get("a"); v != 3 {
			t.Errorf("a: got %d, want 3", v)
		}
	})
	t.Run("ForgottenDeletesRefuseOlderTickets", func(t *testing.T) {
		c := inmem.NewCache[int, int](2, time.Minute, clock)
		read := c.Begin(t.Context())
		for k := range 3 { // more deletes than the cache remembers
			c.Delete(k)
		}
		if c.Fill(0, 1, read) {
			t.Error("a fill older than a forgotten delete was kept")
		}
		if !c.Fill(0, 1, c.Begin(t.Context())) {
			t.Error("a fresh fill was refused")
		}
	})
	t.Run("SettleRefusesFillsSoonAfterADelete", func(t *testing.T) {
		c := inmem.NewCache[string, int](10, time.Minute, clock)
		c.Settle(5 * time.Second)
		c.Delete("a")
		if c.Fill("a", 1, c.Begin(t.Context())) { // read from a replica a moment after the write
			t.Error("a fill right after the delete was kept")
		}
		if !c.Fill("b", 2, c.Begin(t.Context())) {
			t.Error("a key never deleted was refused")
		}
		if !c.Fill("a", 2, c.Begin(pinhole.WithFreshReads(t.Context()))) {
			t.Error("a fill from the primary right after the delete was refused")
		}
		now = now.Add(6 * time.Second)
		if !c.Fill("a", 3, c.Begin(t.Context())) {
			t.Error("a fill after the settling time was refused")
		}
	})
	t.Run("FlagsRefuseAnswersOlderThanADelete", func(t *testing.T) {
		c := inmem.NewCache[int, bool](10, time.Minute, clock)
		got, err := inmem.Flags(t.Context(), c, []int{1}, func(id int) int { return id }, func([]int) (map[int]bool, error) {
			c.Delete(1) // the answer changes while it is read
			return map[int]bool{1: false}, nil
		})
		if err != nil || got[1] {
			t.Fatalf("flags: %v %v", got, err)
		}
		if _, ok := c.Get(1); ok {
			t.Error("the answer read before the delete was remembered")
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
