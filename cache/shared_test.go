package cache_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/cache"
	"github.com/pinhole/pinhole/nats"
	"github.com/pinhole/pinhole/redis/redistest"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// node is one web/worker process's caches over the shared database.
type node struct {
	posts     *cache.Posts
	timelines *cache.Timelines
	media     *cache.Media

	mu       sync.Mutex
	accounts []pinhole.ID // account invalidations heard
}

func (n *node) heardAccount(id pinhole.ID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Contains(n.accounts, id)
}

type cluster struct {
	st   *sqlstore.Store
	s    storetest.Stores
	a, b *node
}

// The in-process tier keeps entries for an hour in these tests: only an
// invalidation can make a node see a change in time.
const localTTL = time.Hour

func openSQL(t *testing.T) (*sqlstore.Store, storetest.Stores) {
	t.Helper()
	c, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "pinhole.db"), NumShards: 16}, func() time.Time { return storetest.Now })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlite.Close(c) })
	st := sqlstore.New(c)
	return st, storetest.Stores{Accounts: st, Graph: st, Posts: st, Media: st, Timelines: st, IDs: c.IDs, NumShards: st.NumShards()}
}

// newCluster makes two nodes over one database, sharing the remote tier
// the remotes give (nil: none) and one NATS for invalidations.
func newCluster(t *testing.T, remotes func(t *testing.T) (cache.Remote, cache.Remote)) *cluster {
	t.Helper()
	st, s := openSQL(t)
	bus, err := nats.Open(t.Context(), nats.NewDefaultConfig(t.TempDir()), redistest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	var ra, rb cache.Remote
	if remotes != nil {
		ra, rb = remotes(t)
	}
	mk := func(r cache.Remote) *node {
		sh := cache.NewShared(r, bus, 10*time.Minute, redistest.Logger())
		stop, err := bus.OnInvalidate(sh.Apply)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		n := &node{posts: cache.NewPosts(st, 1000, localTTL, time.Now), timelines: cache.NewTimelines(st, 1000, localTTL, time.Now)}
		n.posts.Share(sh)
		n.timelines.Share(sh)
		n.media = cache.NewMedia(st, n.posts)
		sh.Listen(cache.KindAccount, func(ids []pinhole.ID) {
			n.mu.Lock()
			n.accounts = append(n.accounts, ids...)
			n.mu.Unlock()
		})
		return n
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c := &cluster{st: st, s: s, a: mk(ra), b: mk(rb)}
	if err := bus.Flush(ctx); err != nil { // the subscriptions are in place
		t.Fatal(err)
	}
	return c
}

func withRedis(t *testing.T) (cache.Remote, cache.Remote) {
	cfg := redistest.Config()
	return redistest.Open(t, &cfg), redistest.Open(t, &cfg)
}

func withRedisDown(t *testing.T) (cache.Remote, cache.Remote) {
	return redistest.Down(t), redistest.Down(t)
}

// eventually polls cond until it holds; it fails the test after ten
// seconds, far below the in-process TTL, so passing means an
// invalidation arrived.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustFind(t *testing.T, p *cache.Posts, id pinhole.ID) *pinhole.Post {
	t.Helper()
	v, err := p.FindPost(t.Context(), id)
	if err != nil {
		t.Fatalf("FindPost(%s): %v", id, err)
	}
	return v
}

func TestSharedPosts(t *testing.T) {
	for _, setup := range []struct {
		name    string
		remotes func(t *testing.T) (cache.Remote, cache.Remote)
	}{{"RedisAndNATS", withRedis}, {"NATSWithRedisDown", withRedisDown}, {"NATSOnly", nil}} {
		t.Run(setup.name, func(t *testing.T) {
			t.Run("ALikeOnOneNodeIsSeenOnTheOther", func(t *testing.T) {
				c := newCluster(t, setup.remotes)
				alice := storetest.MustCreateAccount(t, c.s, "alice")
				p := storetest.MustCreatePost(t, c.s, alice.ID, "a photo")
				if got := mustFind(t, c.b.posts, p.ID).LikesCount; got != 0 {
					t.Fatalf("likes before: got %d", got)
				}
				if liked, _ := c.b.posts.Liked(t.Context(), alice.ID, []pinhole.ID{p.ID}); liked[p.ID] {
					t.Fatal("liked before the like")
				}
				if _, err := c.a.posts.Like(t.Context(), p.ID, alice.ID, storetest.Now); err != nil {
					t.Fatal(err)
				}
				if got := mustFind(t, c.a.posts, p.ID).LikesCount; got != 1 {
					t.Errorf("likes on the writing node right after: got %d, want 1", got)
				}
				eventually(t, "node b sees the like count", func() bool { return mustFind(t, c.b.posts, p.ID).LikesCount == 1 })
				eventually(t, "node b sees alice's like", func() bool {
					liked, err := c.b.posts.Liked(t.Context(), alice.ID, []pinhole.ID{p.ID})
					return err == nil && liked[p.ID]
				})
				if _, err := c.b.posts.Unlike(t.Context(), p.ID, alice.ID); err != nil {
					t.Fatal(err)
				}
				eventually(t, "node a sees the unlike", func() bool { return mustFind(t, c.a.posts, p.ID).LikesCount == 0 })
			})
			t.Run("CommentsAndNewPostsReachTheOtherNode", func(t *testing.T) {
				c := newCluster(t, setup.remotes)
				alice := storetest.MustCreateAccount(t, c.s, "alice")
				p := storetest.MustCreatePost(t, c.s, alice.ID, "a photo")
				page := pinhole.Page{Limit: 10}
				if ids, err := c.b.posts.ListAccountPosts(t.Context(), alice.ID, page); err != nil || len(ids) != 1 {
					t.Fatalf("alice's posts on node b: %v, %v", ids, err)
				}
				mustFind(t, c.b.posts, p.ID)
				comment := &pinhole.Post{ID: c.s.IDs.Next(p.ID.Shard()), AuthorID: alice.ID, Caption: "nice", InReplyToID: p.ID, CreatedAt: storetest.Now}
				if err := c.a.posts.CreatePost(t.Context(), comment); err != nil {
					t.Fatal(err)
				}
				second := &pinhole.Post{ID: c.s.IDs.Next(alice.ID.Shard()), AuthorID: alice.ID, Caption: "another", Media: []*pinhole.Media{storetest.MustCreateMedia(t, c.s, alice.ID)}, CreatedAt: storetest.Now}
				if err := c.a.posts.CreatePost(t.Context(), second); err != nil {
					t.Fatal(err)
				}
				eventually(t, "node b sees the replies count", func() bool { return mustFind(t, c.b.posts, p.ID).RepliesCount == 1 })
				eventually(t, "node b lists the new post", func() bool {
					ids, err := c.b.posts.ListAccountPosts(t.Context(), alice.ID, page)
					return err == nil && slices.Contains(ids, second.ID)
				})
				eventually(t, "node b hears that alice's counters moved", func() bool { return c.b.heardAccount(alice.ID) })
			})
			t.Run("AltTextReachesCachedPosts", func(t *testing.T) {
				c := newCluster(t, setup.remotes)
				alice := storetest.MustCreateAccount(t, c.s, "alice")
				p := storetest.MustCreatePost(t, c.s, alice.ID, "a photo")
				mustFind(t, c.b.posts, p.ID)
				if err := c.a.media.UpdateMediaDescription(t.Context(), p.Media[0].ID, "a red door"); err != nil {
					t.Fatal(err)
				}
				eventually(t, "node b sees the alt text", func() bool { return mustFind(t, c.b.posts, p.ID).Media[0].Description == "a red door" })
			})
			t.Run("DeletedPostsLeaveEveryNode", func(t *testing.T) {
				c := newCluster(t, setup.remotes)
				alice := storetest.MustCreateAccount(t, c.s, "alice")
				p := storetest.MustCreatePost(t, c.s, alice.ID, "a photo")
				mustFind(t, c.b.posts, p.ID)
				if _, err := c.a.posts.DeletePost(t.Context(), p.ID); err != nil {
					t.Fatal(err)
				}
				eventually(t, "node b forgets the post", func() bool {
					_, err := c.b.posts.FindPost(t.Context(), p.ID)
					return pinhole.IsNotFound(err)
				})
			})
		})
	}
}

func TestRemoteTier(t *testing.T) {
	t.Run("ANodeReadsWhatAnotherLoaded", func(t *testing.T) {
		c := newCluster(t, withRedis)
		alice := storetest.MustCreateAccount(t, c.s, "alice")
		p := storetest.MustCreatePost(t, c.s, alice.ID, "a photo")
		want := mustFind(t, c.a.posts, p.ID) // loaded from the database into Redis
		// Gone from the database behind the caches' back: node b, which
		// never read it, still gets it, whole, from Redis.
		if _, err := c.st.DeletePost(t.Context(), p.ID); err != nil {
			t.Fatal(err)
		}
		got, err := c.b.posts.FindPosts(t.Context(), []pinhole.ID{p.ID})
		if err != nil || got[p.ID] == nil {
			t.Fatalf("FindPosts on node b: got %v, %v; want the post from Redis", got, err)
		}
		g := got[p.ID]
		if g.Caption != want.Caption || g.AuthorID != want.AuthorID || len(g.Media) != 1 || g.Media[0].Variants[0] != want.Media[0].Variants[0] || !g.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("post from Redis: got %+v, want %+v", g, want)
		}
		c.a.posts.Invalidate(p.ID)
		eventually(t, "node b drops it", func() bool {
			_, err := c.b.posts.FindPost(t.Context(), p.ID)
			return pinhole.IsNotFound(err)
		})
	})
	t.Run("FreshReadsPassTheCachesOver", func(t *testing.T) {
		c := newCluster(t, withRedis)
		alice := storetest.MustCreateAccount(t, c.s, "alice")
		p := storetest.MustCreatePost(t, c.s, alice.ID, "a photo")
		mustFind(t, c.a.posts, p.ID)
		if _, err := c.st.Like(t.Context(), p.ID, alice.ID, storetest.Now); err != nil { // behind the caches' back
			t.Fatal(err)
		}
		if got := mustFind(t, c.b.posts, p.ID).LikesCount; got != 0 {
			t.Fatalf("cached likes: got %d, want the cached 0", got)
		}
		v, err := c.b.posts.FindPost(pinhole.WithFreshReads(t.Context()), p.ID)
		if err != nil || v.LikesCount != 1 {
			t.Errorf("fresh read: got %+v, %v; want 1 like", v, err)
		}
	})
}

func TestSharedTimelines(t *testing.T) {
	c := newCluster(t, withRedis)
	const owner = pinhole.ID(1 << 20)
	e := func(i int) pinhole.TimelineEntry {
		return pinhole.TimelineEntry{PostID: pinhole.ID(1<<30 + i), AuthorID: 7}
	}
	page := pinhole.Page{Limit: 10}
	read := func(n *node) []pinhole.TimelineEntry {
		got, err := n.timelines.ReadTimeline(t.Context(), owner, page)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if err := c.a.timelines.ReplaceTimeline(t.Context(), owner, []pinhole.TimelineEntry{e(1)}, 100); err != nil {
		t.Fatal(err)
	}
	if got := read(c.b); len(got) != 1 {
		t.Fatalf("node b's page: got %v", got)
	}
	if err := c.a.timelines.PushTimelines(t.Context(), []pinhole.ID{owner}, e(2), 100); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node b's page shows the pushed post", func() bool { return len(read(c.b)) == 2 })
	if err := c.a.timelines.RemovePost(t.Context(), e(1).PostID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node b's page loses the removed post", func() bool { return slices.Equal(read(c.b), []pinhole.TimelineEntry{e(2)}) })
}

// TestPostsAlone: without a Shared the cache is what it always was.
func TestPostsAlone(t *testing.T) {
	st, s := openSQL(t)
	p := cache.NewPosts(st, 100, localTTL, time.Now)
	alice := storetest.MustCreateAccount(t, s, "alice")
	post := storetest.MustCreatePost(t, s, alice.ID, "a photo")
	mustFind(t, p, post.ID)
	if _, err := st.Like(t.Context(), post.ID, alice.ID, storetest.Now); err != nil { // behind its back
		t.Fatal(err)
	}
	if got := mustFind(t, p, post.ID).LikesCount; got != 0 {
		t.Errorf("cached likes: got %d, want the cached 0", got)
	}
	if _, err := p.Unlike(t.Context(), post.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Like(t.Context(), post.ID, alice.ID, storetest.Now); err != nil {
		t.Fatal(err)
	}
	if got := mustFind(t, p, post.ID).LikesCount; got != 1 {
		t.Errorf("likes after a like through the cache: got %d, want 1", got)
	}
	if _, err := p.FindPost(t.Context(), s.IDs.Next(1)); !pinhole.IsNotFound(err) {
		t.Errorf("FindPost(unknown): got %v, want ENOTFOUND", err)
	}
}
