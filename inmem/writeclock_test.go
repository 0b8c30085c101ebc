package inmem_test

import (
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
	"github.com/pinhole/pinhole/storetest"
)

func TestWriteClock(t *testing.T) {
	storetest.RunWriteClock(t, func(t *testing.T) pinhole.WriteClock {
		return inmem.NewWriteClock(time.Minute, time.Now)
	})
	t.Run("ForgetsWritesOlderThanKeep", func(t *testing.T) {
		now := time.Unix(1000, 0)
		c := inmem.NewWriteClock(5*time.Second, func() time.Time { return now })
		if err := c.Wrote(t.Context(), 7, now); err != nil {
			t.Fatal(err)
		}
		now = now.Add(4 * time.Second)
		if got, _ := c.LastWrite(t.Context(), 7); !got.Equal(time.Unix(1000, 0)) {
			t.Errorf("LastWrite within keep = %v, want the write", got)
		}
		now = now.Add(2 * time.Second)
		if got, _ := c.LastWrite(t.Context(), 7); !got.IsZero() {
			t.Errorf("LastWrite past keep = %v, want the zero time", got)
		}
	})
}
