package inmem

import (
	"context"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.RateLimiter = (*RateLimiter)(nil)

// RateLimiter is a GCRA (generic cell rate algorithm) limiter in memory:
// each key stores only its theoretical arrival time.
type RateLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	tat map[string]time.Time
	ops int
}

// NewRateLimiter returns a limiter reading time from now.
func NewRateLimiter(now func() time.Time) *RateLimiter {
	return &RateLimiter{now: now, tat: make(map[string]time.Time)}
}

// Allow implements GCRA: an event is allowed when the key's theoretical
// arrival time is no further ahead than the burst allows.
func (l *RateLimiter) Allow(_ context.Context, key string, r pinhole.Rate) (bool, time.Duration, error) {
	if r.Burst <= 0 || r.Period <= 0 {
		return true, 0, nil
	}
	interval := r.Period / time.Duration(r.Burst)
	tolerance := r.Period - interval
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops++
	if l.ops%4096 == 0 {
		l.sweep(now)
	}
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	allowAt := tat.Add(-tolerance)
	if now.Before(allowAt) {
		return false, allowAt.Sub(now), nil
	}
	l.tat[key] = tat.Add(interval)
	return true, 0, nil
}

// sweep drops keys whose arrival time has passed: they are back to full.
func (l *RateLimiter) sweep(now time.Time) {
	for k, t := range l.tat {
		if t.Before(now) {
			delete(l.tat, k)
		}
	}
}
