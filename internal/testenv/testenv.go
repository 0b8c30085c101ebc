// Package testenv decides what tests do when something they need is
// missing: skip with a message saying what, or fail when the environment
// says everything must run (CI sets PINHOLE_REQUIRE_ALL=1).
package testenv

import (
	"net"
	"os"
	"testing"
	"time"
)

// Missing skips the test, or fails it under PINHOLE_REQUIRE_ALL=1.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("PINHOLE_REQUIRE_ALL") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Reachable reports whether something listens at a TCP address.
func Reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
