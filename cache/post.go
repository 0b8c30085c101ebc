// Package cache holds the caching tiers of DESIGN §7: decorators around
// store interfaces that keep hot rows in a short-lived in-process LRU,
// then (when the node has a Shared) in a remote tier every node reads,
// and drop them when a write changes them, on every node.
package cache

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

// Posts caches posts (with their media, tags, mentions and counts) by ID.
// Cached posts are shared: callers must treat them as read-only. Writes
// through this store drop the posts they change, here and (with a Shared)
// in the remote tier and on every other node; without a Shared the TTL
// bounds how stale a count changed on another node can be.
type Posts struct {
	pinhole.PostStore
	posts  *tier[*pinhole.Post]
	liked  *inmem.Cache[likeKey, bool]
	shared *Shared // nil: this node only
	// lists caches pages of an author's posts; the author's writes through
	// this store retire them by bumping the author's version.
	lists    *inmem.Cache[pageKey, authorPage]
	versions *inmem.Cache[pinhole.ID, listVersion]
	mu       sync.Mutex
	next     uint64
	now      func() time.Time
	settle   time.Duration // see Settle
}

// listVersion is an author's current list version and when it began.
type listVersion struct {
	n  uint64
	at time.Time
}

type authorPage struct {
	version uint64
	ids     []pinhole.ID
}

type likeKey struct{ account, post pinhole.ID }

type pageKey struct {
	author pinhole.ID
	page   pinhole.Page
}

var _ pinhole.PostStore = (*Posts)(nil)

// NewPosts wraps a post store.
func NewPosts(s pinhole.PostStore, size int, ttl time.Duration, now func() time.Time) *Posts {
	return &Posts{PostStore: s, posts: newTier(KindPost, size, ttl, now, encodePost, decodePost),
		liked: inmem.NewCache[likeKey, bool](size*4, ttl, now),
		lists: inmem.NewCache[pageKey, authorPage](size, ttl, now), versions: inmem.NewCache[pinhole.ID, listVersion](size, ttl, now),
		now: now}
}

// Settle keeps what a lagging read replica returns right after a change
// out of the cache: for d after a write, what is read about what it
// changed is not kept (inmem.Cache.Settle). Call it before use.
func (p *Posts) Settle(d time.Duration) {
	p.settle = d
	p.posts.local.Settle(d)
	p.liked.Settle(d)
}

// Share puts the remote tier under this cache and makes writes drop
// entries on every node. Call it once, before use.
func (p *Posts) Share(s *Shared) {
	p.shared, p.posts.shared = s, s
	for _, kind := range []string{KindPost, KindLiked, KindPostsOf} {
		s.Listen(kind, func(ids []pinhole.ID) { p.apply(kind, ids) })
	}
}

// apply drops entries of a kind on this node.
func (p *Posts) apply(kind string, ids []pinhole.ID) {
	switch kind {
	case KindPost:
		p.posts.drop(ids)
	case KindLiked:
		for i := 0; i+1 < len(ids); i += 2 {
			p.liked.Delete(likeKey{ids[i], ids[i+1]})
		}
	case KindPostsOf:
		for _, a := range ids {
			p.bump(a)
		}
	}
}

// changed drops what a write changed: on this node only, or everywhere.
func (p *Posts) changed(ctx context.Context, kind string, ids ...pinhole.ID) {
	if p.shared != nil {
		p.shared.Invalidate(ctx, kind, ids...)
		return
	}
	p.apply(kind, ids)
}

// Invalidate drops posts from the cache, on every node when shared (for
// changes made elsewhere, e.g. to a post's media).
func (p *Posts) Invalidate(ids ...pinhole.ID) {
	p.changed(context.Background(), KindPost, ids...)
}

func (p *Posts) FindPost(ctx context.Context, id pinhole.ID) (*pinhole.Post, error) {
	m, err := p.posts.get(ctx, []pinhole.ID{id}, func([]pinhole.ID) (map[pinhole.ID]*pinhole.Post, error) {
		v, err := p.PostStore.FindPost(ctx, id)
		if err != nil {
			return nil, err
		}
		return map[pinhole.ID]*pinhole.Post{id: v}, nil
	})
	if err != nil {
		return nil, err
	}
	if v := m[id]; v != nil {
		return v, nil
	}
	return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Post not found.")
}

func (p *Posts) FindPosts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Post, error) {
	return p.posts.get(ctx, ids, func(miss []pinhole.ID) (map[pinhole.ID]*pinhole.Post, error) {
		return p.PostStore.FindPosts(ctx, miss)
	})
}

func (p *Posts) CreatePost(ctx context.Context, post *pinhole.Post, events ...pinhole.Event) error {
	err := p.PostStore.CreatePost(ctx, post, events...)
	if post.InReplyToID != 0 {
		p.changed(ctx, KindPost, post.InReplyToID) // its replies count moved
	}
	p.changed(ctx, KindPostsOf, post.AuthorID)
	p.changed(ctx, KindAccount, post.AuthorID) // its posts count moved
	return err
}

// bump retires an author's cached post lists.
func (p *Posts) bump(author pinhole.ID) {
	p.mu.Lock()
	p.next++
	v := p.next
	p.mu.Unlock()
	p.versions.Set(author, listVersion{v, p.now()})
}

func (p *Posts) ListAccountPosts(ctx context.Context, author pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	v, _ := p.versions.Get(author)
	k := pageKey{author, page}
	if c, ok := p.lists.Get(k); ok && c.version == v.n && !pinhole.FreshReads(ctx) {
		return c.ids, nil
	}
	ids, err := p.PostStore.ListAccountPosts(ctx, author, page)
	if err != nil {
		return nil, err
	}
	if p.settle > 0 && p.now().Sub(v.at) < p.settle && !pinhole.FreshReads(ctx) {
		return ids, nil // read from a replica, which may not have the change yet
	}
	p.lists.Set(k, authorPage{v.n, ids})
	return ids, nil
}

func (p *Posts) DeletePost(ctx context.Context, id pinhole.ID, events ...pinhole.Event) ([]*pinhole.Media, error) {
	drop := []pinhole.ID{id}
	var authors []pinhole.ID
	if v, err := p.FindPost(ctx, id); err == nil && v.InReplyToID != 0 {
		drop = append(drop, v.InReplyToID)
		authors = append(authors, v.AuthorID)
	} else if err == nil {
		authors = append(authors, v.AuthorID)
		// Deleting a post deletes its comments: drop them too.
		page := pinhole.Page{Limit: 1000}
		for len(drop) < 100_000 {
			ids, err := p.PostStore.ListReplies(ctx, id, page)
			if err != nil || len(ids) == 0 {
				break
			}
			drop = append(drop, ids...)
			page.MinID = ids[len(ids)-1]
		}
	}
	media, err := p.PostStore.DeletePost(ctx, id, events...)
	p.changed(ctx, KindPost, drop...)
	for _, e := range events {
		if !slices.Contains(authors, e.ActorID) {
			authors = append(authors, e.ActorID)
		}
	}
	p.changed(ctx, KindPostsOf, authors...)
	p.changed(ctx, KindAccount, authors...) // their posts counts moved
	return media, err
}

func (p *Posts) Like(ctx context.Context, postID, accountID pinhole.ID, now time.Time, events ...pinhole.Event) (bool, error) {
	ok, err := p.PostStore.Like(ctx, postID, accountID, now, events...)
	p.changed(ctx, KindPost, postID)
	p.changed(ctx, KindLiked, accountID, postID)
	return ok, err
}

func (p *Posts) Unlike(ctx context.Context, postID, accountID pinhole.ID) (bool, error) {
	ok, err := p.PostStore.Unlike(ctx, postID, accountID)
	p.changed(ctx, KindPost, postID)
	p.changed(ctx, KindLiked, accountID, postID)
	return ok, err
}

func (p *Posts) Liked(ctx context.Context, accountID pinhole.ID, postIDs []pinhole.ID) (map[pinhole.ID]bool, error) {
	if pinhole.FreshReads(ctx) {
		return p.PostStore.Liked(ctx, accountID, postIDs)
	}
	return inmem.Flags(ctx, p.liked, postIDs, func(id pinhole.ID) likeKey { return likeKey{accountID, id} },
		func(miss []pinhole.ID) (map[pinhole.ID]bool, error) { return p.PostStore.Liked(ctx, accountID, miss) })
}
