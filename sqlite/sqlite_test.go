package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// now is a fixed clock: IDs minted at one instant still sort in the order
// they were made on each shard.
func now() time.Time { return storetest.Now }

// mustOpen opens a database file and closes it when the test ends.
func mustOpen(t *testing.T, path string, numShards int) *sqlstore.Cluster {
	t.Helper()
	c, err := sqlite.Open(t.Context(), sqlite.Config{Path: path, NumShards: numShards}, now)
	if err != nil {
		t.Fatalf("open %s with %d shards: %v", path, numShards, err)
	}
	t.Cleanup(func() {
		if err := sqlite.Close(c); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

// TestStore runs the conformance suite on a fresh file per subtest, with
// 16 logical shards sharing the one database.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		c := mustOpen(t, filepath.Join(t.TempDir(), "pinhole.db"), 16)
		s := sqlstore.New(c)
		return storetest.Stores{
			Accounts:  s,
			Graph:     s,
			Posts:     s,
			Media:     s,
			Timelines: s,
			Tokens:    s,
			IDs:       c.IDs,
			NumShards: s.NumShards(),
		}
	})
}

func TestOpenRefusesDifferentShardCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pinhole.db")
	c, err := sqlite.Open(t.Context(), sqlite.Config{Path: path, NumShards: 16}, now)
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	if err := sqlite.Close(c); err != nil {
		t.Fatalf("close: %v", err)
	}
	c, err = sqlite.Open(t.Context(), sqlite.Config{Path: path, NumShards: 32}, now)
	if err == nil {
		sqlite.Close(c)
		t.Fatalf("reopen with 32 shards a file made with 16: got no error")
	}
	// The refusal leaves the file usable with its own count.
	c = mustOpen(t, path, 16)
	if got := len(c.ShardMap); got != 16 {
		t.Errorf("shard map after refused reopen: got %d shards, want 16", got)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pinhole.db")
	c, err := sqlite.Open(t.Context(), sqlite.Config{Path: path, NumShards: 16}, now)
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	a := &pinhole.Account{ID: c.IDs.Next(3), Username: "alice", Email: "alice@example.com", CreatedAt: storetest.Now}
	if err := sqlstore.New(c).CreateAccount(t.Context(), a, "h"); err != nil {
		t.Fatalf("create account: %v", err)
	}
	if err := sqlite.Close(c); err != nil {
		t.Fatalf("close: %v", err)
	}

	// Opening again migrates nothing and keeps the data.
	c = mustOpen(t, path, 16)
	s := sqlstore.New(c)
	got, err := s.FindAccountByUsername(t.Context(), "alice")
	if err != nil || got.ID != a.ID {
		t.Fatalf("find alice after reopening: got %+v, %v; want account %s", got, err, a.ID)
	}
	// A third open, after the data has been used, migrates nothing either.
	mustOpen(t, path, 16)
}

// TestOpenCreatesBothSchemas checks that Open applies the directory's and
// the shards' migrations, whose files may share names.
func TestOpenCreatesBothSchemas(t *testing.T) {
	c := mustOpen(t, filepath.Join(t.TempDir(), "pinhole.db"), 16)
	for _, table := range []string{"usernames", "tokens", "accounts", "posts", "timelines"} {
		var n int
		err := c.Directory.Primary.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s: got %d, %v; want it created", table, n, err)
		}
	}
}

// TestLeases: a lease is one process's until it lapses on the machine's
// clock (the tests' fixed clock plays no part), and then anyone may take it.
func TestLeases(t *testing.T) {
	s := sqlstore.New(mustOpen(t, filepath.Join(t.TempDir(), "pinhole.db"), 4))
	if ok, err := s.AcquireLease(t.Context(), "scheduler", "a", time.Minute); err != nil || !ok {
		t.Fatalf("acquire: %v, %v", ok, err)
	}
	if ok, err := s.AcquireLease(t.Context(), "scheduler", "b", time.Minute); err != nil || ok {
		t.Errorf("b took a's live lease: %v, %v", ok, err)
	}
	if ok, err := s.RenewLease(t.Context(), "scheduler", "a", time.Minute); err != nil || !ok {
		t.Errorf("a could not renew its lease: %v, %v", ok, err)
	}
	if ok, err := s.AcquireLease(t.Context(), "short", "a", 200*time.Millisecond); err != nil || !ok {
		t.Fatalf("acquire a short lease: %v, %v", ok, err)
	}
	time.Sleep(400 * time.Millisecond) // past its expiry on the machine's clock
	if ok, err := s.AcquireLease(t.Context(), "short", "b", time.Minute); err != nil || !ok {
		t.Errorf("b could not take the lapsed lease: %v, %v", ok, err)
	}
	if ok, err := s.RenewLease(t.Context(), "short", "a", time.Minute); err != nil || ok {
		t.Errorf("a renewed the lease b holds: %v, %v", ok, err)
	}
}
