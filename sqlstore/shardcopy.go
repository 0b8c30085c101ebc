package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// The row work of a shard move: which tables hold a logical shard's rows,
// copying them, bringing a copy exactly in line with its source by a keyed
// diff of row hashes, and deleting them.

// shardTable is a table whose rows each carry their logical shard.
type shardTable struct {
	name string
	cols []string // in table order
	key  []string // primary key, in key order
	// intKey says the key's first column holds integers (IDs, here),
	// which bucket cheaply.
	intKey bool
}

// unmovedTables have a shard column but stay where they are written:
// the outbox is each database's own queue of events to publish (the relay
// drains every database's outbox, so an unsent event of a moved shard is
// still published from where it was written; a copy would be published
// twice or marked sent in one place only).
var unmovedTables = map[string]bool{"outbox": true}

// shardTables lists the tables of db that hold logical shards' rows: every
// table with a shard column except unmovedTables. Bookkeeping tables of
// a database (schema_migrations, shard_fences) have no shard column.
func (s *Store) shardTables(ctx context.Context, db *DB) ([]shardTable, error) {
	if s.fenceSQL.Columns == "" {
		return nil, fmt.Errorf("the %s dialect cannot list its tables", s.d.Name())
	}
	rows, err := db.Write.QueryContext(ctx, s.fenceSQL.Columns)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", db.Name, err)
	}
	defer rows.Close()
	byName := map[string]*shardTable{}
	var names []string
	keyPos := map[string]map[string]int{}
	for rows.Next() {
		var table, col string
		var pk int
		var integer bool
		if err := rows.Scan(&table, &col, &pk, &integer); err != nil {
			return nil, fmt.Errorf("list tables of %s: %w", db.Name, err)
		}
		t := byName[table]
		if t == nil {
			t = &shardTable{name: table}
			byName[table] = t
			names = append(names, table)
			keyPos[table] = map[string]int{}
		}
		t.cols = append(t.cols, col)
		if pk > 0 {
			keyPos[table][col] = pk
		}
		if pk == 1 {
			t.intKey = integer
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", db.Name, err)
	}
	var out []shardTable
	for _, name := range names {
		t := byName[name]
		if unmovedTables[name] || !slices.Contains(t.cols, "shard") {
			continue
		}
		for col := range keyPos[name] {
			t.key = append(t.key, col)
		}
		slices.SortFunc(t.key, func(a, b string) int { return keyPos[name][a] - keyPos[name][b] })
		if len(t.key) == 0 {
			return nil, fmt.Errorf("table %s of %s has no primary key: its rows cannot be compared", name, db.Name)
		}
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b shardTable) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// sameTables checks that two databases hold the same sharded tables with
// the same columns: a move between different schemas would lose data.
func sameTables(a, b []shardTable, an, bn string) error {
	if len(a) != len(b) {
		return fmt.Errorf("%s has %d sharded tables and %s %d: migrate both to the same version first", an, len(a), bn, len(b))
	}
	for i := range a {
		if a[i].name != b[i].name || !slices.Equal(a[i].cols, b[i].cols) || !slices.Equal(a[i].key, b[i].key) {
			return fmt.Errorf("table %s differs between %s and %s: migrate both to the same version first", a[i].name, an, bn)
		}
	}
	return nil
}

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// keyIn returns "(k1, k2) IN ((?, ?), (?, ?))" for n keys (or "k IN (?, ?)").
func keyIn(key []string, n int) string {
	one := "?"
	cols := quoteIdent(key[0])
	if len(key) > 1 {
		one = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(key)), ", ") + ")"
		cols = "(" + quoteList(key) + ")"
	}
	return cols + " IN (" + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + ")"
}

// rowsPer is how many rows of width cols fit a statement of at most batch
// rows and the engines' parameter limit (PostgreSQL's is 65535).
func rowsPer(batch, cols int) int { return max(1, min(batch, 60000/max(1, cols))) }

// insertRows writes rows into t on db, keeping rows already there.
func (s *Store) insertRows(ctx context.Context, x execer, t shardTable, rows [][]any) error {
	per := rowsPer(len(rows), len(t.cols))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	for len(rows) > 0 {
		n := min(per, len(rows))
		args := make([]any, 0, n*len(t.cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		q := `INSERT INTO ` + quoteIdent(t.name) + ` (` + quoteList(t.cols) + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + ` ON CONFLICT DO NOTHING`
		if _, err := x.ExecContext(ctx, s.q(q), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
		rows = rows[n:]
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// copyRows streams the rows of logical shard l in t from src into dst in
// batches, keeping rows dst already has, and returns how many it read.
func (s *Store) copyRows(ctx context.Context, src, dst *DB, t shardTable, l, batch int) (int64, error) {
	rows, err := src.Write.QueryContext(ctx, s.q(`SELECT `+quoteList(t.cols)+` FROM `+quoteIdent(t.name)+` WHERE shard = ?`), l)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", t.name, err)
	}
	defer rows.Close()
	per := rowsPer(batch, len(t.cols))
	var n int64
	buf := make([][]any, 0, per)
	for rows.Next() {
		r, err := scanAny(rows, len(t.cols))
		if err != nil {
			return n, fmt.Errorf("copy %s: %w", t.name, err)
		}
		buf = append(buf, r)
		n++
		if len(buf) == per {
			if err := s.insertRows(ctx, dst.Write, t, buf); err != nil {
				return n, err
			}
			buf = buf[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("copy %s: %w", t.name, err)
	}
	if len(buf) > 0 {
		if err := s.insertRows(ctx, dst.Write, t, buf); err != nil {
			return n, err
		}
	}
	return n, nil
}

func scanAny(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return vals, nil
}

// rowSum is an order-independent checksum of a set of rows: how many, and
// the sum of their hashes.
type rowSum struct {
	n   int64
	sum big.Int
}

func (a *rowSum) equal(b *rowSum) bool { return a.n == b.n && a.sum.Cmp(&b.sum) == 0 }

// syncBuckets is how many parts a table's rows of a shard are compared
// in: rows fall in buckets by a hash of their key, each side sums its
// buckets in the database, and only the buckets that differ are compared
// row by row.
const syncBuckets = 1024

// bucketExpr is the SQL of a row's bucket: from the key's first column
// when it holds integers (an ID's low bits are its sequence, its high bits
// its time, so both are mixed in), else a hash of the whole key, which
// costs several times more.
func (s *Store) bucketExpr(t shardTable) string {
	if t.intKey {
		k := quoteIdent(t.key[0])
		return fmt.Sprintf("((%s + %s / 8388608) %% %d + %d) %% %d", k, k, syncBuckets, syncBuckets, syncBuckets)
	}
	return fmt.Sprintf("((%s) %% %d + %d) %% %d", fmt.Sprintf(s.fenceSQL.RowHash, quoteList(t.key)), syncBuckets, syncBuckets, syncBuckets)
}

// inBuckets is the condition that keeps the rows of some buckets (all
// when buckets is nil) and its arguments.
func (s *Store) inBuckets(t shardTable, buckets []int) (string, []any) {
	if buckets == nil {
		return "", nil
	}
	args := make([]any, len(buckets))
	for i, b := range buckets {
		args[i] = b
	}
	return ` AND ` + s.bucketExpr(t) + ` IN (` + strings.TrimSuffix(strings.Repeat("?,", len(buckets)), ",") + `)`, args
}

// bucketSums reads the checksum of each bucket of logical shard l's rows
// in t (of the given buckets, or all), computed by the database.
func (s *Store) bucketSums(ctx context.Context, q querier, t shardTable, l int, buckets []int) (map[int]*rowSum, error) {
	hash := fmt.Sprintf(s.fenceSQL.RowHash, quoteList(t.cols))
	cond, args := s.inBuckets(t, buckets)
	rows, err := q.QueryContext(ctx, s.q(`SELECT b, COUNT(*), CAST(SUM(h) AS TEXT) FROM (SELECT `+s.bucketExpr(t)+` AS b, `+hash+` AS h
		FROM `+quoteIdent(t.name)+` WHERE shard = ?`+cond+`) x GROUP BY b`), append([]any{l}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("sum %s: %w", t.name, err)
	}
	defer rows.Close()
	out := map[int]*rowSum{}
	for rows.Next() {
		var b int
		var sum string
		r := &rowSum{}
		if err := rows.Scan(&b, &r.n, &sum); err != nil {
			return nil, fmt.Errorf("sum %s: %w", t.name, err)
		}
		if _, ok := r.sum.SetString(sum, 10); !ok {
			return nil, fmt.Errorf("sum %s: %q is not a number", t.name, sum)
		}
		out[b] = r
	}
	return out, rows.Err()
}

// differing lists the buckets whose checksums differ between a and b.
func differing(a, b map[int]*rowSum) []int {
	var out []int
	for k, x := range a {
		if y := b[k]; y == nil || !x.equal(y) {
			out = append(out, k)
		}
	}
	for k := range b {
		if a[k] == nil {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// total is the count of rows in a set of bucket checksums.
func total(sums map[int]*rowSum) int64 {
	var n int64
	for _, r := range sums {
		n += r.n
	}
	return n
}

// hashedKey is a row's primary key and the hash of the whole row.
type hashedKey struct {
	key  []any
	hash int64
}

// eachHash reads the key and row hash of every row of logical shard l in t
// (in the given buckets, or all).
func (s *Store) eachHash(ctx context.Context, q querier, t shardTable, l int, buckets []int, fn func(k string, h hashedKey)) error {
	hash := fmt.Sprintf(s.fenceSQL.RowHash, quoteList(t.cols))
	cond, args := s.inBuckets(t, buckets)
	rows, err := q.QueryContext(ctx, s.q(`SELECT `+quoteList(t.key)+`, `+hash+` FROM `+quoteIdent(t.name)+` WHERE shard = ?`+cond), append([]any{l}, args...)...)
	if err != nil {
		return fmt.Errorf("hash %s: %w", t.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := scanAny(rows, len(t.key)+1)
		if err != nil {
			return fmt.Errorf("hash %s: %w", t.name, err)
		}
		h, ok := vals[len(t.key)].(int64)
		if !ok {
			return fmt.Errorf("hash %s: the row hash is a %T, not a 64-bit integer", t.name, vals[len(t.key)])
		}
		key := vals[:len(t.key)]
		fn(keyString(key), hashedKey{key: key, hash: h})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("hash %s: %w", t.name, err)
	}
	return nil
}

// keyString encodes a primary key's values as a map key.
func keyString(key []any) string {
	var b strings.Builder
	for _, v := range key {
		switch v := v.(type) {
		case int64:
			b.WriteString("i")
			b.WriteString(strconv.FormatInt(v, 10))
		case string:
			b.WriteString("s")
			b.WriteString(strconv.Itoa(len(v)))
			b.WriteString(":")
			b.WriteString(v)
		case []byte:
			b.WriteString("b")
			b.WriteString(strconv.Itoa(len(v)))
			b.WriteString(":")
			b.Write(v)
		default:
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
		b.WriteByte('|')
	}
	return b.String()
}

// syncResult is what one syncRows did.
type syncResult struct {
	changed int64           // rows written or deleted in the target
	src     map[int]*rowSum // the source's bucket checksums
	fixed   []int           // the buckets whose rows were compared one by one
}

// syncRows brings dst's rows of logical shard l in t exactly in line with
// src's, read through srcQ (the source's pool, or the transaction that
// holds the shard still). Both sides sum their buckets (at once); in the
// buckets that differ, rows missing or different in dst are copied again
// and rows only in dst are deleted.
func (s *Store) syncRows(ctx context.Context, srcQ querier, dst *DB, t shardTable, l, batch int) (syncResult, error) {
	var res syncResult
	var dstSums map[int]*rowSum
	var dstErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		dstSums, dstErr = s.bucketSums(ctx, dst.Write, t, l, nil)
	}()
	srcSums, err := s.bucketSums(ctx, srcQ, t, l, nil)
	<-done
	if err != nil {
		return res, err
	}
	if dstErr != nil {
		return res, dstErr
	}
	res.src = srcSums
	res.fixed = differing(srcSums, dstSums)
	if len(res.fixed) == 0 {
		return res, nil
	}
	buckets := res.fixed
	if len(buckets) > syncBuckets/2 {
		buckets = nil // most of the table: read it whole
	}
	have := map[string]hashedKey{}
	if err := s.eachHash(ctx, dst.Write, t, l, buckets, func(k string, h hashedKey) { have[k] = h }); err != nil {
		return res, err
	}
	var fetch, drop [][]any
	replaced := 0
	err = s.eachHash(ctx, srcQ, t, l, buckets, func(k string, h hashedKey) {
		d, ok := have[k]
		if ok && d.hash == h.hash {
			delete(have, k)
			return
		}
		if ok {
			drop = append(drop, h.key)
			delete(have, k)
			replaced++
		}
		fetch = append(fetch, h.key)
	})
	if err != nil {
		return res, err
	}
	for _, d := range have {
		drop = append(drop, d.key)
	}
	tx, err := dst.Write.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.deleteKeys(ctx, tx, t, l, drop, batch); err != nil {
		return res, err
	}
	per := rowsPer(batch, len(t.key))
	for keys := fetch; len(keys) > 0; {
		n := min(per, len(keys))
		rows, err := s.rowsByKey(ctx, srcQ, t, l, keys[:n])
		if err != nil {
			return res, err
		}
		if err := s.insertRows(ctx, tx, t, rows); err != nil {
			return res, err
		}
		keys = keys[n:]
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("sync %s: commit: %w", t.name, err)
	}
	res.changed = int64(len(fetch) + len(drop) - replaced)
	return res, nil
}

// verifyRows checks that dst's rows of logical shard l in t have the
// source's checksums after syncRows: the buckets it left alone were found
// equal by it, so only those it fixed are summed again.
func (s *Store) verifyRows(ctx context.Context, dst *DB, t shardTable, l int, res syncResult) error {
	if len(res.fixed) == 0 {
		return nil
	}
	got, err := s.bucketSums(ctx, dst.Write, t, l, res.fixed)
	if err != nil {
		return err
	}
	want := map[int]*rowSum{}
	for _, b := range res.fixed {
		if r := res.src[b]; r != nil {
			want[b] = r
		}
	}
	if bad := differing(want, got); len(bad) > 0 {
		b := bad[0]
		w, g := want[b], got[b]
		if w == nil {
			w = &rowSum{}
		}
		if g == nil {
			g = &rowSum{}
		}
		return fmt.Errorf("verify %s: %d of %d buckets differ after the sync; bucket %d has %d rows (sum %s) on the target, %d (sum %s) on the source",
			t.name, len(bad), len(res.fixed), b, g.n, g.sum.String(), w.n, w.sum.String())
	}
	return nil
}

// rowsByKey reads whole rows of logical shard l in t by primary key.
func (s *Store) rowsByKey(ctx context.Context, q querier, t shardTable, l int, keys [][]any) ([][]any, error) {
	args := []any{l}
	for _, k := range keys {
		args = append(args, k...)
	}
	rows, err := q.QueryContext(ctx, s.q(`SELECT `+quoteList(t.cols)+` FROM `+quoteIdent(t.name)+` WHERE shard = ? AND `+keyIn(t.key, len(keys))), args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		r, err := scanAny(rows, len(t.cols))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.name, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// deleteKeys deletes rows of logical shard l in t by primary key.
func (s *Store) deleteKeys(ctx context.Context, x execer, t shardTable, l int, keys [][]any, batch int) error {
	per := rowsPer(batch, len(t.key))
	for len(keys) > 0 {
		n := min(per, len(keys))
		args := []any{l}
		for _, k := range keys[:n] {
			args = append(args, k...)
		}
		if _, err := x.ExecContext(ctx, s.q(`DELETE FROM `+quoteIdent(t.name)+` WHERE shard = ? AND `+keyIn(t.key, n)), args...); err != nil {
			return fmt.Errorf("delete from %s: %w", t.name, err)
		}
		keys = keys[n:]
	}
	return nil
}

// deleteShard deletes every row of logical shard l in t from db, a batch
// per statement (each its own transaction, so no lock is held for long),
// and returns how many it deleted. Batches go by the key's first column
// (every row of the shard goes, so all rows with those values do), which
// an index finds without a row-value list. Those values are read in one
// pass: the shard column has no index, and a query per batch would scan
// the table each time.
func (s *Store) deleteShard(ctx context.Context, db *DB, t shardTable, l, batch int) (int64, error) {
	k := quoteIdent(t.key[0])
	rows, err := db.Write.QueryContext(ctx, s.q(`SELECT `+k+` FROM `+quoteIdent(t.name)+` WHERE shard = ?`), l)
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", t.name, err)
	}
	defer rows.Close()
	var total int64
	seen := map[string]bool{}
	vals := make([]any, 0, batch)
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		res, err := db.Write.ExecContext(ctx, s.q(`DELETE FROM `+quoteIdent(t.name)+` WHERE shard = ? AND `+k+` IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+`)`), append([]any{l}, vals...)...)
		if err != nil {
			return fmt.Errorf("delete from %s: %w", t.name, err)
		}
		n, _ := res.RowsAffected()
		total += n
		vals, seen = vals[:0], map[string]bool{}
		return nil
	}
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return total, fmt.Errorf("delete from %s: %w", t.name, err)
		}
		if key := keyString([]any{v}); !seen[key] {
			seen[key] = true
			vals = append(vals, v)
		}
		if len(vals) == batch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return total, fmt.Errorf("delete from %s: %w", t.name, err)
	}
	return total, flush()
}

// countShards counts the rows of each logical shard in the tables of db.
func (s *Store) countShards(ctx context.Context, db *DB, tables []shardTable) (map[int]int64, error) {
	out := map[int]int64{}
	for _, t := range tables {
		rows, err := db.Write.QueryContext(ctx, `SELECT shard, COUNT(*) FROM `+quoteIdent(t.name)+` GROUP BY shard`)
		if err != nil {
			return nil, fmt.Errorf("count %s of %s: %w", t.name, db.Name, err)
		}
		for rows.Next() {
			var l int
			var n int64
			if err := rows.Scan(&l, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count %s of %s: %w", t.name, db.Name, err)
			}
			out[l] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("count %s of %s: %w", t.name, db.Name, err)
		}
	}
	return out, nil
}
