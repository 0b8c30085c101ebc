-- Sharded tables: every row carries its logical shard so a shard can move
-- between physical databases.
CREATE TABLE accounts (
	id              INTEGER PRIMARY KEY,
	shard           INTEGER NOT NULL,
	username        TEXT NOT NULL,
	email           TEXT NOT NULL,
	password_hash   TEXT NOT NULL,
	display_name    TEXT NOT NULL DEFAULT '',
	bio             TEXT NOT NULL DEFAULT '',
	avatar_media_id INTEGER NOT NULL DEFAULT 0,
	locked          BOOLEAN NOT NULL DEFAULT FALSE,
	admin           BOOLEAN NOT NULL DEFAULT FALSE,
	created_at      INTEGER NOT NULL,
	posts_count     INTEGER NOT NULL DEFAULT 0,
	followers_count INTEGER NOT NULL DEFAULT 0,
	following_count INTEGER NOT NULL DEFAULT 0,
	last_post_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX accounts_shard ON accounts (shard);

-- A follow is written twice: on the follower's shard and the followee's.
CREATE TABLE following (
	shard       INTEGER NOT NULL,
	follower_id INTEGER NOT NULL,
	followee_id INTEGER NOT NULL,
	id          INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (follower_id, followee_id)
) WITHOUT ROWID;
CREATE INDEX following_page ON following (follower_id, id);
CREATE TABLE followers (
	shard       INTEGER NOT NULL,
	followee_id INTEGER NOT NULL,
	follower_id INTEGER NOT NULL,
	id          INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (followee_id, follower_id)
) WITHOUT ROWID;
CREATE INDEX followers_page ON followers (followee_id, id);

CREATE TABLE follow_requests_in (
	shard      INTEGER NOT NULL,
	to_id      INTEGER NOT NULL,
	from_id    INTEGER NOT NULL,
	id         INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (to_id, from_id)
) WITHOUT ROWID;
CREATE INDEX follow_requests_in_page ON follow_requests_in (to_id, id);
CREATE TABLE follow_requests_out (
	shard   INTEGER NOT NULL,
	from_id INTEGER NOT NULL,
	to_id   INTEGER NOT NULL,
	PRIMARY KEY (from_id, to_id)
) WITHOUT ROWID;

CREATE TABLE blocks (
	shard      INTEGER NOT NULL,
	blocker_id INTEGER NOT NULL,
	blocked_id INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (blocker_id, blocked_id)
) WITHOUT ROWID;
CREATE TABLE blocked_by (
	shard      INTEGER NOT NULL,
	blocked_id INTEGER NOT NULL,
	blocker_id INTEGER NOT NULL,
	PRIMARY KEY (blocked_id, blocker_id)
) WITHOUT ROWID;

-- Comments live on their post's shard, so a thread is one query.
CREATE TABLE posts (
	id                     INTEGER PRIMARY KEY,
	shard                  INTEGER NOT NULL,
	author_id              INTEGER NOT NULL,
	caption                TEXT NOT NULL,
	in_reply_to_id         INTEGER NOT NULL DEFAULT 0,
	in_reply_to_account_id INTEGER NOT NULL DEFAULT 0,
	thread_id              INTEGER NOT NULL DEFAULT 0,
	created_at             INTEGER NOT NULL,
	likes_count            INTEGER NOT NULL DEFAULT 0,
	replies_count          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX posts_author ON posts (author_id, id) WHERE thread_id = 0;
CREATE INDEX posts_thread ON posts (thread_id, id) WHERE thread_id <> 0;
CREATE TABLE post_tags (
	shard   INTEGER NOT NULL,
	post_id INTEGER NOT NULL,
	tag     TEXT NOT NULL,
	PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE TABLE post_mentions (
	shard      INTEGER NOT NULL,
	post_id    INTEGER NOT NULL,
	account_id INTEGER NOT NULL,
	username   TEXT NOT NULL,
	PRIMARY KEY (post_id, account_id)
) WITHOUT ROWID;

CREATE TABLE media (
	id          INTEGER PRIMARY KEY,
	shard       INTEGER NOT NULL,
	owner_id    INTEGER NOT NULL,
	post_id     INTEGER NOT NULL DEFAULT 0,
	position    INTEGER NOT NULL DEFAULT 0,
	state       TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	width       INTEGER NOT NULL,
	height      INTEGER NOT NULL,
	blurhash    TEXT NOT NULL DEFAULT '',
	variants    TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX media_post ON media (post_id, position);

-- Likes live on the post's shard.
CREATE TABLE likes (
	shard      INTEGER NOT NULL,
	post_id    INTEGER NOT NULL,
	account_id INTEGER NOT NULL,
	id         INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (post_id, account_id)
) WITHOUT ROWID;
CREATE INDEX likes_page ON likes (post_id, id);

-- Home timelines: a capped cache per member, on the member's shard.
CREATE TABLE timelines (
	shard     INTEGER NOT NULL,
	owner_id  INTEGER NOT NULL,
	post_id   INTEGER NOT NULL,
	author_id INTEGER NOT NULL,
	PRIMARY KEY (owner_id, post_id)
) WITHOUT ROWID;
CREATE INDEX timelines_author ON timelines (owner_id, author_id);
CREATE INDEX timelines_post ON timelines (post_id);
CREATE TABLE timeline_state (
	owner_id INTEGER PRIMARY KEY,
	shard    INTEGER NOT NULL,
	built_at INTEGER NOT NULL
);
