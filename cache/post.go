// Package cache holds the in-process tier of DESIGN §7: decorators around
// store interfaces that keep hot rows in a short-lived LRU and drop them
// when this node writes them.
package cache

import (
	"context"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

// Posts caches posts (with their media, tags and mentions) by ID. Cached
// posts are shared: callers must treat them as read-only. Writes through
// this store drop the posts they change; the TTL bounds how stale a count
// changed on another node can be.
type Posts struct {
	pinhole.PostStore
	c     *inmem.Cache[pinhole.ID, *pinhole.Post]
	liked *inmem.Cache[likeKey, bool]
	// lists caches pages of an author's posts; the author's writes through
	// this store retire them by bumping the author's version.
	lists    *inmem.Cache[pageKey, authorPage]
	versions *inmem.Cache[pinhole.ID, uint64]
	mu       sync.Mutex
	next     uint64
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
	return &Posts{PostStore: s, c: inmem.NewCache[pinhole.ID, *pinhole.Post](size, ttl, now),
		liked: inmem.NewCache[likeKey, bool](size*4, ttl, now),
		lists: inmem.NewCache[pageKey, authorPage](size, ttl, now), versions: inmem.NewCache[pinhole.ID, uint64](size, ttl, now)}
}

// Invalidate drops posts from the cache (for changes made elsewhere).
func (p *Posts) Invalidate(ids ...pinhole.ID) {
	for _, id := range ids {
		p.c.Delete(id)
	}
}

func (p *Posts) FindPost(ctx context.Context, id pinhole.ID) (*pinhole.Post, error) {
	if v, ok := p.c.Get(id); ok {
		return v, nil
	}
	v, err := p.PostStore.FindPost(ctx, id)
	if err != nil {
		return nil, err
	}
	p.c.Set(id, v)
	return v, nil
}

func (p *Posts) FindPosts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Post, error) {
	out := make(map[pinhole.ID]*pinhole.Post, len(ids))
	var miss []pinhole.ID
	for _, id := range ids {
		if v, ok := p.c.Get(id); ok {
			out[id] = v
		} else {
			miss = append(miss, id)
		}
	}
	if len(miss) == 0 {
		return out, nil
	}
	found, err := p.PostStore.FindPosts(ctx, miss)
	if err != nil {
		return nil, err
	}
	for id, v := range found {
		p.c.Set(id, v)
		out[id] = v
	}
	return out, nil
}

func (p *Posts) CreatePost(ctx context.Context, post *pinhole.Post, events ...pinhole.Event) error {
	err := p.PostStore.CreatePost(ctx, post, events...)
	p.c.Delete(post.InReplyToID) // its replies count moved
	p.bump(post.AuthorID)
	return err
}

// bump retires an author's cached post lists.
func (p *Posts) bump(author pinhole.ID) {
	p.mu.Lock()
	p.next++
	v := p.next
	p.mu.Unlock()
	p.versions.Set(author, v)
}

func (p *Posts) ListAccountPosts(ctx context.Context, author pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	v, _ := p.versions.Get(author)
	k := pageKey{author, page}
	if c, ok := p.lists.Get(k); ok && c.version == v {
		return c.ids, nil
	}
	ids, err := p.PostStore.ListAccountPosts(ctx, author, page)
	if err != nil {
		return nil, err
	}
	p.lists.Set(k, authorPage{v, ids})
	return ids, nil
}

func (p *Posts) DeletePost(ctx context.Context, id pinhole.ID, events ...pinhole.Event) ([]*pinhole.Media, error) {
	drop := []pinhole.ID{id}
	if v, err := p.FindPost(ctx, id); err == nil && v.InReplyToID != 0 {
		drop = append(drop, v.InReplyToID)
	} else if err == nil {
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
	p.Invalidate(drop...)
	if v, ok := p.c.Get(id); ok {
		p.bump(v.AuthorID)
	}
	for _, e := range events {
		p.bump(e.ActorID)
	}
	return media, err
}

func (p *Posts) Like(ctx context.Context, postID, accountID pinhole.ID, now time.Time, events ...pinhole.Event) (bool, error) {
	ok, err := p.PostStore.Like(ctx, postID, accountID, now, events...)
	p.c.Delete(postID)
	p.liked.Delete(likeKey{accountID, postID})
	return ok, err
}

func (p *Posts) Unlike(ctx context.Context, postID, accountID pinhole.ID) (bool, error) {
	ok, err := p.PostStore.Unlike(ctx, postID, accountID)
	p.c.Delete(postID)
	p.liked.Delete(likeKey{accountID, postID})
	return ok, err
}

func (p *Posts) Liked(ctx context.Context, accountID pinhole.ID, postIDs []pinhole.ID) (map[pinhole.ID]bool, error) {
	return inmem.Flags(p.liked, postIDs, func(id pinhole.ID) likeKey { return likeKey{accountID, id} },
		func(miss []pinhole.ID) (map[pinhole.ID]bool, error) { return p.PostStore.Liked(ctx, accountID, miss) })
}
