package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pinhole/pinhole/postgres"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
)

// postgresConfig is the PostgreSQL layout the settings describe.
func (c *Config) postgresConfig() postgres.Config {
	pc := postgres.Config{Directory: c.DirectoryDB, DirectoryReplicas: c.DirectoryReplicas, NumShards: c.LogicalShards}
	for _, s := range c.ShardDBs {
		pc.Shards = append(pc.Shards, postgres.Shard{Primary: s.Primary, Replicas: s.Replicas})
	}
	return pc
}

// sqliteConfig is the SQLite database the settings describe.
func (c *Config) sqliteConfig() sqlite.Config {
	sc := sqlite.NewDefaultConfig(c.Data)
	sc.NumShards = c.LogicalShards
	return sc
}

// openDatabases opens the directory and shard databases: the SQLite file
// in the data directory by default, PostgreSQL when --directory-db is set.
// SQLite is migrated on open; PostgreSQL must have been migrated with
// `pinhole migrate` (every node would otherwise race to do it).
func (m *Main) openDatabases(ctx context.Context) (*sqlstore.Cluster, error) {
	if m.Config.Postgres() {
		return postgres.Open(ctx, m.Config.postgresConfig(), m.Now)
	}
	return sqlite.Open(ctx, m.Config.sqliteConfig(), m.Now)
}

// closeDatabases closes what openDatabases opened.
func (m *Main) closeDatabases(c *sqlstore.Cluster) error {
	if m.Config.Postgres() {
		return postgres.Close(c)
	}
	return sqlite.Close(c)
}

// migrateDatabases applies every migration and reports what it migrated.
func migrateDatabases(ctx context.Context, cfg *Config) (string, error) {
	if cfg.Postgres() {
		if err := postgres.Migrate(ctx, cfg.postgresConfig()); err != nil {
			return "", err
		}
		return fmt.Sprintf("migrated the directory and %d shard databases (%d logical shards)", len(cfg.ShardDBs), cfg.LogicalShards), nil
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	sc := cfg.sqliteConfig()
	c, err := sqlite.Open(ctx, sc, time.Now) // Open applies the embedded migrations
	if err != nil {
		return "", err
	}
	if err := sqlite.Close(c); err != nil {
		return "", err
	}
	return fmt.Sprintf("migrated %s (%d logical shards)", sc.Path, cfg.LogicalShards), nil
}
