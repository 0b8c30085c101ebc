package inmem

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
)

// Cache is a size-bounded LRU with a time-to-live per entry: the first,
// in-process tier of DESIGN §7. Safe for concurrent use.
//
// A read-through fill must not undo a Delete: a value read from the store
// before a write changed it, put in after the write dropped the entry,
// would be served stale for the whole TTL. So a reader takes a ticket
// (Begin) before it reads the store and fills with it (Fill); a fill is
// refused when its key was deleted after the ticket was taken. Deletes are
// remembered for the most recent maxDrops keys; a ticket older than the
// oldest remembered delete is refused outright.
//
// With read replicas a read that begins after the delete may still return
// the old value, from a replica that has not caught up; Settle makes the
// cache refuse such fills for a while after each delete. Reads with
// pinhole.FreshReads go to the primaries, which have every write, and may
// fill at once.
type Cache[K comparable, V any] struct {
	now  func() time.Time
	ttl  time.Duration
	size int
	mu   sync.Mutex
	ll   *list.List
	m    map[K]*list.Element

	seq      uint64     // counts deletes
	drops    map[K]drop // key → its last delete
	dropped  *list.List // the deletes in drops, oldest first (dropKey)
	floor    uint64     // tickets below this are refused
	maxDrops int
	settle   time.Duration
}

type drop struct {
	seq uint64
	at  time.Time
}

type dropKey[K comparable] struct {
	key K
	seq uint64
}

// Ticket is what a reader holds while it reads the store: see Begin.
type Ticket struct {
	seq     uint64
	current bool // the read sees every committed write
}

type entry[K comparable, V any] struct {
	key     K
	val     V
	expires time.Time
}

// NewCache returns a cache holding at most size entries for at most ttl.
func NewCache[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *Cache[K, V] {
	return &Cache[K, V]{now: now, ttl: ttl, size: size, ll: list.New(), m: make(map[K]*list.Element, min(size, 1<<16)),
		drops: make(map[K]drop), dropped: list.New(), maxDrops: min(size, 1<<16)}
}

// Settle refuses fills of a key for d after its delete: values read from
// replicas lagging less than d behind are not kept. Call it before use.
func (c *Cache[K, V]) Settle(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle = d
}

// Get returns a live entry.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.m[k]
	if !ok {
		return zero, false
	}
	e := el.Value.(*entry[K, V])
	if c.now().After(e.expires) {
		c.ll.Remove(el)
		delete(c.m, k)
		return zero, false
	}
	c.ll.MoveToFront(el)
	return e.val, true
}

// Set stores v under k, evicting the least recently used entry when full.
// Use it for values known to be current (a write's own result); values
// read from the store go in with Fill.
func (c *Cache[K, V]) Set(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set(k, v)
}

// Begin returns the ticket for a read of the store about to start under
// ctx.
func (c *Cache[K, V]) Begin(ctx context.Context) Ticket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Ticket{seq: c.seq, current: pinhole.FreshReads(ctx)}
}

// Fill stores v, read from the store under ticket t, unless k was deleted
// since t was taken. It reports whether v was stored.
func (c *Cache[K, V]) Fill(k K, v V, t Ticket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stale(k, t) {
		return false
	}
	c.set(k, v)
	return true
}

// Stale reports whether what was read under t about k may be older than
// k's last delete: Fill would refuse it. For a reader that adds to a
// cached value in place rather than filling it.
func (c *Cache[K, V]) Stale(k K, t Ticket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stale(k, t)
}

func (c *Cache[K, V]) stale(k K, t Ticket) bool {
	if t.seq < c.floor {
		return true
	}
	d, ok := c.drops[k]
	return ok && (d.seq > t.seq || !t.current && c.settle > 0 && c.now().Sub(d.at) < c.settle)
}

func (c *Cache[K, V]) set(k K, v V) {
	exp := c.now().Add(c.ttl)
	if el, ok := c.m[k]; ok {
		e := el.Value.(*entry[K, V])
		e.val, e.expires = v, exp
		c.ll.MoveToFront(el)
		return
	}
	c.m[k] = c.ll.PushFront(&entry[K, V]{key: k, val: v, expires: exp})
	for c.ll.Len() > c.size {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*entry[K, V]).key)
	}
}

// Delete drops k, and refuses fills of k by reads that began before.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		c.ll.Remove(el)
		delete(c.m, k)
	}
	c.seq++
	c.drops[k] = drop{c.seq, c.now()}
	c.dropped.PushBack(dropKey[K]{k, c.seq})
	for c.dropped.Len() > c.maxDrops {
		old := c.dropped.Remove(c.dropped.Front()).(dropKey[K])
		if c.drops[old.key].seq == old.seq {
			delete(c.drops, old.key)
		}
		// A ticket older than a forgotten delete cannot be checked.
		c.floor = old.seq
	}
}

// Len returns the number of entries, live or not yet swept.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Flags answers a yes/no question for each of ids from c, asking load
// only about the ids it has no answer for and remembering its answers. The
// result holds the ids whose answer is yes.
func Flags[T, K comparable](ctx context.Context, c *Cache[K, bool], ids []T, key func(T) K, load func([]T) (map[T]bool, error)) (map[T]bool, error) {
	out := make(map[T]bool, len(ids))
	var miss []T
	for _, id := range ids {
		if v, ok := c.Get(key(id)); ok {
			if v {
				out[id] = true
			}
		} else {
			miss = append(miss, id)
		}
	}
	if len(miss) == 0 {
		return out, nil
	}
	t := c.Begin(ctx)
	found, err := load(miss)
	if err != nil {
		return nil, err
	}
	for _, id := range miss {
		c.Fill(key(id), found[id], t)
		if found[id] {
			out[id] = true
		}
	}
	return out, nil
}
