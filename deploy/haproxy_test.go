package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole/internal/testenv"
)

// haproxySections maps "backend pinhole_web" (etc.) to its lines, trimmed
// and without comments.
func haproxySections(cfg string) map[string][]string {
	out := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(cfg, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			cur = strings.Join(strings.Fields(line), " ")
			out[cur] = nil
			continue
		}
		out[cur] = append(out[cur], strings.Join(strings.Fields(line), " "))
	}
	return out
}

func hasLine(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestHAProxyConfig(t *testing.T) {
	s := haproxySections(HAProxyConfig)
	checks := []struct {
		section, line, why string
	}{
		{"backend pinhole_web", "option httpchk GET /readyz", "health checks on /readyz take draining nodes out"},
		{"backend pinhole_web", "http-check expect status 200", "only a 200 is healthy"},
		{"backend pinhole_web", "balance leastconn", "long WebSockets make round robin uneven"},
		{"backend pinhole_web", "default-server inter 1s fastinter 250ms", "checks fast enough to notice a drain within --drain-delay"},
		{"backend pinhole_web", "retry-on conn-failure", "a request that never reached a node goes to another"},
		{"backend pinhole_web", "http-request disable-l7-retry unless METH_GET", "only GET and HEAD are replayed once sent"},
		{"backend pinhole_web", "option redispatch", "retries may pick another node"},
		{"backend pinhole_web", "server ", "at least one web node"},
		{"frontend pinhole", "option forwardfor", "Pinhole's rate limits need the client address"},
		{"frontend pinhole", "http-request del-header X-Forwarded-For", "a client must not choose its own address"},
		{"frontend pinhole", "default_backend pinhole_web", "traffic reaches the web nodes"},
		{"defaults", "timeout tunnel", "WebSockets outlive the HTTP timeouts"},
		{"frontend stats", "bind 127.0.0.1:", "statistics only on this host"},
		{"frontend stats", "stats enable", "a statistics page"},
	}
	for _, c := range checks {
		lines, ok := s[c.section]
		if !ok {
			t.Errorf("no %q section", c.section)
			continue
		}
		if !hasLine(lines, c.line) {
			t.Errorf("%s: no %q line (%s)", c.section, c.line, c.why)
		}
	}
	// The drain delay (2s by default) must outlast detection: the first
	// failed check after at most inter, then fall-1 checks fastinter apart.
	if !hasLine(s["backend pinhole_web"], "default-server inter 1s fastinter 250ms downinter 2s fall 2") {
		t.Errorf("the check timings changed: make sure inter + (fall-1)*fastinter + timeout check stays under --drain-delay's 2s default, then update this test")
	}
}

func TestHAProxyAcceptsTheConfig(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		testenv.Missing(t, "haproxy is not installed (apt-get install haproxy): cannot check haproxy/haproxy.cfg")
		return
	}
	checkHAProxy(t, haproxy, HAProxyConfig)
	t.Run("RejectsABrokenConfig", func(t *testing.T) {
		// The check above means something only if haproxy -c fails on a
		// broken file.
		broken := strings.Replace(HAProxyConfig, "balance leastconn", "balance leastconnections", 1)
		if err := runHAProxyCheck(t, haproxy, broken); err == nil {
			t.Errorf("haproxy -c accepted a misspelt balance algorithm")
		}
	})
}

func checkHAProxy(t *testing.T, haproxy, cfg string) {
	t.Helper()
	if err := runHAProxyCheck(t, haproxy, cfg); err != nil {
		t.Error(err)
	}
}

func runHAProxyCheck(t *testing.T, haproxy, cfg string) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, haproxy, "-c", "-f", path).CombinedOutput()
	if err != nil {
		return &checkError{err: err, out: string(out)}
	}
	return nil
}

type checkError struct {
	err error
	out string
}

func (e *checkError) Error() string { return "haproxy -c: " + e.err.Error() + "\n" + e.out }
