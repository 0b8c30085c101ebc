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
}

// NewDefaultConfig returns the defaults for a public URL.
func NewDefaultConfig(publicURL string) Config {
	return Config{PublicURL: strings.TrimSuffix(publicURL, "/"), InstanceTitle: "Pinhole", MaxBodyBytes: 1 << 20, MaxUploadBytes: 26 << 20, MaxPostBytes: 251 << 20}
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
