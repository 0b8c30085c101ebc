package main

import (
	"flag"
	"fmt"
	"github.com/pinhole/pinhole/identity"
	"io"
	"net"

	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of `pinhole serve`. Each is a flag and a
// PINHOLE_* environment variable; flags win.
type Config struct {
	Listen             string
	Data               string
	PublicURL          string
	Roles              []string
	LogicalShards      int
	CelebrityThreshold int64
	PasswordGrant      bool
	MaxUploadMB        int
	MaxMegapixels      int
	KeepOriginals      bool
	MediaProcessor     string // auto, go or vips
	MediaURLKeys       string // hex HMAC keys of on-demand image URLs, comma-separated, newest first
	DrainDelay         time.Duration
	TrustProxy         bool
	LogLevel           string
	LogFormat          string
	NATS               string // nats://… of an external cluster; empty: embedded
	// Fault names a point where the process stops itself, for failure
	// drills (PINHOLE_FAULT); empty in normal operation.
	Fault string

	envErrs []string // malformed PINHOLE_* variables

	natsPrefix string // subjects and streams of this deployment (tests use their own)
	// tool marks a one-shot command (migrate, admin): no relay, consumers
	// or scheduled jobs.
	tool bool

	// argon2 overrides the password hashing cost (tests use a cheap one).
	argon2 *identity.Argon2Params
}

var knownRoles = map[string]bool{"web": true, "worker": true, "scheduler": true}

// bindFlags defines the serve flags on fs with defaults taken from env.
func (c *Config) bindFlags(fs *flag.FlagSet, getenv func(string) string) {
	env := func(name, def string) string {
		if v := getenv("PINHOLE_" + name); v != "" {
			return v
		}
		return def
	}
	// A variable that is set but malformed is an error, not a default.
	bad := func(name, want string) {
		c.envErrs = append(c.envErrs, fmt.Sprintf("PINHOLE_%s=%q is not %s", name, env(name, ""), want))
	}
	envInt := func(name string, def int) int {
		if env(name, "") == "" {
			return def
		}
		v, err := strconv.Atoi(env(name, ""))
		if err != nil {
			bad(name, "a whole number")
		}
		return v
	}
	envBool := func(name string, def bool) bool {
		if env(name, "") == "" {
			return def
		}
		v, err := strconv.ParseBool(env(name, ""))
		if err != nil {
			bad(name, "true or false")
		}
		return v
	}
	envDur := func(name string, def time.Duration) time.Duration {
		if env(name, "") == "" {
			return def
		}
		v, err := time.ParseDuration(env(name, ""))
		if err != nil {
			bad(name, "a duration like 5s")
		}
		return v
	}
	fs.StringVar(&c.Listen, "listen", env("LISTEN", "127.0.0.1:8080"), "HTTP address to listen on (env PINHOLE_LISTEN)")
	fs.StringVar(&c.Data, "data", env("DATA", "./data"), "data directory: SQLite database and media (env PINHOLE_DATA)")
	fs.StringVar(&c.PublicURL, "public-url", env("PUBLIC_URL", ""), "the URL members reach Pinhole at; default http://<listen> (env PINHOLE_PUBLIC_URL)")
	fs.Func("roles", "comma-separated roles to run: web,worker,scheduler (env PINHOLE_ROLES)", func(s string) error { return c.setRoles(s) })
	if err := c.setRoles(env("ROLES", "web,worker,scheduler")); err != nil {
		c.envErrs = append(c.envErrs, "PINHOLE_ROLES: "+err.Error())
	}
	fs.IntVar(&c.LogicalShards, "logical-shards", envInt("LOGICAL_SHARDS", 256), "number of logical shards, fixed when the data is created (env PINHOLE_LOGICAL_SHARDS)")
	fs.Int64Var(&c.CelebrityThreshold, "celebrity-threshold", int64(envInt("CELEBRITY_THRESHOLD", 10000)), "authors with at least this many followers are merged into feeds at read time (env PINHOLE_CELEBRITY_THRESHOLD)")
	fs.BoolVar(&c.PasswordGrant, "password-grant", envBool("PASSWORD_GRANT", true), "allow OAuth's password grant (env PINHOLE_PASSWORD_GRANT)")
	fs.IntVar(&c.MaxUploadMB, "max-upload-mb", envInt("MAX_UPLOAD_MB", 25), "largest photo upload in MB (env PINHOLE_MAX_UPLOAD_MB)")
	fs.IntVar(&c.MaxMegapixels, "max-megapixels", envInt("MAX_MEGAPIXELS", 50), "largest photo in megapixels, read from the file header before decoding (env PINHOLE_MAX_MEGAPIXELS)")
	fs.BoolVar(&c.KeepOriginals, "keep-originals", envBool("KEEP_ORIGINALS", false), "keep every uploaded file as sent, GPS and all (never served) (env PINHOLE_KEEP_ORIGINALS)")
	fs.StringVar(&c.MediaProcessor, "media-processor", env("MEDIA_PROCESSOR", "auto"), "auto, go or vips: vips needs a binary built with -tags vips (env PINHOLE_MEDIA_PROCESSOR)")
	fs.StringVar(&c.MediaURLKeys, "media-url-keys", env("MEDIA_URL_KEYS", ""), "hex HMAC keys (32+ bytes) for on-demand image URLs, comma-separated, the signing one first; default a key file in the data directory (env PINHOLE_MEDIA_URL_KEYS)")
	fs.DurationVar(&c.DrainDelay, "drain-delay", envDur("DRAIN_DELAY", 2*time.Second), "on SIGTERM, how long /readyz fails before the listener closes (env PINHOLE_DRAIN_DELAY)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", envBool("TRUST_PROXY", false), "take client IPs from X-Forwarded-For (env PINHOLE_TRUST_PROXY)")
	fs.StringVar(&c.NATS, "nats", env("NATS", ""), "nats://host:port of an external NATS JetStream cluster; empty runs an embedded server in the data directory (env PINHOLE_NATS)")
	c.Fault = env("FAULT", "")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (env PINHOLE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", "json"), "json or text (env PINHOLE_LOG_FORMAT)")
}

func (c *Config) setRoles(s string) error {
	c.Roles = nil
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !knownRoles[r] {
			return fmt.Errorf("unknown role %q: use web, worker and/or scheduler", r)
		}
		c.Roles = append(c.Roles, r)
	}
	if len(c.Roles) == 0 {
		return fmt.Errorf("at least one role is needed")
	}
	return nil
}

// HasRole reports whether the process runs a role.
func (c *Config) HasRole(r string) bool {
	for _, x := range c.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Validate checks the settings and fills derived defaults.
func (c *Config) Validate() error {
	if len(c.envErrs) > 0 {
		return fmt.Errorf("%s", strings.Join(c.envErrs, "; "))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("--listen %q: want host:port", c.Listen)
	}
	if c.Data == "" {
		return fmt.Errorf("--data is required")
	}
	abs, err := filepath.Abs(c.Data)
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	c.Data = abs
	if c.NATS == "" && !c.HasRole("worker") {
		// The embedded NATS server lives inside this process: no other
		// process can run the consumers.
		return fmt.Errorf("--roles %s: with the embedded NATS server this process must also run the worker role (or set --nats)", strings.Join(c.Roles, ","))
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 200 {
		return fmt.Errorf("--max-upload-mb must be 1..200")
	}
	if c.MaxMegapixels < 0 || c.MaxMegapixels > 900 { // 0: the default
		return fmt.Errorf("--max-megapixels must be 1..900")
	}
	switch c.MediaProcessor {
	case "", "auto", "go", "vips":
	default:
		return fmt.Errorf("--media-processor must be auto, go or vips")
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		return fmt.Errorf("--log-format must be json or text")
	}
	return nil
}

// parseServeFlags parses serve's flags.
func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	var c Config
	fs := flag.NewFlagSet("pinhole serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bindFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
