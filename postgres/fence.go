package postgres

import "github.com/pinhole/pinhole/sqlstore"

// Fence returns the statements that fence writes to a logical shard while
// it moves: advisory locks (shared for writers, taken together with the
// fence check in one function call; exclusive for the move; a session lock
// so one move runs at a time), the catalog query that finds the sharded
// tables, and a row hash both sides of a move compute alike (md5 of the
// row's text form, cut to 64 bits).
func (dialect) Fence() sqlstore.FenceSQL {
	return sqlstore.FenceSQL{
		Check:         `SELECT pinhole_fence_check(?, %s)`, // migrations/shard/0006_shard_fence_check.sql
		LockExclusive: `pg_advisory_xact_lock(?)`,
		TryLock:       `pg_try_advisory_lock(?)`,
		Unlock:        `pg_advisory_unlock(?)`,
		// indkey is a 0-based array of the key's column numbers.
		Columns: `SELECT c.relname::text, a.attname::text, COALESCE(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0),
				a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
			FROM pg_class c
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
			LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
			WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
			ORDER BY c.relname, a.attnum`,
		RowHash: `('x' || substr(md5(ROW(%s)::text), 1, 16))::bit(64)::bigint`,
	}
}
