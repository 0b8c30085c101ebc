package redis

import (
	"context"
	"errors"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pinhole/pinhole"
)

var _ pinhole.WriteClock = (*WriteClock)(nil)

// WriteClock keeps each member's last write time in Redis, where every
// node sees it: a member's next request reads from the primaries whichever
// node serves it. A key lives for keep after the write it records. While
// Redis fails, LastWrite returns the error and the web layer reads from
// the primaries: slower, never stale.
type WriteClock struct {
	c    *Client
	keep time.Duration
}

// NewWriteClock returns a clock that remembers writes for keep (at least
// the web layer's FreshFor).
func NewWriteClock(c *Client, keep time.Duration) *WriteClock {
	return &WriteClock{c: c, keep: keep}
}

func (w *WriteClock) wcKey(id pinhole.ID) string {
	return w.c.key("wc", strconv.FormatInt(int64(id), 10))
}

// wroteMax sets KEYS[1] to ARGV[1] (Unix ms) unless it holds a later time,
// expiring in ARGV[2] ms: two nodes recording writes of one member at once
// keep the later.
var wroteMax = goredis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur == nil or tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0
`)

// Wrote records a write at at.
func (w *WriteClock) Wrote(ctx context.Context, account pinhole.ID, at time.Time) error {
	return w.c.do(ctx, "write clock set", func(ctx context.Context) error {
		return wroteMax.Run(ctx, w.c.rdb, []string{w.wcKey(account)}, at.UnixMilli(), w.keep.Milliseconds()).Err()
	})
}

// LastWrite returns the last recorded write, or the zero time.
func (w *WriteClock) LastWrite(ctx context.Context, account pinhole.ID) (time.Time, error) {
	var ms int64
	err := w.c.do(ctx, "write clock get", func(ctx context.Context) (err error) {
		ms, err = w.c.rdb.Get(ctx, w.wcKey(account)).Int64()
		return err
	})
	if errors.Is(err, goredis.Nil) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms), nil
}
