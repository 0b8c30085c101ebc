-- The search context's own index (DESIGN §2), fed by events: accounts by
-- name, hashtags, places and what posts carry. It is global, not sharded,
-- so it lives beside the directory; nothing here is the source of truth
-- except places, which the search context owns.
--
-- Names that are searched by prefix (usernames, tags, geohash cells) use
-- the "C" collation: byte order, as on SQLite, so a prefix is one range of
-- the index whatever the database's locale.

-- Accounts by name. Usernames are matched exactly and by prefix through
-- the unique index; display-name and username words through account_words
-- (a tsvector of words folded to lower case without accents, made by
-- Pinhole rather than a text-search parser); one-edit typos through
-- account_typos, whose keys are each username's one-deletion neighbourhood
-- (two names within one edit share a key).
CREATE TABLE search_accounts (
	id           BIGINT PRIMARY KEY,
	username     TEXT COLLATE "C" NOT NULL,
	display_name TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX search_accounts_username ON search_accounts (username);
CREATE TABLE account_words (
	id    BIGINT PRIMARY KEY,
	words TSVECTOR NOT NULL
);
CREATE INDEX account_words_words ON account_words USING GIN (words);
CREATE TABLE account_typos (
	id   BIGINT PRIMARY KEY,
	keys TEXT[] NOT NULL
);
CREATE INDEX account_typos_keys ON account_typos USING GIN (keys);

-- Hashtags: one row per tag ever used, with its counters.
CREATE TABLE tags (
	name         TEXT COLLATE "C" PRIMARY KEY,
	uses         BIGINT NOT NULL DEFAULT 0,
	last_used_at BIGINT NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL
);
-- What carries each tag: the hashtag timeline, its counts and history.
CREATE TABLE tag_posts (
	tag       TEXT COLLATE "C" NOT NULL,
	post_id   BIGINT NOT NULL,
	author_id BIGINT NOT NULL,
	parent_id BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (tag, post_id)
);
CREATE INDEX tag_posts_post ON tag_posts (post_id);
CREATE INDEX tag_posts_parent ON tag_posts (parent_id) WHERE parent_id <> 0;

-- Places, owned by the search context. geohash (12 characters) is the
-- cell index: a nearby query reads only the index ranges of the cells
-- covering its circle, and the index alone (it holds the coordinates and
-- the ID).
CREATE TABLE places (
	id          BIGINT PRIMARY KEY,
	name        TEXT NOT NULL,
	lat         DOUBLE PRECISION NOT NULL,
	lon         DOUBLE PRECISION NOT NULL,
	geohash     TEXT COLLATE "C" NOT NULL,
	created_by  BIGINT NOT NULL,
	created_at  BIGINT NOT NULL,
	posts_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX places_geohash ON places (geohash, lat, lon) INCLUDE (id);
CREATE TABLE place_names (
	id   BIGINT PRIMARY KEY,
	name TSVECTOR NOT NULL
);
CREATE INDEX place_names_name ON place_names USING GIN (name);
CREATE TABLE place_posts (
	place_id  BIGINT NOT NULL,
	post_id   BIGINT NOT NULL,
	author_id BIGINT NOT NULL,
	PRIMARY KEY (place_id, post_id)
);
CREATE INDEX place_posts_post ON place_posts (post_id);

-- Engagement seen for recent posts and comments (trend candidates); pruned
-- past the trend window.
CREATE TABLE post_signals (
	post_id   BIGINT PRIMARY KEY,
	author_id BIGINT NOT NULL,
	parent_id BIGINT NOT NULL DEFAULT 0,
	likes     BIGINT NOT NULL DEFAULT 0,
	replies   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX post_signals_parent ON post_signals (parent_id) WHERE parent_id <> 0;
-- Events whose effect is a counter move, so a redelivery moves it once.
CREATE TABLE search_seen_events (
	event_id BIGINT PRIMARY KEY
);

-- The trend lists the scheduler computes; every web node serves them.
CREATE TABLE trends (
	kind        TEXT NOT NULL,
	position    INTEGER NOT NULL,
	item        TEXT NOT NULL,
	score       DOUBLE PRECISION NOT NULL,
	computed_at BIGINT NOT NULL,
	PRIMARY KEY (kind, position)
);
