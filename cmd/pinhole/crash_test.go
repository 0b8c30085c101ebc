package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// process is a pinhole binary running as a child process.
type process struct {
	cmd  *exec.Cmd
	out  *strings.Builder
	done chan struct{} // closed when the process has exited
	err  error         // how it exited
}

// buildBinary builds pinhole once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pinhole")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startProcess(t *testing.T, bin, data, addr, fault string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--listen", addr, "--drain-delay", "0s", "--log-level", "warn", "--log-format", "text")
	cmd.Env = append(os.Environ(), "PINHOLE_FAULT="+fault)
	p := &process{cmd: cmd, out: &strings.Builder{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	ready := make(chan struct{})
	go func() {
		defer close(ready)
		waitReadyQuiet("http://"+addr, 60*time.Second)
	}()
	select {
	case <-ready:
	case <-p.done:
		t.Fatalf("the process exited before it was ready (%v); output:\n%s", p.err, p.out)
	}
	waitReady(t, "http://"+addr)
	return p
}

// stop ends a process with SIGTERM (a clean shutdown).
func (p *process) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("process did not stop; output:\n%s", p.out)
	}
}

// crashed waits for a process to die of its failure drill.
func (p *process) crashed(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		var ee *exec.ExitError
		if !errors.As(p.err, &ee) || ee.ExitCode() != 3 {
			t.Fatalf("process ended with %v, want the drill's exit code 3; output:\n%s", p.err, p.out)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the failure drill never fired; output:\n%s", p.out)
	}
}

// TestEventsTakeEffectExactlyOnceAcrossCrashes kills the process between
// the commit and the publish, between the publish and marking the outbox
// sent, and between a consumer's work and its ack; after a restart the
// like's notification exists exactly once.
func TestEventsTakeEffectExactlyOnceAcrossCrashes(t *testing.T) {
	bin := buildBinary(t)
	// The drills aim at the like's event: the setup's own events may still
	// be on their way when the armed process starts.
	for _, point := range []string{"relay-before-publish:post.liked", "relay-after-publish:post.liked", "consumer-after-handle:post.liked"} {
		t.Run(point, func(t *testing.T) {
			data, addr := t.TempDir(), freeAddr(t)
			api := &testServer{t: t, URL: "http://" + addr, http: &http.Client{Timeout: 30 * time.Second}}

			setup := startProcess(t, bin, data, addr, "")
			api.app = api.mustJSON(api.do("POST", "/api/v1/apps", "", form("client_name", "drill", "redirect_uris", "urn:ietf:wg:oauth:2.0:oob", "scopes", "read write follow")), 200)
			alice, bob := api.MustSignup("alice"), api.MustSignup("bob")
			post := api.MustPost(alice, "drill")
			setup.stop(t)

			armed := startProcess(t, bin, data, addr, point)
			// The drill may stop the process before it answers: the like
			// is committed by then (the relay only sees committed rows).
			req, _ := http.NewRequest("POST", api.URL+"/api/v1/statuses/"+post+"/favourite", nil)
			req.Header.Set("Authorization", "Bearer "+bob.Token)
			if res, err := api.http.Do(req); err == nil {
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Fatalf("favourite: %d", res.StatusCode)
				}
			}
			armed.crashed(t)

			startProcess(t, bin, data, addr, "")
			count := func() int {
				return len(api.mustList(api.do("GET", "/api/v1/notifications?types[]=favourite", alice.Token, nil), 200))
			}
			// A delivery the crashed process had claimed returns after the
			// ack wait.
			deadline := time.Now().Add(30 * time.Second)
			for count() < 1 {
				if time.Now().After(deadline) {
					t.Fatal("the favourite notification never appeared")
				}
				time.Sleep(50 * time.Millisecond)
			}
			// A redelivery of what the crashed process had claimed comes
			// after the ack wait (6s): a duplicate would show up by then.
			time.Sleep(7 * time.Second)
			if n := count(); n != 1 {
				t.Fatalf("favourite notifications after the crash: %d, want exactly 1", n)
			}
			st := api.mustJSON(api.do("GET", "/api/v1/statuses/"+post, alice.Token, nil), 200)
			if st["favourites_count"].(float64) != 1 {
				t.Fatalf("favourites_count: %v", st["favourites_count"])
			}
		})
	}
}

// waitReadyQuiet polls /readyz until it answers 200 or the time is up.
func waitReadyQuiet(base string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}
