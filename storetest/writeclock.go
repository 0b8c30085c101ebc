package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
)

// RunWriteClock is the conformance suite of pinhole.WriteClock. open
// returns a fresh, empty clock that remembers writes for at least a
// minute. Times are compared to the millisecond, which is all a shared
// clock needs to keep.
func RunWriteClock(t *testing.T, open func(t *testing.T) pinhole.WriteClock) {
	ms := func(v time.Time) int64 { return v.UnixMilli() }
	t.Run("UnknownAccountHasNotWritten", func(t *testing.T) {
		c := open(t)
		got, err := c.LastWrite(t.Context(), 101)
		if err != nil || !got.IsZero() {
			t.Errorf("LastWrite of a silent account = %v, %v; want the zero time", got, err)
		}
	})
	t.Run("RemembersTheLastWrite", func(t *testing.T) {
		c := open(t)
		at := time.Now()
		mustWrote(t, c, 102, at.Add(-time.Second))
		mustWrote(t, c, 102, at)
		if got := mustLastWrite(t, c, 102); ms(got) != ms(at) {
			t.Errorf("LastWrite = %v, want %v", got, at)
		}
	})
	t.Run("NeverMovesBack", func(t *testing.T) {
		c := open(t)
		at := time.Now()
		mustWrote(t, c, 103, at)
		mustWrote(t, c, 103, at.Add(-2*time.Second))
		if got := mustLastWrite(t, c, 103); ms(got) != ms(at) {
			t.Errorf("LastWrite after an earlier write = %v, want %v", got, at)
		}
	})
	t.Run("AccountsAreSeparate", func(t *testing.T) {
		c := open(t)
		mustWrote(t, c, 104, time.Now())
		if got := mustLastWrite(t, c, 105); !got.IsZero() {
			t.Errorf("another account's LastWrite = %v, want the zero time", got)
		}
	})
	t.Run("ConcurrentWritesKeepTheLatest", func(t *testing.T) {
		c := open(t)
		base := time.Now().Add(-time.Second)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if err := c.Wrote(t.Context(), 106, base.Add(time.Duration(i)*10*time.Millisecond)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		want := base.Add(190 * time.Millisecond)
		if got := mustLastWrite(t, c, 106); ms(got) != ms(want) {
			t.Errorf("LastWrite after concurrent writes = %v, want the latest %v", got, want)
		}
	})
}

func mustWrote(t *testing.T, c pinhole.WriteClock, id pinhole.ID, at time.Time) {
	t.Helper()
	if err := c.Wrote(t.Context(), id, at); err != nil {
		t.Fatalf("Wrote(%d): %v", id, err)
	}
}

func mustLastWrite(t *testing.T, c pinhole.WriteClock, id pinhole.ID) time.Time {
	t.Helper()
	got, err := c.LastWrite(t.Context(), id)
	if err != nil {
		t.Fatalf("LastWrite(%d): %v", id, err)
	}
	return got
}
