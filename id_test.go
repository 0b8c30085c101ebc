package pinhole_test

import (
	"sync"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
)

func TestIDGenerator(t *testing.T) {
	t.Run("EncodesShardAndTime", func(t *testing.T) {
		at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
		g := pinhole.NewIDGenerator(func() time.Time { return at })
		for _, shard := range []int{0, 1, 255, pinhole.MaxShards - 1} {
			id := g.Next(shard)
			if got := id.Shard(); got != shard {
				t.Errorf("shard: got %d, want %d", got, shard)
			}
			if got := id.Time(); !got.Equal(at.Truncate(time.Millisecond)) {
				t.Errorf("time: got %v, want %v", got, at)
			}
		}
	})
	t.Run("UniqueAndIncreasingUnderContentionAndStalledClock", func(t *testing.T) {
		at := time.Now()
		g := pinhole.NewIDGenerator(func() time.Time { return at })
		var mu sync.Mutex
		var ids []pinhole.ID
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				local := make([]pinhole.ID, 0, 1000)
				for i := 0; i < 1000; i++ {
					id := g.Next(7)
					if i > 0 && id <= local[i-1] {
						t.Errorf("ID %d after %d: not increasing", id, local[i-1])
					}
					local = append(local, id)
				}
				mu.Lock()
				ids = append(ids, local...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		seen := map[pinhole.ID]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("duplicate ID %d", id)
			}
			seen[id] = true
			if id.Shard() != 7 {
				t.Fatalf("ID %d on shard %d, want 7", id, id.Shard())
			}
		}
	})
	t.Run("ClockStepBackStaysIncreasing", func(t *testing.T) {
		at := time.Now()
		g := pinhole.NewIDGenerator(func() time.Time { return at })
		a := g.Next(1)
		at = at.Add(-time.Hour)
		if b := g.Next(1); b <= a {
			t.Fatalf("got %d after %d; want increasing", b, a)
		}
	})
	t.Run("ParseRejectsGarbage", func(t *testing.T) {
		for _, s := range []string{"", "abc", "-5", "0", "99999999999999999999999"} {
			if _, err := pinhole.ParseID(s); pinhole.ErrorCode(err) != pinhole.ENOTFOUND {
				t.Errorf("ParseID(%q): got %v, want ENOTFOUND", s, err)
			}
		}
	})
}

// Two processes minting on the same shard in the same millisecond with
// different node numbers never mint the same ID.
func TestIDGeneratorNodesNeverCollide(t *testing.T) {
	at := time.Now()
	clock := func() time.Time { return at }
	seen := map[pinhole.ID]int{}
	for node := 0; node < pinhole.MaxNodes; node++ {
		g := pinhole.NewIDGenerator(clock)
		g.SetNode(node)
		prev := pinhole.ID(0)
		for i := 0; i < 100; i++ { // past the 32 per millisecond: borrows the next
			id := g.Next(3)
			if id <= prev {
				t.Fatalf("node %d: %d after %d, want increasing", node, id, prev)
			}
			if id.Shard() != 3 {
				t.Fatalf("node %d: shard %d, want 3", node, id.Shard())
			}
			if other, dup := seen[id]; dup {
				t.Fatalf("node %d minted %d, already minted by node %d", node, id, other)
			}
			seen[id], prev = node, id
		}
	}
	// Switching node numbers mid-way never repeats an ID.
	g := pinhole.NewIDGenerator(clock)
	a := g.Next(3)
	g.SetNode(7)
	if b := g.Next(3); b <= a {
		t.Fatalf("after SetNode: %d, want above %d", b, a)
	}
}
