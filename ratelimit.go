package pinhole

import (
	"context"
	"time"
)

// Rate is a limit: Burst events at once, refilled at one per Period/Burst.
type Rate struct {
	Burst  int
	Period time.Duration
}

// RateLimiter decides whether an action under key may happen now. It is
// shared by every node at scale.
type RateLimiter interface {
	// Allow takes one token; when none is left it reports how long to wait.
	Allow(ctx context.Context, key string, r Rate) (ok bool, retryAfter time.Duration, err error)
}
