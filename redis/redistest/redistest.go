// Package redistest gives tests a Redis of their own: a client on a fresh
// random key prefix whose keys are deleted when the test ends.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/pinhole/pinhole/internal/testenv"
	"github.com/pinhole/pinhole/redis"
)

// DefaultURL is the Redis the tests use unless PINHOLE_TEST_REDIS names
// another.
const DefaultURL = "redis://127.0.0.1:6379"

// URL returns PINHOLE_TEST_REDIS, or DefaultURL.
func URL() string {
	if v := os.Getenv("PINHOLE_TEST_REDIS"); v != "" {
		return v
	}
	return DefaultURL
}

// Config returns a config for the test Redis on a fresh random prefix.
func Config() redis.Config {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	cfg := redis.NewDefaultConfig(URL())
	cfg.Prefix = "pinhole-test-" + hex.EncodeToString(b)
	return cfg
}

// Open returns a client for cfg (Config() when nil) and deletes the
// prefix's keys when the test ends. When Redis is not reachable the test
// is skipped, or failed under PINHOLE_REQUIRE_ALL=1.
func Open(t testing.TB, cfg *redis.Config) *redis.Client {
	t.Helper()
	if cfg == nil {
		c := Config()
		cfg = &c
	}
	c, err := redis.Open(t.Context(), *cfg, Logger())
	if err != nil {
		t.Fatalf("redis: open: %v", err)
	}
	if err := c.Ready(t.Context()); err != nil {
		c.Close()
		testenv.Missing(t, "Redis tests need a server at %s (set PINHOLE_TEST_REDIS to another redis:// URL; apt-get install redis-server): %v", URL(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.Purge(ctx); err != nil {
			t.Errorf("redis: delete the test's keys: %v", err)
		}
		c.Close()
	})
	return c
}

// Down returns a client for a port nothing listens on: Redis down.
func Down(t testing.TB) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := Config()
	cfg.URL = "redis://" + addr
	c, err := redis.Open(t.Context(), cfg, Logger())
	if err != nil {
		t.Fatalf("redis: open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Logger discards: failures the tests cause on purpose are logged.
func Logger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
