// Package redis keeps what Pinhole shares between nodes at scale in Redis
// (DESIGN §5, §7, §10): rate limits, home timelines, idempotency keys, a
// cache of session tokens, and the second cache tier. Redis is a cache and
// a speed-up, never the only copy: emptied, everything comes back from the
// SQL databases; down, every caller falls back (an in-process limiter, the
// feed rebuilt from the graph, the database) behind a circuit breaker.
package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Config says where Redis is and how patient to be with it.
type Config struct {
	URL    string // redis://[user:password@]host:port[/db] or rediss://…
	Prefix string // every key starts with Prefix and ":" (one is added unless it ends with one); one per deployment, tests use their own

	DialTimeout  time.Duration // connecting
	ReadTimeout  time.Duration // one reply
	WriteTimeout time.Duration // one request
	CallTimeout  time.Duration // one whole operation, pipelines included
	PoolSize     int           // connections; 0: the driver's default (10 per CPU)

	// The breaker: after BreakerFailures failures in a row Redis is not
	// asked for BreakerCooldown, so callers fall back at once instead of
	// each waiting out a timeout.
	BreakerFailures int
	BreakerCooldown time.Duration
	LogEvery        time.Duration // at most one failure log line per operation this often

	// TimelineTTL is how long a home timeline lives from when it was built;
	// the next read rebuilds it from the graph. Inactive members' timelines
	// go away, and the bound is what lets RemovePost find every timeline
	// holding a post (see timeline.go).
	TimelineTTL time.Duration
	// FallbackTTL is how long a timeline rebuilt while Redis is down is kept
	// in process.
	FallbackTTL time.Duration
	// FillGuard is how long after a write a cache key refuses to be filled
	// again, so a read that raced the write cannot bring the old value back.
	FillGuard time.Duration
	// TokenTTL is how long a token lookup is cached.
	TokenTTL time.Duration
	// IdempotencyPendingTTL releases a key whose first request never
	// finished (its node died) sooner than IdempotencyTTL.
	IdempotencyPendingTTL time.Duration
}

// NewDefaultConfig returns the defaults for a Redis URL.
func NewDefaultConfig(url string) Config {
	return Config{
		URL: url, Prefix: "pinhole",
		DialTimeout: time.Second, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond, CallTimeout: 2 * time.Second,
		BreakerFailures: 5, BreakerCooldown: 5 * time.Second, LogEvery: 30 * time.Second,
		TimelineTTL: 48 * time.Hour, FallbackTTL: time.Minute, FillGuard: 5 * time.Second, TokenTTL: time.Minute,
		IdempotencyPendingTTL: 10 * time.Minute,
	}
}

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_.-][A-Za-z0-9_.:-]{0,63}$`)

// Validate checks the config.
func (c Config) Validate() error {
	if !strings.HasPrefix(c.URL, "redis://") && !strings.HasPrefix(c.URL, "rediss://") && !strings.HasPrefix(c.URL, "unix://") {
		return fmt.Errorf("redis: URL must start with redis://, rediss:// or unix://")
	}
	if !prefixRE.MatchString(c.Prefix) {
		return fmt.Errorf("redis: prefix %q must be 1 to 64 letters, digits, '_', '-', '.' or ':'", c.Prefix)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"dial timeout", c.DialTimeout}, {"read timeout", c.ReadTimeout}, {"write timeout", c.WriteTimeout},
		{"call timeout", c.CallTimeout}, {"breaker cooldown", c.BreakerCooldown}, {"log interval", c.LogEvery},
		{"timeline TTL", c.TimelineTTL}, {"fallback TTL", c.FallbackTTL}, {"fill guard", c.FillGuard},
		{"token TTL", c.TokenTTL}, {"idempotency pending TTL", c.IdempotencyPendingTTL},
	} {
		if d.v <= 0 {
			return fmt.Errorf("redis: %s must be positive", d.name)
		}
	}
	if c.BreakerFailures < 1 || c.PoolSize < 0 {
		return fmt.Errorf("redis: breaker failures must be at least 1 and pool size not negative")
	}
	return nil
}

// Client is a connection pool to Redis with Pinhole's key prefix, timeouts
// and circuit breaker.
type Client struct {
	cfg Config
	rdb *goredis.Client
	log *slog.Logger
	brk *breaker

	logMu   sync.Mutex
	logged  map[string]time.Time // operation → last failure logged
	dropped map[string]int       // operation → failures not logged since

	pendMu   sync.Mutex
	pending  map[string]struct{} // cache keys whose delete failed, retried later
	lost     bool                // pending overflowed: some deletes were given up
	flushing bool                // a retry of the pending deletes is running
	bg       sync.WaitGroup
}

// ErrUnavailable is returned while the breaker keeps calls away from Redis.
var ErrUnavailable = errors.New("redis: unavailable (circuit open)")

// Open makes a client. Redis need not be up: a client that cannot reach
// it logs so and serves every call through its callers' fallbacks until
// it can.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt, err := goredis.ParseURL(cfg.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the url.Error would print the URL, password and all
		}
		return nil, fmt.Errorf("redis: URL: %v", err)
	}
	opt.ClientName = "pinhole"
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = cfg.DialTimeout, cfg.ReadTimeout, cfg.WriteTimeout
	opt.PoolTimeout = cfg.CallTimeout
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = -1   // a caller falls back rather than wait; scripts are not all safe to repeat
	opt.DialerRetries = 1 // a down server is not dialled again and again
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if cfg.PoolSize > 0 {
		opt.PoolSize = cfg.PoolSize
	}
	driverLogOnce.Do(func() { goredis.SetLogger(driverLog{log}) })
	c := &Client{
		cfg: cfg, rdb: goredis.NewClient(opt), log: log, brk: newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown, time.Now),
		logged: map[string]time.Time{}, dropped: map[string]int{}, pending: map[string]struct{}{},
	}
	_ = c.Ready(ctx) // a failure is logged, and counts towards the breaker
	return c, nil
}

// driverLog sends the driver's own messages (a failed dial, for each
// attempt) to slog at debug level: Client logs failures, rate-limited.
// The driver's logger is process-wide, so the first client's logger gets
// them.
type driverLog struct{ log *slog.Logger }

func (l driverLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis driver: "+fmt.Sprintf(format, v...))
}

var driverLogOnce sync.Once

// Ready reports whether Redis answers (for /readyz).
func (c *Client) Ready(ctx context.Context) error {
	return c.do(ctx, "ping", func(ctx context.Context) error { return c.rdb.Ping(ctx).Err() })
}

// Close waits for background retries and closes the pool.
func (c *Client) Close() error {
	c.bg.Wait()
	return c.rdb.Close()
}

// key names a key under the prefix.
func (c *Client) key(parts ...string) string {
	return c.base() + strings.Join(parts, ":")
}

// base is the prefix with its separator.
func (c *Client) base() string {
	if strings.HasSuffix(c.cfg.Prefix, ":") {
		return c.cfg.Prefix
	}
	return c.cfg.Prefix + ":"
}

// do runs one operation against Redis, unless the breaker keeps it away,
// under the call timeout; it records the outcome and logs failures (at
// most one line per operation per LogEvery). goredis.Nil is an answer,
// not a failure.
func (c *Client) do(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	if !c.brk.allow() {
		return ErrUnavailable
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	err := fn(cctx)
	switch {
	case err == nil || errors.Is(err, goredis.Nil):
		c.brk.success()
		c.flushPending(ctx)
		return err
	case ctx.Err() != nil:
		return err // the caller gave up: that says nothing about Redis
	}
	c.brk.failure()
	c.warn(ctx, what, err)
	return fmt.Errorf("redis: %s: %w", what, err)
}

// warn logs a failure of an operation, rate-limited: an outage makes
// every request fail the same way.
func (c *Client) warn(ctx context.Context, what string, err error) {
	now := time.Now()
	c.logMu.Lock()
	if last, ok := c.logged[what]; ok && now.Sub(last) < c.cfg.LogEvery {
		c.dropped[what]++
		c.logMu.Unlock()
		return
	}
	c.logged[what] = now
	n := c.dropped[what]
	c.dropped[what] = 0
	c.logMu.Unlock()
	c.log.WarnContext(ctx, "redis: failed; falling back", "op", what, "err", err, "suppressed", n)
}

// Purge deletes every key under the prefix (tests, and an operator
// emptying a deployment's cache). It returns how many it deleted.
func (c *Client) Purge(ctx context.Context) (int, error) {
	n, err := c.unlinkAll(ctx, c.base()+"*")
	if err != nil {
		return n, fmt.Errorf("redis: purge %s: %w", c.cfg.Prefix, err)
	}
	return n, nil
}
