// Command pinhole runs Pinhole: `pinhole serve` starts it; `migrate`,
// `admin`, `bench` and `version` help operate it. This file is the one
// composition root: it wires the stores, services and HTTP layer together.
package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/pinhole/pinhole"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pinhole/pinhole/blob"
	"github.com/pinhole/pinhole/cache"
	"github.com/pinhole/pinhole/feed"
	"github.com/pinhole/pinhole/graph"
	"github.com/pinhole/pinhole/identity"
	"github.com/pinhole/pinhole/inmem"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/nats"
	"github.com/pinhole/pinhole/notify"
	"github.com/pinhole/pinhole/posts"
	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/search"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/web"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "pinhole:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `Pinhole: a photo-sharing community in one binary.

Usage:
  pinhole serve [flags]     start Pinhole (all roles; embedded defaults)
  pinhole migrate [flags]   apply database migrations and exit
  pinhole admin ...         operator commands (run "pinhole admin" for a list)
  pinhole bench ...         load generator and benchmarks
  pinhole version           print the version

Run "pinhole serve -h" for the settings.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "pinhole", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// Main is a running Pinhole: everything serve opens, so tests can start
// one on port 0 in a temp dir and close it.
type Main struct {
	Config   *Config
	Log      *slog.Logger
	Now      func() time.Time
	Cluster  *sqlstore.Cluster
	Store    *sqlstore.Store
	Services web.Services
	Web      *web.Server
	HTTP     *http.Server
	Addr     string // the listener's address once Open returned
	Bus      *nats.Conn
	shared   *cache.Shared // nil: the caches stay in process (one box)
	Redis    *redis.Client // nil without --redis
	Relay    *sqlstore.Relay

	ln     net.Listener
	blobs  pinhole.BlobStore
	owner  string             // this process in the leases table
	idNode atomic.Int64       // the leased ID node number
	leader atomic.Bool        // holds the scheduler lease
	stop   context.CancelFunc // ends the background work
	bgDone sync.WaitGroup
}

// NewMain returns a Main for a config.
func NewMain(cfg *Config, log *slog.Logger) *Main {
	return &Main{Config: cfg, Log: log, Now: time.Now}
}

// Open opens the databases and wires the services (no listener yet).
func (m *Main) Open(ctx context.Context) error {
	cfg := m.Config
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	cluster, err := m.openDatabases(ctx)
	if err != nil {
		return err
	}
	m.Cluster, m.Store = cluster, sqlstore.New(cluster)
	st, ids := m.Store, cluster.IDs
	m.owner = leaseOwner()
	if err := m.holdIDNode(ctx); err != nil {
		return err
	}

	bc := blob.NewDefaultConfig(cfg.Data)
	bc.URL, bc.PublicBase = cfg.Blob, cfg.MediaCDN
	blobs, err := blob.OpenConfig(ctx, bc)
	if err != nil {
		return err
	}
	m.blobs = blobs
	nc := nats.NewDefaultConfig(cfg.Data)
	nc.URL = cfg.NATS
	nc.Prefix = cfg.NATSPrefix
	nc.Fault = m.fault
	bus, err := nats.Open(ctx, nc, m.Log)
	if err != nil {
		return err
	}
	m.Bus = bus
	m.Relay = st.NewRelay(bus, m.Log)
	m.Relay.Fault = m.fault
	st.SetOutbox(m.Relay)
	var limiter pinhole.RateLimiter = inmem.NewRateLimiter(m.Now)
	var tokens pinhole.TokenStore = st
	var idem pinhole.IdempotencyStore = st
	var tlStore pinhole.TimelineStore = st
	var shared *cache.Shared
	if cfg.Redis != "" {
		rc := redis.NewDefaultConfig(cfg.Redis)
		rc.Prefix = cfg.RedisPrefix
		rcl, err := redis.Open(ctx, rc, m.Log) // fails on bad config only, never on Redis being down
		if err != nil {
			return err
		}
		m.Redis = rcl
		limiter = redis.NewRateLimiter(rcl, m.Now)
		tokens = redis.NewTokens(rcl, st)
		idem = redis.NewIdempotency(rcl, st)
		tlStore = redis.NewTimelines(rcl, m.Now)
		shared = cache.NewShared(rcl, bus, 10*time.Minute, m.Log)
	} else if cfg.NATS != "" {
		shared = cache.NewShared(nil, bus, 0, m.Log) // several nodes, no Redis: invalidations only
	}
	m.shared = shared

	ic := identity.NewDefaultConfig()
	ic.PasswordGrant = cfg.PasswordGrant
	ic.NumShards = len(cluster.ShardMap)
	if cfg.argon2 != nil {
		ic.Argon2 = *cfg.argon2
	}
	if m.Redis != nil {
		ic.AuthCacheTTL = 0 // token lookups go to Redis, where a revoke on any node drops them
	}
	idSvc, err := identity.New(ic, st, tokens, limiter, ids, m.Now)
	if err != nil {
		return err
	}
	mc, proc, err := m.mediaConfig()
	if err != nil {
		return err
	}
	postCache := cache.NewPosts(st, 100_000, 30*time.Second, m.Now)
	mediaSvc, err := media.New(mc, cache.NewMedia(st, postCache), blobs, proc, ids, m.Now, m.Log)
	if err != nil {
		return err
	}
	graphSvc := graph.New(st, idSvc, ids, m.Now)
	if m.Cluster.Replicated() {
		// Other members read replicas, which may not have a change yet
		// for a moment after it: what they read then is not cached.
		idSvc.Settle(cfg.FreshFor)
		postCache.Settle(cfg.FreshFor)
		graphSvc.Settle(cfg.FreshFor)
	}
	postSvc := posts.New(postCache, idSvc, graphSvc, mediaSvc, ids, m.Now, m.Log)
	fc := feed.NewDefaultConfig()
	fc.CelebrityThreshold = cfg.CelebrityThreshold
	timelines := cache.NewTimelines(tlStore, 100_000, time.Minute, m.Now)
	if shared != nil {
		postCache.Share(shared)
		timelines.Share(shared)
		shared.Listen(cache.KindAccount, func(ids []pinhole.ID) { idSvc.Drop(ids...) })
		idSvc.OnForget(func(ids []pinhole.ID) { shared.Invalidate(context.Background(), cache.KindAccount, ids...) })
		shared.Listen(cache.KindBlock, func(ids []pinhole.ID) {
			for i := 0; i+1 < len(ids); i += 2 {
				graphSvc.ForgetBlock(ids[i], ids[i+1])
			}
		})
		graphSvc.OnBlockChange(func(ctx context.Context, a, b pinhole.ID) { shared.Invalidate(ctx, cache.KindBlock, a, b) })
		if _, err := bus.OnInvalidate(shared.Apply); err != nil {
			return err
		}
	}
	feedSvc, err := feed.New(fc, timelines, idSvc, graphSvc, postSvc, bus, m.Now)
	if err != nil {
		return err
	}
	notifySvc := notify.New(st, graphSvc, postCache, bus, ids, m.Now)
	searchSvc, err := search.New(search.NewDefaultConfig(), st, postSvc, idSvc, graphSvc, limiter, ids, m.Now, m.Log)
	if err != nil {
		return err
	}
	postSvc.UsePlaces(searchSvc)
	feedSvc.UseFollowedTags(searchSvc)
	if shared != nil {
		// Whom a member follows, and which tags: the worker that handles a
		// follow, or the node that took a tag follow, tells every node.
		shared.Listen(cache.KindFollowing, func(ids []pinhole.ID) { feedSvc.ForgetFollowing(ids...) })
		feedSvc.OnForget(func(ctx context.Context, ids ...pinhole.ID) { shared.Invalidate(ctx, cache.KindFollowing, ids...) })
		shared.Listen(cache.KindTagsOf, func(ids []pinhole.ID) { searchSvc.ForgetFollowedTags(ids...) })
		searchSvc.OnFollowedTagsChange(func(ctx context.Context, id pinhole.ID) { shared.Invalidate(ctx, cache.KindTagsOf, id) })
	}
	m.Services = web.Services{Identity: idSvc, Graph: graphSvc, Posts: postSvc, Feed: feedSvc, Media: mediaSvc, Notify: notifySvc, Search: searchSvc, Live: bus, DeadLetters: bus, Idempotency: idem}
	consumers := m.readYourWrites(bus)
	if cfg.HasRole("worker") {
		feedSvc.Subscribe(consumers)
		mediaSvc.Subscribe(consumers)
		notifySvc.Subscribe(consumers)
		searchSvc.Subscribe(consumers)
	}
	return m.startBackground()
}

// startBackground starts the worker role's loops: the outbox relay and
// the event consumers.
func (m *Main) startBackground() error {
	bg, stop := context.WithCancel(context.Background())
	m.stop = stop
	m.bgDone.Add(1)
	go func() {
		defer m.bgDone.Done()
		m.renewLeases(bg)
	}()
	if m.Config.tool {
		return nil
	}
	if m.Cluster.Replicated() {
		m.bgDone.Add(1)
		go func() {
			defer m.bgDone.Done()
			m.Store.WatchReplicas(bg, 2*time.Second, m.Log)
		}()
	}
	if len(m.Cluster.Physical) > 1 {
		// Every node follows the shard map, which a move changes
		// (pinhole admin shards move): at once when the mover's broadcast
		// arrives with the other invalidations, and within the moves'
		// grace period if it is lost.
		if m.shared != nil {
			m.shared.Listen(kindShardMap, func([]pinhole.ID) {
				go func() {
					if err := m.Store.ReloadShardMap(bg); err != nil && bg.Err() == nil {
						m.Log.Warn("reloading the shard map", "err", err)
					}
				}()
			})
		}
		m.bgDone.Add(1)
		go func() {
			defer m.bgDone.Done()
			m.Store.RunShardMapWatcher(bg, 2*time.Second, m.Log)
		}()
	}
	if m.Config.HasRole("scheduler") {
		m.schedule(bg, m.jobs()...)
	}
	if !m.Config.HasRole("worker") {
		return nil
	}
	if err := m.Bus.Start(bg); err != nil {
		return err
	}
	m.bgDone.Add(1)
	go func() {
		defer m.bgDone.Done()
		m.Relay.Run(bg)
	}()
	return nil
}

// kindShardMap is the broadcast that tells every node the shard map changed.
const kindShardMap = "shard-map"

// shardMapSwitched tells every node to reload the shard map.
func (m *Main) shardMapSwitched(ctx context.Context, version int64) {
	if err := m.Bus.Broadcast(kindShardMap, nil); err != nil {
		m.Log.Warn("telling the nodes the shard map changed; they reload it within seconds anyway", "version", version, "err", err)
	}
}

// fault stops the process at a named point when a failure drill asks for
// it (PINHOLE_FAULT): a crash, not a clean exit.
func (m *Main) fault(point string) {
	if m.Config.Fault == point {
		m.Log.Error("failure drill: stopping the process", "point", point)
		os.Exit(3)
	}
}

// publicURL is the configured public URL or one derived from the listener.
func (m *Main) publicURL() string {
	if m.Config.PublicURL != "" {
		return m.Config.PublicURL
	}
	host, port, _ := net.SplitHostPort(m.Addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Listen binds the HTTP listener and starts serving in the background.
func (m *Main) Listen(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.ln, m.Addr = ln, ln.Addr().String()
	wc := web.NewDefaultConfig(m.publicURL())
	wc.MaxUploadBytes = int64(m.Config.MaxUploadMB+1) << 20
	wc.MaxPostBytes = int64(m.Config.MaxUploadMB*pinhole.MaxPhotosInPost+1) << 20
	wc.TrustProxy = m.Config.TrustProxy
	wc.FreshFor = m.Config.FreshFor
	if m.Config.MediaRedirect {
		o, ok := m.blobs.(interface {
			Origin(context.Context) (string, error)
		})
		if !ok {
			ln.Close()
			return fmt.Errorf("--media-redirect needs an object store (--blob s3://…): files on disk are served by Pinhole")
		}
		origin, err := o.Origin(ctx)
		if err != nil {
			ln.Close()
			return err
		}
		wc.MediaRedirect, wc.MediaOrigin = true, origin
	}
	srv, err := web.New(wc, m.Services, m.ready, m.Log, m.Now)
	if err != nil {
		ln.Close()
		return err
	}
	m.Web = srv
	m.HTTP = &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // slow phone uploads
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := m.HTTP.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// ready reports whether the dependencies answer.
func (m *Main) ready() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// The primaries and the directory: a replica that fails only slows
	// its shard's reads (they go to the primary), so it does not take the
	// node out of the load balancer.
	for _, db := range append([]*sqlstore.DB{m.Cluster.Directory}, m.Cluster.Physical...) {
		if err := db.Write.PingContext(ctx); err != nil {
			return fmt.Errorf("database %s: %w", db.Name, err)
		}
	}
	return m.Bus.Ready()
}

// Shutdown drains: readiness off, wait for the load balancer to notice,
// finish in-flight requests, close.
func (m *Main) Shutdown(ctx context.Context, drainDelay time.Duration) error {
	if m.Web != nil {
		m.Web.Drain()
	}
	if m.HTTP != nil {
		select {
		case <-time.After(drainDelay):
		case <-ctx.Done():
		}
		if err := m.HTTP.Shutdown(ctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	return m.Close()
}

// Close releases everything Open acquired.
func (m *Main) Close() error {
	if m.HTTP != nil {
		m.HTTP.Close()
	}
	if m.stop != nil {
		m.stop()
		m.bgDone.Wait()
	}
	if m.Services.Media != nil {
		m.Services.Media.Close() // stops the photo workers
	}
	if m.Bus != nil {
		m.Bus.Close()
		m.Bus = nil
	}
	if m.Redis != nil {
		_ = m.Redis.Close()
		m.Redis = nil
	}
	if c, ok := m.blobs.(io.Closer); ok {
		_ = c.Close()
		m.blobs = nil
	}
	if m.Cluster != nil {
		m.releaseLeases()
		err := m.closeDatabases(m.Cluster)
		m.Cluster = nil
		return err
	}
	return nil
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	m := NewMain(cfg, log)
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	if err := m.Listen(ctx); err != nil {
		m.Close()
		return err
	}
	if cfg.NATS != "" && cfg.Redis == "" {
		log.Warn("several nodes without --redis: each node keeps its own rate limits and token cache (revokes reach other nodes within 10s)")
	}
	if cfg.Postgres() && cfg.Blob == "" {
		log.Warn("media is kept on this node's disk (--data); with several nodes set --blob to a shared store")
	}
	log.Info("pinhole serving", "version", version, "addr", m.Addr, "public_url", m.publicURL(), "data", cfg.Data, "roles", strings.Join(cfg.Roles, ","))
	<-ctx.Done()
	log.Info("draining", "delay", cfg.DrainDelay)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.DrainDelay+30*time.Second)
	defer cancel()
	if err := m.Shutdown(sctx, cfg.DrainDelay); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}
