-- Logical shards that have moved away from this database: writes to them
-- here are refused (see sqlstore/shardmap.go). SQLite keeps every shard in
-- one database, so nothing moves and the table stays empty; it is here so
-- the schema matches PostgreSQL's.
CREATE TABLE shard_fences (
	logical  INTEGER PRIMARY KEY,
	moved_at INTEGER NOT NULL
);
