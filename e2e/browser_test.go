// Package e2e_test drives a real Pinhole through Chromium: the binary is
// built from ./cmd/pinhole, started on a free port with a temporary data
// directory, and flow.mjs (playwright-core) plays two members.
package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestBrowserFlow(t *testing.T) {
	node, chromium, missing := browserTools()
	if len(missing) > 0 {
		msg := "browser test needs node, e2e/node_modules (cd e2e && npm ci) and chromium: " + strings.Join(missing, "; ")
		if os.Getenv("PINHOLE_REQUIRE_ALL") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildPinhole(ctx, t, root)
	base, logs := startPinhole(ctx, t, bin)
	fixture := filepath.Join(t.TempDir(), "sunset.jpg")
	writeFixture(t, fixture)

	cmd := exec.CommandContext(ctx, node, "flow.mjs")
	cmd.Env = append(os.Environ(), "BASE_URL="+base, "FIXTURE_JPEG="+fixture, "PINHOLE_CHROMIUM="+chromium)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser flow failed (%v):\n%s\n--- pinhole log ---\n%s", err, out, logs.String())
	}
	t.Logf("%s", out)
}

// browserTools finds node and Chromium and checks that playwright-core
// is installed; missing lists what is not there.
func browserTools() (node, chromium string, missing []string) {
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "e2e/node_modules/playwright-core is not installed")
	}
	candidates := []string{os.Getenv("PINHOLE_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		missing = append(missing, "chromium not found (set PINHOLE_CHROMIUM or apt-get install chromium)")
	}
	return node, chromium, missing
}

// buildPinhole compiles the binary, with the race detector when this test
// runs with it.
func buildPinhole(ctx context.Context, t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pinhole")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/pinhole")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/pinhole: %v\n%s", err, out)
	}
	return bin
}

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// startPinhole runs `pinhole serve` on a free port with a fresh data
// directory, waits until it is ready and stops it when the test ends.
func startPinhole(ctx context.Context, t *testing.T, bin string) (string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data", t.TempDir(), "--log-format", "text", "--drain-delay", "100ms")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pinhole: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Errorf("pinhole: %v", err)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("pinhole did not stop within 15s of SIGTERM\n%s", logs.String())
		}
	})

	base := "http://" + addr
	ready, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ready, http.MethodGet, base+"/readyz", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, logs
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("pinhole exited before it was ready: %v\n%s", err, logs.String())
		case <-ready.Done():
			t.Fatalf("pinhole was not ready within 30s\n%s", logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freeAddr finds a free local port. Pinhole must be told its address up
// front (it is also its public URL), so port 0 will not do.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// writeFixture writes an 800×600 JPEG: a sunset-like vertical gradient
// with a warm glow, so the screenshots show a real-looking photo.
func writeFixture(t *testing.T, path string) {
	t.Helper()
	const w, h = 800, 600
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fy, fx := float64(y)/h, float64(x)/w
			r := 60 + 195*fy
			g := 40 + 110*fy*fy + 40*fx
			b := 120 - 80*fy
			if y > h*2/3 { // the sea
				r, g, b = r*0.45, g*0.5, b+40
			}
			dx, dy := float64(x-w*3/5), float64(y-h*2/3)
			if d := dx*dx + dy*dy; d < 90*90 {
				k := 1 - d/(90*90)
				r, g, b = r+(255-r)*k, g+(220-g)*k, b+(150-b)*k
			}
			img.Set(x, y, color.RGBA{clamp(r), clamp(g), clamp(b), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 88}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func clamp(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// syncBuffer collects the server's output from its copying goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
