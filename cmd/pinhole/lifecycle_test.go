package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole/identity"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // a restart after a crash recovers the event store first
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", base)
}

// TestServeDrainsOnSignal runs `pinhole serve` and cancels its context as
// SIGTERM does: /readyz must fail while draining, in-flight requests
// finish, and serve returns cleanly.
func TestServeDrainsOnSignal(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"PINHOLE_DATA": t.TempDir(), "PINHOLE_LISTEN": addr, "PINHOLE_DRAIN_DELAY": "1s", "PINHOLE_LOG_LEVEL": "error"}
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, &stderr)
	}()
	waitReady(t, base)

	cancel() // what SIGTERM does through signal.NotifyContext
	time.Sleep(200 * time.Millisecond)
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatalf("readyz while draining: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining: got %d, want 503", res.StatusCode)
	}
	if res, err := http.Get(base + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("healthz while draining: %v %v", err, res)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after the drain delay")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// TestSessionsSurviveRestart logs in on the web, restarts Pinhole on the
// same data, and uses the same cookie.
func TestSessionsSurviveRestart(t *testing.T) {
	data := t.TempDir()
	start := func() *Main {
		cfg := &Config{Listen: "127.0.0.1:0", Data: data, Roles: []string{"web", "worker", "scheduler"}, LogicalShards: 16,
			CelebrityThreshold: 10000, PasswordGrant: true, MaxUploadMB: 2, LogLevel: "error", LogFormat: "text",
			argon2: &identity.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := m.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := m.Listen(context.Background()); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := start()
	if _, err := m.Services.Identity.Signup(context.Background(), identity.Signup{Username: "stayer", Email: "stayer@example.com", Password: "long enough pw", IP: "t"}); err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t}
	c := s.browser()
	base := "http://" + m.Addr
	csrf := csrfFrom(t, c, base+"/login")
	res, err := c.PostForm(base+"/login", url.Values{"csrf": {csrf}, "login": {"stayer"}, "password": {"long enough pw"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", err, res)
	}
	cookies := c.Jar.Cookies(mustURL(t, base))
	if err := m.Shutdown(context.Background(), 0); err != nil {
		t.Fatal(err)
	}

	m2 := start()
	defer m2.Shutdown(context.Background(), 0)
	base2 := "http://" + m2.Addr
	c.Jar.SetCookies(mustURL(t, base2), cookies)
	res, err = c.Get(base2 + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// A logged-in member is sent on from the login page.
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/") {
		t.Fatalf("after restart, /login answered %d (Location %q); want a redirect for a live session", res.StatusCode, res.Header.Get("Location"))
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
