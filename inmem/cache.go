package inmem

import (
	"container/list"
	"sync"
	"time"
)

// Cache is a size-bounded LRU with a time-to-live per entry: the first,
// in-process tier of DESIGN §7. Safe for concurrent use.
type Cache[K comparable, V any] struct {
	now  func() time.Time
	ttl  time.Duration
	size int
	mu   sync.Mutex
	ll   *list.List
	m    map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key     K
	val     V
	expires time.Time
}

// NewCache returns a cache holding at most size entries for at most ttl.
func NewCache[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *Cache[K, V] {
	return &Cache[K, V]{now: now, ttl: ttl, size: size, ll: list.New(), m: make(map[K]*list.Element, size)}
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
func (c *Cache[K, V]) Set(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
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

// Delete drops k.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		c.ll.Remove(el)
		delete(c.m, k)
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
func Flags[T, K comparable](c *Cache[K, bool], ids []T, key func(T) K, load func([]T) (map[T]bool, error)) (map[T]bool, error) {
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
	found, err := load(miss)
	if err != nil {
		return nil, err
	}
	for _, id := range miss {
		c.Set(key(id), found[id])
		if found[id] {
			out[id] = true
		}
	}
	return out, nil
}
