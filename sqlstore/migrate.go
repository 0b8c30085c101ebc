package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Migrate applies the numbered *.sql files of dir in fsys that db has not
// seen yet, each in its own transaction, and records them.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, fsys fs.FS, dir string) (applied int, err error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
		return 0, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		// The version names the folder too: a database may take several
		// migration sets (directory and shard tables on one SQLite file).
		version := strings.TrimSuffix(name, ".sql")
		var n int
		if err := db.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
			return applied, fmt.Errorf("migrate: check %s: %w", version, err)
		}
		if n > 0 {
			continue
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return applied, fmt.Errorf("migrate: %w", err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return applied, fmt.Errorf("migrate: begin %s: %w", version, err)
		}
		for _, stmt := range splitStatements(string(body)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				_ = tx.Rollback()
				return applied, fmt.Errorf("migrate: %s: %w", version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version) VALUES (?)`), version); err != nil {
			_ = tx.Rollback()
			return applied, fmt.Errorf("migrate: record %s: %w", version, err)
		}
		if err := tx.Commit(); err != nil {
			return applied, fmt.Errorf("migrate: commit %s: %w", version, err)
		}
		applied++
	}
	return applied, nil
}

// splitStatements splits a migration on ';' at line ends, dropping
// comment-only lines. Migrations keep to that form.
func splitStatements(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// InitShardMap records the number of logical shards and their placement
// on first start, and loads it afterwards. A different numShards on a later
// start is refused: the count is fixed at init.
func InitShardMap(ctx context.Context, dir *sql.DB, d Dialect, numShards, numPhysical int) ([]int, error) {
	if numShards < 1 || numShards > 8192 {
		return nil, fmt.Errorf("shard map: logical shards must be 1..8192, not %d", numShards)
	}
	tx, err := dir.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("shard map: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var stored string
	err = tx.QueryRowContext(ctx, d.Rebind(`SELECT value FROM meta WHERE key = ?`), "logical_shards").Scan(&stored)
	switch {
	case err == sql.ErrNoRows:
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO meta (key, value) VALUES (?, ?)`), "logical_shards", fmt.Sprint(numShards)); err != nil {
			return nil, fmt.Errorf("shard map: %w", err)
		}
		for l := 0; l < numShards; l++ {
			if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO shard_map (logical, physical) VALUES (?, ?)`), l, l%numPhysical); err != nil {
				return nil, fmt.Errorf("shard map: %w", err)
			}
		}
	case err != nil:
		return nil, fmt.Errorf("shard map: %w", err)
	case stored != fmt.Sprint(numShards):
		return nil, fmt.Errorf("shard map: this data was initialised with %s logical shards, not %d", stored, numShards)
	}
	m, err := scanShardMap(ctx, tx, numShards, numPhysical)
	if err != nil {
		return nil, fmt.Errorf("shard map: %w", err)
	}
	return m, tx.Commit()
}

// scanShardMap reads the shard map and checks that it maps every one of
// numShards logical shards to one of numPhysical databases.
func scanShardMap(ctx context.Context, tx *sql.Tx, numShards, numPhysical int) ([]int, error) {
	m := make([]int, numShards)
	rows, err := tx.QueryContext(ctx, `SELECT logical, physical FROM shard_map`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var l, p int
		if err := rows.Scan(&l, &p); err != nil {
			return nil, err
		}
		if l < 0 || l >= numShards || p < 0 || p >= numPhysical {
			return nil, fmt.Errorf("logical shard %d maps to database %d, but %d logical shards on %d databases are configured", l, p, numShards, numPhysical)
		}
		m[l] = p
		seen++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if seen != numShards {
		return nil, fmt.Errorf("%d of %d logical shards are mapped", seen, numShards)
	}
	return m, nil
}
