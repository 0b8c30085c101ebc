// Package sqlite opens Pinhole's embedded databases: the directory and
// every logical shard in one SQLite file in the data directory, through a
// pure-Go driver so a plain `go build` needs no C compiler.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/sqlstore"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

//go:embed migrations
var migrations embed.FS

// Config is where the database lives and how many logical shards it holds.
type Config struct {
	Path      string // file path; ":memory:" is not supported (two pools share the file)
	NumShards int
}

// NewDefaultConfig returns the embedded default inside dataDir.
func NewDefaultConfig(dataDir string) Config {
	return Config{Path: filepath.Join(dataDir, "pinhole.db"), NumShards: 256}
}

// Validate checks the config.
func (c Config) Validate() error {
	if c.Path == "" || c.Path == ":memory:" {
		return fmt.Errorf("sqlite: a database file path is required")
	}
	if c.NumShards < 1 || c.NumShards > pinhole.MaxShards {
		return fmt.Errorf("sqlite: logical shards must be 1..%d", pinhole.MaxShards)
	}
	return nil
}

type dialect struct{}

func (dialect) Rebind(q string) string { return q }
func (dialect) Name() string           { return "sqlite" }

// NowMillis reads the machine's clock, which every process opening the
// file shares.
func (dialect) NowMillis() string {
	return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
}
func (dialect) IsUniqueViolation(err error) bool {
	var e *sqlite3.Error
	if errors.As(err, &e) {
		c := e.Code()
		return c == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Open opens (creating if needed) and migrates the database and returns the
// cluster: one physical database serving as directory and as every shard.
func Open(ctx context.Context, cfg Config, now func() time.Time) (*sqlstore.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dsn := func(mode string) string {
		v := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)"} {
			v.Add("_pragma", p)
		}
		v.Set("_txlock", "immediate")
		if mode != "" {
			v.Set("mode", mode)
		}
		return "file:" + strings.ReplaceAll(cfg.Path, "?", "%3f") + "?" + v.Encode()
	}
	write, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	// SQLite has one writer at a time: one connection queues writers in Go
	// instead of in busy retries.
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	d := dialect{}
	for _, dir := range []string{"migrations/directory", "migrations/shard"} {
		if _, err := sqlstore.Migrate(ctx, write, d, migrations, dir); err != nil {
			write.Close()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	read, err := sql.Open("sqlite", dsn("ro"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	shardMap, err := sqlstore.InitShardMap(ctx, write, d, cfg.NumShards, 1)
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// The read-only pool opens the same file, so it is never stale: it
	// serves the reads that must be fresh too.
	rp := sqlstore.NewPool(read)
	db := &sqlstore.DB{Write: write, Primary: rp, Name: filepath.Base(cfg.Path)}
	return &sqlstore.Cluster{
		Dialect:   d,
		Directory: db,
		Physical:  []*sqlstore.DB{db},
		ShardMap:  shardMap,
		IDs:       pinhole.NewIDGenerator(now),
		Now:       now,
	}, nil
}

// Close closes the cluster's pools.
func Close(c *sqlstore.Cluster) error {
	var errs []error
	for _, db := range c.Physical {
		errs = append(errs, db.Write.Close(), db.Primary.Close())
	}
	return errors.Join(errs...)
}
