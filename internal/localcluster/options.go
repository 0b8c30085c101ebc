package localcluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Options describe the cluster to start. The zero value of a field means
// its default.
type Options struct {
	// Dir holds everything the cluster writes: the PostgreSQL data
	// directories, each node's data directory, shared media, the HAProxy
	// configuration and every process's log. It must be empty or absent.
	// When this process is root, PostgreSQL runs as the postgres user,
	// which must be able to reach Dir (pglocal.MkdirTemp makes such a
	// directory).
	Dir string

	WebNodes   int // default 2
	Workers    int // default 1
	Schedulers int // default 1

	// Binary is a built pinhole; empty builds cmd/pinhole into Dir/bin
	// with `go build` (BuildTags added), which needs the module's source.
	Binary    string
	BuildTags string

	// LBPort is HAProxy's port on 127.0.0.1; 0 picks a free one.
	LBPort int
	// HAProxy is the haproxy binary; empty finds it on PATH.
	HAProxy string

	Redis       string // default redis://127.0.0.1:6379/0
	RedisPrefix string // default a fresh pinhole-lc-<random>
	NATS        string // default nats://127.0.0.1:4222
	NATSPrefix  string // default a fresh pinhole-lc-<random>
	// Blob is where media lives; default file://<Dir>/media, shared by
	// every node.
	Blob string

	// DrainDelay is the nodes' --drain-delay; 0 keeps pinhole's default.
	DrainDelay time.Duration
	// Env is added to every pinhole process's environment (after the
	// launcher's own, from which PINHOLE_* variables are dropped so that
	// the cluster does not depend on the caller's shell).
	Env []string
	// ServeArgs are added to every `pinhole serve` command line.
	ServeArgs []string

	// ReadyTimeout bounds each wait for a process to become ready, and
	// MigrateTimeout the migration; defaults 60s and 3m.
	ReadyTimeout   time.Duration
	MigrateTimeout time.Duration

	// RemoveDir makes Stop delete Dir once everything has stopped;
	// otherwise the data and logs stay for inspection.
	RemoveDir bool

	// Log receives progress messages; nil discards them.
	Log *slog.Logger
}

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,48}$`)

// withDefaults returns o with its defaults filled and checks it.
func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, fmt.Errorf("option Dir is required")
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return o, fmt.Errorf("option Dir: %w", err)
	}
	o.Dir = abs
	for _, c := range []struct {
		name string
		n    *int
		def  int
	}{{"WebNodes", &o.WebNodes, 2}, {"Workers", &o.Workers, 1}, {"Schedulers", &o.Schedulers, 1}} {
		if *c.n < 0 || *c.n > 32 {
			return o, fmt.Errorf("%s must be 0 (the default, %d) to 32, not %d", c.name, c.def, *c.n)
		}
		if *c.n == 0 {
			*c.n = c.def
		}
	}
	if o.LBPort < 0 || o.LBPort > 65535 {
		return o, fmt.Errorf("LBPort %d out of range", o.LBPort)
	}
	if o.Redis == "" {
		o.Redis = "redis://127.0.0.1:6379/0"
	}
	if u, err := url.Parse(o.Redis); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return o, fmt.Errorf("option Redis: want redis://host:port/db")
	}
	if o.NATS == "" {
		o.NATS = "nats://127.0.0.1:4222"
	}
	if u, err := url.Parse(o.NATS); err != nil || u.Scheme != "nats" || u.Host == "" {
		return o, fmt.Errorf("NATS: want nats://host:port, got %q", o.NATS)
	}
	suffix := randomHex(4)
	if o.RedisPrefix == "" {
		o.RedisPrefix = "pinhole-lc-" + suffix
	}
	if o.NATSPrefix == "" {
		o.NATSPrefix = "pinhole-lc-" + suffix
	}
	// Both end up in Redis key patterns and NATS subjects: plain names only.
	for name, p := range map[string]string{"RedisPrefix": o.RedisPrefix, "NATSPrefix": o.NATSPrefix} {
		if !prefixRE.MatchString(p) {
			return o, fmt.Errorf("%s %q: want 1 to 48 letters, digits, '_' or '-'", name, p)
		}
	}
	if o.Blob == "" {
		o.Blob = (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(o.Dir, "media"))}).String()
	} else if u, err := url.Parse(o.Blob); err != nil || (u.Scheme != "file" && u.Scheme != "s3") {
		return o, fmt.Errorf("option Blob: want file:///path or s3://bucket?…")
	}
	if o.DrainDelay < 0 {
		return o, fmt.Errorf("DrainDelay must not be negative")
	}
	for _, kv := range o.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return o, fmt.Errorf("option Env: %q is not NAME=value", kv)
		}
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	if o.MigrateTimeout == 0 {
		o.MigrateTimeout = 3 * time.Minute
	}
	if o.ReadyTimeout < 0 || o.MigrateTimeout < 0 {
		return o, fmt.Errorf("timeouts must be positive")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// stopTimeout is how long a node may take to drain and exit after
// SIGTERM before it is killed: the drain delay, the 30s pinhole gives
// in-flight requests, and some room.
func (o Options) stopTimeout() time.Duration {
	d := o.DrainDelay
	if d == 0 {
		d = 2 * time.Second // pinhole's default
	}
	return d + 40*time.Second
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
