package postgres_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/postgres"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// The conformance suites leave out some of sqlstore's stores (the
// notifications, idempotency keys, outbox, leases, bulk writers and
// scans). These tests run their SQL on PostgreSQL, in both layouts.

func eachLayout(t *testing.T, fn func(t *testing.T, c *sqlstore.Cluster, s *sqlstore.Store)) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			c := mustOpen(t, l.config(t))
			fn(t, c, sqlstore.New(c))
		})
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestNotifications(t *testing.T) {
	eachLayout(t, func(t *testing.T, c *sqlstore.Cluster, s *sqlstore.Store) {
		st := stores(c)
		ann, ben := storetest.MustCreateAccountOn(t, st, 1, "ann"), storetest.MustCreateAccountOn(t, st, 2, "ben")
		n := &pinhole.Notification{ID: c.IDs.Next(1), AccountID: ann.ID, Type: "follow", FromID: ben.ID, EventID: c.IDs.Next(2), CreatedAt: storetest.Now}
		for i, want := range []bool{true, false} {
			created, err := s.AddNotification(t.Context(), n)
			if err != nil || created != want {
				t.Fatalf("add %d: got %v, %v; want %v", i, created, err, want)
			}
		}
		like := &pinhole.Notification{ID: c.IDs.Next(1), AccountID: ann.ID, Type: "favourite", FromID: ben.ID, PostID: c.IDs.Next(1), EventID: c.IDs.Next(2), CreatedAt: storetest.Now}
		_, err := s.AddNotification(t.Context(), like)
		must(t, "add like", err)
		if got, err := s.UnreadNotifications(t.Context(), ann.ID); err != nil || got != 2 {
			t.Errorf("unread: got %d, %v; want 2", got, err)
		}
		list, err := s.ListNotifications(t.Context(), ann.ID, pinhole.NotificationFilter{ExcludeTypes: []string{"favourite"}}, pinhole.Page{Limit: 10})
		if err != nil || len(list) != 1 || list[0].ID != n.ID {
			t.Errorf("list without favourites: got %v, %v; want the follow", list, err)
		}
		list, err = s.ListNotifications(t.Context(), ann.ID, pinhole.NotificationFilter{Types: []string{"favourite", "mention"}}, pinhole.Page{Limit: 10, MinID: 1})
		if err != nil || len(list) != 1 || list[0].ID != like.ID || list[0].PostID != like.PostID {
			t.Errorf("list favourites: got %v, %v; want the like", list, err)
		}
		if got, err := s.FindNotification(t.Context(), ann.ID, like.ID); err != nil || !got.CreatedAt.Equal(storetest.Now) {
			t.Errorf("find: got %+v, %v", got, err)
		}
		must(t, "mark read", s.MarkNotificationsRead(t.Context(), ann.ID))
		if got, _ := s.UnreadNotifications(t.Context(), ann.ID); got != 0 {
			t.Errorf("unread after marking read: got %d", got)
		}
		must(t, "dismiss", s.DismissNotification(t.Context(), ann.ID, like.ID))
		if _, err := s.FindNotification(t.Context(), ann.ID, like.ID); pinhole.ErrorCode(err) != pinhole.ENOTFOUND {
			t.Errorf("find dismissed: got %v, want not found", err)
		}
		must(t, "clear", s.ClearNotifications(t.Context(), ann.ID))
		if list, _ := s.ListNotifications(t.Context(), ann.ID, pinhole.NotificationFilter{}, pinhole.Page{Limit: 10}); len(list) != 0 {
			t.Errorf("after clear: got %v", list)
		}
	})
}

func TestIdempotencyKeys(t *testing.T) {
	eachLayout(t, func(t *testing.T, c *sqlstore.Cluster, s *sqlstore.Store) {
		acct := c.IDs.Next(5)
		r := &pinhole.IdempotencyRecord{AccountID: acct, Key: "k1", RequestHash: []byte{0, 1, 2, 0xff}, CreatedAt: storetest.Now}
		if got, err := s.BeginIdempotent(t.Context(), r); err != nil || got != nil {
			t.Fatalf("claim: got %+v, %v; want the key claimed", got, err)
		}
		got, err := s.BeginIdempotent(t.Context(), r)
		if err != nil || got == nil || got.State != pinhole.IdempotencyPending || !slices.Equal(got.RequestHash, r.RequestHash) {
			t.Fatalf("claim again: got %+v, %v; want the pending record", got, err)
		}
		body := []byte("{\"id\":\"1\"}\x00")
		must(t, "finish", s.FinishIdempotent(t.Context(), acct, "k1", 200, "Content-Type: application/json", body))
		must(t, "abandon a finished key (no effect)", s.AbandonIdempotent(t.Context(), acct, "k1"))
		got, err = s.BeginIdempotent(t.Context(), r)
		if err != nil || got == nil || got.State != pinhole.IdempotencyDone || got.Status != 200 || !slices.Equal(got.Body, body) || !got.CreatedAt.Equal(storetest.Now) {
			t.Fatalf("replay: got %+v, %v; want the stored response", got, err)
		}
		if n, err := s.PurgeIdempotency(t.Context(), storetest.Now.Add(time.Second)); err != nil || n != 1 {
			t.Errorf("purge: got %d, %v; want 1", n, err)
		}
	})
}

// recordingBus keeps what the relay publishes.
type recordingBus struct {
	mu     sync.Mutex
	events []pinhole.Event
}

func (b *recordingBus) Publish(_ context.Context, events ...pinhole.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, events...)
	return nil
}

func (b *recordingBus) Subscribe(string, string, pinhole.EventHandler) {}

func TestOutboxRelayAndNotifyingFollows(t *testing.T) {
	eachLayout(t, func(t *testing.T, c *sqlstore.Cluster, s *sqlstore.Store) {
		ann, ben := c.IDs.Next(1), c.IDs.Next(2)
		e := pinhole.Event{ID: c.IDs.Next(1), Type: pinhole.EventFollowed, ActorID: ann, TargetID: ben, At: storetest.Now}
		if created, err := s.Follow(t.Context(), ann, ben, storetest.Now, e); err != nil || !created {
			t.Fatalf("follow: got %v, %v", created, err)
		}
		if n, err := s.PendingEvents(t.Context()); err != nil || n != 1 {
			t.Errorf("pending: got %d, %v; want 1", n, err)
		}
		bus := &recordingBus{}
		must(t, "relay", s.NewRelay(bus, slog.New(slog.DiscardHandler)).RelayOnce(t.Context()))
		if len(bus.events) != 1 || bus.events[0].ID != e.ID || bus.events[0].TargetID != ben {
			t.Errorf("published: got %+v, want the follow event", bus.events)
		}
		if n, _ := s.PendingEvents(t.Context()); n != 0 {
			t.Errorf("pending after relaying: got %d", n)
		}
		must(t, "set notify", s.SetNotify(t.Context(), ann, ben, true))
		if ids, err := s.NotifyFollowerIDs(t.Context(), ben); err != nil || !slices.Equal(ids, []pinhole.ID{ann}) {
			t.Errorf("notify followers: got %v, %v; want [%s]", ids, err, ann)
		}
		rel, err := s.Relationships(t.Context(), ann, []pinhole.ID{ben})
		if err != nil || !rel[ben].Following || !rel[ben].Notifying {
			t.Errorf("relationship: got %+v, %v; want following, notifying", rel[ben], err)
		}
	})
}

func TestLeases(t *testing.T) {
	eachLayout(t, func(t *testing.T, c *sqlstore.Cluster, s *sqlstore.Store) {
		for _, tt := range []struct {
			owner string
			want  bool
		}{{"a", true}, {"b", false}, {"a", true}} {
			if got, err := s.AcquireLease(t.Context(), "scheduler", tt.owner, time.Minute); err != nil || got != tt.want {
				t.Errorf("acquire by %s: got %v, %v; want %v", tt.owner, got, err, tt.want)
			}
		}
		if ok, err := s.RenewLease(t.Context(), "scheduler", "b", time.Minute); err != nil || ok {
			t.Errorf("renew by a non-holder: got %v, %v", ok, err)
		}
		must(t, "release", s.ReleaseLease(t.Context(), "scheduler", "a"))
		if ok, err := s.AcquireLease(t.Context(), "scheduler", "b", time.Minute); err != nil || !ok {
			t.Errorf("acquire after release: got %v, %v", ok, err)
		}
		n1, err := s.AcquireIDNode(t.Context(), "p1", time.Minute)
		must(t, "id node", err)
		n2, err := s.AcquireIDNode(t.Context(), "p2", time.Minute)
		if err != nil || n1 == n2 {
			t.Errorf("two processes' ID nodes: got %d and %d, %v; want distinct", n1, n2, err)
		}
	})
}

// TestLeasesExpireByTheDatabaseClock: processes whose clocks disagree
// agree on who holds a lease, and a lease lapses when the database says so.
func TestLeasesExpireByTheDatabaseClock(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			cfg := l.config(t)
			here := sqlstore.New(mustOpen(t, cfg))
			ahead, err := postgres.Open(t.Context(), cfg, func() time.Time { return time.Now().Add(time.Hour) })
			must(t, "open a process whose clock runs an hour ahead", err)
			t.Cleanup(func() { _ = postgres.Close(ahead) })
			there := sqlstore.New(ahead)

			if ok, err := here.AcquireLease(t.Context(), "scheduler", "here", time.Minute); err != nil || !ok {
				t.Fatalf("acquire: %v, %v", ok, err)
			}
			if ok, err := there.AcquireLease(t.Context(), "scheduler", "there", time.Minute); err != nil || ok {
				t.Errorf("a process an hour ahead took a live lease: %v, %v", ok, err)
			}
			if _, err := there.AcquireIDNode(t.Context(), "there", time.Minute); err != nil {
				t.Fatalf("id node: %v", err)
			}
			if n, err := here.AcquireIDNode(t.Context(), "here", time.Minute); err != nil || n == 0 {
				t.Errorf("id node beside a process an hour ahead: %d, %v; want a number of its own", n, err)
			}

			if ok, err := here.AcquireLease(t.Context(), "short", "here", 200*time.Millisecond); err != nil || !ok {
				t.Fatalf("acquire a short lease: %v, %v", ok, err)
			}
			time.Sleep(400 * time.Millisecond) // past its expiry on the server's clock
			if ok, err := there.AcquireLease(t.Context(), "short", "there", time.Minute); err != nil || !ok {
				t.Errorf("a lapsed lease was not taken over: %v, %v", ok, err)
			}
			if ok, err := here.RenewLease(t.Context(), "short", "here", time.Minute); err != nil || ok {
				t.Errorf("the former holder renewed a lease another took: %v, %v", ok, err)
			}
		})
	}
}

func TestBulkWritersAndScans(t *testing.T) {
	eachLayout(t, func(t *testing.T, c *sqlstore.Cluster, s *sqlstore.Store) {
		var list []sqlstore.BulkAccount
		for i, name := range []string{"rhea_moon", "titan", "dione"} {
			a := &pinhole.Account{ID: c.IDs.Next(i + 1), Username: name, Email: name + "@example.com", DisplayName: "Moon " + name, CreatedAt: storetest.Now}
			list = append(list, sqlstore.BulkAccount{Account: a, PasswordHash: "h", Entry: pinhole.AccountEntry{ID: a.ID, Username: name, DisplayName: a.DisplayName, TypoKeys: []string{name}}})
		}
		must(t, "bulk accounts", s.BulkInsertAccounts(t.Context(), list))
		must(t, "bulk tags", s.BulkInsertTags(t.Context(), []*pinhole.Tag{{Name: "moon", Uses: 3, LastUsedAt: storetest.Now}}, storetest.Now))
		must(t, "bulk places", s.BulkInsertPlaces(t.Context(), []*pinhole.Place{{ID: c.IDs.Next(0), Name: "Mare Tranquillitatis", Lat: 0.67, Lon: 23.47, Geohash: "s0d3qm0t4x8v", CreatedAt: storetest.Now}}))
		must(t, "compact", s.CompactIndex(t.Context(), 0))
		for _, table := range []string{"search_accounts", "tags", "places"} {
			want := map[string]int64{"search_accounts": 3, "tags": 1, "places": 1}[table]
			if n, err := s.CountRows(t.Context(), table); err != nil || n != want {
				t.Errorf("count %s: got %d, %v; want %d", table, n, err, want)
			}
		}
		hits, err := s.SearchAccounts(t.Context(), pinhole.AccountQuery{Words: []string{"moon"}, TypoKeys: []string{"titan"}, Limit: 10})
		if err != nil || len(hits) != 3 {
			t.Errorf("search bulk accounts: got %v, %v; want all three", hits, err)
		}
		if places, err := s.SearchPlaces(t.Context(), []string{"tranq"}, 5); err != nil || len(places) != 1 {
			t.Errorf("search bulk places: got %v, %v", places, err)
		}
		var seen []pinhole.ID
		must(t, "each account", s.EachAccount(t.Context(), func(batch []*pinhole.Account) error {
			for _, a := range batch {
				seen = append(seen, a.ID)
			}
			return nil
		}))
		if len(seen) != 3 {
			t.Errorf("each account: got %d accounts, want 3", len(seen))
		}
		post := storetest.MustCreatePost(t, stores(c), list[0].Account.ID, "full moon #moon")
		var posts []pinhole.ID
		must(t, "each post", s.EachPostID(t.Context(), func(ids []pinhole.ID) error { posts = append(posts, ids...); return nil }))
		if !slices.Equal(posts, []pinhole.ID{post.ID}) {
			t.Errorf("each post: got %v, want [%s]", posts, post.ID)
		}
	})
}

// Two members on different databases following each other at the same
// moment lock each other's account rows in opposite orders on two
// servers, a deadlock neither server can see. Bounded lock waits turn it
// into a retry: every follow lands and none hangs.
func TestMutualFollowsAcrossDatabases(t *testing.T) {
	eachLayout(t, func(t *testing.T, c *sqlstore.Cluster, s *sqlstore.Store) {
		st := stores(c)
		ann, ben := storetest.MustCreateAccountOn(t, st, 1, "ann"), storetest.MustCreateAccountOn(t, st, 2, "ben")
		for round := 0; round < 8; round++ {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			errs := make(chan error, 2)
			for _, pair := range [][2]pinhole.ID{{ann.ID, ben.ID}, {ben.ID, ann.ID}} {
				go func() {
					_, err := s.Follow(ctx, pair[0], pair[1], storetest.Now)
					errs <- err
				}()
			}
			for range 2 {
				if err := <-errs; err != nil {
					cancel()
					t.Fatalf("round %d: follow: %v", round, err)
				}
			}
			cancel()
			for _, pair := range [][2]pinhole.ID{{ann.ID, ben.ID}, {ben.ID, ann.ID}} {
				if _, err := s.Unfollow(t.Context(), pair[0], pair[1]); err != nil {
					t.Fatalf("round %d: unfollow: %v", round, err)
				}
			}
		}
		accs, err := s.FindAccounts(t.Context(), []pinhole.ID{ann.ID, ben.ID})
		must(t, "find accounts", err)
		for _, a := range accs {
			if a.FollowersCount != 0 || a.FollowingCount != 0 {
				t.Errorf("%s: %d followers, %d following after every follow was undone", a.Username, a.FollowersCount, a.FollowingCount)
			}
		}
	})
}
