package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/pinhole/pinhole"
)

// Read routing. Each physical database may have read replicas
// (DB.Replicas); reads that tolerate a few seconds of staleness take turns
// among them. A context
// marked WithPrimary reads from the primary instead: the web layer marks
// the requests of a member who has just written, so they always see their
// own writes, and event consumers mark theirs, since an event names rows
// committed a moment ago.

// WithPrimary returns a context whose store reads go to the primaries. It
// is pinhole.WithFreshReads, which caches in front of the stores heed too.
func WithPrimary(ctx context.Context) context.Context { return pinhole.WithFreshReads(ctx) }

// PrimaryOnly reports whether ctx asks for reads from the primaries.
func PrimaryOnly(ctx context.Context) bool { return pinhole.FreshReads(ctx) }

// Replicated reports whether db's stale-tolerant reads go to replicas,
// which may lag behind the primary.
func (db *DB) Replicated() bool { return len(db.Replicas) > 0 }

// Replicated reports whether any of the cluster's databases, the directory
// included, has read replicas.
func (c *Cluster) Replicated() bool {
	return slices.ContainsFunc(c.withDirectory(), (*DB).Replicated)
}

// withDirectory returns the physical databases and the directory, each
// once.
func (c *Cluster) withDirectory() []*DB {
	if c.Directory == nil || slices.Contains(c.Physical, c.Directory) {
		return c.Physical
	}
	return append(slices.Clip(c.Physical), c.Directory)
}

// reader returns the pool a read on db should use: the primary when the
// context asks for it; else the replicas that answer, in turn, so each
// takes an equal share; else (no replica, or none answers) the primary.
func (s *Store) reader(ctx context.Context, db *DB) *Pool {
	if len(db.Replicas) > 0 && !PrimaryOnly(ctx) {
		var live uint64
		for _, r := range db.Replicas {
			if !r.down.Load() {
				live++
			}
		}
		if live > 0 {
			k := db.turn.Add(1) % live
			for _, r := range db.Replicas {
				if r.down.Load() {
					continue
				}
				if k == 0 {
					return r.Pool
				}
				k--
			}
		}
	}
	return db.Primary
}

// lookup runs a query for one row, by key, on db's reader. A row missing
// from a replica is looked for again on the primary: it may be newer than
// the replica (a token issued a moment ago on another node, an account
// just made), and a wrong "not found" is worse than a second query.
func (s *Store) lookup(ctx context.Context, db *DB, query string, args ...any) rowScanner {
	return &lookupRow{ctx: ctx, db: db, p: s.reader(ctx, db), query: query, args: args}
}

// rowScanner is what scan functions read one row from.
type rowScanner interface{ Scan(dest ...any) error }

type lookupRow struct {
	ctx   context.Context
	db    *DB
	p     *Pool
	query string
	args  []any
}

func (r *lookupRow) Scan(dest ...any) error {
	err := r.p.QueryRowContext(r.ctx, r.query, r.args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) && r.db.Primary != nil && r.p != r.db.Primary {
		err = r.db.Primary.QueryRowContext(r.ctx, r.query, r.args...).Scan(dest...)
	}
	return err
}

// PrimaryConsumers wraps an event bus so every handler subscribed through
// it reads from the primaries: an event is published right after its
// transaction commits, before a replica need have replayed it.
func PrimaryConsumers(bus pinhole.EventBus) pinhole.EventBus { return primaryBus{bus} }

type primaryBus struct{ pinhole.EventBus }

func (b primaryBus) Subscribe(eventType, consumer string, h pinhole.EventHandler) {
	b.EventBus.Subscribe(eventType, consumer, func(ctx context.Context, e pinhole.Event) error {
		return h(WithPrimary(ctx), e)
	})
}

// missing returns the ids that are not keys of found.
func missing[V any](ids []pinhole.ID, found map[pinhole.ID]V) []pinhole.ID {
	var out []pinhole.ID
	for _, id := range ids {
		if _, ok := found[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// WatchReplicas checks every replica at each interval until ctx ends. A
// replica that does not answer is passed over, its reads sent to the
// other replicas or the primary, until it answers again: a replica going
// down slows a shard's reads, never stops them.
func (s *Store) WatchReplicas(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, db := range s.c.withDirectory() {
			for _, r := range db.Replicas {
				pctx, cancel := context.WithTimeout(ctx, every)
				err := r.PingContext(pctx)
				cancel()
				if ctx.Err() != nil {
					return
				}
				if down := err != nil; r.down.Swap(down) != down {
					if down {
						log.Warn("a read replica does not answer: its reads go elsewhere", "database", db.Name, "replica", r.Name, "err", err)
					} else {
						log.Info("a read replica answers again", "database", db.Name, "replica", r.Name)
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
