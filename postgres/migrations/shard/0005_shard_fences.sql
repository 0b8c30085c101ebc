-- Logical shards that have moved away from this database: a write to one
-- of them here is refused, and the writer retries on the shard's new
-- database (see sqlstore/shardmap.go). A row stays after the move; a move
-- of the shard back here deletes it.
CREATE TABLE shard_fences (
	logical  INTEGER PRIMARY KEY,
	moved_at BIGINT NOT NULL
);
