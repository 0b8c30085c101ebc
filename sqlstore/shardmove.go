package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/pinhole/pinhole"
)

// Moving a logical shard between physical databases while the service
// runs (DESIGN §3):
//
//  1. copy its rows into the target while writes go on;
//  2. catch up: bring the copy in line by a keyed diff of row hashes, until
//     a pass changes few rows;
//  3. freeze: take the shard's exclusive lock on the source (writers of the
//     shard hold it shared, so this waits for those in flight and holds new
//     ones; other shards are untouched), bring the copy exactly in line,
//     verify counts and checksums, fence the shard on the source and
//     commit, which wakes the held writers: they see the fence, reload the
//     map and write to the target;
//  4. switch the map in the directory (and bump its version), then lift any
//     old fence of the shard on the target;
//  5. after a grace period, longer than nodes take to reload the map, delete
//     the shard's rows from the source. The fence stays.
//
// A move that dies before step 3 commits changed nothing anyone routes
// to: the target's rows of the shard are garbage that the next attempt
// brings in line. One that dies after it is finished by the next move of
// the same shard, and its leftovers are deleted by the next listing.

// MoveConfig says how a shard move runs.
type MoveConfig struct {
	// Batch is the most rows one statement copies or deletes.
	Batch int
	// Grace is how long the source keeps the rows after the switch, for
	// nodes still reading by the old map: longer than their reload
	// interval.
	Grace time.Duration
	// CatchUpPasses bounds the diff passes before the freeze; catching up
	// stops early once a pass changes at most CatchUpRows rows.
	CatchUpPasses, CatchUpRows int
	// LockWait is how long the freeze waits for writers in flight before
	// it lets go and tries again (FreezeAttempts times): new writers of
	// the shard queue behind it meanwhile.
	LockWait       time.Duration
	FreezeAttempts int
	// Switched, when set, is called after the map switched: the place to
	// tell every node to reload it now.
	Switched func(ctx context.Context, version int64)
	// Fault, when set, is called at each named point of a move; an error
	// stops the move there as a crash would (for drills and tests).
	Fault func(ctx context.Context, point string) error
}

// NewDefaultMoveConfig returns the defaults: nodes reload the map every
// couple of seconds, so the source keeps the rows for 5.
func NewDefaultMoveConfig() MoveConfig {
	return MoveConfig{Batch: 500, Grace: 5 * time.Second, CatchUpPasses: 3, CatchUpRows: 100, LockWait: 2 * time.Second, FreezeAttempts: 3}
}

// Validate checks the config.
func (c MoveConfig) Validate() error {
	switch {
	case c.Batch < 1 || c.Batch > 10_000:
		return fmt.Errorf("shard move: batch must be 1..10000 rows, not %d", c.Batch)
	case c.Grace < 0:
		return fmt.Errorf("shard move: grace must not be negative")
	case c.CatchUpPasses < 0 || c.CatchUpRows < 0:
		return fmt.Errorf("shard move: catch-up passes and rows must not be negative")
	case c.LockWait <= 0 || c.FreezeAttempts < 1:
		return fmt.Errorf("shard move: lock wait must be positive and freeze attempts at least 1")
	}
	return nil
}

// MoveReport says what a move did.
type MoveReport struct {
	Logical, From, To int
	Version           int64 // of the map after the switch
	Tables            []TableMove
	// Leftovers counts the rows a move run again found and deleted when
	// the shard was already on the target (what the earlier run left).
	Leftovers     int64
	CatchUpPasses int
	Copy          time.Duration // the first copy, writes flowing
	CatchUp       time.Duration // the diff passes before the freeze
	// Pause is how long writers of the shard were held: from asking for
	// the exclusive lock (new writers queue from then on) to releasing it.
	// LockWait is its first part, waiting for writers in flight;
	// FinalSync the diff under the lock.
	Pause, LockWait, FinalSync time.Duration
	// Switch is from asking for the lock to the switched map: the longest
	// a writer of the shard waited, retries included.
	Switch time.Duration
	Delete time.Duration
}

// TableMove is one table's share of a move.
type TableMove struct {
	Table    string
	Copied   int64 // rows read by the first copy
	CaughtUp int64 // rows changed by the diff passes before the freeze
	Synced   int64 // rows changed by the diff under the lock
	Rows     int64 // rows of the shard on the target, verified
	Deleted  int64 // rows deleted from the source (and any other copy)
}

// moveFault runs the fault hook at a point.
func (c MoveConfig) fault(ctx context.Context, point string) error {
	if c.Fault == nil {
		return nil
	}
	if err := c.Fault(ctx, point); err != nil {
		return fmt.Errorf("shard move stopped at %s: %w", point, err)
	}
	return nil
}

// MoveShard moves logical shard logical to physical database to (an index
// into Cluster.Physical) while the service runs. It is safe to run again
// after it failed at any point: it picks up where the data is.
func (s *Store) MoveShard(ctx context.Context, logical, to int, cfg MoveConfig, log *slog.Logger) (MoveReport, error) {
	rep := MoveReport{Logical: logical, From: -1, To: to}
	if err := cfg.Validate(); err != nil {
		return rep, pinhole.Errorf(pinhole.EINVALID, "%s", err)
	}
	f := s.fenceSQL
	if f.Check == "" || f.LockExclusive == "" || f.TryLock == "" || f.RowHash == "" || len(s.c.Physical) < 2 {
		return rep, pinhole.Errorf(pinhole.EINVALID, "Shards move between physical databases; this %s cluster has %d.", s.d.Name(), len(s.c.Physical))
	}
	if logical < 0 || logical >= s.NumShards() {
		return rep, pinhole.Errorf(pinhole.EINVALID, "There is no logical shard %d: they are numbered 0 to %d.", logical, s.NumShards()-1)
	}
	if to < 0 || to >= len(s.c.Physical) {
		return rep, pinhole.Errorf(pinhole.EINVALID, "There is no physical database %d: they are numbered 0 to %d.", to, len(s.c.Physical)-1)
	}
	unlock, err := s.lockMoves(ctx)
	if err != nil {
		return rep, err
	}
	defer unlock()
	if err := s.ReloadShardMap(ctx); err != nil {
		return rep, err
	}
	from := s.routes.Load().phys[logical]
	rep.From = from
	src, dst := s.c.Physical[from], s.c.Physical[to]
	if from == to {
		// Already there: an earlier move switched; finish what it left.
		n, err := s.finishMove(ctx, logical, cfg, log, nil)
		rep.Leftovers = n
		if err != nil {
			return rep, err
		}
		if n == 0 {
			return rep, pinhole.Errorf(pinhole.EINVALID, "Logical shard %d is already on database %d (%s).", logical, to, dst.Name)
		}
		return rep, nil
	}
	tables, err := s.shardTables(ctx, src)
	if err != nil {
		return rep, err
	}
	dstTables, err := s.shardTables(ctx, dst)
	if err != nil {
		return rep, err
	}
	if err := sameTables(tables, dstTables, src.Name, dst.Name); err != nil {
		return rep, pinhole.Errorf(pinhole.EINVALID, "%s", err)
	}
	rep.Tables = make([]TableMove, len(tables))
	log.Info("shard move: copying", "logical", logical, "from", src.Name, "to", dst.Name, "tables", len(tables))
	start := time.Now()
	for i, t := range tables {
		rep.Tables[i].Table = t.name
		n, err := s.copyRows(ctx, src, dst, t, logical, cfg.Batch)
		rep.Tables[i].Copied = n
		if err != nil {
			return rep, err
		}
	}
	rep.Copy = time.Since(start)
	if err := cfg.fault(ctx, "copied"); err != nil {
		return rep, err
	}
	start = time.Now()
	for pass := 0; pass < cfg.CatchUpPasses; pass++ {
		changed, err := s.syncAll(ctx, src.Write, dst, tables, logical, cfg.Batch, rep.Tables, func(t *TableMove, n int64) { t.CaughtUp += n })
		if err != nil {
			return rep, err
		}
		rep.CatchUpPasses++
		if changed <= int64(cfg.CatchUpRows) {
			break
		}
	}
	rep.CatchUp = time.Since(start)
	log.Info("shard move: caught up", "logical", logical, "copy", rep.Copy, "catch_up", rep.CatchUp, "passes", rep.CatchUpPasses)

	frozeAt, err := s.freeze(ctx, src, dst, tables, logical, cfg, &rep, log)
	if err != nil {
		return rep, err
	}
	if err := cfg.fault(ctx, "fenced"); err != nil {
		return rep, err
	}
	version, err := s.switchShard(ctx, logical, from, to)
	if err != nil {
		return rep, err
	}
	rep.Version = version
	// The map now names the target: lift any fence an earlier move away
	// from it left. Until then its writers wait, as for the switch.
	if _, err := dst.Write.ExecContext(ctx, s.q(`DELETE FROM shard_fences WHERE logical = ?`), logical); err != nil {
		return rep, fmt.Errorf("shard move: lift the fence on %s (run the move again): %w", dst.Name, err)
	}
	rep.Switch = time.Since(frozeAt)
	if err := s.ReloadShardMap(ctx); err != nil {
		log.Warn("shard move: reload after switch", "err", err)
	}
	if cfg.Switched != nil {
		cfg.Switched(ctx, version)
	}
	log.Info("shard move: switched", "logical", logical, "to", dst.Name, "version", version, "pause", rep.Pause, "switch", rep.Switch)
	if err := cfg.fault(ctx, "switched"); err != nil {
		return rep, err
	}
	start = time.Now()
	_, err = s.finishMove(ctx, logical, cfg, log, rep.Tables)
	rep.Delete = time.Since(start)
	if err != nil {
		return rep, err
	}
	log.Info("shard move: done", "logical", logical, "deleted_in", rep.Delete)
	return rep, nil
}

// syncAll runs syncRows over every table and returns the rows changed.
func (s *Store) syncAll(ctx context.Context, srcQ querier, dst *DB, tables []shardTable, l, batch int, rep []TableMove, count func(*TableMove, int64)) (int64, error) {
	var changed int64
	for i, t := range tables {
		res, err := s.syncRows(ctx, srcQ, dst, t, l, batch)
		if err != nil {
			return changed, err
		}
		count(&rep[i], res.changed)
		changed += res.changed
	}
	return changed, nil
}

// errLockWait is a freeze that waited too long for writers in flight.
var errLockWait = errors.New("writers in flight held the shard too long")

// freeze holds the shard's writers, brings the target exactly in line,
// verifies it and fences the source, then lets the writers go. It returns
// when the lock was first asked for.
func (s *Store) freeze(ctx context.Context, src, dst *DB, tables []shardTable, l int, cfg MoveConfig, rep *MoveReport, log *slog.Logger) (time.Time, error) {
	for attempt := 1; ; attempt++ {
		at, err := s.freezeOnce(ctx, src, dst, tables, l, cfg, rep)
		if !errors.Is(err, errLockWait) || attempt == cfg.FreezeAttempts {
			return at, err
		}
		log.Warn("shard move: writers in flight held the shard; catching up and trying again", "logical", l, "wait", cfg.LockWait)
		if _, err := s.syncAll(ctx, src.Write, dst, tables, l, cfg.Batch, rep.Tables, func(t *TableMove, n int64) { t.CaughtUp += n }); err != nil {
			return at, err
		}
	}
}

func (s *Store) freezeOnce(ctx context.Context, src, dst *DB, tables []shardTable, l int, cfg MoveConfig, rep *MoveReport) (time.Time, error) {
	tx, err := src.Write.BeginTx(ctx, nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("shard move: freeze: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	asked := time.Now()
	lockCtx, cancel := context.WithTimeout(ctx, cfg.LockWait)
	_, err = tx.ExecContext(lockCtx, s.q(`SELECT `+s.fenceSQL.LockExclusive), fenceKey(l))
	cancel()
	if err != nil {
		if ctx.Err() == nil && lockCtx.Err() != nil {
			return asked, errLockWait
		}
		return asked, fmt.Errorf("shard move: freeze: %w", err)
	}
	rep.LockWait = time.Since(asked)
	if err := cfg.fault(ctx, "frozen"); err != nil {
		return asked, err
	}
	synced := time.Now()
	for i, t := range tables {
		res, err := s.syncRows(ctx, tx, dst, t, l, cfg.Batch)
		if err != nil {
			return asked, fmt.Errorf("shard move: final sync: %w", err)
		}
		if err := s.verifyRows(ctx, dst, t, l, res); err != nil {
			return asked, fmt.Errorf("shard move: %w; nothing was switched", err)
		}
		rep.Tables[i].Synced += res.changed
		rep.Tables[i].Rows = total(res.src)
	}
	rep.FinalSync = time.Since(synced)
	if err := cfg.fault(ctx, "synced"); err != nil {
		return asked, err
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO shard_fences (logical, moved_at) VALUES (?, ?) ON CONFLICT (logical) DO NOTHING`), l, ms(s.c.Now())); err != nil {
		return asked, fmt.Errorf("shard move: fence: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return asked, fmt.Errorf("shard move: fence: commit: %w", err)
	}
	rep.Pause = time.Since(asked)
	return asked, nil
}

// switchShard points logical shard l at database to in the directory and
// bumps the map's version. If the switch fails and the map still names
// the source, the source's fence is lifted again so its writers go on;
// if the outcome is unknown the fence stays (safe: writes wait) and the
// error says to run the move again.
func (s *Store) switchShard(ctx context.Context, l, from, to int) (int64, error) {
	version, err := s.writeSwitch(ctx, l, to)
	if err == nil {
		return version, nil
	}
	bg := context.WithoutCancel(ctx)
	r, rerr := s.readShardMap(bg)
	switch {
	case rerr != nil:
		return 0, fmt.Errorf("shard move: switch failed, and whether it took is unknown; writes to shard %d wait until the move is run again: %w", l, err)
	case r.phys[l] == to: // the commit took; its answer was lost
		return r.version, nil
	}
	if _, uerr := s.c.Physical[from].Write.ExecContext(bg, s.q(`DELETE FROM shard_fences WHERE logical = ?`), l); uerr != nil {
		return 0, fmt.Errorf("shard move: switch failed (%v), and lifting the fence on the source failed too; writes to shard %d wait until the move is run again: %w", err, l, uerr)
	}
	return 0, fmt.Errorf("shard move: switch failed; nothing was moved: %w", err)
}

func (s *Store) writeSwitch(ctx context.Context, l, to int) (int64, error) {
	tx, err := s.c.Directory.Write.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	v, err := s.mapVersion(ctx, tx)
	if err != nil {
		return 0, err
	}
	v++
	res, err := tx.ExecContext(ctx, s.q(`UPDATE shard_map SET physical = ? WHERE logical = ?`), to, l)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, fmt.Errorf("logical shard %d is not in the shard map", l)
	}
	for key, value := range map[string]int64{metaMapVersion: v, metaSwitchedAt: ms(s.c.Now())} {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, strconv.FormatInt(value, 10)); err != nil {
			return 0, err
		}
	}
	return v, tx.Commit()
}

// lockMoves takes the one lock of shard moves (a session lock on the
// directory, so a dead mover's lock goes with its connection) and returns
// its release.
func (s *Store) lockMoves(ctx context.Context) (func(), error) {
	conn, err := s.c.Directory.Write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("shard move: %w", err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, s.q(`SELECT `+s.fenceSQL.TryLock), moveKey).Scan(&ok); err != nil {
		conn.Close()
		return nil, fmt.Errorf("shard move: %w", err)
	}
	if !ok {
		conn.Close()
		return nil, pinhole.Errorf(pinhole.ECONFLICT, "Another shard move is running; try again when it is done.")
	}
	return func() {
		bg := context.WithoutCancel(ctx)
		if _, err := conn.ExecContext(bg, s.q(`SELECT `+s.fenceSQL.Unlock), moveKey); err != nil {
			// Never hand a connection that holds the lock back to the
			// pool: drop it, and the lock with it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

// finishMove deletes logical shard l's rows from every database but its
// own, once the last switch is Grace old (waiting for that if needed), and
// makes sure its own database does not refuse its writes. tables, when
// given, collects the deletions per table. It returns the rows deleted.
func (s *Store) finishMove(ctx context.Context, l int, cfg MoveConfig, log *slog.Logger, tables []TableMove) (int64, error) {
	home := s.routes.Load().phys[l]
	if _, err := s.c.Physical[home].Write.ExecContext(ctx, s.q(`DELETE FROM shard_fences WHERE logical = ?`), l); err != nil {
		return 0, fmt.Errorf("shard move: lift the fence on %s: %w", s.c.Physical[home].Name, err)
	}
	if err := s.waitGrace(ctx, cfg.Grace); err != nil {
		return 0, err
	}
	var total int64
	for p, db := range s.c.Physical {
		if p == home {
			continue
		}
		ts, err := s.shardTables(ctx, db)
		if err != nil {
			return total, err
		}
		for _, t := range ts {
			n, err := s.deleteShard(ctx, db, t, l, cfg.Batch)
			total += n
			if err != nil {
				return total, fmt.Errorf("shard move: delete shard %d from %s: %w", l, db.Name, err)
			}
			for i := range tables {
				if tables[i].Table == t.name {
					tables[i].Deleted += n
				}
			}
		}
		if total > 0 {
			log.Info("shard move: deleted the old copy", "logical", l, "db", db.Name, "rows", total)
		}
	}
	return total, nil
}

// waitGrace waits until the last switch of the map is grace old.
func (s *Store) waitGrace(ctx context.Context, grace time.Duration) error {
	at, err := s.metaInt(ctx, s.c.Directory.Write, metaSwitchedAt)
	if err != nil {
		return fmt.Errorf("shard move: %w", err)
	}
	wait := fromMS(at).Add(grace).Sub(s.c.Now())
	if at == 0 || wait <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return nil
	}
}

// ShardList is where the logical shards are and how many rows each
// physical database holds.
type ShardList struct {
	Version   int64
	Map       []int // logical shard → physical database
	Databases []DatabaseRows
	// Rows counts each logical shard's rows on its own database.
	Rows []int64
	// Leftovers are rows of logical shards on databases not their own:
	// what a move left (deleted by ListShards when it may) or an
	// interrupted copy. Fenced lists shards whose own database refuses
	// their writes: an interrupted move; run it again.
	Leftovers []Leftover
	Fenced    []int
}

// DatabaseRows is one physical database's share.
type DatabaseRows struct {
	Index, Shards int
	Name          string
	Rows          int64
}

// Leftover is rows of a logical shard on a database not its own.
type Leftover struct {
	Logical, Physical int
	Rows              int64
	Deleted           bool
}

// ListShards reads the shard map and counts rows per database and per
// logical shard. When no move is running it deletes the rows moves left
// behind whose grace period has passed, as the next move would.
func (s *Store) ListShards(ctx context.Context, cfg MoveConfig, log *slog.Logger) (*ShardList, error) {
	if err := s.ReloadShardMap(ctx); err != nil {
		return nil, err
	}
	r := s.routes.Load()
	out := &ShardList{Version: max(r.version, 0), Map: append([]int(nil), r.phys...), Rows: make([]int64, len(r.phys))}
	for p, db := range s.c.Physical {
		tables, err := s.shardTables(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("shards: %w", err)
		}
		counts, err := s.countShards(ctx, db, tables)
		if err != nil {
			return nil, fmt.Errorf("shards: %w", err)
		}
		d := DatabaseRows{Index: p, Name: db.Name}
		for _, home := range r.phys {
			if home == p {
				d.Shards++
			}
		}
		for l, n := range counts {
			d.Rows += n
			if l >= 0 && l < len(r.phys) && r.phys[l] == p {
				out.Rows[l] += n
			} else {
				out.Leftovers = append(out.Leftovers, Leftover{Logical: l, Physical: p, Rows: n})
			}
		}
		out.Databases = append(out.Databases, d)
		if s.fenceSQL.Check != "" {
			fenced, err := s.fencedShards(ctx, db)
			if err != nil {
				return nil, fmt.Errorf("shards: %w", err)
			}
			for _, l := range fenced {
				if l >= 0 && l < len(r.phys) && r.phys[l] == p {
					out.Fenced = append(out.Fenced, l)
				}
			}
		}
	}
	if len(out.Leftovers) == 0 || s.fenceSQL.TryLock == "" {
		return out, nil
	}
	unlock, err := s.lockMoves(ctx)
	if pinhole.ErrorCode(err) == pinhole.ECONFLICT {
		return out, nil // a move is running: what looks left over may be its copy
	} else if err != nil {
		return nil, err
	}
	defer unlock()
	at, err := s.metaInt(ctx, s.c.Directory.Write, metaSwitchedAt)
	if err != nil {
		return nil, fmt.Errorf("shards: %w", err)
	}
	if s.c.Now().Before(fromMS(at).Add(cfg.Grace)) {
		return out, nil // nodes may still read the old copy
	}
	done := map[int]bool{}
	for i, lo := range out.Leftovers {
		if lo.Logical < 0 || lo.Logical >= len(r.phys) || slices.Contains(out.Fenced, lo.Logical) {
			continue // not a shard of this cluster, or a move to finish
		}
		if !done[lo.Logical] {
			if _, err := s.finishMove(ctx, lo.Logical, MoveConfig{Batch: cfg.Batch}, log, nil); err != nil {
				return out, err
			}
			done[lo.Logical] = true
		}
		out.Leftovers[i].Deleted = true
	}
	return out, nil
}

// fencedShards lists the logical shards db refuses writes to.
func (s *Store) fencedShards(ctx context.Context, db *DB) ([]int, error) {
	rows, err := db.Write.QueryContext(ctx, `SELECT logical FROM shard_fences ORDER BY logical`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var l int
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
