package redis

import (
	"sync"
	"time"
)

// breaker is a circuit breaker: after max failures in a row it opens for
// cooldown, then lets one call through to probe; that call's outcome
// closes it or opens it again.
type breaker struct {
	max      int
	cooldown time.Duration
	now      func() time.Time

	mu        sync.Mutex
	failures  int
	openUntil time.Time
}

func newBreaker(max int, cooldown time.Duration, now func() time.Time) *breaker {
	return &breaker{max: max, cooldown: cooldown, now: now}
}

// allow reports whether a call may go to Redis now.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < b.max {
		return true
	}
	now := b.now()
	if now.Before(b.openUntil) {
		return false
	}
	b.openUntil = now.Add(b.cooldown) // this call is the probe; the others wait
	return true
}

func (b *breaker) success() {
	b.mu.Lock()
	b.failures = 0
	b.mu.Unlock()
}

func (b *breaker) failure() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.failures == b.max {
		b.openUntil = b.now().Add(b.cooldown)
	}
}
