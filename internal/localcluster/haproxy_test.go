package localcluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole/deploy"
	"github.com/pinhole/pinhole/internal/testenv"
)

// sectionLines returns the trimmed lines of one section of a config.
func sectionLines(cfg, section string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(cfg, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			in = strings.Join(strings.Fields(stripComment(line)), " ") == section
			continue
		}
		if in {
			out = append(out, strings.Join(strings.Fields(stripComment(t)), " "))
		}
	}
	return out
}

func linesWith(lines []string, prefix string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func TestHAProxyConfigRewritesBindsAndServers(t *testing.T) {
	servers := []string{"127.0.0.1:41001", "127.0.0.1:41002", "127.0.0.1:41003"}
	cfg, err := haproxyConfig(deploy.HAProxyConfig, "127.0.0.1:40000", "127.0.0.1:40001", servers)
	if err != nil {
		t.Fatal(err)
	}
	if got := linesWith(sectionLines(cfg, frontendSection), "bind "); len(got) != 1 || got[0] != "bind 127.0.0.1:40000" {
		t.Errorf("frontend binds %q, want only 127.0.0.1:40000", got)
	}
	if got := linesWith(sectionLines(cfg, statsSection), "bind "); len(got) != 1 || got[0] != "bind 127.0.0.1:40001" {
		t.Errorf("stats binds %q, want only 127.0.0.1:40001", got)
	}
	backend := sectionLines(cfg, backendSection)
	want := []string{
		"server web1 127.0.0.1:41001 check",
		"server web2 127.0.0.1:41002 check",
		"server web3 127.0.0.1:41003 check",
	}
	if got := linesWith(backend, "server "); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("servers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Everything else is the operators' file, unchanged.
	for _, keep := range []string{"option httpchk GET /readyz", "balance leastconn", "option redispatch 1"} {
		if len(linesWith(backend, keep)) != 1 {
			t.Errorf("backend lost %q", keep)
		}
	}
	if strings.Contains(cfg, "10.0.0.11") {
		t.Errorf("the template's example servers survived:\n%s", cfg)
	}
	if n, m := strings.Count(cfg, "\n"), strings.Count(deploy.HAProxyConfig, "\n"); n != m-(3-len(servers)) {
		t.Errorf("generated %d lines from a %d-line template: lines were lost or added beyond the servers", n, m)
	}
}

func TestHAProxyConfigRefusesWhatItCannotRewrite(t *testing.T) {
	cases := []struct {
		name     string
		template string
		servers  []string
	}{
		{"NoServers", deploy.HAProxyConfig, nil},
		{"NoBackend", strings.Replace(deploy.HAProxyConfig, "\nbackend pinhole_web", "\nbackend other", 1), []string{"127.0.0.1:1"}},
		{"NoStats", strings.Replace(deploy.HAProxyConfig, "\nfrontend stats", "\nfrontend statistics", 1), []string{"127.0.0.1:1"}},
		{"NoServerLine", strings.ReplaceAll(deploy.HAProxyConfig, "    server ", "    # server "), []string{"127.0.0.1:1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.template == deploy.HAProxyConfig && c.servers != nil {
				t.Fatal("the case does not change the template")
			}
			if cfg, err := haproxyConfig(c.template, "127.0.0.1:1", "127.0.0.1:2", c.servers); err == nil {
				t.Errorf("no error; generated:\n%s", cfg)
			}
		})
	}
}

func TestGeneratedConfigPassesHAProxyCheck(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		testenv.Missing(t, "haproxy is not installed (apt-get install haproxy): cannot check the generated load balancer configuration")
		return
	}
	cfg, err := haproxyConfig(deploy.HAProxyConfig, "127.0.0.1:40000", "127.0.0.1:40001", []string{"127.0.0.1:41001", "127.0.0.1:41002"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, haproxy, "-c", "-f", path).CombinedOutput(); err != nil {
		t.Errorf("haproxy -c: %v\n%s\n%s", err, out, cfg)
	}
}
