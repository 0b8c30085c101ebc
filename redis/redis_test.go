package redis_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/redis/redistest"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// now is the suite's fixed clock.
func now() time.Time { return storetest.Now }

// mustOpenSQL opens a fresh SQLite database with 16 logical shards.
func mustOpenSQL(t *testing.T) (*sqlstore.Store, *sqlstore.Cluster) {
	t.Helper()
	c, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "pinhole.db"), NumShards: 16}, now)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if err := sqlite.Close(c); err != nil {
			t.Errorf("close sqlite: %v", err)
		}
	})
	return sqlstore.New(c), c
}

// mustOK stops the test on an unexpected error from a setup step.
func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestOpen(t *testing.T) {
	t.Run("RefusesBadConfig", func(t *testing.T) {
		cases := map[string]func(*redis.Config){
			"NotARedisURL":     func(c *redis.Config) { c.URL = "http://127.0.0.1:6379" },
			"PrefixWithGlob":   func(c *redis.Config) { c.Prefix = "pin*" },
			"EmptyPrefix":      func(c *redis.Config) { c.Prefix = "" },
			"NoCallTimeout":    func(c *redis.Config) { c.CallTimeout = 0 },
			"NoBreakerLimit":   func(c *redis.Config) { c.BreakerFailures = 0 },
			"MalformedURL":     func(c *redis.Config) { c.URL = "redis://user:secret@127.0.0.1:notaport" },
			"NoTimelineTTL":    func(c *redis.Config) { c.TimelineTTL = 0 },
			"NegativePoolSize": func(c *redis.Config) { c.PoolSize = -1 },
		}
		for name, tweak := range cases {
			t.Run(name, func(t *testing.T) {
				cfg := redis.NewDefaultConfig("redis://127.0.0.1:6379")
				tweak(&cfg)
				c, err := redis.Open(t.Context(), cfg, redistest.Logger())
				if err == nil {
					c.Close()
					t.Fatalf("Open(%+v): got no error", cfg)
				}
			})
		}
	})
	t.Run("ErrorDoesNotShowThePassword", func(t *testing.T) {
		cfg := redis.NewDefaultConfig("redis://user:secret@127.0.0.1:notaport")
		_, err := redis.Open(t.Context(), cfg, redistest.Logger())
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open with a bad URL: got %v; want an error without the password", err)
		}
	})
	t.Run("StartsWhileRedisIsDown", func(t *testing.T) {
		c := redistest.Down(t)
		if err := c.Ready(t.Context()); err == nil {
			t.Error("Ready on a closed port: got nil, want an error")
		}
	})
	t.Run("BreakerOpensAfterFailuresInARow", func(t *testing.T) {
		c := redistest.Down(t) // Open's own ping was the first failure
		if err := c.Ready(t.Context()); err == nil || errors.Is(err, redis.ErrUnavailable) {
			t.Fatalf("second call: got %v, want a connection error (breaker still closed)", err)
		}
		var err error
		for range redis.NewDefaultConfig("").BreakerFailures {
			if err = c.Ready(t.Context()); errors.Is(err, redis.ErrUnavailable) {
				break
			}
		}
		if !errors.Is(err, redis.ErrUnavailable) {
			t.Errorf("after failures in a row: got %v, want ErrUnavailable", err)
		}
	})
	t.Run("PrefixMayEndWithItsSeparator", func(t *testing.T) {
		cfg := redistest.Config()
		cfg.Prefix += ":"
		c := redistest.Open(t, &cfg)
		mustOK(t, "SetMulti", c.SetMulti(t.Context(), map[string][]byte{"k": []byte("v")}, time.Minute))
		if n, err := c.Purge(t.Context()); err != nil || n != 1 {
			t.Errorf("Purge: got %d, %v; want the one key", n, err)
		}
	})
	t.Run("Ready", func(t *testing.T) {
		c := redistest.Open(t, nil)
		mustOK(t, "Ready", c.Ready(t.Context()))
	})
}
