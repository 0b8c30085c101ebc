package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
)

// The shard map a store routes by is a snapshot that a move of a logical
// shard replaces (shardmove.go). Every node re-reads it from the directory
// now and then (RunShardMapWatcher), when told (ReloadShardMap), and when a
// write finds its logical shard fenced: a moved shard's old database
// refuses writes to it, so a node with a stale map loses no write, it
// only retries on the new database.
//
// Writes not keyed by one account or post go unfenced, as the loss is
// nil: RemovePost and PurgeIdempotency delete across every database (a
// delete racing a move may leave a timeline entry of a deleted post, which
// reads drop, or an expired key the next purge takes), and the bulk
// writers of the data generator fill a fresh cluster.

// routing is one version of the shard map.
type routing struct {
	version int64
	phys    []int // logical shard → index into Cluster.Physical
}

// Meta keys of the directory that belong to the shard map.
const (
	metaMapVersion = "shard_map_version"     // bumped by every switch
	metaSwitchedAt = "shard_map_switched_at" // ms of the last switch
)

// FenceSQL holds the engine-specific statements that fence writes to a
// logical shard while it moves between physical databases. The zero value
// means the engine keeps every logical shard in one database (SQLite):
// writes are not fenced and shards cannot move. A logical shard's lock
// key is a base ORed with the shard's number.
type FenceSQL struct {
	// Check is the statement every write transaction on sharded rows runs
	// first. Its parameters are the key base and the logical shards (%s
	// stands for their placeholders). It takes each shard's lock, shared,
	// until the transaction ends, and then yields how many of the shards
	// this database fences, as of after the locks were granted (a move
	// commits its fence as it lets the lock go). One statement: it is a
	// round trip on every write.
	Check string
	// LockExclusive is an expression taking the exclusive lock of the key
	// in its one parameter until the transaction ends: a move holds it
	// while it brings the copy in line.
	LockExclusive string
	// TryLock is an expression taking the session lock of the key in its
	// one parameter if it is free and yielding whether it did; Unlock
	// releases it. One move runs at a time.
	TryLock, Unlock string
	// Columns is a query listing every column of every table of the
	// current schema as (table, column, position in the primary key or 0,
	// whether it holds integers).
	Columns string
	// RowHash is an expression (with one %s: a comma-separated column
	// list) that hashes those columns of a row to a 64-bit integer; both
	// sides of a move compute it, so it must not depend on the server.
	RowHash string
}

// Fencer is implemented by a Dialect whose engine can fence writes to a
// logical shard (see FenceSQL).
type Fencer interface {
	Fence() FenceSQL
}

// fenceOf returns the dialect's fence statements, or none.
func fenceOf(d Dialect) FenceSQL {
	if f, ok := d.(Fencer); ok {
		return f.Fence()
	}
	return FenceSQL{}
}

// fenceKeyBase sets the fence keys apart from any other lock key (it reads
// "PINHfenc" in ASCII); moveKey is the key of the one running move.
const (
	fenceKeyBase = int64(0x50494E4866656E63) &^ 0xFFFF
	moveKey      = fenceKeyBase | 0xFFFF
)

func fenceKey(logical int) int64 { return fenceKeyBase | int64(logical) }

// errFenced is what a write transaction fails with when its logical shard
// has moved away from the database it began on.
var errFenced = errors.New("sqlstore: logical shard moved to another database")

// moveRetries bounds how often a write is tried again after finding its
// shard fenced; with the waits between, that is a few seconds, longer
// than the switch of a move takes.
const moveRetries = 12

// loadRouting installs the cluster's map as the first snapshot. Its version
// is unknown, so the first reload reads the map whole.
func (s *Store) loadRouting() {
	phys := append([]int(nil), s.c.ShardMap...)
	s.routes.Store(&routing{version: -1, phys: phys})
}

// ShardMapVersion returns the version of the shard map the store routes
// by: 0 until the first move, -1 until the first reload.
func (s *Store) ShardMapVersion() int64 { return s.routes.Load().version }

// ShardMap returns a copy of the shard map the store routes by.
func (s *Store) ShardMap() []int { return append([]int(nil), s.routes.Load().phys...) }

// ReloadShardMap re-reads the shard map from the directory's primary when
// its version has changed. A node calls it on a timer and whenever it
// hears that a shard moved; writes call it when they find their shard
// fenced.
func (s *Store) ReloadShardMap(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	v, err := s.mapVersion(ctx, s.c.Directory.Write)
	if err != nil {
		return fmt.Errorf("sqlstore: reload shard map: %w", err)
	}
	if v == s.routes.Load().version {
		return nil
	}
	r, err := s.readShardMap(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: reload shard map: %w", err)
	}
	s.routes.Store(r)
	return nil
}

// RunShardMapWatcher reloads the shard map every interval until ctx ends.
func (s *Store) RunShardMapWatcher(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.ReloadShardMap(ctx); err != nil && ctx.Err() == nil {
			log.Warn("shard map", "err", err)
		}
	}
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// mapVersion reads the map's version: 0 before the first move.
func (s *Store) mapVersion(ctx context.Context, q querier) (int64, error) {
	return s.metaInt(ctx, q, metaMapVersion)
}

func (s *Store) metaInt(ctx context.Context, q querier, key string) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("meta %s: %q is not a number", key, v)
	}
	return n, nil
}

// readShardMap reads the version and then the map in one transaction. The
// version is read first: were the map read under an older version, the
// next reload would read it again, never the other way round.
func (s *Store) readShardMap(ctx context.Context) (*routing, error) {
	tx, err := s.c.Directory.Write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	v, err := s.mapVersion(ctx, tx)
	if err != nil {
		return nil, err
	}
	phys, err := scanShardMap(ctx, tx, len(s.c.ShardMap), len(s.c.Physical))
	if err != nil {
		return nil, err
	}
	return &routing{version: v, phys: phys}, nil
}

// fence holds logical shards against a move until tx ends, and fails with
// errFenced if one of them has moved away from tx's database. It runs
// first in every write transaction on sharded rows (the fence statements
// are a no-op on an engine with one database).
func (s *Store) fence(ctx context.Context, tx *sql.Tx, logical ...int) error {
	if s.fenceSQL.Check == "" {
		return nil
	}
	args := []any{fenceKeyBase}
	seen := make(map[int]bool, len(logical))
	for _, l := range logical {
		l %= len(s.c.ShardMap) // as routed
		if !seen[l] {
			seen[l] = true
			args = append(args, l)
		}
	}
	var n int
	q := fmt.Sprintf(s.fenceSQL.Check, strings.TrimSuffix(strings.Repeat("?, ", len(args)-1), ", "))
	if err := tx.QueryRowContext(ctx, s.q(q), args...).Scan(&n); err != nil {
		return fmt.Errorf("fence: %w", err)
	}
	if n > 0 {
		return errFenced
	}
	return nil
}

// retryMoved runs try until it does not fail for a moved shard, waiting
// for the new map between tries (afterMoved). try's transaction fails at
// the fence, before any of its own work, so running it again is safe.
func (s *Store) retryMoved(ctx context.Context, try func() error) error {
	wait := 5 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := try()
		if !errors.Is(err, errFenced) {
			return err
		}
		if err := s.afterMoved(ctx, attempt, &wait); err != nil {
			return err
		}
	}
}

// afterMoved is what a write does after finding its shard fenced: it
// reloads the map, and waits a little when the map has not changed yet
// (a move commits the fence a moment before it switches the map). After
// moveRetries tries it gives up.
func (s *Store) afterMoved(ctx context.Context, attempt int, wait *time.Duration) error {
	if attempt >= moveRetries {
		return &pinhole.Error{Code: pinhole.EUNAVAILABLE, Message: "This data is being moved to another database; try again in a moment.", RetryAfter: 5 * time.Second}
	}
	before := s.routes.Load().version
	if err := s.ReloadShardMap(ctx); err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if s.routes.Load().version != before {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*wait):
	}
	*wait = min(2**wait, 500*time.Millisecond)
	return nil
}

// txShard runs fn in a transaction on the database of a logical shard,
// fenced against a move of that shard.
func (s *Store) txShard(ctx context.Context, logical int, fn func(tx *sql.Tx) error) error {
	return s.retryMoved(ctx, func() error {
		return s.tx(ctx, s.shard(logical), func(tx *sql.Tx) error {
			if err := s.fence(ctx, tx, logical); err != nil {
				return err
			}
			return fn(tx)
		})
	})
}

// exec1 runs a statement on a logical shard that must touch one row;
// ENOTFOUND otherwise.
func (s *Store) exec1(ctx context.Context, logical int, query, what string, id pinhole.ID, args ...any) error {
	n, err := s.execShard(ctx, logical, query, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: %s %d: %w", strings.ToLower(what), id, err)
	}
	if n == 0 {
		return pinhole.Errorf(pinhole.ENOTFOUND, "%s %s not found.", what, id)
	}
	return nil
}

// execShard runs one statement on a logical shard, fenced, and returns the
// number of rows it touched.
func (s *Store) execShard(ctx context.Context, logical int, query string, args ...any) (int64, error) {
	var n int64
	err := s.txShard(ctx, logical, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(query), args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// maxFencedShards bounds the logical shards one transaction of eachShardTx
// fences: each is a lock the engine keeps in a table of bounded size.
// Without fences (one database) one transaction takes them all.
const maxFencedShards = 64

// eachShardTx groups ids by physical database and runs fn once per group
// (of at most maxFencedShards logical shards), each in its own fenced
// transaction. A group whose shards moved is grouped again by the new map.
func (s *Store) eachShardTx(ctx context.Context, ids []pinhole.ID, fn func(tx *sql.Tx, group []pinhole.ID) error) error {
	wait := 5 * time.Millisecond
	for attempt := 0; len(ids) > 0; attempt++ {
		var moved []pinhole.ID
		for _, g := range s.shardGroups(ids) {
			err := s.tx(ctx, s.c.Physical[g.db], func(tx *sql.Tx) error {
				if err := s.fence(ctx, tx, g.logical...); err != nil {
					return err
				}
				return fn(tx, g.ids)
			})
			if errors.Is(err, errFenced) {
				moved = append(moved, g.ids...)
			} else if err != nil {
				return err
			}
		}
		if len(moved) == 0 {
			return nil
		}
		if err := s.afterMoved(ctx, attempt, &wait); err != nil {
			return err
		}
		ids = moved
	}
	return nil
}

// shardGroup is a run of ids whose logical shards one map places on one
// database.
type shardGroup struct {
	db      int
	logical []int
	ids     []pinhole.ID
}

// shardGroups splits ids by physical database, and each database's share
// into runs of at most maxFencedShards logical shards, by one snapshot of
// the map: a group's shards all lived on its database at that version.
func (s *Store) shardGroups(ids []pinhole.ID) []shardGroup {
	r := s.routes.Load()
	byShard := map[int][]pinhole.ID{}
	var order []int
	for _, id := range ids {
		l := id.Shard() % len(r.phys)
		if byShard[l] == nil {
			order = append(order, l)
		}
		byShard[l] = append(byShard[l], id)
	}
	byDB := map[int][]int{}
	var dbs []int
	for _, l := range order {
		p := r.phys[l]
		if byDB[p] == nil {
			dbs = append(dbs, p)
		}
		byDB[p] = append(byDB[p], l)
	}
	per := maxFencedShards
	if s.fenceSQL.Check == "" {
		per = len(r.phys)
	}
	var out []shardGroup
	for _, p := range dbs {
		shards := byDB[p]
		for len(shards) > 0 {
			n := min(per, len(shards))
			g := shardGroup{db: p, logical: shards[:n]}
			for _, l := range g.logical {
				g.ids = append(g.ids, byShard[l]...)
			}
			out = append(out, g)
			shards = shards[n:]
		}
	}
	return out
}
