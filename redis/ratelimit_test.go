package redis_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/redis/redistest"
)

func TestRateLimiter(t *testing.T) {
	// twoNodes returns limiters of two nodes sharing one Redis prefix.
	twoNodes := func(t *testing.T) (*redis.RateLimiter, *redis.RateLimiter) {
		cfg := redistest.Config()
		a, b := redistest.Open(t, &cfg), redistest.Open(t, &cfg)
		return redis.NewRateLimiter(a, time.Now), redis.NewRateLimiter(b, time.Now)
	}
	hour := pinhole.Rate{Burst: 5, Period: time.Hour} // no refill within a test

	t.Run("TwoNodesShareOneBurst", func(t *testing.T) {
		a, b := twoNodes(t)
		allowed := 0
		for i := range 20 {
			l := a
			if i%2 == 1 {
				l = b
			}
			ok, wait, err := l.Allow(t.Context(), "login:alice", hour)
			mustOK(t, "Allow", err)
			if ok {
				allowed++
			} else if wait <= 0 || wait > hour.Period/time.Duration(hour.Burst) {
				t.Errorf("refused event %d: Retry-After %v; want in (0, %v]", i, wait, hour.Period/time.Duration(hour.Burst))
			}
		}
		if allowed != hour.Burst {
			t.Errorf("two nodes allowed %d events; want exactly the burst, %d", allowed, hour.Burst)
		}
	})
	t.Run("ConcurrentNodesShareOneBurst", func(t *testing.T) {
		a, b := twoNodes(t)
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for i := range 40 {
			l := a
			if i%2 == 1 {
				l = b
			}
			wg.Go(func() {
				if ok, _, err := l.Allow(t.Context(), "post:bob", hour); err != nil {
					t.Errorf("Allow: %v", err)
				} else if ok {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != int64(hour.Burst) {
			t.Errorf("40 concurrent events on two nodes: %d allowed; want exactly %d", got, hour.Burst)
		}
	})
	t.Run("KeysAreIndependent", func(t *testing.T) {
		a, _ := twoNodes(t)
		one := pinhole.Rate{Burst: 1, Period: time.Hour}
		for _, k := range []string{"ip:192.0.2.1", "ip:192.0.2.2", string(make([]byte, 300)), string(make([]byte, 301))} {
			if ok, _, err := a.Allow(t.Context(), k, one); err != nil || !ok {
				t.Errorf("first event of key %.20q: got %v, %v; want allowed", k, ok, err)
			}
		}
	})
	t.Run("AllowedAgainAfterRetryAfter", func(t *testing.T) {
		a, _ := twoNodes(t)
		r := pinhole.Rate{Burst: 1, Period: 200 * time.Millisecond}
		if ok, _, _ := a.Allow(t.Context(), "k", r); !ok {
			t.Fatal("first event refused")
		}
		ok, wait, err := a.Allow(t.Context(), "k", r)
		if err != nil || ok || wait <= 0 || wait > r.Period {
			t.Fatalf("second event: got %v, %v, %v; want refused with a wait in (0, %v]", ok, wait, err, r.Period)
		}
		time.Sleep(wait + time.Millisecond)
		if ok, _, err := a.Allow(t.Context(), "k", r); err != nil || !ok {
			t.Errorf("after waiting Retry-After: got %v, %v; want allowed", ok, err)
		}
	})
	t.Run("FallsBackInProcessWhenRedisIsDown", func(t *testing.T) {
		l := redis.NewRateLimiter(redistest.Down(t), time.Now)
		allowed := 0
		for range 10 {
			ok, _, err := l.Allow(t.Context(), "login:alice", hour)
			if err != nil {
				t.Fatalf("Allow with Redis down: %v; want the in-process fallback", err)
			}
			if ok {
				allowed++
			}
		}
		if allowed != hour.Burst {
			t.Errorf("Redis down: %d allowed; want the burst, %d, enforced in process", allowed, hour.Burst)
		}
	})
	t.Run("NoLimitWithoutARate", func(t *testing.T) {
		a, _ := twoNodes(t)
		if ok, _, err := a.Allow(t.Context(), "k", pinhole.Rate{}); err != nil || !ok {
			t.Errorf("zero rate: got %v, %v; want allowed", ok, err)
		}
	})
}
