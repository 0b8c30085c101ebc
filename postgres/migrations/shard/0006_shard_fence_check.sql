-- What every write to sharded rows runs first (sqlstore FenceSQL.Check):
-- take each logical shard's advisory lock, shared, until the transaction
-- ends, then count the shards this database fences. In one call, so it
-- costs one round trip; a function's statements each see the database
-- afresh, so the count sees a fence committed while a lock was awaited.
-- (One line: migrations split statements at a ';' that ends a line.)
CREATE FUNCTION pinhole_fence_check(base BIGINT, VARIADIC shards INTEGER[]) RETURNS BIGINT LANGUAGE plpgsql AS $$ DECLARE s INTEGER; BEGIN FOREACH s IN ARRAY shards LOOP PERFORM pg_advisory_xact_lock_shared(base | s); END LOOP; RETURN (SELECT COUNT(*) FROM shard_fences WHERE logical = ANY (shards)); END $$;
