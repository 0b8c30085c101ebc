// Package feed is the feed context: home timelines built by fan-out on
// write, with celebrity authors merged in at read time (DESIGN §5).
package feed

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
	"github.com/pinhole/pinhole/posts"
)

// Config is the feed's settings.
type Config struct {
	TimelineCap        int   // entries kept per home timeline
	CelebrityThreshold int64 // authors with more followers are merged at read time
	BackfillPosts      int   // recent posts of a newly followed account brought in at once
	RebuildPerAuthor   int   // recent posts per followed account when rebuilding
}

// NewDefaultConfig returns the defaults.
func NewDefaultConfig() Config {
	return Config{TimelineCap: 800, CelebrityThreshold: 10_000, BackfillPosts: 40, RebuildPerAuthor: 40}
}

// Validate checks the settings.
func (c Config) Validate() error {
	if c.TimelineCap < 40 || c.TimelineCap > 10_000 {
		return fmt.Errorf("feed: timeline cap must be 40..10000")
	}
	if c.CelebrityThreshold < 1 {
		return fmt.Errorf("feed: celebrity threshold must be positive")
	}
	if c.BackfillPosts < 0 || c.RebuildPerAuthor < 1 {
		return fmt.Errorf("feed: backfill and rebuild sizes must be positive")
	}
	return nil
}

// Accounts is what the feed needs of the identity context.
type Accounts interface {
	Account(ctx context.Context, id pinhole.ID) (*pinhole.Account, error)
	Accounts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Account, error)
}

// Graph is what the feed needs of the graph context.
type Graph interface {
	FollowerIDs(ctx context.Context, id pinhole.ID, fn func([]pinhole.ID) error) error
	FollowingIDs(ctx context.Context, id pinhole.ID) ([]pinhole.ID, error)
}

// Posts is what the feed needs of the posts context.
type Posts interface {
	RecentPostIDs(ctx context.Context, author pinhole.ID, page pinhole.Page) ([]pinhole.ID, error)
	Hydrate(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) ([]*posts.View, error)
}

// Service is the feed context's logic.
type Service struct {
	cfg       Config
	timelines pinhole.TimelineStore
	accounts  Accounts
	graph     Graph
	posts     Posts
	live      pinhole.LivePusher
	now       func() time.Time
	celebs    *inmem.Cache[pinhole.ID, []pinhole.ID] // viewer → celebrities followed
	onForget  func(ctx context.Context, viewers ...pinhole.ID)
	tags      FollowedTags // optional: see tag.go
}

// New returns the service.
func New(cfg Config, timelines pinhole.TimelineStore, accounts Accounts, graph Graph, posts Posts, live pinhole.LivePusher, now func() time.Time) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, timelines: timelines, accounts: accounts, graph: graph, posts: posts, live: live, now: now,
		celebs: inmem.NewCache[pinhole.ID, []pinhole.ID](100_000, 30*time.Second, now)}, nil
}

// Subscribe registers the feed's event handlers.
func (s *Service) Subscribe(bus pinhole.EventBus) {
	bus.Subscribe(pinhole.EventPostCreated, "feed", s.onPostCreated)
	bus.Subscribe(pinhole.EventPostDeleted, "feed", s.onPostDeleted)
	bus.Subscribe(pinhole.EventFollowed, "feed", s.onFollowed)
	bus.Subscribe(pinhole.EventUnfollowed, "feed", s.onUnfollowed)
	bus.Subscribe(pinhole.EventBlocked, "feed", s.onBlocked)
}

func (s *Service) isCelebrity(a *pinhole.Account) bool {
	return a.FollowersCount >= s.cfg.CelebrityThreshold
}

// onPostCreated fans a new post out to its author's followers, unless the
// author is a celebrity (merged at read time instead).
func (s *Service) onPostCreated(ctx context.Context, e pinhole.Event) error {
	if e.ParentID != 0 {
		return nil // a comment
	}
	author, err := s.accounts.Account(ctx, e.ActorID)
	if err != nil {
		return err
	}
	entry := pinhole.TimelineEntry{PostID: e.PostID, AuthorID: e.ActorID}
	if err := s.push(ctx, []pinhole.ID{e.ActorID}, entry); err != nil {
		return err
	}
	// A celebrity's post is merged in at read time; their followers still
	// hear of it live.
	return s.graph.FollowerIDs(ctx, e.ActorID, func(batch []pinhole.ID) error {
		if s.isCelebrity(author) {
			s.pushLive(ctx, batch, pinhole.LiveMessage{Event: pinhole.LiveUpdate, ID: e.PostID})
			return nil
		}
		return s.push(ctx, batch, entry)
	})
}

// push adds the entry to the owners' timelines and tells those connected.
func (s *Service) push(ctx context.Context, owners []pinhole.ID, e pinhole.TimelineEntry) error {
	if err := s.timelines.PushTimelines(ctx, owners, e, s.cfg.TimelineCap); err != nil {
		return err
	}
	s.pushLive(ctx, owners, pinhole.LiveMessage{Event: pinhole.LiveUpdate, ID: e.PostID})
	return nil
}

// pushLive is best effort: the timelines are written; live pushes only
// spare connected members a reload.
func (s *Service) pushLive(ctx context.Context, owners []pinhole.ID, m pinhole.LiveMessage) {
	if s.live == nil {
		return
	}
	for _, o := range owners {
		_ = s.live.PushLive(ctx, o, m)
	}
}

func (s *Service) onPostDeleted(ctx context.Context, e pinhole.Event) error {
	if err := s.timelines.RemovePost(ctx, e.PostID); err != nil {
		return err
	}
	if e.ParentID != 0 {
		return nil
	}
	s.pushLive(ctx, []pinhole.ID{e.ActorID}, pinhole.LiveMessage{Event: pinhole.LiveDelete, ID: e.PostID})
	return s.graph.FollowerIDs(ctx, e.ActorID, func(batch []pinhole.ID) error {
		s.pushLive(ctx, batch, pinhole.LiveMessage{Event: pinhole.LiveDelete, ID: e.PostID})
		return nil
	})
}

// OnForget calls fn whenever a member's follows changed, so the other
// nodes drop what they hold about them (ForgetFollowing).
func (s *Service) OnForget(fn func(ctx context.Context, viewers ...pinhole.ID)) { s.onForget = fn }

// ForgetFollowing drops what this node holds about whom viewers follow.
func (s *Service) ForgetFollowing(viewers ...pinhole.ID) {
	for _, v := range viewers {
		s.celebs.Delete(v)
	}
}

func (s *Service) forget(ctx context.Context, viewers ...pinhole.ID) {
	s.ForgetFollowing(viewers...)
	if s.onForget != nil {
		s.onForget(ctx, viewers...)
	}
}

// onFollowed brings the followed account's recent posts in at once.
func (s *Service) onFollowed(ctx context.Context, e pinhole.Event) error {
	s.forget(ctx, e.ActorID)
	author, err := s.accounts.Account(ctx, e.TargetID)
	if err != nil || s.isCelebrity(author) || s.cfg.BackfillPosts == 0 {
		return err
	}
	ids, err := s.posts.RecentPostIDs(ctx, e.TargetID, pinhole.Page{Limit: s.cfg.BackfillPosts})
	if err != nil || len(ids) == 0 {
		return err
	}
	entries := make([]pinhole.TimelineEntry, len(ids))
	for i, id := range ids {
		entries[i] = pinhole.TimelineEntry{PostID: id, AuthorID: e.TargetID}
	}
	return s.timelines.AddToTimeline(ctx, e.ActorID, entries, s.cfg.TimelineCap)
}

func (s *Service) onUnfollowed(ctx context.Context, e pinhole.Event) error {
	s.forget(ctx, e.ActorID)
	return s.timelines.RemoveAuthor(ctx, e.ActorID, e.TargetID)
}

func (s *Service) onBlocked(ctx context.Context, e pinhole.Event) error {
	s.forget(ctx, e.ActorID, e.TargetID)
	if err := s.timelines.RemoveAuthor(ctx, e.ActorID, e.TargetID); err != nil {
		return err
	}
	return s.timelines.RemoveAuthor(ctx, e.TargetID, e.ActorID)
}

// Rebuild recomputes a member's timeline from the graph and the posts:
// the recent posts of everyone they follow and their own, merged.
func (s *Service) Rebuild(ctx context.Context, owner pinhole.ID) error {
	following, err := s.graph.FollowingIDs(ctx, owner)
	if err != nil {
		return err
	}
	accounts, err := s.accounts.Accounts(ctx, following)
	if err != nil {
		return err
	}
	authors := []pinhole.ID{owner}
	for _, id := range following {
		if a := accounts[id]; a != nil && !s.isCelebrity(a) {
			authors = append(authors, id)
		}
	}
	var entries []pinhole.TimelineEntry
	for _, a := range authors {
		ids, err := s.posts.RecentPostIDs(ctx, a, pinhole.Page{Limit: s.cfg.RebuildPerAuthor})
		if err != nil {
			return err
		}
		for _, id := range ids {
			entries = append(entries, pinhole.TimelineEntry{PostID: id, AuthorID: a})
		}
	}
	slices.SortFunc(entries, func(a, b pinhole.TimelineEntry) int { return cmpDesc(a.PostID, b.PostID) })
	if len(entries) > s.cfg.TimelineCap {
		entries = entries[:s.cfg.TimelineCap]
	}
	return s.timelines.ReplaceTimeline(ctx, owner, entries, s.cfg.TimelineCap)
}

// Drop forgets a member's timeline; the next read rebuilds it.
func (s *Service) Drop(ctx context.Context, owner pinhole.ID) error {
	return s.timelines.DropTimeline(ctx, owner)
}

// HomeIDs returns a page of the viewer's home timeline as post IDs, newest
// first: the fanned-out timeline merged with celebrities' recent posts.
func (s *Service) HomeIDs(ctx context.Context, viewer pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	page = page.Normalize(pinhole.MaxPageLimit)
	entries, err := s.timelines.ReadTimeline(ctx, viewer, page)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		// Empty: either nothing to show, or the timeline is missing (lost,
		// dropped) and is rebuilt from the graph and the posts.
		ok, err := s.timelines.TimelineExists(ctx, viewer)
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := s.Rebuild(ctx, viewer); err != nil {
				return nil, err
			}
			if entries, err = s.timelines.ReadTimeline(ctx, viewer, page); err != nil {
				return nil, err
			}
		}
	}
	ids := make([]pinhole.ID, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.PostID)
	}
	celebs, err := s.celebrities(ctx, viewer)
	if err != nil {
		return nil, err
	}
	// The member's own posts are merged in too: fan-out runs after the
	// post commits, and a member always reads their own writes.
	for _, c := range append(celebs, viewer) {
		more, err := s.posts.RecentPostIDs(ctx, c, page)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	tagged, err := s.followedTagPosts(ctx, viewer, page)
	if err != nil {
		return nil, err
	}
	ids = append(ids, tagged...)
	slices.SortFunc(ids, cmpDesc)
	ids = slices.Compact(ids)
	if len(ids) > page.Limit {
		if page.MinID != 0 {
			ids = ids[len(ids)-page.Limit:] // the page right after MinID
		} else {
			ids = ids[:page.Limit]
		}
	}
	return ids, nil
}

// celebrities returns the accounts the viewer follows that are not fanned
// out, from a short-lived cache that the viewer's own graph changes drop.
func (s *Service) celebrities(ctx context.Context, viewer pinhole.ID) ([]pinhole.ID, error) {
	if v, ok := s.celebs.Get(viewer); ok && !pinhole.FreshReads(ctx) {
		return v, nil
	}
	read := s.celebs.Begin(ctx)
	following, err := s.graph.FollowingIDs(ctx, viewer)
	if err != nil {
		return nil, err
	}
	if len(following) == 0 {
		s.celebs.Fill(viewer, nil, read)
		return nil, nil
	}
	accounts, err := s.accounts.Accounts(ctx, following)
	if err != nil {
		return nil, err
	}
	var out []pinhole.ID
	for _, id := range following {
		if a := accounts[id]; a != nil && s.isCelebrity(a) {
			out = append(out, id)
		}
	}
	s.celebs.Fill(viewer, out, read)
	return out, nil
}

// Home returns a hydrated page of the viewer's home timeline.
func (s *Service) Home(ctx context.Context, viewer pinhole.ID, page pinhole.Page) ([]*posts.View, error) {
	ids, err := s.HomeIDs(ctx, viewer, page)
	if err != nil {
		return nil, err
	}
	return s.posts.Hydrate(ctx, viewer, ids)
}

func cmpDesc(a, b pinhole.ID) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
