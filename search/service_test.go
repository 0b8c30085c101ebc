package search_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
	"github.com/pinhole/pinhole/posts"
	"github.com/pinhole/pinhole/search"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// people stands in for the identity and graph contexts: accounts in a
// map, and blocks as pairs.
type people struct {
	accounts map[pinhole.ID]*pinhole.Account
	blocks   map[[2]pinhole.ID]bool
}

func (p *people) Account(_ context.Context, id pinhole.ID) (*pinhole.Account, error) {
	if a := p.accounts[id]; a != nil {
		return a, nil
	}
	return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Account %s not found.", id)
}

func (p *people) Accounts(_ context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Account, error) {
	out := map[pinhole.ID]*pinhole.Account{}
	for _, id := range ids {
		if a := p.accounts[id]; a != nil {
			out[id] = a
		}
	}
	return out, nil
}

func (p *people) BlockedEither(_ context.Context, viewer pinhole.ID, ids []pinhole.ID) (map[pinhole.ID]bool, error) {
	out := map[pinhole.ID]bool{}
	for _, id := range ids {
		if p.blocks[[2]pinhole.ID{viewer, id}] || p.blocks[[2]pinhole.ID{id, viewer}] {
			out[id] = true
		}
	}
	return out, nil
}

// noPosts stands in for the posts context where no test needs posts.
type noPosts struct{}

func (noPosts) Find(context.Context, pinhole.ID) (*pinhole.Post, error) {
	return nil, pinhole.Errorf(pinhole.ENOTFOUND, "no posts here")
}
func (noPosts) Get(context.Context, pinhole.ID, pinhole.ID) (*posts.View, error) {
	return nil, pinhole.Errorf(pinhole.ENOTFOUND, "no posts here")
}
func (noPosts) Hydrate(context.Context, pinhole.ID, []pinhole.ID) ([]*posts.View, error) {
	return nil, nil
}

// countingStore counts the places read through cells, to show that nearby
// reads only the cells around the point.
type countingStore struct {
	*sqlstore.Store
	placesRead atomic.Int64
}

func (c *countingStore) PlacePointsInCells(ctx context.Context, cells []string, limit int) ([]pinhole.PlacePoint, error) {
	list, err := c.Store.PlacePointsInCells(ctx, cells, limit)
	c.placesRead.Add(int64(len(list)))
	return list, err
}

type fixture struct {
	svc    *search.Service
	store  *countingStore
	people *people
	ids    *pinhole.IDGenerator
}

func mustService(t *testing.T) *fixture {
	t.Helper()
	c, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "pinhole.db"), NumShards: 16}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlite.Close(c) })
	st := &countingStore{Store: sqlstore.New(c)}
	ppl := &people{accounts: map[pinhole.ID]*pinhole.Account{}, blocks: map[[2]pinhole.ID]bool{}}
	clock := func() time.Time { return now }
	svc, err := search.New(search.NewDefaultConfig(), st, noPosts{}, ppl, ppl, inmem.NewRateLimiter(clock), c.IDs, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: st, people: ppl, ids: c.IDs}
}

func (f *fixture) account(t *testing.T, username, display string, followers int64) *pinhole.Account {
	t.Helper()
	a := &pinhole.Account{ID: f.ids.Next(len(f.people.accounts) % 16), Username: username, DisplayName: display, FollowersCount: followers}
	f.people.accounts[a.ID] = a
	if err := f.store.IndexAccount(t.Context(), search.AccountEntry(a)); err != nil {
		t.Fatal(err)
	}
	return a
}

func usernames(list []*pinhole.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Username
	}
	return out
}

func TestAccountSearch(t *testing.T) {
	f := mustService(t)
	alice := f.account(t, "alice", "Alice Liddell", 10)
	f.account(t, "alice_wonder", "", 5000)
	f.account(t, "alicia", "Alicia Keys", 100)
	f.account(t, "malice", "", 0)
	f.account(t, "jose", "José García", 0)
	viewer := f.account(t, "viewer", "", 0)
	blocker := f.account(t, "alicebad", "", 1_000_000)
	f.people.blocks[[2]pinhole.ID{blocker.ID, viewer.ID}] = true

	cases := []struct {
		name   string
		viewer pinhole.ID
		q      string
		want   []string
	}{
		{"ExactUsernameFirstThenPrefixesThenTypos", viewer.ID, "alice", []string{"alice", "alice_wonder", "malice"}},
		{"MentionForm", viewer.ID, "@ALICE", []string{"alice", "alice_wonder", "malice"}},
		{"BlockedAccountsAreLeftOut", viewer.ID, "alicebad", nil},
		{"LoggedOutSeesEveryone", 0, "alicebad", []string{"alicebad"}},
		{"SwappedLettersFindTheName", viewer.ID, "alcie", []string{"alice"}},
		{"MissingLetterFindsTheName", viewer.ID, "alicai", []string{"alicia"}},
		{"DisplayNameWordsWithoutAccents", viewer.ID, "jose garc", []string{"jose"}},
		{"DisplayNameWordPrefix", viewer.ID, "Liddell", []string{"alice"}},
		{"QuotedTextIsSearchedAsText", viewer.ID, `"Liddell"`, []string{"alice"}},
		{"OperatorsAreSearchedAsText", viewer.ID, `Liddell*`, []string{"alice"}},
		{"SQLIsSearchedAsText", viewer.ID, `alice'; DROP TABLE search_accounts;--`, nil},
		{"NothingMatches", viewer.ID, "zzzzzz", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.svc.Accounts(t.Context(), c.viewer, c.q, 5, 0)
			if err != nil {
				t.Fatalf("Accounts(%q): %v", c.q, err)
			}
			if g := usernames(got); !slices.Equal(g, c.want) && !(len(g) == 0 && len(c.want) == 0) {
				t.Errorf("Accounts(%q): got %v, want %v", c.q, g, c.want)
			}
		})
	}
	t.Run("ShortPrefixRanksFamousAccountsFirst", func(t *testing.T) {
		got, err := f.svc.Accounts(t.Context(), 0, "ali", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"alicebad", "alice_wonder", "alicia", "alice"}
		if g := usernames(got); !slices.Equal(g, want) {
			t.Errorf("ali: got %v, want %v (not malice: one-letter typos are not looked up)", g, want)
		}
		// The data is the SQL store's; the search survived the SQL above.
		if got, _ := f.svc.Accounts(t.Context(), 0, "alice", 1, 0); len(got) != 1 || got[0].ID != alice.ID {
			t.Errorf("alice after hostile queries: got %v", usernames(got))
		}
	})
	t.Run("OffsetPages", func(t *testing.T) {
		all, _ := f.svc.Accounts(t.Context(), 0, "ali", 2, 0)
		second, _ := f.svc.Accounts(t.Context(), 0, "ali", 1, 1)
		if len(all) != 2 || len(second) != 1 || second[0].ID != all[1].ID {
			t.Errorf("pages: got %v, then at offset 1 %v", usernames(all), usernames(second))
		}
	})
}

func TestSearchRefusesWhatItCannotAnswer(t *testing.T) {
	f := mustService(t)
	for _, c := range []struct{ q, kind string }{{"", ""}, {"   ", "accounts"}, {"alice", "statuses; DROP"}, {"alice", "people"}} {
		_, err := f.svc.Search(t.Context(), 0, c.q, c.kind, 10, 0)
		if pinhole.ErrorCode(err) != pinhole.EINVALID || pinhole.ErrorMessage(err) == "" {
			t.Errorf("Search(%q, %q): got %v, want EINVALID with a message", c.q, c.kind, err)
		}
	}
	if _, err := f.svc.Search(t.Context(), 0, "alice", "", 10, 10_000); pinhole.ErrorCode(err) != pinhole.EINVALID {
		t.Errorf("a deep offset: got %v, want EINVALID", err)
	}
}

// cities are centres the random places cluster around.
var cities = [][2]float64{{48.8566, 2.3522}, {40.7128, -74.0060}, {-33.8688, 151.2093}, {64.1466, -21.9426}, {0.1, 179.95}}

func TestNearbyIsNearestFirstAndReadsOnlyNearbyCells(t *testing.T) {
	f := mustService(t)
	rng := rand.New(rand.NewPCG(7, 8))
	var all []*pinhole.Place
	creator := f.ids.Next(1)
	for i := 0; i < 3000; i++ {
		c := cities[i%len(cities)]
		spread := 0.2 * rng.NormFloat64() // degrees: tens of kilometres
		lat := math.Max(-90, math.Min(90, c[0]+spread))
		lon := math.Mod(c[1]+0.2*rng.NormFloat64()/math.Cos(c[0]*math.Pi/180)+540, 360) - 180
		p := &pinhole.Place{ID: f.ids.Next(0), Name: "Place", Lat: lat, Lon: lon, Geohash: search.Geohash(lat, lon, search.GeohashPrecision), CreatedBy: creator, CreatedAt: now}
		if err := f.store.CreatePlace(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	for _, c := range cities {
		for _, r := range []float64{0.5, 2, 10, 60, 500} {
			f.store.placesRead.Store(0)
			got, err := f.svc.Nearby(t.Context(), c[0], c[1], r, 20)
			if err != nil {
				t.Fatal(err)
			}
			// Brute force: every place, by distance.
			type pd struct {
				id pinhole.ID
				d  float64
			}
			var want []pd
			for _, p := range all {
				if d := search.DistanceKM(c[0], c[1], p.Lat, p.Lon); d <= r {
					want = append(want, pd{p.ID, d})
				}
			}
			slices.SortFunc(want, func(a, b pd) int {
				if a.d != b.d {
					if a.d < b.d {
						return -1
					}
					return 1
				}
				return int(a.id - b.id)
			})
			if len(want) > 20 {
				want = want[:20]
			}
			if len(got) != len(want) {
				t.Fatalf("centre %v radius %g: got %d places, want %d", c, r, len(got), len(want))
			}
			for i := range want {
				if got[i].ID != want[i].id || math.Abs(got[i].DistanceKM-want[i].d) > 1e-9 {
					t.Fatalf("centre %v radius %g, #%d: got %s at %.4f km, want %s at %.4f km", c, r, i, got[i].ID, got[i].DistanceKM, want[i].id, want[i].d)
				}
			}
			if r <= 10 && f.store.placesRead.Load() > int64(len(all)/4) {
				t.Errorf("centre %v radius %g: read %d of %d places, want only the cells around the point", c, r, f.store.placesRead.Load(), len(all))
			}
		}
	}
}

func TestNearbyRefusesImpossibleInput(t *testing.T) {
	f := mustService(t)
	for _, c := range []struct{ lat, lon, r float64 }{
		{91, 0, 5}, {-90.1, 0, 5}, {0, 180.5, 5}, {math.NaN(), 0, 5}, {0, math.Inf(1), 5},
		{0, 0, 0}, {0, 0, -1}, {0, 0, 501}, {0, 0, math.NaN()},
	} {
		_, err := f.svc.Nearby(t.Context(), c.lat, c.lon, c.r, 20)
		if pinhole.ErrorCode(err) != pinhole.EINVALID || pinhole.ErrorMessage(err) == "" {
			t.Errorf("Nearby(%v, %v, %v): got %v, want EINVALID with a message", c.lat, c.lon, c.r, err)
		}
	}
}

func TestCreatePlace(t *testing.T) {
	f := mustService(t)
	author := f.ids.Next(1)
	p, created, err := f.svc.CreatePlace(t.Context(), author, pinhole.NewPlace{Name: "  Café   de Flore ", Lat: 48.854, Lon: 2.3325})
	if err != nil || !created {
		t.Fatalf("create: got %v, %v, %v", p, created, err)
	}
	if p.Name != "Café de Flore" || p.Geohash != search.Geohash(48.854, 2.3325, 12) || p.CreatedBy != author {
		t.Errorf("created: got %+v", p)
	}
	t.Run("SameNameNearbyIsTheSamePlace", func(t *testing.T) {
		again, created, err := f.svc.CreatePlace(t.Context(), f.ids.Next(2), pinhole.NewPlace{Name: "café de flore", Lat: 48.8541, Lon: 2.3326})
		if err != nil || created || again.ID != p.ID {
			t.Errorf("got %v (created %v, %v), want the existing place %s", again, created, err, p.ID)
		}
	})
	t.Run("SameNameFarAwayIsAnother", func(t *testing.T) {
		other, created, err := f.svc.CreatePlace(t.Context(), author, pinhole.NewPlace{Name: "Café de Flore", Lat: 40.7, Lon: -74})
		if err != nil || !created || other.ID == p.ID {
			t.Errorf("got %v (created %v, %v), want a new place", other, created, err)
		}
	})
	t.Run("ImpossibleInputIsRefused", func(t *testing.T) {
		for _, in := range []pinhole.NewPlace{{Name: "", Lat: 1, Lon: 1}, {Name: "x", Lat: 95, Lon: 1}, {Name: "x", Lat: 1, Lon: -181}, {Name: "bad\x01name", Lat: 1, Lon: 1}} {
			if _, _, err := f.svc.CreatePlace(t.Context(), author, in); pinhole.ErrorCode(err) != pinhole.EINVALID {
				t.Errorf("CreatePlace(%+v): got %v, want EINVALID", in, err)
			}
		}
	})
	t.Run("ManyPlacesAreRateLimited", func(t *testing.T) {
		spammer := f.ids.Next(3)
		var err error
		for i := 0; i < 100 && err == nil; i++ {
			_, _, err = f.svc.CreatePlace(t.Context(), spammer, pinhole.NewPlace{Name: "Spot", Lat: float64(i) / 10, Lon: 10})
		}
		if pinhole.ErrorCode(err) != pinhole.ERATELIMITED {
			t.Errorf("after many places: got %v, want ERATELIMITED", err)
		}
	})
}
