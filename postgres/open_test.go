package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/testenv"
	"github.com/pinhole/pinhole/postgres"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

func TestOpenRefusesAnUnmigratedDatabase(t *testing.T) {
	cfg := postgres.Config{Directory: testenv.PostgresDB(t, "directory"), Shards: []postgres.Shard{{Primary: testenv.PostgresDB(t, "shard")}}, NumShards: 16, MaxConns: 2}
	c, err := postgres.Open(t.Context(), cfg, now)
	if err == nil {
		postgres.Close(c)
		t.Fatal("open empty databases: got no error")
	}
	if !strings.Contains(err.Error(), "pinhole migrate") {
		t.Errorf("open empty databases: got %q, want it to say to run `pinhole migrate`", err)
	}
	// The directory alone migrated: the shard is still refused, by name.
	dirOnly := cfg
	dirOnly.Shards = nil
	if err := postgres.Migrate(t.Context(), dirOnly); err != nil {
		t.Fatalf("migrate the directory: %v", err)
	}
	_, err = postgres.Open(t.Context(), cfg, now)
	if err == nil || !strings.Contains(err.Error(), "pinhole migrate") || !strings.Contains(err.Error(), "shard/0001_init") {
		t.Errorf("open with an unmigrated shard: got %v, want the missing shard migrations and `pinhole migrate`", err)
	}
	if err := postgres.Migrate(t.Context(), cfg); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	mustOpen(t, cfg)
}

func TestAutoMigrateMigratesOnOpen(t *testing.T) {
	cfg := postgres.Config{Shards: []postgres.Shard{{Primary: testenv.PostgresDB(t, "auto")}}, NumShards: 8, MaxConns: 2, AutoMigrate: true}
	c := mustOpen(t, cfg)
	if got := len(c.ShardMap); got != 8 {
		t.Errorf("shard map: got %d shards, want 8", got)
	}
	if c.Directory != c.Physical[0] {
		t.Errorf("one database given: want it to serve as directory and shard")
	}
}

// tables lists the tables of db's database.
func tables(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[n] = true
	}
	return out
}

func TestMigrateIsIdempotentAndSafeConcurrently(t *testing.T) {
	cfg := postgres.Config{
		Directory: testenv.PostgresDB(t, "directory"),
		Shards:    []postgres.Shard{{Primary: testenv.PostgresDB(t, "shard0")}, {Primary: testenv.PostgresDB(t, "shard1")}},
		NumShards: 16,
		MaxConns:  2,
	}
	// Two processes starting at once both succeed; the lock makes one
	// wait for the other.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = postgres.Migrate(t.Context(), cfg)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate %d: %v", i, err)
		}
	}
	c := mustOpen(t, cfg)
	a := &pinhole.Account{ID: c.IDs.Next(3), Username: "alice", Email: "alice@example.com", CreatedAt: storetest.Now}
	if err := sqlstore.New(c).CreateAccount(t.Context(), a, "h"); err != nil {
		t.Fatalf("create account: %v", err)
	}
	// Migrating again changes nothing and keeps the data.
	if err := postgres.Migrate(t.Context(), cfg); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	got, err := sqlstore.New(c).FindAccountByUsername(t.Context(), "alice")
	if err != nil || got.ID != a.ID {
		t.Fatalf("find alice after migrating again: got %+v, %v; want account %s", got, err, a.ID)
	}
	// Each schema went where it belongs, and the shard map only to the
	// directory.
	dir, shard := tables(t, c.Directory.Write), tables(t, c.Physical[0].Write)
	for _, want := range []string{"usernames", "tokens", "search_accounts", "account_words", "shard_map"} {
		if !dir[want] || shard[want] {
			t.Errorf("table %s: in directory %v, in shard %v; want the directory only", want, dir[want], shard[want])
		}
	}
	for _, want := range []string{"accounts", "posts", "timelines", "outbox"} {
		if dir[want] || !shard[want] {
			t.Errorf("table %s: in directory %v, in shard %v; want the shards only", want, dir[want], shard[want])
		}
	}
}

func TestOpenRefusesDifferentShardCount(t *testing.T) {
	cfg := layouts[0].config(t)
	c := mustOpen(t, cfg)
	if err := postgres.Close(c); err != nil {
		t.Fatalf("close: %v", err)
	}
	other := cfg
	other.NumShards = 32
	if c, err := postgres.Open(t.Context(), other, now); err == nil {
		postgres.Close(c)
		t.Fatal("reopen with 32 shards data made with 16: got no error")
	}
	// The refusal leaves the data usable with its own count.
	if got := len(mustOpen(t, cfg).ShardMap); got != 16 {
		t.Errorf("shard map after refused reopen: got %d shards, want 16", got)
	}
}

// currentDatabase names the database a pool reads from.
func currentDatabase(t *testing.T, p *sqlstore.Pool) string {
	t.Helper()
	var name string
	if err := p.QueryRowContext(t.Context(), `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatalf("current database: %v", err)
	}
	return name
}

func TestReadsGoToTheReplicaAndDirectorySharesAShard(t *testing.T) {
	cfg := layouts[0].config(t)
	primary := cfg.Shards[0].Primary
	// Any database will do as the replica here: the test is about which
	// pool serves which reads.
	replica := testenv.PostgresDB(t, "replica")
	// The directory named with another spelling of the shard's DSN.
	cfg.Directory = primary + "&application_name=pinhole"
	cfg.Shards[0].Replicas = []string{replica}
	c := mustOpen(t, cfg)
	db := c.Physical[0]
	if c.Directory != db {
		t.Errorf("directory and shard in one database: got two pools for it")
	}
	if len(db.Replicas) != 1 {
		t.Fatalf("replicas: got %d, want 1", len(db.Replicas))
	}
	if got, want := currentDatabase(t, db.Replicas[0].Pool), dbName(replica); got != want {
		t.Errorf("stale-tolerant reads: got database %s, want the replica %s", got, want)
	}
	if got, want := currentDatabase(t, db.Primary), dbName(primary); got != want {
		t.Errorf("fresh reads: got database %s, want the primary %s", got, want)
	}
	if !db.Replicated() {
		t.Errorf("a shard with a replica: Replicated() = false")
	}
}

// TestOpenPassesOverAReplicaThatIsDown: a replica that does not answer
// cannot keep a node from starting; its reads go to the other replica.
func TestOpenPassesOverAReplicaThatIsDown(t *testing.T) {
	cfg := layouts[0].config(t)
	up := testenv.PostgresDB(t, "replica")
	cfg.Shards[0].Replicas = []string{"postgres://postgres@127.0.0.1:1/nothing?sslmode=disable&connect_timeout=1", up}
	c := mustOpen(t, cfg)
	db := c.Physical[0]
	if len(db.Replicas) != 2 || !db.Replicas[0].Down() || db.Replicas[1].Down() {
		t.Fatalf("replicas: got %d, want the first passed over and the second read from", len(db.Replicas))
	}
	if got, want := currentDatabase(t, db.Replicas[1].Pool), dbName(up); got != want {
		t.Errorf("the replica that answers: got database %s, want %s", got, want)
	}
}

// TestDirectoryReplicas: a directory database of its own has read
// replicas of its own; one that is also a shard database has that shard's,
// named once.
func TestDirectoryReplicas(t *testing.T) {
	cfg := layouts[1].config(t)
	replica := testenv.PostgresDB(t, "dir_replica")
	cfg.DirectoryReplicas = []string{replica}
	c := mustOpen(t, cfg)
	if len(c.Directory.Replicas) != 1 {
		t.Fatalf("directory replicas: got %d, want 1", len(c.Directory.Replicas))
	}
	if got, want := currentDatabase(t, c.Directory.Replicas[0].Pool), dbName(replica); got != want {
		t.Errorf("the directory's stale-tolerant reads: got database %s, want the replica %s", got, want)
	}
	for i, db := range c.Physical {
		if db.Replicated() {
			t.Errorf("shard database %d has the directory's replica", i)
		}
	}
	if !c.Replicated() {
		t.Error("a cluster whose directory has a replica: Replicated() = false (its replicas would go unwatched)")
	}

	shared := layouts[0].config(t)
	shared.Directory = shared.Shards[0].Primary
	shared.DirectoryReplicas = []string{replica}
	if c, err := postgres.Open(t.Context(), shared, now); err == nil {
		postgres.Close(c)
		t.Fatal("directory replicas unlike those of the shard database it is: got no error")
	} else if !strings.Contains(err.Error(), "list its replicas once") {
		t.Errorf("error: %v; want it to say where the replicas go", err)
	}
	shared.Shards[0].Replicas = []string{replica}
	c = mustOpen(t, shared)
	if c.Directory != c.Physical[0] || len(c.Directory.Replicas) != 1 {
		t.Errorf("a directory that is shard database 0: got %d replicas, shared %v", len(c.Directory.Replicas), c.Directory == c.Physical[0])
	}
}

func dbName(dsn string) string {
	s := dsn[strings.LastIndex(dsn, "/")+1:]
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	return s
}

func TestCloseClosesEveryPool(t *testing.T) {
	cfg := layouts[1].config(t)
	c, err := postgres.Open(t.Context(), cfg, now)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := postgres.Close(c); err != nil {
		t.Fatalf("close: %v", err)
	}
	for _, db := range append([]*sqlstore.DB{c.Directory}, c.Physical...) {
		if err := db.Write.PingContext(context.Background()); err == nil {
			t.Errorf("%s: still open after Close", db.Name)
		}
	}
}

// The shard map names shard databases by their place in the list: opening
// them in another order, or with a shard database of another deployment,
// would send rows to the wrong database, so it is refused.
func TestOpenRefusesShardDatabasesOutOfPlace(t *testing.T) {
	cfg := layouts[1].config(t)
	if err := postgres.Close(mustOpen(t, cfg)); err != nil {
		t.Fatalf("close: %v", err)
	}
	swapped := cfg
	swapped.Shards = []postgres.Shard{cfg.Shards[1], cfg.Shards[0]}
	if c, err := postgres.Open(t.Context(), swapped, now); err == nil {
		postgres.Close(c)
		t.Fatal("open with the shard databases swapped: got no error")
	} else if !strings.Contains(err.Error(), "was set up as database") {
		t.Errorf("open with the shard databases swapped: %v; want it to say so", err)
	}
	other := layouts[1].config(t)
	if err := postgres.Close(mustOpen(t, other)); err != nil {
		t.Fatalf("close: %v", err)
	}
	mixed := cfg
	mixed.Shards = []postgres.Shard{cfg.Shards[0], other.Shards[1]}
	if c, err := postgres.Open(t.Context(), mixed, now); err == nil {
		postgres.Close(c)
		t.Fatal("open with another deployment's shard database: got no error")
	} else if !strings.Contains(err.Error(), "another Pinhole deployment") {
		t.Errorf("open with another deployment's shard database: %v; want it to say so", err)
	}
	if err := postgres.Close(mustOpen(t, cfg)); err != nil { // still fine as it was
		t.Fatalf("reopen as set up: %v", err)
	}
}
