package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"

	"github.com/pinhole/pinhole/identity"
	"github.com/pinhole/pinhole/postgres"

	"path/filepath"
	"regexp"
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
	NATS               string   // nats://… of an external cluster; empty: embedded
	NATSPrefix         string   // subjects and streams of this deployment
	DirectoryDB        string   // postgres://… of the directory; empty: SQLite in Data
	DirectoryReplicas  []string // its read replicas (--directory-db "primary|replica")
	ShardDBs           []ShardDB
	Redis              string        // redis://…; empty: in-process tiers only
	RedisPrefix        string        // every Redis key of this deployment starts with it
	Blob               string        // file://… or s3://bucket?…; empty: file://<Data>/media
	MediaRedirect      bool          // answer media requests with a redirect to the store or CDN
	MediaCDN           string        // https://… base URL a CDN serves the bucket's keys at
	FreshFor           time.Duration // after a write, how long a member's reads go to the primaries
	// Fault names a point where the process stops itself, for failure
	// drills (PINHOLE_FAULT); empty in normal operation.
	Fault string

	envErrs  []string // malformed PINHOLE_* variables
	shardDBs string   // --shard-dbs as given; Validate parses it into ShardDBs

	// tool marks a one-shot command (migrate, admin): no relay, consumers
	// or scheduled jobs.
	tool bool

	// argon2 overrides the password hashing cost (tests use a cheap one).
	argon2 *identity.Argon2Params
}

// ShardDB is one physical shard database: its primary and read replicas.
type ShardDB struct {
	Primary  string
	Replicas []string
}

// prefixRE is what a NATS prefix may be: stream names upper-case it and
// turn '-' into '_', so two distinct prefixes never name the same stream.
var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,47}$`)

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
	fs.StringVar(&c.NATSPrefix, "nats-prefix", env("NATS_PREFIX", "pinhole"), "prefix of this deployment's NATS subjects and streams (env PINHOLE_NATS_PREFIX)")
	fs.StringVar(&c.DirectoryDB, "directory-db", env("DIRECTORY_DB", ""), "postgres://… of the directory database, optionally followed by |replica|replica; empty: SQLite in the data directory (env PINHOLE_DIRECTORY_DB)")
	// Parsed in Validate, so that a malformed value is reported without
	// the flag package echoing it (passwords and all).
	fs.StringVar(&c.shardDBs, "shard-dbs", env("SHARD_DBS", ""), "comma-separated postgres://… physical shard databases, each optionally followed by |replica|replica; default: the directory database (env PINHOLE_SHARD_DBS)")
	fs.StringVar(&c.Redis, "redis", env("REDIS", ""), "redis://… for shared sessions, timelines, caches and rate limits; empty: in-process (env PINHOLE_REDIS)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", env("REDIS_PREFIX", "pinhole:"), "prefix of this deployment's Redis keys (env PINHOLE_REDIS_PREFIX)")
	fs.StringVar(&c.Blob, "blob", env("BLOB", ""), "where media lives: file:///path or s3://bucket?endpoint=…&region=… (credentials from AWS_* variables); default file://<data>/media (env PINHOLE_BLOB)")
	fs.BoolVar(&c.MediaRedirect, "media-redirect", envBool("MEDIA_REDIRECT", false), "send media requests to the object store or CDN by redirect instead of through Pinhole (env PINHOLE_MEDIA_REDIRECT)")
	fs.StringVar(&c.MediaCDN, "media-cdn", env("MEDIA_CDN", ""), "https://… base URL (ending in /) where a CDN serves the bucket's keys; media redirects lead there instead of to presigned URLs (env PINHOLE_MEDIA_CDN)")
	fs.DurationVar(&c.FreshFor, "fresh-for", envDur("FRESH_FOR", 5*time.Second), "with read replicas: for how long after a member's write their reads go to the primaries, and what others read from a replica about it is not cached; longer than the replicas' usual lag (env PINHOLE_FRESH_FOR)")
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

// setShardDBs parses "primary|replica,primary2" into shard databases.
func (c *Config) setShardDBs(s string) error {
	c.ShardDBs = nil
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for i, part := range strings.Split(s, ",") {
		db, err := parseDatabase(part)
		if err != nil {
			return fmt.Errorf("shard database %d: %w", i, err)
		}
		c.ShardDBs = append(c.ShardDBs, db)
	}
	return nil
}

// parseDatabase parses "primary|replica|replica".
func parseDatabase(s string) (ShardDB, error) {
	urls := strings.Split(strings.TrimSpace(s), "|")
	for _, u := range urls {
		if err := postgres.CheckDSN(strings.TrimSpace(u)); err != nil {
			return ShardDB{}, err
		}
	}
	db := ShardDB{Primary: strings.TrimSpace(urls[0])}
	for _, r := range urls[1:] {
		db.Replicas = append(db.Replicas, strings.TrimSpace(r))
	}
	return db, nil
}

// redactURL shows a URL without its password (in the user part or a
// password= parameter), for messages and logs. Anything that does not
// parse as a URL with a scheme is not shown at all.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return "(a value that is not a URL; not shown, it may hold a password)"
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// Postgres reports whether the databases are PostgreSQL rather than the
// embedded SQLite file.
func (c *Config) Postgres() bool { return c.DirectoryDB != "" }

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
	if c.shardDBs != "" {
		if err := c.setShardDBs(c.shardDBs); err != nil {
			return fmt.Errorf("--shard-dbs: %w", err)
		}
	}
	if c.DirectoryDB != "" {
		dir, err := parseDatabase(c.DirectoryDB)
		if err != nil {
			return fmt.Errorf("--directory-db: %w", err)
		}
		c.DirectoryDB, c.DirectoryReplicas = dir.Primary, dir.Replicas
		if len(c.ShardDBs) == 0 {
			c.ShardDBs = []ShardDB{dir}
		}
	} else if len(c.ShardDBs) > 0 {
		return fmt.Errorf("--shard-dbs needs --directory-db: the directory of names and tokens lives in PostgreSQL too")
	}
	if c.Redis != "" {
		if u, err := url.Parse(c.Redis); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return fmt.Errorf("--redis: want redis://host:port/db, got %q", redactURL(c.Redis))
		}
	}
	if c.FreshFor == 0 {
		c.FreshFor = 5 * time.Second
	}
	if c.FreshFor < time.Second || c.FreshFor > time.Hour {
		return fmt.Errorf("--fresh-for must be between 1s and 1h: long enough for a replica to catch up")
	}
	if c.MediaCDN != "" && !strings.HasPrefix(c.Blob, "s3://") {
		return fmt.Errorf("--media-cdn serves an object store's keys: set --blob s3://… too")
	}
	if c.NATSPrefix == "" {
		c.NATSPrefix = "pinhole"
	}
	if !prefixRE.MatchString(c.NATSPrefix) {
		return fmt.Errorf("--nats-prefix %q: want 1 to 48 lower-case letters, digits and dashes, starting with a letter (each deployment's streams are named after it)", c.NATSPrefix)
	}
	if strings.ContainsAny(c.NATSPrefix, " .*>") {
		return fmt.Errorf("--nats-prefix %q: want a plain name without spaces, dots or wildcards", c.NATSPrefix)
	}
	if c.Blob != "" {
		u, err := url.Parse(c.Blob)
		if err != nil || (u.Scheme != "file" && u.Scheme != "s3") {
			return fmt.Errorf("--blob: want file:///path or s3://bucket?endpoint=…, got %q", redactURL(c.Blob))
		}
	}
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
