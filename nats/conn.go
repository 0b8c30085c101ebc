// Package nats carries Pinhole's events over NATS JetStream: an embedded
// server in the data directory by default (in-process, no TCP port), or an
// external cluster, with the same code. It also carries the live messages
// web nodes push to connected members.
package nats

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pinhole/pinhole"
)

// Config says where NATS is and how consumers retry.
type Config struct {
	URL         string          // nats://…; empty runs an embedded server
	DataDir     string          // the embedded server's JetStream store
	Prefix      string          // subjects and stream names; one per deployment (tests use their own)
	MaxAttempts int             // deliveries before an event is dead-lettered
	Backoff     []time.Duration // delay before each redelivery
	HandlerWait time.Duration   // longest a handler may run
	// Fault, when set, is called at named points so failure drills can stop
	// the process there. Never set in normal operation.
	Fault func(point string)
}

// NewDefaultConfig returns the embedded default for a data directory.
func NewDefaultConfig(dataDir string) Config {
	return Config{
		DataDir: filepath.Join(dataDir, "nats"), Prefix: "pinhole", MaxAttempts: 5,
		Backoff:     []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute},
		HandlerWait: 30 * time.Second,
	}
}

// Validate checks the config.
func (c Config) Validate() error {
	if c.URL == "" && c.DataDir == "" {
		return fmt.Errorf("nats: an embedded server needs a data directory")
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "nats://") && !strings.HasPrefix(c.URL, "tls://") {
		return fmt.Errorf("nats: URL %q must start with nats:// or tls://", c.URL)
	}
	if c.Prefix == "" || strings.ContainsAny(c.Prefix, " .*>") {
		return fmt.Errorf("nats: prefix %q must be a single subject token", c.Prefix)
	}
	if c.MaxAttempts < 1 || len(c.Backoff) == 0 || c.HandlerWait <= 0 {
		return fmt.Errorf("nats: attempts, backoff and handler wait must be set")
	}
	return nil
}

func (c Config) fault(point string) {
	if c.Fault != nil {
		c.Fault(point)
	}
}

// Conn is a connection to NATS with Pinhole's streams.
type Conn struct {
	cfg    Config
	log    *slog.Logger
	ns     *server.Server // the embedded server, if any
	nc     *natsgo.Conn
	js     jetstream.JetStream
	events jetstream.Stream
	dead   jetstream.Stream

	mu       sync.Mutex
	handlers map[string]map[string]pinhole.EventHandler // consumer → type → handler
	running  []jetstream.ConsumeContext
}

var (
	_ pinhole.EventBus    = (*Conn)(nil)
	_ pinhole.DeadLetters = (*Conn)(nil)
)

// Open connects (starting the embedded server when no URL is given) and
// makes sure the streams exist.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Conn{cfg: cfg, log: log, handlers: map[string]map[string]pinhole.EventHandler{}}
	opts := []natsgo.Option{natsgo.Name("pinhole"), natsgo.MaxReconnects(-1), natsgo.ReconnectWait(time.Second), natsgo.Timeout(5 * time.Second)}
	url := cfg.URL
	if url == "" {
		ns, err := server.NewServer(&server.Options{
			ServerName: "pinhole-embedded", JetStream: true, StoreDir: cfg.DataDir, DontListen: true, NoSigs: true,
		})
		if err != nil {
			return nil, fmt.Errorf("nats: embedded server: %w", err)
		}
		go ns.Start()
		if !ns.ReadyForConnections(30 * time.Second) {
			ns.Shutdown()
			return nil, fmt.Errorf("nats: embedded server did not start")
		}
		c.ns = ns
		url = ns.ClientURL()
		opts = append(opts, natsgo.InProcessServer(ns))
	}
	nc, err := natsgo.Connect(url, opts...)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("nats: connect: %w", err)
	}
	c.nc = nc
	if c.js, err = jetstream.New(nc); err != nil {
		c.Close()
		return nil, fmt.Errorf("nats: jetstream: %w", err)
	}
	if err := c.ensureStreams(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) streamName(kind string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_").Replace(c.cfg.Prefix)) + "_" + kind
}

func (c *Conn) eventSubject(typ string) string { return c.cfg.Prefix + ".events." + typ }
func (c *Conn) retrySubject(consumer string) string {
	return c.cfg.Prefix + ".events.retry." + consumer
}
func (c *Conn) deadSubject(consumer string) string { return c.cfg.Prefix + ".dead." + consumer }
func (c *Conn) userSubject(id pinhole.ID) string   { return c.cfg.Prefix + ".user." + id.String() }

func (c *Conn) ensureStreams(ctx context.Context) error {
	var err error
	c.events, err = c.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: c.streamName("EVENTS"), Subjects: []string{c.cfg.Prefix + ".events.>"},
		Storage: jetstream.FileStorage, MaxAge: 7 * 24 * time.Hour, Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("nats: events stream: %w", err)
	}
	c.dead, err = c.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: c.streamName("DEAD"), Subjects: []string{c.cfg.Prefix + ".dead.>"},
		Storage: jetstream.FileStorage, MaxAge: 30 * 24 * time.Hour, Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("nats: dead-letter stream: %w", err)
	}
	return nil
}

// Ready reports whether the connection is up.
func (c *Conn) Ready() error {
	if c.nc == nil || c.nc.Status() != natsgo.CONNECTED {
		return fmt.Errorf("nats: not connected")
	}
	return nil
}

// DeleteStreams removes this prefix's streams (tests clean up with it).
func (c *Conn) DeleteStreams(ctx context.Context) error {
	for _, s := range []string{c.streamName("EVENTS"), c.streamName("DEAD")} {
		if err := c.js.DeleteStream(ctx, s); err != nil && err != jetstream.ErrStreamNotFound {
			return fmt.Errorf("nats: delete stream %s: %w", s, err)
		}
	}
	return nil
}

// Close stops the consumers, drains the connection and stops the embedded
// server.
func (c *Conn) Close() {
	c.mu.Lock()
	for _, cc := range c.running {
		cc.Stop()
	}
	c.running = nil
	c.mu.Unlock()
	if c.nc != nil {
		_ = c.nc.Drain()
		c.nc.Close()
	}
	if c.ns != nil {
		c.ns.Shutdown()
		c.ns.WaitForShutdown()
	}
}
