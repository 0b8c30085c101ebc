package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

var _ pinhole.RateLimiter = (*RateLimiter)(nil)

// RateLimiter is GCRA (as inmem.RateLimiter) with the theoretical arrival
// time of each key in Redis, so every node draws on one limit. The script
// reads Redis's clock, not the nodes': their clocks may disagree. When
// Redis fails it falls back to an in-process limiter: limits then hold per
// node until Redis is back.
type RateLimiter struct {
	c        *Client
	fallback *inmem.RateLimiter
}

// NewRateLimiter returns a limiter; now is the fallback limiter's clock.
func NewRateLimiter(c *Client, now func() time.Time) *RateLimiter {
	return &RateLimiter{c: c, fallback: inmem.NewRateLimiter(now)}
}

// gcra takes one token from KEYS[1]. ARGV: the emission interval and the
// burst tolerance, in microseconds. It returns {1, 0} when allowed, else
// {0, microseconds to wait}. The key lives until its arrival time passes:
// then the key is back to a full burst and need not be kept. Microseconds
// since 1970 fit a Lua number (a double) exactly.
var gcra = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then
  return {0, allow_at - now}
end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
return {1, 0}
`)

// maxKeyLen bounds a caller's key in Redis; longer ones are hashed.
const maxKeyLen = 200

func boundedKey(k string) string {
	if len(k) <= maxKeyLen {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "h." + hex.EncodeToString(sum[:])
}

// Allow takes one token for key, or reports how long to wait for one.
func (l *RateLimiter) Allow(ctx context.Context, key string, r pinhole.Rate) (bool, time.Duration, error) {
	if r.Burst <= 0 || r.Period <= 0 {
		return true, 0, nil
	}
	interval := r.Period / time.Duration(r.Burst)
	tolerance := r.Period - interval
	var res []int64
	err := l.c.do(ctx, "rate limit", func(ctx context.Context) error {
		v, err := gcra.Run(ctx, l.c.rdb, []string{l.c.key("rl", boundedKey(key))},
			interval.Microseconds(), tolerance.Microseconds()).Int64Slice()
		if err == nil && len(v) != 2 {
			err = fmt.Errorf("unexpected reply %v", v)
		}
		res = v
		return err
	})
	if err != nil {
		return l.fallback.Allow(ctx, key, r)
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	return false, time.Duration(res[1]) * time.Microsecond, nil
}
