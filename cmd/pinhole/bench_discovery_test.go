package main

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"

	"github.com/pinhole/pinhole/identity"
)

// openSeeded opens a Pinhole in a temp dir and seeds a small discovery
// dataset into it.
func openSeeded(tb testing.TB, accounts int, n seedCounts) (*Main, []seededAccount) {
	tb.Helper()
	cfg := &Config{Listen: "127.0.0.1:0", Data: tb.TempDir(), Roles: []string{"web", "worker", "scheduler"}, LogicalShards: 64,
		CelebrityThreshold: 10000, PasswordGrant: true, MaxUploadMB: 25, LogLevel: "error", LogFormat: "text",
		argon2: &identity.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	names := makeAccounts(rand.New(rand.NewPCG(1, 1)), accounts)
	if err := m.seedDiscovery(ctx, rand.New(rand.NewPCG(1, 2)), names, n, io.Discard); err != nil {
		tb.Fatal(err)
	}
	return m, names
}

func TestSeedDiscoveryMakesSearchableData(t *testing.T) {
	m, names := openSeeded(t, 2000, seedCounts{Tags: 300, Places: 500})
	ctx := t.Context()
	for table, want := range map[string]int64{"search_accounts": 2000, "tags": 300, "places": 500} {
		if got, err := m.Store.CountRows(ctx, table); err != nil || got != want {
			t.Errorf("%s: got %d rows (%v), want %d", table, got, err, want)
		}
	}
	found, err := m.Services.Search.Accounts(ctx, 0, names[42].Username, 1, 0)
	if err != nil || len(found) != 1 || found[0].Username != names[42].Username {
		t.Errorf("search for a seeded username: got %v, %v", found, err)
	}
	// Seeded accounts are real accounts: they log in with the bench password.
	if _, err := m.Services.Identity.Login(ctx, names[7].Username, "bench password", "test"); err != nil {
		t.Errorf("login as a seeded account: %v", err)
	}
	near, err := m.Services.Search.Nearby(ctx, cityCentres[0][0], cityCentres[0][1], 50, 5)
	if err != nil || len(near) == 0 {
		t.Errorf("nearby a city centre: got %v, %v; want places", near, err)
	}
	tags, err := m.Services.Search.Hashtags(ctx, 0, "sun", 5, 0)
	if err != nil || len(tags) == 0 {
		t.Errorf("hashtags starting with sun: got %v, %v", tags, err)
	}
}

// BenchmarkDiscovery measures account search and nearby in process on a
// small generated dataset; `pinhole bench discovery` measures them at a
// million accounts, with percentiles.
func BenchmarkDiscovery(b *testing.B) {
	m, names := openSeeded(b, 20_000, seedCounts{Tags: 5000, Places: 5000})
	rng := rand.New(rand.NewPCG(1, 3))
	aq, nq := accountQueries(rng, names, 1000), nearbyQueries(rng, 1000)
	ctx := context.Background()
	b.Run("AccountSearch", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := m.Services.Search.Accounts(ctx, 0, aq[i%len(aq)].q, 20, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Nearby", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			q := nq[i%len(nq)]
			if _, err := m.Services.Search.Nearby(ctx, q.lat, q.lon, q.radius, 20); err != nil {
				b.Fatal(err)
			}
		}
	})
}
