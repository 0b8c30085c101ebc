package postgres_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/pinhole/pinhole/internal/testenv"
	"github.com/pinhole/pinhole/postgres"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// now is a fixed clock: IDs minted at one instant still sort in the order
// they were made on each shard.
func now() time.Time { return storetest.Now }

// layout is how a test's databases are arranged.
type layout struct {
	name      string
	directory bool // a directory database of its own
	shards    int  // physical shard databases
}

// layouts are the arrangements the conformance suites run on: everything
// in one database, and a directory beside two shard databases, so that
// follows, likes and timelines cross databases.
var layouts = []layout{
	{name: "OneDatabase", shards: 1},
	{name: "DirectoryAndTwoShards", directory: true, shards: 2},
}

// Migrated databases to copy: the directory's tables, a shard's, and
// both in one database. The shard map is left to Open.
var (
	bothTemplate      = testenv.NewPostgresTemplate("both", migrateTemplate("migrations/directory", "migrations/shard"))
	directoryTemplate = testenv.NewPostgresTemplate("directory", migrateTemplate("migrations/directory"))
	shardTemplate     = testenv.NewPostgresTemplate("shard", migrateTemplate("migrations/shard"))
)

func migrateTemplate(dirs ...string) func(ctx context.Context, dsn string) error {
	return func(ctx context.Context, dsn string) error {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		for _, dir := range dirs {
			if _, err := sqlstore.Migrate(ctx, db, postgres.Dialect(), postgres.Migrations, dir); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, tpl := range []*testenv.PostgresTemplate{bothTemplate, directoryTemplate, shardTemplate} {
		if err := tpl.Drop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// config makes fresh, migrated databases for l, dropped when the test
// ends.
func (l layout) config(t *testing.T) postgres.Config {
	t.Helper()
	cfg := postgres.Config{NumShards: 16, MaxConns: 2}
	if !l.directory && l.shards == 1 {
		cfg.Shards = []postgres.Shard{{Primary: bothTemplate.DB(t, "both")}}
		return cfg
	}
	cfg.Directory = directoryTemplate.DB(t, "directory")
	for i := 0; i < l.shards; i++ {
		cfg.Shards = append(cfg.Shards, postgres.Shard{Primary: shardTemplate.DB(t, fmt.Sprintf("shard%d", i))})
	}
	return cfg
}

// clusters lends each parallel subtest of a conformance suite a set of
// databases of one layout, emptied when the subtest ends. Creating and
// dropping databases costs PostgreSQL a checkpoint each; emptying their
// tables costs little. The sets are made by the test that makes the pool
// and dropped when it ends.
type clusters struct {
	free chan postgres.Config
}

func newClusters(t *testing.T, l layout) *clusters {
	n := 2
	if f := flag.Lookup("test.parallel"); f != nil {
		if v, ok := f.Value.(flag.Getter).Get().(int); ok && v > 0 {
			n = v
		}
	}
	c := &clusters{free: make(chan postgres.Config, n)}
	for range n {
		c.free <- l.config(t)
	}
	return c
}

// open opens a cluster on a free set of databases, empty.
func (c *clusters) open(t *testing.T) *sqlstore.Cluster {
	t.Helper()
	var cfg postgres.Config
	select {
	case cfg = <-c.free:
	case <-t.Context().Done():
		t.Fatal("no free databases")
	}
	t.Cleanup(func() {
		if err := empty(cfg); err != nil {
			t.Errorf("empty the databases for the next test: %v", err)
		}
		c.free <- cfg
	})
	return mustOpen(t, cfg)
}

// empty removes every row of every table but the migrations' record.
func empty(cfg postgres.Config) error {
	dsns := []string{cfg.Directory}
	for _, s := range cfg.Shards {
		dsns = append(dsns, s.Primary)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, dsn := range dsns {
		if dsn == "" {
			continue
		}
		if err := truncateAll(ctx, dsn); err != nil {
			return err
		}
	}
	return nil
}

func truncateAll(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var tables string
	err = db.QueryRowContext(ctx, `SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables
		WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`).Scan(&tables)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `TRUNCATE `+tables)
	return err
}

// mustOpen opens a cluster and closes it when the test ends.
func mustOpen(t *testing.T, cfg postgres.Config) *sqlstore.Cluster {
	t.Helper()
	c, err := postgres.Open(t.Context(), cfg, now)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := postgres.Close(c); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

func stores(c *sqlstore.Cluster) storetest.Stores {
	s := sqlstore.New(c)
	return storetest.Stores{Accounts: s, Graph: s, Posts: s, Media: s, Timelines: s, Tokens: s, IDs: c.IDs, NumShards: s.NumShards()}
}

// TestStore runs the conformance suite on empty databases per subtest,
// with 16 logical shards, in each layout.
func TestStore(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			pool := newClusters(t, l)
			storetest.Run(t, func(t *testing.T) storetest.Stores {
				return stores(pool.open(t))
			})
		})
	}
}

// TestDiscoveryStore runs the search context's conformance suite the same
// way.
func TestDiscoveryStore(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			pool := newClusters(t, l)
			storetest.RunDiscovery(t, func(t *testing.T) storetest.DiscoveryStores {
				c := pool.open(t)
				s := sqlstore.New(c)
				return storetest.DiscoveryStores{Stores: stores(c), Search: s, Tags: s, Places: s}
			})
		})
	}
}
