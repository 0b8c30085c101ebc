package cache

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

// tier reads entries of one kind through the tiers of DESIGN §7: this
// node's LRU, then the shared remote tier (when there is one), then the
// store.
//
// A read that started before an entry was dropped must not put what it
// read into the LRU afterwards: it may be the value the write replaced.
// Each drop takes a sequence number, kept per entry for a while; a fill
// is refused when the entry was dropped after the read began.
type tier[V any] struct {
	kind   string
	local  *inmem.Cache[pinhole.ID, V]
	shared *Shared // nil: this node only
	enc    func(V) ([]byte, error)
	dec    func([]byte) (V, error)

	mu    sync.Mutex
	seq   uint64
	drops *inmem.Cache[pinhole.ID, uint64] // entry → sequence of its last drop
}

func newTier[V any](kind string, size int, ttl time.Duration, now func() time.Time, enc func(V) ([]byte, error), dec func([]byte) (V, error)) *tier[V] {
	return &tier[V]{kind: kind, local: inmem.NewCache[pinhole.ID, V](size, ttl, now), enc: enc, dec: dec,
		drops: inmem.NewCache[pinhole.ID, uint64](size, ttl, now)}
}

// get returns the entries found among ids; load reads those no tier
// holds from the store. With fresh reads (pinhole.WithFreshReads) the
// caches are passed over, and what the store returns refills them.
func (t *tier[V]) get(ctx context.Context, ids []pinhole.ID, load func(miss []pinhole.ID) (map[pinhole.ID]V, error)) (map[pinhole.ID]V, error) {
	out := make(map[pinhole.ID]V, len(ids))
	fresh := pinhole.FreshReads(ctx)
	var miss []pinhole.ID
	for _, id := range ids {
		if _, dup := out[id]; dup {
			continue
		}
		if v, ok := t.local.Get(id); ok && !fresh {
			out[id] = v
		} else if !slices.Contains(miss, id) {
			miss = append(miss, id)
		}
	}
	if len(miss) == 0 {
		return out, nil
	}
	start := t.begin()
	if t.shared != nil && !fresh {
		var rest []pinhole.ID
		found := t.shared.getRemote(ctx, t.kind, miss)
		for _, id := range miss {
			if b, ok := found[id]; ok {
				if v, err := t.dec(b); err == nil {
					out[id] = v
					t.fill(id, v, start)
					continue
				}
			}
			rest = append(rest, id)
		}
		if miss = rest; len(miss) == 0 {
			return out, nil
		}
	}
	loaded, err := load(miss)
	if err != nil {
		return nil, err
	}
	var remote map[pinhole.ID][]byte
	for id, v := range loaded {
		out[id] = v
		if !t.fill(id, v, start) || t.shared == nil {
			continue
		}
		if b, err := t.enc(v); err == nil {
			if remote == nil {
				remote = make(map[pinhole.ID][]byte, len(loaded))
			}
			remote[id] = b
		}
	}
	if t.shared != nil {
		t.shared.setRemote(ctx, t.kind, remote)
	}
	return out, nil
}

// begin returns the sequence a read starts at.
func (t *tier[V]) begin() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seq
}

// fill keeps v in the LRU unless the entry was dropped since start.
func (t *tier[V]) fill(id pinhole.ID, v V, start uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d, ok := t.drops.Get(id); ok && d > start {
		return false
	}
	t.local.Set(id, v)
	return true
}

// drop removes entries from this node's LRU.
func (t *tier[V]) drop(ids []pinhole.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	for _, id := range ids {
		t.local.Delete(id)
		t.drops.Set(id, t.seq)
	}
}
