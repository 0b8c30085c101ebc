// Package search is the search context (DESIGN §2): its own index of
// accounts, hashtags and places, fed by events; nearby places through a
// geohash cell index; hashtag and place timelines; and the trends the
// scheduler computes from the index's engagement signals.
package search

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
	"github.com/pinhole/pinhole/posts"
)

// Config is the search context's settings.
type Config struct {
	TrendInterval   time.Duration // how often the scheduler recomputes trends
	TrendWindow     time.Duration // posts older than this do not trend
	TrendHalfLife   time.Duration // engagement counts half after this long
	TrendingTags    int           // tags kept in the trend list
	TrendingPosts   int           // posts kept in the trend list
	MinTagAuthors   int           // distinct authors a tag needs to trend
	TrendsCacheTTL  time.Duration // how long a node serves trends before rereading them
	PlaceRate       pinhole.Rate  // places one member may create
	NearbyReadLimit int           // places one circle reads at most
}

// NewDefaultConfig returns the defaults.
func NewDefaultConfig() Config {
	return Config{
		TrendInterval: 5 * time.Minute, TrendWindow: 48 * time.Hour, TrendHalfLife: 12 * time.Hour,
		TrendingTags: 20, TrendingPosts: 40, MinTagAuthors: 2, TrendsCacheTTL: 30 * time.Second,
		PlaceRate: pinhole.Rate{Burst: 20, Period: time.Hour}, NearbyReadLimit: 20_000,
	}
}

// Validate checks the settings.
func (c Config) Validate() error {
	switch {
	case c.TrendInterval < time.Second:
		return fmt.Errorf("search: trend interval must be at least a second")
	case c.TrendWindow < time.Hour || c.TrendHalfLife <= 0:
		return fmt.Errorf("search: trend window must be at least an hour and the half-life positive")
	case c.TrendingTags < 1 || c.TrendingPosts < 1 || c.MinTagAuthors < 1:
		return fmt.Errorf("search: trend list sizes and minimum authors must be positive")
	case c.PlaceRate.Burst < 1 || c.PlaceRate.Period <= 0:
		return fmt.Errorf("search: place rate must be positive")
	case c.NearbyReadLimit < 100:
		return fmt.Errorf("search: nearby read limit must be at least 100")
	}
	return nil
}

// Store is the index the search context owns.
type Store interface {
	pinhole.SearchStore
	pinhole.TagStore
	pinhole.PlaceStore
}

// Posts is what search needs of the posts context.
type Posts interface {
	// Find returns a post without a visibility check (for indexing;
	// reads filter through Hydrate).
	Find(ctx context.Context, id pinhole.ID) (*pinhole.Post, error)
	Get(ctx context.Context, viewer, id pinhole.ID) (*posts.View, error)
	Hydrate(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) ([]*posts.View, error)
}

// Accounts is what search needs of the identity context.
type Accounts interface {
	Account(ctx context.Context, id pinhole.ID) (*pinhole.Account, error)
	Accounts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Account, error)
}

// Graph is what search needs of the graph context.
type Graph interface {
	BlockedEither(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) (map[pinhole.ID]bool, error)
}

// Service is the search context's logic.
type Service struct {
	cfg      Config
	store    Store
	posts    Posts
	accounts Accounts
	graph    Graph
	limiter  pinhole.RateLimiter
	ids      *pinhole.IDGenerator
	now      func() time.Time
	log      *slog.Logger

	followed *inmem.Cache[pinhole.ID, []string] // member → tags followed
	// onFollowed tells other nodes a member's followed tags changed.
	onFollowed func(ctx context.Context, viewer pinhole.ID)
	history    *inmem.Cache[string, []pinhole.TagDay]   // tag → recent days of use
	places     *inmem.Cache[pinhole.ID, *pinhole.Place] // places never change but their counts
	trends     atomic.Pointer[trendSnapshot]
}

// New returns the service.
func New(cfg Config, store Store, posts Posts, accounts Accounts, graph Graph, limiter pinhole.RateLimiter, ids *pinhole.IDGenerator, now func() time.Time, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, store: store, posts: posts, accounts: accounts, graph: graph, limiter: limiter, ids: ids, now: now, log: log,
		followed: inmem.NewCache[pinhole.ID, []string](100_000, 30*time.Second, now),
		history:  inmem.NewCache[string, []pinhole.TagDay](10_000, time.Minute, now),
		places:   inmem.NewCache[pinhole.ID, *pinhole.Place](50_000, time.Minute, now),
	}, nil
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// Subscribe registers the indexer: the consumer that keeps the index in
// step with accounts and posts.
func (s *Service) Subscribe(bus pinhole.EventBus) {
	bus.Subscribe(pinhole.EventAccountCreated, "search", s.onAccountChanged)
	bus.Subscribe(pinhole.EventAccountUpdated, "search", s.onAccountChanged)
	bus.Subscribe(pinhole.EventPostCreated, "search", s.onPostCreated)
	bus.Subscribe(pinhole.EventPostDeleted, "search", s.onPostDeleted)
	bus.Subscribe(pinhole.EventLiked, "search", s.onLiked)
}

// CompactIndex merges a bounded share of the text indexes' pieces (the
// scheduler's maintenance: queries read fewer pieces; each step holds the
// writer only briefly).
func (s *Service) CompactIndex(ctx context.Context) error {
	return s.store.CompactIndex(ctx, 2000)
}

// visibleAccounts drops the accounts that block the viewer or that the
// viewer blocks, keeping the order.
func (s *Service) visibleAccounts(ctx context.Context, viewer pinhole.ID, list []*pinhole.Account) ([]*pinhole.Account, error) {
	if viewer == 0 || len(list) == 0 {
		return list, nil
	}
	ids := make([]pinhole.ID, 0, len(list))
	for _, a := range list {
		if a.ID != viewer {
			ids = append(ids, a.ID)
		}
	}
	blocked, err := s.graph.BlockedEither(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	out := list[:0:0]
	for _, a := range list {
		if !blocked[a.ID] {
			out = append(out, a)
		}
	}
	return out, nil
}
