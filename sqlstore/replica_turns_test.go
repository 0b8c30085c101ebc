package sqlstore

import (
	"context"
	"testing"

	"github.com/pinhole/pinhole"
)

// TestReadsTakeTurnsAmongReplicas: stale-tolerant reads are spread evenly
// over a database's replicas, pass over one that is down, and go to the
// primary when none answers or the context asks for fresh reads.
func TestReadsTakeTurnsAmongReplicas(t *testing.T) {
	primary := &Pool{}
	r1, r2, r3 := NewReplica(&Pool{}, "r1", true), NewReplica(&Pool{}, "r2", true), NewReplica(&Pool{}, "r3", false)
	db := &DB{Primary: primary, Replicas: []*Replica{r1, r2, r3}}
	s := &Store{}
	ctx := context.Background()

	counts := map[*Pool]int{}
	for range 600 {
		counts[s.reader(ctx, db)]++
	}
	if counts[r1.Pool] != 300 || counts[r2.Pool] != 300 {
		t.Errorf("600 reads over two live replicas: %d and %d, want 300 each", counts[r1.Pool], counts[r2.Pool])
	}
	if counts[r3.Pool] != 0 || counts[primary] != 0 {
		t.Errorf("reads went to the replica that is down (%d) or the primary (%d)", counts[r3.Pool], counts[primary])
	}
	if p := s.reader(pinhole.WithFreshReads(ctx), db); p != primary {
		t.Error("a fresh read went to a replica")
	}
	r1.down.Store(true)
	r2.down.Store(true)
	if p := s.reader(ctx, db); p != primary {
		t.Error("with every replica down, a read did not go to the primary")
	}
	r3.down.Store(false)
	if p := s.reader(ctx, db); p != r3.Pool {
		t.Error("a replica that answers again is not read from")
	}
	if p := s.reader(ctx, &DB{Primary: primary}); p != primary {
		t.Error("a database without replicas is not read from its primary")
	}
}
