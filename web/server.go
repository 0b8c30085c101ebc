// Package web is Pinhole's HTTP layer: the server-rendered pages, the JSON
// API (the Mastodon client API where features overlap) and media serving.
// Handlers only parse, call one service and render.
package web

import (
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/feed"
	"github.com/pinhole/pinhole/graph"
	"github.com/pinhole/pinhole/identity"
	"github.com/pinhole/pinhole/inmem"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/notify"
	"github.com/pinhole/pinhole/posts"
	"github.com/pinhole/pinhole/search"
)

// Config is the HTTP layer's settings.
type Config struct {
	PublicURL      string // the URL members reach Pinhole at, no trailing slash
	InstanceTitle  string
	MaxBodyBytes   int64 // non-upload request bodies
	MaxUploadBytes int64 // whole multipart upload requests of one photo (photo + fields)
	MaxPostBytes   int64 // the compose form: up to ten photos and the caption
	TrustProxy     bool  // take the client IP from X-Forwarded-For
	// MediaRedirect answers media requests with a 302 to the blob store
	// (its CDN, or a short-lived presigned URL) when the store can make
	// one, instead of passing the bytes through. MediaOrigin is where
	// those redirects lead ("https://cdn.example.com"): the pages'
	// Content-Security-Policy lets images load from it.
	MediaRedirect bool
	MediaOrigin   string
	// FreshFor is how long after a member's write their requests read
	// from the primary databases (see fresh.go). It must outlast the
	// replicas' usual lag.
	FreshFor time.Duration
}

// NewDefaultConfig returns the defaults for a public URL.
func NewDefaultConfig(publicURL string) Config {
	return Config{PublicURL: strings.TrimSuffix(publicURL, "/"), InstanceTitle: "Pinhole", MaxBodyBytes: 1 << 20, MaxUploadBytes: 26 << 20, MaxPostBytes: 251 << 20, FreshFor: 5 * time.Second}
}

// Validate checks the settings.
func (c Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("web: public URL %q must be an absolute http(s) URL", c.PublicURL)
	}
	if c.MaxBodyBytes < 1024 || c.MaxUploadBytes < c.MaxBodyBytes || c.MaxPostBytes < c.MaxUploadBytes {
		return fmt.Errorf("web: body limits are too small")
	}
	if c.FreshFor < 0 || c.FreshFor > time.Hour {
		return fmt.Errorf("web: FreshFor %v must be between 0 and an hour", c.FreshFor)
	}
	if c.MediaRedirect || c.MediaOrigin != "" {
		o, err := url.Parse(c.MediaOrigin)
		if err != nil || (o.Scheme != "http" && o.Scheme != "https") || o.Host == "" || o.User != nil || o.Path != "" || o.RawQuery != "" || o.Fragment != "" || strings.ContainsAny(c.MediaOrigin, " ;,'\"") {
			return fmt.Errorf("web: media redirects need MediaOrigin, the scheme and host they lead to (https://cdn.example.com), not %q", c.MediaOrigin)
		}
	}
	return nil
}

// Services are the contexts the HTTP layer calls.
type Services struct {
	Identity *identity.Service
	Graph    *graph.Service
	Posts    *posts.Service
	Feed     *feed.Service
	Media    *media.Service
	Notify   *notify.Service
	Search   *search.Service
	// Live delivers a member's live messages to this node's connections.
	Live        LiveSource
	DeadLetters pinhole.DeadLetters
	Idempotency pinhole.IdempotencyStore
	// WriteClock records each member's last write for every node, so
	// that a member reads their own writes when the databases have read
	// replicas (fresh.go). Nil (no replicas): reads go where the stores
	// send them.
	WriteClock pinhole.WriteClock
}

// LiveSource subscribes to a member's live messages.
type LiveSource interface {
	SubscribeUser(id pinhole.ID, fn func(data []byte)) (func(), error)
}

// Server serves HTTP.
type Server struct {
	cfg      Config
	svc      Services
	log      *slog.Logger
	now      func() time.Time
	pages    map[string]*template.Template
	draining atomic.Bool
	ready    func() error // dependencies reachable
	mux      *http.ServeMux
	rendered *inmem.Cache[statusKey, []byte] // status JSON, see statuscache.go
	streams  *hub                            // this node's streaming connections
}

// New returns a server; ready reports whether dependencies are reachable.
func New(cfg Config, svc Services, ready func() error, log *slog.Logger, now func() time.Time) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, svc: svc, log: log, now: now, ready: ready, mux: http.NewServeMux(),
		rendered: inmem.NewCache[statusKey, []byte](50_000, 10*time.Minute, now),
		streams:  &hub{users: map[pinhole.ID]*userConns{}}}
	pages, err := parseTemplates(s.funcs())
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.routes()
	return s, nil
}

// Drain marks the server as going away: /readyz fails so the load
// balancer stops sending new requests.
func (s *Server) Drain() { s.draining.Store(true) }

// ServeHTTP runs every request through the middleware chain.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.middleware(s.mux).ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	m.HandleFunc("GET /readyz", s.handleReady)
	m.HandleFunc("GET /media/{key...}", s.handleMedia)
	m.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	s.apiRoutes()
	s.mediaRoutes()
	s.oauthRoutes()
	s.pageRoutes()
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		http.Error(w, "draining\n", http.StatusServiceUnavailable)
		return
	}
	if err := s.ready(); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err)
		http.Error(w, "not ready\n", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
