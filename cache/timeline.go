package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

// Timelines caches pages of home timelines. Every write through it drops
// the owner's cached pages; removing a post everywhere bumps a generation
// that retires every cached page at once.
type Timelines struct {
	pinhole.TimelineStore
	// A read that began before its owner's pages were dropped does not
	// cache what it read (inmem.Cache.Fill).
	c      *inmem.Cache[pinhole.ID, *ownerPages]
	gen    atomic.Uint64
	shared *Shared // nil: this node only
}

var _ pinhole.TimelineStore = (*Timelines)(nil)

type ownerPages struct {
	mu    sync.Mutex
	gen   uint64
	pages map[pinhole.Page][]pinhole.TimelineEntry
}

const pagesPerOwner = 8

// NewTimelines wraps a timeline store.
func NewTimelines(s pinhole.TimelineStore, size int, ttl time.Duration, now func() time.Time) *Timelines {
	return &Timelines{TimelineStore: s, c: inmem.NewCache[pinhole.ID, *ownerPages](size, ttl, now)}
}

func (t *Timelines) ReadTimeline(ctx context.Context, owner pinhole.ID, page pinhole.Page) ([]pinhole.TimelineEntry, error) {
	start := t.c.Begin(ctx)
	gen := t.gen.Load()
	if op, ok := t.c.Get(owner); ok && !pinhole.FreshReads(ctx) {
		op.mu.Lock()
		entries, hit := op.pages[page]
		valid := op.gen == gen
		op.mu.Unlock()
		if hit && valid {
			return entries, nil
		}
	}
	entries, err := t.TimelineStore.ReadTimeline(ctx, owner, page)
	if err != nil {
		return nil, err
	}
	op, ok := t.c.Get(owner)
	if !ok || op.gen != gen {
		op = &ownerPages{gen: gen, pages: make(map[pinhole.Page][]pinhole.TimelineEntry)}
		if !t.c.Fill(owner, op, start) {
			return entries, nil // dropped while this read ran: it may be stale
		}
	} else if t.c.Stale(owner, start) {
		return entries, nil
	}
	// A drop from here on removes op from the cache: what is added to it
	// is then never read.
	op.mu.Lock()
	if len(op.pages) >= pagesPerOwner {
		clear(op.pages)
	}
	op.pages[page] = entries
	op.mu.Unlock()
	return entries, nil
}

// Share makes writes through this store drop the owners' cached pages on
// every node (a worker fans out; the web nodes hold the pages). Call it
// once, before use.
func (t *Timelines) Share(s *Shared) {
	t.shared = s
	s.Listen(KindTimeline, t.drop)
	s.Listen(KindTimelines, func([]pinhole.ID) { t.gen.Add(1) })
}

func (t *Timelines) drop(owners []pinhole.ID) {
	for _, o := range owners {
		t.c.Delete(o)
	}
}

func (t *Timelines) forget(ctx context.Context, owners ...pinhole.ID) {
	if t.shared != nil {
		t.shared.Invalidate(ctx, KindTimeline, owners...)
		return
	}
	t.drop(owners)
}

func (t *Timelines) ReplaceTimeline(ctx context.Context, owner pinhole.ID, entries []pinhole.TimelineEntry, cap int) error {
	defer t.forget(ctx, owner)
	return t.TimelineStore.ReplaceTimeline(ctx, owner, entries, cap)
}

func (t *Timelines) PushTimelines(ctx context.Context, owners []pinhole.ID, e pinhole.TimelineEntry, cap int) error {
	defer t.forget(ctx, owners...)
	return t.TimelineStore.PushTimelines(ctx, owners, e, cap)
}

func (t *Timelines) AddToTimeline(ctx context.Context, owner pinhole.ID, entries []pinhole.TimelineEntry, cap int) error {
	defer t.forget(ctx, owner)
	return t.TimelineStore.AddToTimeline(ctx, owner, entries, cap)
}

func (t *Timelines) RemoveAuthor(ctx context.Context, owner, author pinhole.ID) error {
	defer t.forget(ctx, owner)
	return t.TimelineStore.RemoveAuthor(ctx, owner, author)
}

func (t *Timelines) RemovePost(ctx context.Context, postID pinhole.ID) error {
	defer func() {
		if t.shared != nil {
			t.shared.Invalidate(ctx, KindTimelines)
		} else {
			t.gen.Add(1)
		}
	}()
	return t.TimelineStore.RemovePost(ctx, postID)
}

func (t *Timelines) DropTimeline(ctx context.Context, owner pinhole.ID) error {
	defer t.forget(ctx, owner)
	return t.TimelineStore.DropTimeline(ctx, owner)
}
