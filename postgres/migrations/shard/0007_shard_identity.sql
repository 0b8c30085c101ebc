-- Which deployment a shard database belongs to, and its place in the
-- list of shard databases (--shard-dbs): the shard map names databases by
-- that place, so opening them in another order is refused.
CREATE TABLE shard_identity (
	one       INTEGER PRIMARY KEY CHECK (one = 1),
	cluster   TEXT NOT NULL,
	position  INTEGER NOT NULL
);
