package inmem

import (
	"context"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.WriteClock = (*WriteClock)(nil)

// WriteClock is the in-process pinhole.WriteClock: enough when one process
// serves every request; nodes behind a load balancer share the Redis one.
// It forgets writes older than keep, so it holds only the members who
// wrote lately.
type WriteClock struct {
	now  func() time.Time
	keep time.Duration
	mu   sync.Mutex
	last map[pinhole.ID]time.Time
	ops  int
}

// NewWriteClock returns a clock that remembers writes for keep (at least
// as long as the web layer's FreshFor).
func NewWriteClock(keep time.Duration, now func() time.Time) *WriteClock {
	return &WriteClock{now: now, keep: keep, last: make(map[pinhole.ID]time.Time)}
}

// Wrote records a write; an earlier time than the one held is ignored.
func (c *WriteClock) Wrote(_ context.Context, account pinhole.ID, at time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops++
	if c.ops%4096 == 0 {
		c.sweep()
	}
	if at.After(c.last[account]) {
		c.last[account] = at
	}
	return nil
}

// LastWrite returns the account's last write, or the zero time when it is
// older than keep or unknown.
func (c *WriteClock) LastWrite(_ context.Context, account pinhole.ID) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.last[account]
	if !ok || c.now().Sub(t) > c.keep {
		return time.Time{}, nil
	}
	return t, nil
}

// sweep drops writes older than keep.
func (c *WriteClock) sweep() {
	now := c.now()
	for id, t := range c.last {
		if now.Sub(t) > c.keep {
			delete(c.last, id)
		}
	}
}
