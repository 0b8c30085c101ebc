-- A post may carry a place (owned by the search context; 0: none).
ALTER TABLE posts ADD COLUMN place_id BIGINT NOT NULL DEFAULT 0;

-- Hashtags a member follows, on the member's shard.
CREATE TABLE tag_follows (
	shard      INTEGER NOT NULL,
	account_id BIGINT NOT NULL,
	tag        TEXT NOT NULL,
	id         BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, tag)
);
CREATE INDEX tag_follows_page ON tag_follows (account_id, id);
