package sqlite

import "github.com/pinhole/pinhole/sqlstore"

// Fence returns no lock statements: every logical shard lives in the one
// database, so writes need no fence and shards do not move. The column
// query lets the shard listing count rows.
func (dialect) Fence() sqlstore.FenceSQL {
	return sqlstore.FenceSQL{
		Columns: `SELECT m.name, p.name, p.pk, upper(p.type) LIKE '%INT%' FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`,
	}
}
