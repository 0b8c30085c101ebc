package pinhole

import (
	"context"
	"time"
)

// WriteClock remembers when each member last changed something, for every
// node to see. With read replicas it is what makes a member read their own
// writes (DESIGN §3): for a short while after a member's write, their
// requests read from the primaries, whichever node serves them.
type WriteClock interface {
	// Wrote records that account wrote at at. A clock never moves back: an
	// earlier at than the one recorded changes nothing.
	Wrote(ctx context.Context, account ID, at time.Time) error
	// LastWrite returns when account last wrote, or the zero time when it
	// has not written lately (a clock may forget old writes).
	LastWrite(ctx context.Context, account ID) (time.Time, error)
}

type freshReadsKey struct{}

// WithFreshReads marks ctx as needing reads that see every committed
// write: stores read from the primary databases instead of replicas, and
// caches in front of them are passed over. The web layer marks the
// requests of a member who has just written; event consumers mark theirs.
func WithFreshReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshReadsKey{}, true)
}

// FreshReads reports whether ctx was marked by WithFreshReads.
func FreshReads(ctx context.Context) bool {
	v, _ := ctx.Value(freshReadsKey{}).(bool)
	return v
}
