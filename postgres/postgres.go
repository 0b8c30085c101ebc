// Package postgres opens Pinhole's scale-out databases: a directory
// database and physical shard databases on PostgreSQL, each shard with
// optional read replicas, through pgx's database/sql driver.
package postgres

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/sqlstore"
)

//go:embed migrations
var migrations embed.FS

// The migration folders: the directory's tables, and every shard's.
const (
	directoryMigrations = "migrations/directory"
	shardMigrations     = "migrations/shard"
)

// Pool defaults.
const (
	DefaultMaxConns = 16               // per pool (each primary and replica)
	connectTimeout  = 5 * time.Second  // when the DSN sets none
	pingTimeout     = 10 * time.Second // for each database at Open
	connMaxIdle     = 5 * time.Minute
	connMaxLife     = 30 * time.Minute // so connections spread again after a failover
)

// lockKey names the advisory lock migrations hold ("pinhole" in ASCII).
const lockKey int64 = 0x70696e686f6c65

// Shard is one physical shard database: its primary and read replicas
// (postgres:// URLs). Replicas are only read from.
type Shard struct {
	Primary  string
	Replicas []string
}

// Config is where the databases live and how many logical shards they
// hold. Directory may be the same database as a shard; left empty it is
// the first shard's primary. Shards left empty means one shard, the
// directory database. DirectoryReplicas are the directory's read
// replicas; a directory that is also a shard database has that shard's.
type Config struct {
	Directory         string
	DirectoryReplicas []string
	Shards            []Shard
	NumShards         int
	// MaxConns bounds each pool's connections; 0: DefaultMaxConns.
	MaxConns int
	// AutoMigrate makes Open apply missing migrations, as Migrate does,
	// instead of refusing a database that lacks them.
	AutoMigrate bool
}

// NewDefaultConfig returns a config with 256 logical shards and no
// databases: the caller names them.
func NewDefaultConfig() Config {
	return Config{NumShards: 256, MaxConns: DefaultMaxConns}
}

// Validate checks the config.
func (c Config) Validate() error {
	if c.Directory == "" && len(c.Shards) == 0 {
		return errors.New("postgres: no database given: name the directory database, the shard databases, or both")
	}
	if c.Directory != "" {
		pc, err := parseDSN(c.Directory)
		if err != nil {
			return fmt.Errorf("postgres: directory database: %w", err)
		}
		for j, r := range c.DirectoryReplicas {
			rc, err := parseDSN(r)
			if err != nil {
				return fmt.Errorf("postgres: directory database, replica %d: %w", j, err)
			}
			if dbKey(rc) == dbKey(pc) {
				return fmt.Errorf("postgres: directory database: replica %d is the primary itself (%s)", j, dbKey(pc))
			}
		}
	} else if len(c.DirectoryReplicas) > 0 {
		return errors.New("postgres: directory replicas need a directory database")
	}
	primaries := map[string]int{}
	for i, s := range c.Shards {
		if s.Primary == "" {
			return fmt.Errorf("postgres: shard database %d: a primary is required", i)
		}
		pc, err := parseDSN(s.Primary)
		if err != nil {
			return fmt.Errorf("postgres: shard database %d: %w", i, err)
		}
		k := dbKey(pc)
		if j, dup := primaries[k]; dup {
			return fmt.Errorf("postgres: shard databases %d and %d are the same database (%s)", j, i, k)
		}
		primaries[k] = i
		for j, r := range s.Replicas {
			rc, err := parseDSN(r)
			if err != nil {
				return fmt.Errorf("postgres: shard database %d, replica %d: %w", i, j, err)
			}
			if dbKey(rc) == k {
				return fmt.Errorf("postgres: shard database %d: replica %d is the primary itself (%s)", i, j, k)
			}
		}
	}
	if c.NumShards < 1 || c.NumShards > pinhole.MaxShards {
		return fmt.Errorf("postgres: logical shards must be 1..%d, not %d", pinhole.MaxShards, c.NumShards)
	}
	if len(c.Shards) > c.NumShards {
		return fmt.Errorf("postgres: %d shard databases for %d logical shards: some databases would hold none", len(c.Shards), c.NumShards)
	}
	if c.MaxConns != 0 && (c.MaxConns < 2 || c.MaxConns > 1000) {
		return fmt.Errorf("postgres: connections per pool must be 2..1000 (or 0 for %d), not %d", DefaultMaxConns, c.MaxConns)
	}
	return nil
}

// layout returns the directory's DSN and the shard databases, with the
// defaults of Config filled in.
func (c Config) layout() (string, []Shard) {
	dir, shards := c.Directory, c.Shards
	if len(shards) == 0 {
		shards = []Shard{{Primary: dir, Replicas: c.DirectoryReplicas}}
	}
	if dir == "" {
		dir = shards[0].Primary
	}
	return dir, shards
}

// CheckDSN reports what is wrong with a postgres:// URL, never repeating
// its password.
func CheckDSN(dsn string) error {
	_, err := parseDSN(dsn)
	return err
}

// parseDSN reads a postgres:// URL. Errors never repeat the password.
func parseDSN(dsn string) (*pgx.ConnConfig, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" && u.Query().Get("host") == "" {
		return nil, errors.New("not a postgres://user@host:port/database URL")
	}
	if strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("%s names no database", u.Redacted())
	}
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes the DSN (redacted); its cause alone is
		// enough beside ours.
		if cause := errors.Unwrap(err); cause != nil {
			err = cause
		}
		return nil, fmt.Errorf("%s: %v", u.Redacted(), err)
	}
	return pc, nil
}

// dbKey names a database by server, name and role, so two spellings of
// one DSN are recognised as the same database.
func dbKey(pc *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", pc.User, pc.Host, pc.Port, pc.Database)
}

// pools opens each distinct database once.
type pools struct {
	maxConns int
	open     map[string]*sql.DB
	names    map[*sql.DB]string
}

func newPools(maxConns int) *pools {
	if maxConns == 0 {
		maxConns = DefaultMaxConns
	}
	return &pools{maxConns: maxConns, open: map[string]*sql.DB{}, names: map[*sql.DB]string{}}
}

// get returns the pool of dsn, opening and pinging it the first time.
func (p *pools) get(ctx context.Context, dsn string) (*sql.DB, error) {
	return p.getPool(ctx, dsn, true)
}

// getReplica is get for a read replica, which need not answer yet: a
// replica that is down is opened all the same (and passed over until it
// answers), so it cannot keep a node from starting. The pool is nil only
// when dsn is malformed; answered reports whether the replica answered.
func (p *pools) getReplica(ctx context.Context, dsn string) (db *sql.DB, answered bool, err error) {
	if db, err = p.getPool(ctx, dsn, false); err != nil {
		return nil, false, err
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return db, db.PingContext(pctx) == nil, nil
}

// replicas opens the read replicas of the database named primary.
func (p *pools) replicas(ctx context.Context, dsns []string, primary string) ([]*sqlstore.Replica, error) {
	var out []*sqlstore.Replica
	for _, dsn := range dsns {
		r, answered, err := p.getReplica(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("replica of %s: %w", primary, err)
		}
		out = append(out, sqlstore.NewReplica(sqlstore.NewPool(r), p.names[r], answered))
	}
	return out, nil
}

func (p *pools) getPool(ctx context.Context, dsn string, mustAnswer bool) (*sql.DB, error) {
	pc, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	k := dbKey(pc)
	if db := p.open[k]; db != nil {
		return db, nil
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = connectTimeout
	}
	db := stdlib.OpenDB(*pc)
	db.SetMaxOpenConns(p.maxConns)
	db.SetMaxIdleConns(p.maxConns)
	db.SetConnMaxIdleTime(connMaxIdle)
	db.SetConnMaxLifetime(connMaxLife)
	if mustAnswer {
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		defer cancel()
		if err := db.PingContext(pctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to %s: %w", k, err)
		}
	}
	p.open[k] = db
	p.names[db] = fmt.Sprintf("%s:%d/%s", pc.Host, pc.Port, pc.Database)
	return db, nil
}

func (p *pools) closeAll() {
	for _, db := range p.open {
		db.Close()
	}
}

// Open connects to every database and returns the cluster. It refuses a
// database whose schema lacks migrations (run `pinhole migrate`), unless
// cfg.AutoMigrate is set, and a shard count other than the one the data
// was made with.
func Open(ctx context.Context, cfg Config, now func() time.Time) (*sqlstore.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ps := newPools(cfg.MaxConns)
	c, err := open(ctx, cfg, ps, now)
	if err != nil {
		ps.closeAll()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return c, nil
}

func open(ctx context.Context, cfg Config, ps *pools, now func() time.Time) (*sqlstore.Cluster, error) {
	dirDSN, shards := cfg.layout()
	dirW, err := ps.get(ctx, dirDSN)
	if err != nil {
		return nil, err
	}
	writes := make([]*sql.DB, len(shards))
	for i, s := range shards {
		if writes[i], err = ps.get(ctx, s.Primary); err != nil {
			return nil, err
		}
	}
	if cfg.AutoMigrate {
		if err := migrate(ctx, dirW, writes, cfg.NumShards); err != nil {
			return nil, err
		}
	} else {
		if err := checkMigrated(ctx, dirW, ps.names[dirW], directoryMigrations); err != nil {
			return nil, err
		}
		for _, w := range writes {
			if err := checkMigrated(ctx, w, ps.names[w], shardMigrations); err != nil {
				return nil, err
			}
		}
		// Stamped by migrate; stamped here if an older version migrated.
		if err := stampShards(ctx, dirW, writes, ps.names); err != nil {
			return nil, err
		}
	}
	d := dialect{}
	shardMap, err := sqlstore.InitShardMap(ctx, dirW, d, cfg.NumShards, len(shards))
	if err != nil {
		return nil, err
	}
	physical := make([]*sqlstore.DB, len(shards))
	var directory *sqlstore.DB
	for i, s := range shards {
		primary := sqlstore.NewPool(writes[i])
		replicas, err := ps.replicas(ctx, s.Replicas, ps.names[writes[i]])
		if err != nil {
			return nil, err
		}
		physical[i] = &sqlstore.DB{Write: writes[i], Primary: primary, Replicas: replicas, Name: ps.names[writes[i]]}
		if writes[i] == dirW {
			directory = physical[i]
			if len(cfg.DirectoryReplicas) > 0 && !slices.Equal(cfg.DirectoryReplicas, s.Replicas) {
				return nil, fmt.Errorf("the directory is shard database %d: list its replicas once, with that shard database", i)
			}
		}
	}
	if directory == nil {
		p := sqlstore.NewPool(dirW)
		replicas, err := ps.replicas(ctx, cfg.DirectoryReplicas, ps.names[dirW])
		if err != nil {
			return nil, err
		}
		directory = &sqlstore.DB{Write: dirW, Primary: p, Replicas: replicas, Name: ps.names[dirW]}
	}
	return &sqlstore.Cluster{
		Dialect:   d,
		Directory: directory,
		Physical:  physical,
		ShardMap:  shardMap,
		IDs:       pinhole.NewIDGenerator(now),
		Now:       now,
	}, nil
}

// Migrate applies the directory's migrations to the directory database and
// the shards' to every shard primary (replicas follow their primaries),
// then records the shard map. It is safe to run again, and from several
// processes at once: each database is migrated under an advisory lock.
func Migrate(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	ps := newPools(max(2, min(cfg.MaxConns, 4)))
	defer ps.closeAll()
	dirDSN, shards := cfg.layout()
	dirW, err := ps.get(ctx, dirDSN)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	writes := make([]*sql.DB, len(shards))
	for i, s := range shards {
		if writes[i], err = ps.get(ctx, s.Primary); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
	}
	if err := migrate(ctx, dirW, writes, cfg.NumShards); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// migrate migrates the directory and each distinct shard database, and
// records the shard map in the directory, each database under its lock.
func migrate(ctx context.Context, dir *sql.DB, shards []*sql.DB, numShards int) error {
	d := dialect{}
	err := withLock(ctx, dir, func() error {
		if _, err := sqlstore.Migrate(ctx, dir, d, migrations, directoryMigrations); err != nil {
			return err
		}
		for _, s := range shards {
			if s == dir {
				if _, err := sqlstore.Migrate(ctx, dir, d, migrations, shardMigrations); err != nil {
					return err
				}
				break
			}
		}
		_, err := sqlstore.InitShardMap(ctx, dir, d, numShards, len(shards))
		return err
	})
	if err != nil {
		return err
	}
	for _, s := range shards {
		if s == dir {
			continue
		}
		err := withLock(ctx, s, func() error {
			_, err := sqlstore.Migrate(ctx, s, d, migrations, shardMigrations)
			return err
		})
		if err != nil {
			return err
		}
	}
	return stampShards(ctx, dir, shards, nil)
}

// stampShards records in each shard database the deployment it belongs to
// (a random name kept in the directory) and its place in the list, the
// first time, and checks them every time after (checkShards).
func stampShards(ctx context.Context, dir *sql.DB, shards []*sql.DB, names map[*sql.DB]string) error {
	name := make([]byte, 16)
	_, _ = crand.Read(name)
	if _, err := dir.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('cluster', $1) ON CONFLICT (key) DO NOTHING`, hex.EncodeToString(name)); err != nil {
		return fmt.Errorf("record the deployment's name: %w", err)
	}
	for i, s := range shards {
		var cluster string
		if err := dir.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'cluster'`).Scan(&cluster); err != nil {
			return fmt.Errorf("read the deployment's name: %w", err)
		}
		if _, err := s.ExecContext(ctx, `INSERT INTO shard_identity (one, cluster, position) VALUES (1, $1, $2) ON CONFLICT (one) DO NOTHING`, cluster, i); err != nil {
			return fmt.Errorf("record shard database %d: %w", i, err)
		}
	}
	return checkShards(ctx, dir, shards, names)
}

// checkShards refuses shard databases listed in another order than when
// they were set up, or set up for another directory.
func checkShards(ctx context.Context, dir *sql.DB, shards []*sql.DB, names map[*sql.DB]string) error {
	var cluster string
	if err := dir.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'cluster'`).Scan(&cluster); err != nil {
		return fmt.Errorf("read the deployment's name (run `pinhole migrate`): %w", err)
	}
	for i, s := range shards {
		var theirs string
		var pos int
		if err := s.QueryRowContext(ctx, `SELECT cluster, position FROM shard_identity`).Scan(&theirs, &pos); err != nil {
			return fmt.Errorf("shard database %d %s has no identity (run `pinhole migrate`): %w", i, names[s], err)
		}
		switch {
		case theirs != cluster:
			return fmt.Errorf("shard database %d %s belongs to another Pinhole deployment (another directory database)", i, names[s])
		case pos != i:
			return fmt.Errorf("shard database %d %s was set up as database %d: list --shard-dbs in the order they were first migrated", i, names[s], pos)
		}
	}
	return nil
}

// withLock runs fn while holding the migration lock of db's database: a
// transaction-scoped advisory lock on a connection of its own, released
// when that transaction ends, even if this process dies.
func withLock(ctx context.Context, db *sql.DB, fn func() error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	return fn()
}

// checkMigrated refuses a database that lacks any migration of dir.
func checkMigrated(ctx context.Context, db *sql.DB, name, dir string) error {
	want, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return err
	}
	have := map[string]bool{}
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("check the schema of %s: %w", name, err)
	}
	if exists {
		rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("check the schema of %s: %w", name, err)
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return fmt.Errorf("check the schema of %s: %w", name, err)
			}
			have[v] = true
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("check the schema of %s: %w", name, err)
		}
	}
	var missing []string
	for _, f := range want {
		if v := strings.TrimSuffix(f, ".sql"); !have[v] {
			missing = append(missing, strings.TrimPrefix(v, "migrations/"))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("database %s is not migrated (missing %s): run `pinhole migrate` with the same database settings first", name, strings.Join(missing, ", "))
	}
	return nil
}

// Close closes the cluster's pools, each once.
func Close(c *sqlstore.Cluster) error {
	var errs []error
	closedDB := map[*sql.DB]bool{}
	closedPool := map[*sqlstore.Pool]bool{}
	for _, db := range append([]*sqlstore.DB{c.Directory}, c.Physical...) {
		if db == nil {
			continue
		}
		pools := []*sqlstore.Pool{db.Primary}
		for _, r := range db.Replicas {
			pools = append(pools, r.Pool)
		}
		for _, p := range pools {
			if p == nil || closedPool[p] {
				continue
			}
			closedPool[p] = true
			if closedDB[p.DB] {
				continue
			}
			closedDB[p.DB] = true
			errs = append(errs, p.Close())
		}
		if db.Write != nil && !closedDB[db.Write] {
			closedDB[db.Write] = true
			errs = append(errs, db.Write.Close())
		}
	}
	return errors.Join(errs...)
}
