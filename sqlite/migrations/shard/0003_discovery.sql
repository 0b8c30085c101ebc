-- A post may carry a place (owned by the search context; 0: none).
ALTER TABLE posts ADD COLUMN place_id INTEGER NOT NULL DEFAULT 0;

-- Hashtags a member follows, on the member's shard.
CREATE TABLE tag_follows (
	shard      INTEGER NOT NULL,
	account_id INTEGER NOT NULL,
	tag        TEXT NOT NULL,
	id         INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (account_id, tag)
) WITHOUT ROWID;
CREATE INDEX tag_follows_page ON tag_follows (account_id, id);
