// Package sqlstore implements Pinhole's store interfaces over database/sql
// for every SQL engine Pinhole runs on. It routes each row to its logical
// shard's physical database through the shard map; the engine adapters
// (sqlite, postgres) open the connections, supply the schema and the
// dialect, and hand over a Cluster.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pinhole/pinhole"
)

// Dialect papers over the SQL differences between engines.
type Dialect interface {
	// Rebind turns '?' placeholders into the engine's own.
	Rebind(query string) string
	// IsUniqueViolation reports whether err is a unique-constraint failure.
	IsUniqueViolation(err error) bool
	Name() string
	// NowMillis is an SQL expression for the database server's clock, in
	// Unix milliseconds: the one clock every process sharing the
	// database agrees on (leases expire by it).
	NowMillis() string
}

// DB is one physical database: a pool for writes, one for reads, and its
// read replicas if it has any.
type DB struct {
	Write *sql.DB
	// Primary serves reads: prepared statements over the primary (over
	// Write itself, or SQLite's read-only pool on the same file). Reads
	// that tolerate a few seconds of staleness go to the replicas when
	// there are any (replica.go).
	Primary *Pool
	// Replicas are the database's read replicas: stale-tolerant reads
	// take turns among those that answer.
	Replicas []*Replica
	Name     string
	turn     atomic.Uint64 // counts reads, to take turns among the replicas
}

// NewReplica returns a read replica over p. One that did not answer when
// it was opened starts out passed over, until WatchReplicas hears from it.
func NewReplica(p *Pool, name string, answered bool) *Replica {
	r := &Replica{Pool: p, Name: name}
	r.down.Store(!answered)
	return r
}

// Replica is one read replica of a database.
type Replica struct {
	*Pool
	Name string
	// down is set while the replica fails its health check
	// (WatchReplicas): its reads go to the other replicas, or to the
	// primary, meanwhile.
	down atomic.Bool
}

// Down reports whether the replica is passed over because it did not
// answer its last health check.
func (r *Replica) Down() bool { return r.down.Load() }

// Cluster is every database Pinhole uses: the small directory database of
// global names and tokens, and the physical shard databases.
type Cluster struct {
	Dialect   Dialect
	Directory *DB
	Physical  []*DB
	// ShardMap maps each logical shard to an index into Physical, as
	// read at open. Its length is the number of logical shards; a Store
	// routes by its own snapshot of the map, which moves replace
	// (shardmap.go).
	ShardMap []int
	IDs      *pinhole.IDGenerator
	Now      func() time.Time
}

// Store implements every store interface of the domain on a Cluster.
type Store struct {
	c      *Cluster
	d      Dialect
	outbox pinhole.Outbox // woken after commits that wrote events
	pushes atomic.Uint64  // timeline pushes, to trim every few

	routes   atomic.Pointer[routing] // the shard map in use
	reloadMu sync.Mutex              // one reload of the map at a time
	fenceSQL FenceSQL
}

// New returns a Store over the cluster.
func New(c *Cluster) *Store {
	s := &Store{c: c, d: c.Dialect, fenceSQL: fenceOf(c.Dialect)}
	s.loadRouting()
	return s
}

// Cluster returns the databases behind the store.
func (s *Store) Cluster() *Cluster { return s.c }

// NumShards is the number of logical shards.
func (s *Store) NumShards() int { return len(s.c.ShardMap) }

// shard returns the physical database holding a logical shard.
func (s *Store) shard(logical int) *DB {
	r := s.routes.Load()
	return s.c.Physical[r.phys[logical%len(r.phys)]]
}

// of returns the physical database holding the row named by id.
func (s *Store) of(id pinhole.ID) *DB { return s.shard(id.Shard()) }

// byDB groups ids by the physical database that holds them.
func (s *Store) byDB(ids []pinhole.ID) map[*DB][]pinhole.ID {
	out := make(map[*DB][]pinhole.ID)
	for _, id := range ids {
		db := s.of(id)
		out[db] = append(out[db], id)
	}
	return out
}

// allDBs returns each physical database once.
func (s *Store) allDBs() []*DB { return s.c.Physical }

// q rebinds a query for the dialect.
func (s *Store) q(query string) string { return s.d.Rebind(query) }

// inList returns "?,?,?" for n values and the ids as arguments.
func inList(ids []pinhole.ID) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = int64(id)
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(ids)), ","), args
}

// tx runs fn in a transaction on db's write pool.
func (s *Store) tx(ctx context.Context, db *DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// tx2 runs fn with a transaction on the databases of each of two logical
// shards, fenced against moves of either (shardmap.go). When both are the
// same physical database (always so on one box) it is one transaction.
// Otherwise a is committed before b; callers order their writes so that a
// failure between the two commits leaves a state the next retry repairs.
//
// Two members following each other at once lock their account rows in
// opposite orders: on one server it deadlocks and the server breaks it; on
// two servers neither can see it. On engines that support it
// (LockTimeouts) each lock wait in a two-database transaction is bounded,
// and a broken or timed-out attempt, rolled back whole (neither side
// committed), runs again after a short, jittered pause.
func (s *Store) tx2(ctx context.Context, la, lb int, fn func(ta, tb *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.retryMoved(ctx, func() error { return s.tx2once(ctx, la, lb, fn) })
		lt, ok := s.d.(LockTimeouts)
		if err == nil || !ok || !lt.IsLockTimeout(err) {
			return err
		}
		if attempt == crossLockAttempts {
			return &pinhole.Error{Code: pinhole.EUNAVAILABLE, Message: "Too many changes to the same accounts at once; try again in a moment.", RetryAfter: time.Second}
		}
		pause := time.Duration(attempt)*10*time.Millisecond + time.Duration(rand.Int64N(int64(20*time.Millisecond)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// LockTimeouts is implemented by dialects that can bound a transaction's
// lock waits, which breaks deadlocks that span two databases.
type LockTimeouts interface {
	// SetLockTimeout is the statement that bounds this transaction's
	// lock waits.
	SetLockTimeout(d time.Duration) string
	// IsLockTimeout reports a bounded wait that ran out, or a deadlock
	// the server broke: the transaction was rolled back and may run again.
	IsLockTimeout(err error) bool
}

const (
	crossLockTimeout  = 500 * time.Millisecond
	crossLockAttempts = 8
)

// boundLocks bounds a two-database transaction's lock waits.
func (s *Store) boundLocks(ctx context.Context, tx *sql.Tx) error {
	lt, ok := s.d.(LockTimeouts)
	if !ok {
		return nil
	}
	if _, err := tx.ExecContext(ctx, lt.SetLockTimeout(crossLockTimeout)); err != nil {
		return fmt.Errorf("lock timeout: %w", err)
	}
	return nil
}

func (s *Store) tx2once(ctx context.Context, la, lb int, fn func(ta, tb *sql.Tx) error) error {
	a, b := s.shard(la), s.shard(lb)
	if a == b {
		return s.tx(ctx, a, func(tx *sql.Tx) error {
			if err := s.fence(ctx, tx, la, lb); err != nil {
				return err
			}
			return fn(tx, tx)
		})
	}
	ta, err := a.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = ta.Rollback() }()
	if err := s.boundLocks(ctx, ta); err != nil {
		return err
	}
	if err := s.fence(ctx, ta, la); err != nil {
		return err
	}
	tb, err := b.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tb.Rollback() }()
	if err := s.boundLocks(ctx, tb); err != nil {
		return err
	}
	if err := s.fence(ctx, tb, lb); err != nil {
		return err
	}
	if err := fn(ta, tb); err != nil {
		return err
	}
	if err := ta.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if err := tb.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// notFound turns sql.ErrNoRows into ENOTFOUND with msg.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return pinhole.Errorf(pinhole.ENOTFOUND, format, args...)
	}
	return err
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// pageWhere returns the cursor conditions and order for a page over col.
// With MinID the page is the oldest entries after MinID, returned oldest
// first; callers that want newest first reverse it.
func pageWhere(col string, p pinhole.Page) (where string, args []any, order string) {
	var conds []string
	if p.MaxID != 0 {
		conds = append(conds, col+" < ?")
		args = append(args, int64(p.MaxID))
	}
	if p.SinceID != 0 {
		conds = append(conds, col+" > ?")
		args = append(args, int64(p.SinceID))
	}
	if p.MinID != 0 {
		conds = append(conds, col+" > ?")
		args = append(args, int64(p.MinID))
		order = col + " ASC"
	} else {
		order = col + " DESC"
	}
	if len(conds) > 0 {
		where = " AND " + strings.Join(conds, " AND ")
	}
	return where, args, order
}

// ascending reports whether a page's rows come back oldest first.
func ascending(p pinhole.Page) bool { return p.MinID != 0 }

func reverseIDs(ids []pinhole.ID) {
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
}
