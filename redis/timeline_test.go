package redis_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/redis/redistest"
	"github.com/pinhole/pinhole/storetest"
)

// TestTimelines runs the timeline conformance suite on Redis, with the
// accounts in SQLite.
func TestTimelines(t *testing.T) {
	storetest.RunTimelines(t, func(t *testing.T) storetest.Stores {
		st, c := mustOpenSQL(t)
		tl := redis.NewTimelines(redistest.Open(t, nil), now)
		return storetest.Stores{Accounts: buildingAccounts{st, tl}, Timelines: tl, IDs: c.IDs, NumShards: st.NumShards()}
	})
}

// buildingAccounts builds a new account's (empty) timeline, as the SQL
// stores do in the account's transaction: Redis does not hear of new
// accounts otherwise (the feed would rebuild the timeline on first read).
type buildingAccounts struct {
	pinhole.AccountStore
	tl pinhole.TimelineStore
}

func (b buildingAccounts) CreateAccount(ctx context.Context, a *pinhole.Account, hash string, events ...pinhole.Event) error {
	if err := b.AccountStore.CreateAccount(ctx, a, hash, events...); err != nil {
		return err
	}
	return b.tl.ReplaceTimeline(ctx, a.ID, nil, 800)
}

// highIDs returns n post entries whose IDs are above 2^62 and one apart:
// a float64 score could not tell them apart.
func highIDs(n int, author pinhole.ID) []pinhole.TimelineEntry {
	out := make([]pinhole.TimelineEntry, n)
	for i := range out {
		out[i] = pinhole.TimelineEntry{PostID: pinhole.ID(1<<62 + 1 + i), AuthorID: author}
	}
	return out
}

func readAll(t *testing.T, tl pinhole.TimelineStore, owner pinhole.ID) []pinhole.TimelineEntry {
	t.Helper()
	got, err := tl.ReadTimeline(t.Context(), owner, pinhole.Page{Limit: pinhole.MaxPageLimit})
	mustOK(t, "ReadTimeline", err)
	return got
}

func reversedEntries(es []pinhole.TimelineEntry) []pinhole.TimelineEntry {
	out := slices.Clone(es)
	slices.Reverse(out)
	return out
}

func TestTimelinesInRedis(t *testing.T) {
	const owner, other, author = pinhole.ID(1001), pinhole.ID(1002), pinhole.ID(77)
	open := func(t *testing.T) *redis.Timelines { return redis.NewTimelines(redistest.Open(t, nil), now) }

	t.Run("SixtyFourBitIDsSortAndPageExactly", func(t *testing.T) {
		tl := open(t)
		es := highIDs(10, author)
		mustOK(t, "ReplaceTimeline", tl.ReplaceTimeline(t.Context(), owner, es, 100))
		if got := readAll(t, tl, owner); !slices.Equal(got, reversedEntries(es)) {
			t.Errorf("timeline: got %v, want %v", got, reversedEntries(es))
		}
		cases := []struct {
			name string
			page pinhole.Page
			want []pinhole.TimelineEntry
		}{
			{"MaxID", pinhole.Page{MaxID: es[5].PostID, Limit: 2}, reversedEntries(es[3:5])},
			{"SinceID", pinhole.Page{SinceID: es[7].PostID, Limit: 5}, reversedEntries(es[8:])},
			{"MinID", pinhole.Page{MinID: es[2].PostID, Limit: 2}, reversedEntries(es[3:5])},
			{"MaxIDAndSinceIDOneApart", pinhole.Page{MaxID: es[4].PostID, SinceID: es[3].PostID, Limit: 5}, nil},
		}
		for _, c := range cases {
			got, err := tl.ReadTimeline(t.Context(), owner, c.page)
			mustOK(t, "ReadTimeline", err)
			if len(got) != 0 || len(c.want) != 0 {
				if !slices.Equal(got, c.want) {
					t.Errorf("%s %+v: got %v, want %v", c.name, c.page, got, c.want)
				}
			}
		}
	})
	t.Run("EveryPushTrimsToTheCap", func(t *testing.T) {
		tl := open(t)
		mustOK(t, "ReplaceTimeline", tl.ReplaceTimeline(t.Context(), owner, nil, 5))
		es := highIDs(30, author)
		for _, e := range es {
			mustOK(t, "PushTimelines", tl.PushTimelines(t.Context(), []pinhole.ID{owner}, e, 5))
		}
		if got, want := readAll(t, tl, owner), reversedEntries(es[25:]); !slices.Equal(got, want) {
			t.Errorf("after 30 pushes with cap 5: got %v, want %v", got, want)
		}
	})
	t.Run("FanOutToManyOwnersSkipsUnbuilt", func(t *testing.T) {
		tl := open(t)
		var owners, built []pinhole.ID
		for i := range 1200 { // more than one script call
			o := pinhole.ID(5000 + i)
			owners = append(owners, o)
			if i%3 == 0 {
				built = append(built, o)
				mustOK(t, "ReplaceTimeline", tl.ReplaceTimeline(t.Context(), o, nil, 10))
			}
		}
		e := highIDs(1, author)[0]
		mustOK(t, "PushTimelines", tl.PushTimelines(t.Context(), owners, e, 10))
		for i, o := range owners {
			got := readAll(t, tl, o)
			if want := i%3 == 0; (len(got) == 1 && got[0] == e) != want {
				t.Fatalf("owner %d (built %v): got %v", o, want, got)
			}
		}
		mustOK(t, "RemovePost", tl.RemovePost(t.Context(), e.PostID))
		for _, o := range built {
			if got := readAll(t, tl, o); len(got) != 0 {
				t.Fatalf("owner %d after RemovePost: got %v, want empty", o, got)
			}
		}
	})
	t.Run("RemovePostReachesEveryWayIn", func(t *testing.T) {
		tl := open(t)
		es := highIDs(4, author)
		target := es[2]
		// Into one timeline by a rebuild, another by fan-out, a third by
		// backfill.
		mustOK(t, "ReplaceTimeline", tl.ReplaceTimeline(t.Context(), 1, es, 100))
		mustOK(t, "ReplaceTimeline", tl.ReplaceTimeline(t.Context(), 2, es[:2], 100))
		mustOK(t, "ReplaceTimeline", tl.ReplaceTimeline(t.Context(), 3, nil, 100))
		mustOK(t, "PushTimelines", tl.PushTimelines(t.Context(), []pinhole.ID{2}, target, 100))
		mustOK(t, "AddToTimeline", tl.AddToTimeline(t.Context(), 3, es[1:3], 100))
		mustOK(t, "RemovePost", tl.RemovePost(t.Context(), target.PostID))
		for owner, want := range map[pinhole.ID][]pinhole.TimelineEntry{
			1: {es[3], es[1], es[0]},
			2: {es[1], es[0]},
			3: {es[1]},
		} {
			if got := readAll(t, tl, owner); !slices.Equal(got, want) {
				t.Errorf("timeline %d after RemovePost: got %v, want %v", owner, got, want)
			}
		}
	})
	t.Run("RemoveAuthorKeepsOthers", func(t *testing.T) {
		tl := open(t)
		es := append(highIDs(3, author), pinhole.TimelineEntry{PostID: 1<<62 + 100, AuthorID: other})
		mustOK(t, "ReplaceTimeline", tl.ReplaceTimeline(t.Context(), owner, es, 100))
		mustOK(t, "RemoveAuthor", tl.RemoveAuthor(t.Context(), owner, author))
		if got := readAll(t, tl, owner); !slices.Equal(got, es[3:]) {
			t.Errorf("after RemoveAuthor: got %v, want %v", got, es[3:])
		}
	})
}

// TestTimelinesRedisDown: reads answer from what was rebuilt in process,
// writes from the event consumers fail so that they are retried.
func TestTimelinesRedisDown(t *testing.T) {
	tl := redis.NewTimelines(redistest.Down(t), time.Now)
	const owner = pinhole.ID(42)
	ok, err := tl.TimelineExists(t.Context(), owner)
	if err != nil || ok {
		t.Fatalf("TimelineExists: got %v, %v; want false, nil (so the feed rebuilds)", ok, err)
	}
	if got, err := tl.ReadTimeline(t.Context(), owner, pinhole.Page{Limit: 10}); err != nil || len(got) != 0 {
		t.Fatalf("ReadTimeline: got %v, %v; want empty, nil", got, err)
	}
	es := highIDs(5, 7)
	mustOK(t, "ReplaceTimeline", tl.ReplaceTimeline(t.Context(), owner, es, 3))
	if ok, err := tl.TimelineExists(t.Context(), owner); err != nil || !ok {
		t.Errorf("TimelineExists after the rebuild: got %v, %v; want true", ok, err)
	}
	if got := readAll(t, tl, owner); !slices.Equal(got, reversedEntries(es[2:])) {
		t.Errorf("ReadTimeline after the rebuild: got %v, want %v", got, reversedEntries(es[2:]))
	}
	got, err := tl.ReadTimeline(t.Context(), owner, pinhole.Page{MaxID: es[4].PostID, Limit: 1})
	if err != nil || !slices.Equal(got, es[3:4]) {
		t.Errorf("ReadTimeline MaxID: got %v, %v; want %v", got, err, es[3:4])
	}
	if err := tl.PushTimelines(t.Context(), []pinhole.ID{owner}, highIDs(6, 7)[5], 3); err == nil {
		t.Error("PushTimelines with Redis down: got nil; want an error, so the consumer retries")
	}
}
