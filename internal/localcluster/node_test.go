package localcluster

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The node tests run this test binary as the child process: a small HTTP
// server with /readyz that drains on SIGTERM the way pinhole does, so the
// process handling (start, readiness, stop, kill, restart, logs) is tested
// without building pinhole or starting its databases.
const childModeVar = "LOCALCLUSTER_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeVar); mode != "" {
		os.Exit(runChild(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func runChild(mode string, args []string) int {
	fs := flag.NewFlagSet("child", flag.ContinueOnError)
	listen := fs.String("listen", "", "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if mode == "fail" {
		fmt.Println("child: cannot open the directory database: connection refused")
		return 1
	}
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	if mode == "ignore-term" {
		// Swallow SIGTERM: only SIGKILL ends this one.
		go func() {
			for range terms {
				fmt.Println("child: ignoring SIGTERM")
			}
		}()
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	var draining atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	fmt.Println("child: serving on", ln.Addr())
	if mode == "ignore-term" {
		select {}
	}
	<-terms
	draining.Store(true)
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	fmt.Println("child: stopped")
	return 0
}

// testNode is a Node whose process is this test binary in a child mode.
func testNode(t *testing.T, mode string) *Node {
	t.Helper()
	ports, err := freePorts(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n := &Node{
		Name: "web1", Role: "web", URL: "http://" + hostPort(ports[0]), Log: filepath.Join(dir, "web1.log"),
		bin: os.Args[0], args: []string{"--listen", hostPort(ports[0])},
		env:          append(os.Environ(), childModeVar+"="+mode),
		readyTimeout: 30 * time.Second, stopTimeout: 30 * time.Second,
	}
	t.Cleanup(func() { _ = n.Kill() })
	return n
}

func get(t *testing.T, url string) int {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestNodeStartKillRestartStop(t *testing.T) {
	n := testNode(t, "serve")
	ctx := context.Background()
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	if err := n.waitReady(ctx); err != nil {
		t.Fatal(err)
	}
	first := n.Pid()
	if first == 0 || !n.Running() {
		t.Fatalf("started node: pid %d, running %v", first, n.Running())
	}

	if err := n.Kill(); err != nil {
		t.Fatal(err)
	}
	if n.Running() || n.Pid() != 0 {
		t.Fatalf("killed node still running (pid %d)", n.Pid())
	}
	if code := get(t, n.URL+"/readyz"); code != 0 {
		t.Errorf("a killed node answered %d", code)
	}

	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	if !n.Running() || n.Pid() == first {
		t.Fatalf("restarted node: running %v, pid %d (was %d)", n.Running(), n.Pid(), first)
	}
	if code := get(t, n.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("restarted node's /readyz = %d, want 200 on the same URL", code)
	}

	if err := n.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if n.Running() {
		t.Fatal("stopped node still running")
	}
	log, err := os.ReadFile(n.Log)
	if err != nil {
		t.Fatal(err)
	}
	// Both runs append to the same log; the second drained on SIGTERM.
	if got := strings.Count(string(log), "child: serving on"); got != 2 {
		t.Errorf("log holds %d starts, want 2:\n%s", got, log)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(log)), "child: stopped") {
		t.Errorf("the node did not drain and stop on SIGTERM:\n%s", log)
	}
	if err := n.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestNodeThatExitsEarlyFailsWithItsLog(t *testing.T) {
	n := testNode(t, "fail")
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	err := n.waitReady(context.Background())
	if err == nil {
		t.Fatal("waitReady succeeded for a process that exited")
	}
	if !strings.Contains(err.Error(), "exited before it was ready") {
		t.Errorf("error %q does not say the process exited", err)
	}
	se := stepErr(n.Name, n.Log, err)
	if !strings.Contains(se.Error(), "cannot open the directory database") || se.Step != "web1" {
		t.Errorf("step error does not name the node and show its log:\n%v", se)
	}
	var target *StepError
	if !errors.As(error(se), &target) {
		t.Errorf("not a *StepError")
	}
}

func TestNodeIgnoringSIGTERMIsKilled(t *testing.T) {
	n := testNode(t, "ignore-term")
	n.stopTimeout = 200 * time.Millisecond
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	if err := n.waitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := n.Stop()
	if err == nil || !strings.Contains(err.Error(), "was killed") {
		t.Errorf("Stop = %v, want an error saying it was killed", err)
	}
	if n.Running() {
		t.Error("node still running after Stop")
	}
}

func TestWaitReadyGivesUpAtItsDeadline(t *testing.T) {
	// A process that runs but never listens where it is asked.
	n := testNode(t, "serve")
	n.URL = "http://" + closedPort(t)
	n.readyTimeout = 300 * time.Millisecond
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	err := n.waitReady(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Errorf("waitReady = %v, want a not-ready error", err)
	}
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	var b strings.Builder
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := tail(path, 3); got != "line 998\nline 999\nline 1000" {
		t.Errorf("tail = %q", got)
	}
	if got := tail(filepath.Join(t.TempDir(), "missing"), 3); got != "" {
		t.Errorf("tail of a missing file = %q", got)
	}
}

// listener returns the address of a TCP listener open until the test ends.
func listener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

// closedPort returns an address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
