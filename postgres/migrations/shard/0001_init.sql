-- Sharded tables: every row carries its logical shard so a shard can move
-- between physical databases.
CREATE TABLE accounts (
	id              BIGINT PRIMARY KEY,
	shard           INTEGER NOT NULL,
	username        TEXT NOT NULL,
	email           TEXT NOT NULL,
	password_hash   TEXT NOT NULL,
	display_name    TEXT NOT NULL DEFAULT '',
	bio             TEXT NOT NULL DEFAULT '',
	avatar_media_id BIGINT NOT NULL DEFAULT 0,
	locked          BOOLEAN NOT NULL DEFAULT FALSE,
	admin           BOOLEAN NOT NULL DEFAULT FALSE,
	created_at      BIGINT NOT NULL,
	posts_count     BIGINT NOT NULL DEFAULT 0,
	followers_count BIGINT NOT NULL DEFAULT 0,
	following_count BIGINT NOT NULL DEFAULT 0,
	last_post_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX accounts_shard ON accounts (shard);

-- A follow is written twice: on the follower's shard and the followee's.
CREATE TABLE following (
	shard       INTEGER NOT NULL,
	follower_id BIGINT NOT NULL,
	followee_id BIGINT NOT NULL,
	id          BIGINT NOT NULL,
	created_at  BIGINT NOT NULL,
	PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX following_page ON following (follower_id, id);
CREATE TABLE followers (
	shard       INTEGER NOT NULL,
	followee_id BIGINT NOT NULL,
	follower_id BIGINT NOT NULL,
	id          BIGINT NOT NULL,
	created_at  BIGINT NOT NULL,
	PRIMARY KEY (followee_id, follower_id)
);
CREATE INDEX followers_page ON followers (followee_id, id);

CREATE TABLE follow_requests_in (
	shard      INTEGER NOT NULL,
	to_id      BIGINT NOT NULL,
	from_id    BIGINT NOT NULL,
	id         BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (to_id, from_id)
);
CREATE INDEX follow_requests_in_page ON follow_requests_in (to_id, id);
CREATE TABLE follow_requests_out (
	shard   INTEGER NOT NULL,
	from_id BIGINT NOT NULL,
	to_id   BIGINT NOT NULL,
	PRIMARY KEY (from_id, to_id)
);

CREATE TABLE blocks (
	shard      INTEGER NOT NULL,
	blocker_id BIGINT NOT NULL,
	blocked_id BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (blocker_id, blocked_id)
);
CREATE TABLE blocked_by (
	shard      INTEGER NOT NULL,
	blocked_id BIGINT NOT NULL,
	blocker_id BIGINT NOT NULL,
	PRIMARY KEY (blocked_id, blocker_id)
);

-- Comments live on their post's shard, so a thread is one query.
CREATE TABLE posts (
	id                     BIGINT PRIMARY KEY,
	shard                  INTEGER NOT NULL,
	author_id              BIGINT NOT NULL,
	caption                TEXT NOT NULL,
	in_reply_to_id         BIGINT NOT NULL DEFAULT 0,
	in_reply_to_account_id BIGINT NOT NULL DEFAULT 0,
	thread_id              BIGINT NOT NULL DEFAULT 0,
	created_at             BIGINT NOT NULL,
	likes_count            BIGINT NOT NULL DEFAULT 0,
	replies_count          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX posts_author ON posts (author_id, id) WHERE thread_id = 0;
CREATE INDEX posts_thread ON posts (thread_id, id) WHERE thread_id <> 0;
CREATE TABLE post_tags (
	shard   INTEGER NOT NULL,
	post_id BIGINT NOT NULL,
	tag     TEXT NOT NULL,
	PRIMARY KEY (post_id, tag)
);
CREATE TABLE post_mentions (
	shard      INTEGER NOT NULL,
	post_id    BIGINT NOT NULL,
	account_id BIGINT NOT NULL,
	username   TEXT NOT NULL,
	PRIMARY KEY (post_id, account_id)
);

CREATE TABLE media (
	id          BIGINT PRIMARY KEY,
	shard       INTEGER NOT NULL,
	owner_id    BIGINT NOT NULL,
	post_id     BIGINT NOT NULL DEFAULT 0,
	position    INTEGER NOT NULL DEFAULT 0,
	state       TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	width       INTEGER NOT NULL,
	height      INTEGER NOT NULL,
	blurhash    TEXT NOT NULL DEFAULT '',
	variants    TEXT NOT NULL,
	created_at  BIGINT NOT NULL
);
CREATE INDEX media_post ON media (post_id, position);

-- Likes live on the post's shard.
CREATE TABLE likes (
	shard      INTEGER NOT NULL,
	post_id    BIGINT NOT NULL,
	account_id BIGINT NOT NULL,
	id         BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (post_id, account_id)
);
CREATE INDEX likes_page ON likes (post_id, id);

-- Home timelines: a capped cache per member, on the member's shard.
CREATE TABLE timelines (
	shard     INTEGER NOT NULL,
	owner_id  BIGINT NOT NULL,
	post_id   BIGINT NOT NULL,
	author_id BIGINT NOT NULL,
	PRIMARY KEY (owner_id, post_id)
);
CREATE INDEX timelines_author ON timelines (owner_id, author_id);
CREATE INDEX timelines_post ON timelines (post_id);
CREATE TABLE timeline_state (
	owner_id BIGINT PRIMARY KEY,
	shard    INTEGER NOT NULL,
	built_at BIGINT NOT NULL
);
