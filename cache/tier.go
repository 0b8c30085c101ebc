package cache

import (
	"context"
	"slices"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

// tier reads entries of one kind through the tiers of DESIGN §7: this
// node's LRU, then the shared remote tier (when there is one), then the
// store.
//
// A read that started before an entry was dropped does not put what it
// read into the LRU afterwards: it may be the value the write replaced
// (inmem.Cache.Fill).
type tier[V any] struct {
	kind   string
	local  *inmem.Cache[pinhole.ID, V]
	shared *Shared // nil: this node only
	enc    func(V) ([]byte, error)
	dec    func([]byte) (V, error)
}

func newTier[V any](kind string, size int, ttl time.Duration, now func() time.Time, enc func(V) ([]byte, error), dec func([]byte) (V, error)) *tier[V] {
	return &tier[V]{kind: kind, local: inmem.NewCache[pinhole.ID, V](size, ttl, now), enc: enc, dec: dec}
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
	start := t.local.Begin(ctx)
	if t.shared != nil && !fresh {
		var rest []pinhole.ID
		found := t.shared.getRemote(ctx, t.kind, miss)
		for _, id := range miss {
			if b, ok := found[id]; ok {
				if v, err := t.dec(b); err == nil {
					out[id] = v
					t.local.Fill(id, v, start)
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
		if !t.local.Fill(id, v, start) || t.shared == nil {
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

// drop removes entries from this node's LRU.
func (t *tier[V]) drop(ids []pinhole.ID) {
	for _, id := range ids {
		t.local.Delete(id)
	}
}
