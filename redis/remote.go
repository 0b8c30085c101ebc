package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// The second cache tier (DESIGN §7): values by key, shared by every node.
// Client implements cache.Remote.
//
// A write deletes a key by leaving a tombstone (an empty value) for
// FillGuard that fills may not overwrite: a node that read the database
// just before the write committed cannot put the old value back
// afterwards, unless its read took longer than FillGuard.

const tombstone = ""

// maxPending bounds the deletes kept for when Redis is back.
const maxPending = 10_000

func (c *Client) cacheKey(k string) string { return c.key("c", k) }

// GetMulti returns the values found among keys.
func (c *Client) GetMulti(ctx context.Context, keys []string) (map[string][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.cacheKey(k)
	}
	var vals []any
	err := c.do(ctx, "cache get", func(ctx context.Context) (err error) {
		vals, err = c.rdb.MGet(ctx, full...).Result()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(vals))
	for i, v := range vals {
		if s, ok := v.(string); ok && s != tombstone && i < len(keys) {
			out[keys[i]] = []byte(s)
		}
	}
	return out, nil
}

// SetMulti stores values for ttl under keys that hold nothing: neither a
// value (another node filled it first, equally fresh) nor a tombstone.
func (c *Client) SetMulti(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if len(items) == 0 {
		return nil
	}
	return c.do(ctx, "cache set", func(ctx context.Context) error {
		_, err := c.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for k, v := range items {
				if len(v) == 0 {
					continue // would read as a tombstone
				}
				p.SetNX(ctx, c.cacheKey(k), v, ttl)
			}
			return nil
		})
		return err
	})
}

// Delete drops keys after a write.
func (c *Client) Delete(ctx context.Context, keys ...string) error {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.cacheKey(k)
	}
	return c.invalidate(ctx, "cache delete", full)
}

// invalidate leaves tombstones on full keys. When Redis cannot be reached
// the keys are kept (up to a bound) and done once it answers again, so a
// value a write made stale does not come back with Redis.
func (c *Client) invalidate(ctx context.Context, what string, full []string) error {
	if len(full) == 0 {
		return nil
	}
	err := c.do(ctx, what, func(ctx context.Context) error { return c.tombstones(ctx, full) })
	if err != nil {
		c.pendMu.Lock()
		for _, k := range full {
			if len(c.pending) >= maxPending {
				c.lost = true
				break
			}
			c.pending[k] = struct{}{}
		}
		c.pendMu.Unlock()
	}
	return err
}

func (c *Client) tombstones(ctx context.Context, full []string) error {
	_, err := c.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range full {
			p.Set(ctx, k, tombstone, c.cfg.FillGuard)
		}
		return nil
	})
	return err
}

// flushPending deletes, in the background, the keys whose delete failed,
// now that Redis answered. When some were given up the whole cache tier
// is emptied: which of its entries are stale is no longer known.
func (c *Client) flushPending(ctx context.Context) {
	c.pendMu.Lock()
	if (len(c.pending) == 0 && !c.lost) || c.flushing {
		c.pendMu.Unlock()
		return
	}
	keys := make([]string, 0, len(c.pending))
	for k := range c.pending {
		keys = append(keys, k)
	}
	lost := c.lost
	clear(c.pending)
	c.lost, c.flushing = false, true
	c.pendMu.Unlock()

	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		err := c.tombstones(fctx, keys)
		if err == nil && lost {
			err = c.purgeCache(fctx)
		}
		c.pendMu.Lock()
		c.flushing = false
		if err != nil {
			for _, k := range keys {
				if len(c.pending) < maxPending {
					c.pending[k] = struct{}{}
				}
			}
			c.lost = c.lost || lost
		}
		c.pendMu.Unlock()
		if err != nil {
			c.warn(fctx, "cache delete (retry)", err)
		}
	}()
}

// purgeCache deletes every cached value under the prefix: the cache tier
// and the token cache.
func (c *Client) purgeCache(ctx context.Context) error {
	for _, pattern := range []string{c.cacheKey("*"), c.key("tok", "*")} {
		if _, err := c.unlinkAll(ctx, pattern); err != nil {
			return err
		}
	}
	return nil
}

// unlinkAll unlinks the keys matching pattern and returns how many.
func (c *Client) unlinkAll(ctx context.Context, pattern string) (int, error) {
	iter := c.rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	var batch []string
	n := 0
	unlink := func() error {
		d, err := c.rdb.Unlink(ctx, batch...).Result()
		n += int(d)
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := unlink(); err != nil {
				return n, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return n, err
	}
	if len(batch) > 0 {
		return n, unlink()
	}
	return n, nil
}
