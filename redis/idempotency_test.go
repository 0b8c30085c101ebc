package redis_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/redis/redistest"
)

// TestIdempotency runs one specification on the SQL store and on Redis:
// the two must behave alike.
func TestIdempotency(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) pinhole.IdempotencyStore
	}{
		{"SQLite", func(t *testing.T) pinhole.IdempotencyStore { st, _ := mustOpenSQL(t); return st }},
		{"Redis", func(t *testing.T) pinhole.IdempotencyStore { return redis.NewIdempotency(redistest.Open(t, nil), nil) }},
		{"RedisInFrontOfSQLite", func(t *testing.T) pinhole.IdempotencyStore {
			st, _ := mustOpenSQL(t)
			return redis.NewIdempotency(redistest.Open(t, nil), st)
		}},
		{"RedisDownFallsBackToSQLite", func(t *testing.T) pinhole.IdempotencyStore {
			st, _ := mustOpenSQL(t)
			return redis.NewIdempotency(redistest.Down(t), st)
		}},
	}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { runIdempotencySpec(t, s.open) })
	}
	// Redis is never the only copy: a key finished before Redis lost it
	// is still found in the database, so the retry is a replay.
	t.Run("AKeyRedisLostIsStillKnown", func(t *testing.T) {
		st, _ := mustOpenSQL(t)
		c := redistest.Open(t, nil)
		s := redis.NewIdempotency(c, st)
		r := record(1, "k", "h", time.Now())
		if prev, err := s.BeginIdempotent(t.Context(), r); err != nil || prev != nil {
			t.Fatalf("claim: %+v, %v", prev, err)
		}
		if err := s.FinishIdempotent(t.Context(), 1, "k", 200, "", []byte("first")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Purge(t.Context()); err != nil {
			t.Fatal(err)
		}
		prev, err := s.BeginIdempotent(t.Context(), record(1, "k", "h", time.Now()))
		if err != nil || prev == nil || prev.State != pinhole.IdempotencyDone || string(prev.Body) != "first" {
			t.Fatalf("after Redis was emptied: got %+v, %v; want the finished record", prev, err)
		}
	})
	t.Run("RedisDownWithoutFallbackFails", func(t *testing.T) {
		s := redis.NewIdempotency(redistest.Down(t), nil)
		if _, err := s.BeginIdempotent(t.Context(), record(1, "k", "h", time.Now())); err == nil {
			t.Error("BeginIdempotent: got nil; want an error")
		}
	})
}

func record(account pinhole.ID, key, hash string, at time.Time) *pinhole.IdempotencyRecord {
	return &pinhole.IdempotencyRecord{AccountID: account, Key: key, RequestHash: []byte(hash), CreatedAt: at}
}

func runIdempotencySpec(t *testing.T, open func(t *testing.T) pinhole.IdempotencyStore) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const alice, bob = pinhole.ID(1 << 20), pinhole.ID(2 << 20)
	begin := func(t *testing.T, s pinhole.IdempotencyStore, r *pinhole.IdempotencyRecord) *pinhole.IdempotencyRecord {
		t.Helper()
		prev, err := s.BeginIdempotent(t.Context(), r)
		mustOK(t, "BeginIdempotent", err)
		return prev
	}
	t.Run("FirstClaimsThenRetriesSeeTheRecord", func(t *testing.T) {
		s := open(t)
		if prev := begin(t, s, record(alice, "k1", "hash-1", t0)); prev != nil {
			t.Fatalf("first claim: got %+v, want nil", prev)
		}
		prev := begin(t, s, record(alice, "k1", "hash-1", t0.Add(time.Second)))
		if prev == nil || prev.State != pinhole.IdempotencyPending || !bytes.Equal(prev.RequestHash, []byte("hash-1")) || !prev.CreatedAt.Equal(t0) {
			t.Fatalf("repeat while pending: got %+v, want the pending record made at %v", prev, t0)
		}
		mustOK(t, "FinishIdempotent", s.FinishIdempotent(t.Context(), alice, "k1", 201, `{"Location":"/x"}`, []byte(`{"id":"7"}`)))
		prev = begin(t, s, record(alice, "k1", "hash-1", t0.Add(time.Minute)))
		if prev == nil || prev.State != pinhole.IdempotencyDone || prev.Status != 201 || prev.Header != `{"Location":"/x"}` || string(prev.Body) != `{"id":"7"}` {
			t.Errorf("repeat when done: got %+v, want the stored response", prev)
		}
		prev = begin(t, s, record(alice, "k1", "hash-2", t0.Add(time.Minute)))
		if prev == nil || !bytes.Equal(prev.RequestHash, []byte("hash-1")) {
			t.Errorf("same key, other request: got %+v, want the first request's record (the caller refuses it)", prev)
		}
	})
	t.Run("ConcurrentDuplicatesOneWins", func(t *testing.T) {
		s := open(t)
		var mu sync.Mutex
		claimed, pending := 0, 0
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				prev, err := s.BeginIdempotent(t.Context(), record(alice, "dup", "h", t0))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					t.Errorf("BeginIdempotent: %v", err)
				case prev == nil:
					claimed++
				case prev.State == pinhole.IdempotencyPending:
					pending++
				}
			})
		}
		wg.Wait()
		if claimed != 1 || pending != 11 {
			t.Errorf("12 concurrent claims: %d claimed, %d saw it pending; want 1 and 11", claimed, pending)
		}
	})
	t.Run("AbandonReleasesOnlyAPendingKey", func(t *testing.T) {
		s := open(t)
		begin(t, s, record(alice, "a", "h", t0))
		mustOK(t, "AbandonIdempotent", s.AbandonIdempotent(t.Context(), alice, "a"))
		if prev := begin(t, s, record(alice, "a", "h", t0)); prev != nil {
			t.Errorf("claim after abandon: got %+v, want nil (claimed again)", prev)
		}
		mustOK(t, "FinishIdempotent", s.FinishIdempotent(t.Context(), alice, "a", 200, "", nil))
		mustOK(t, "AbandonIdempotent(done)", s.AbandonIdempotent(t.Context(), alice, "a"))
		if prev := begin(t, s, record(alice, "a", "h", t0)); prev == nil || prev.State != pinhole.IdempotencyDone {
			t.Errorf("after abandoning a finished key: got %+v, want it still done", prev)
		}
		mustOK(t, "AbandonIdempotent(unknown)", s.AbandonIdempotent(t.Context(), alice, "never"))
		mustOK(t, "FinishIdempotent(unknown)", s.FinishIdempotent(t.Context(), alice, "never", 200, "", nil))
		if prev := begin(t, s, record(alice, "never", "h", t0)); prev != nil {
			t.Errorf("finishing an unknown key made a record: %+v", prev)
		}
	})
	t.Run("KeysBelongToOneMember", func(t *testing.T) {
		s := open(t)
		begin(t, s, record(alice, "k", "h", t0))
		if prev := begin(t, s, record(bob, "k", "h", t0)); prev != nil {
			t.Errorf("bob's claim of alice's key: got %+v, want nil", prev)
		}
	})
	t.Run("AKeyOlderThanTheTTLIsForgotten", func(t *testing.T) {
		s := open(t)
		begin(t, s, record(alice, "old", "h", t0))
		mustOK(t, "FinishIdempotent", s.FinishIdempotent(t.Context(), alice, "old", 200, "", []byte("x")))
		if prev := begin(t, s, record(alice, "old", "h2", t0.Add(pinhole.IdempotencyTTL-time.Minute))); prev == nil {
			t.Error("a day less a minute on: got nil, want the record")
		}
		if prev := begin(t, s, record(alice, "old", "h2", t0.Add(pinhole.IdempotencyTTL+time.Minute))); prev != nil {
			t.Errorf("a day and a minute on: got %+v, want nil (claimed anew)", prev)
		}
	})
	t.Run("LongKeysAndBinaryBodies", func(t *testing.T) {
		s := open(t)
		body := []byte{0, 1, 2, 255, '\n'}
		for i, key := range []string{string(bytes.Repeat([]byte("k"), 255)), string(bytes.Repeat([]byte("k"), 254)) + "j"} {
			begin(t, s, record(alice, key, "h", t0))
			mustOK(t, "FinishIdempotent", s.FinishIdempotent(t.Context(), alice, key, 200+i, "", body))
			if prev := begin(t, s, record(alice, key, "h", t0)); prev == nil || prev.Status != 200+i || !bytes.Equal(prev.Body, body) {
				t.Errorf("key %d: got %+v, want status %d and the body", i, prev, 200+i)
			}
		}
	})
}
