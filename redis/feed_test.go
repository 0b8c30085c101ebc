package redis_test

import (
	"context"
	"slices"
	"testing"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/feed"
	"github.com/pinhole/pinhole/posts"
	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/redis/redistest"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// feedDeps gives the feed what it needs of the other contexts straight
// from the SQL store.
type feedDeps struct{ *sqlstore.Store }

func (d feedDeps) Account(ctx context.Context, id pinhole.ID) (*pinhole.Account, error) {
	return d.FindAccount(ctx, id)
}

func (d feedDeps) Accounts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Account, error) {
	return d.FindAccounts(ctx, ids)
}

func (d feedDeps) RecentPostIDs(ctx context.Context, author pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	return d.ListAccountPosts(ctx, author, page)
}

func (d feedDeps) Hydrate(context.Context, pinhole.ID, []pinhole.ID) ([]*posts.View, error) {
	return nil, nil // the tests read post IDs only
}

// directBus hands published events straight to the subscribed handlers.
type directBus map[string][]pinhole.EventHandler

func (b directBus) Subscribe(typ, _ string, h pinhole.EventHandler) { b[typ] = append(b[typ], h) }

func (b directBus) Publish(ctx context.Context, events ...pinhole.Event) error {
	for _, e := range events {
		for _, h := range b[e.Type] {
			if err := h(ctx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestFeedOnRedis: the feed's timelines live in Redis, and losing them
// loses nothing.
func TestFeedOnRedis(t *testing.T) {
	type world struct {
		st         *sqlstore.Store
		s          storetest.Stores
		bus        directBus
		alice      *pinhole.Account
		bob, carol *pinhole.Account
	}
	setup := func(t *testing.T, c *redis.Client) (*world, *feed.Service) {
		st, cl := mustOpenSQL(t)
		w := &world{st: st, bus: directBus{}, s: storetest.Stores{Accounts: st, Graph: st, Posts: st, Media: st, IDs: cl.IDs, NumShards: st.NumShards()}}
		w.alice = storetest.MustCreateAccount(t, w.s, "alice")
		w.bob = storetest.MustCreateAccount(t, w.s, "bob")
		w.carol = storetest.MustCreateAccount(t, w.s, "carol")
		for _, f := range []*pinhole.Account{w.bob, w.carol} {
			_, err := st.Follow(t.Context(), w.alice.ID, f.ID, storetest.Now)
			mustOK(t, "Follow", err)
		}
		deps := feedDeps{st}
		svc, err := feed.New(feed.NewDefaultConfig(), redis.NewTimelines(c, now), deps, st, deps, nil, now)
		mustOK(t, "feed.New", err)
		svc.Subscribe(w.bus)
		return w, svc
	}
	// post creates a post and hands its event to the feed, which reports
	// whether the fan-out worked.
	post := func(t *testing.T, w *world, author *pinhole.Account) (pinhole.ID, error) {
		p := storetest.MustCreatePost(t, w.s, author.ID, "a photo")
		return p.ID, w.bus.Publish(t.Context(), pinhole.Event{ID: w.s.IDs.Next(author.ID.Shard()), Type: pinhole.EventPostCreated, ActorID: author.ID, PostID: p.ID})
	}
	mustPost := func(t *testing.T, w *world, author *pinhole.Account) pinhole.ID {
		id, err := post(t, w, author)
		mustOK(t, "fan-out", err)
		return id
	}
	newestFirst := func(ids []pinhole.ID) []pinhole.ID {
		slices.Sort(ids)
		slices.Reverse(ids)
		return ids
	}
	home := func(t *testing.T, svc *feed.Service, viewer pinhole.ID) []pinhole.ID {
		ids, err := svc.HomeIDs(t.Context(), viewer, pinhole.Page{Limit: pinhole.MaxPageLimit})
		mustOK(t, "HomeIDs", err)
		return ids
	}

	t.Run("FlushedTimelinesAreRebuiltTheSame", func(t *testing.T) {
		c := redistest.Open(t, nil)
		w, svc := setup(t, c)
		var want []pinhole.ID
		for range 3 {
			want = append(want, mustPost(t, w, w.bob), mustPost(t, w, w.carol))
		}
		home(t, svc, w.alice.ID) // builds alice's timeline
		for range 2 {
			want = append(want, mustPost(t, w, w.bob), mustPost(t, w, w.carol)) // fanned out into it
		}
		want = newestFirst(want)
		if got := home(t, svc, w.alice.ID); !slices.Equal(got, want) {
			t.Fatalf("home before the flush: got %v, want %v", got, want)
		}
		bob := home(t, svc, w.bob.ID)

		n, err := c.Purge(t.Context())
		mustOK(t, "Purge", err)
		if n == 0 {
			t.Fatal("Purge deleted nothing: the timelines were not in Redis")
		}
		tl := redis.NewTimelines(c, now)
		if ok, err := tl.TimelineExists(t.Context(), w.alice.ID); err != nil || ok {
			t.Fatalf("TimelineExists after the flush: got %v, %v; want false", ok, err)
		}
		if got := home(t, svc, w.alice.ID); !slices.Equal(got, want) {
			t.Errorf("home after the flush: got %v, want %v", got, want)
		}
		if got := home(t, svc, w.bob.ID); !slices.Equal(got, bob) {
			t.Errorf("bob's home after the flush: got %v, want %v", got, bob)
		}
		if got := readAll(t, tl, w.alice.ID); len(got) != len(want) {
			t.Errorf("alice's rebuilt timeline in Redis holds %d entries, want %d", len(got), len(want))
		}
	})
	t.Run("DeletedPostLeavesTheTimelines", func(t *testing.T) {
		c := redistest.Open(t, nil)
		w, svc := setup(t, c)
		home(t, svc, w.alice.ID)
		home(t, svc, w.bob.ID)
		keep, gone := mustPost(t, w, w.bob), mustPost(t, w, w.bob)
		_, err := w.st.DeletePost(t.Context(), gone)
		mustOK(t, "DeletePost", err)
		mustOK(t, "publish", w.bus.Publish(t.Context(), pinhole.Event{ID: w.s.IDs.Next(w.bob.ID.Shard()), Type: pinhole.EventPostDeleted, ActorID: w.bob.ID, PostID: gone}))
		tl := redis.NewTimelines(c, now)
		for _, owner := range []*pinhole.Account{w.alice, w.bob} {
			got := readAll(t, tl, owner.ID)
			if len(got) != 1 || got[0].PostID != keep {
				t.Errorf("%s's timeline after the delete: got %v, want only post %d", owner.Username, got, keep)
			}
		}
	})
	t.Run("FeedFromTheDatabaseWhileRedisIsDown", func(t *testing.T) {
		w, svc := setup(t, redistest.Down(t))
		var want []pinhole.ID
		for _, author := range []*pinhole.Account{w.bob, w.carol} {
			id, err := post(t, w, author)
			if err == nil {
				t.Fatal("fan-out with Redis down: got nil; want an error, so the consumer retries")
			}
			want = append(want, id)
		}
		want = newestFirst(want)
		if got := home(t, svc, w.alice.ID); !slices.Equal(got, want) {
			t.Errorf("home with Redis down: got %v, want %v", got, want)
		}
		got, err := svc.HomeIDs(t.Context(), w.alice.ID, pinhole.Page{MaxID: want[0], Limit: 5})
		if err != nil || !slices.Equal(got, want[1:]) {
			t.Errorf("next page with Redis down: got %v, %v; want %v", got, err, want[1:])
		}
	})
}
