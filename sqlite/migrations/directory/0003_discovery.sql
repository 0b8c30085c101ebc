-- The search context's own index (DESIGN §2), fed by events: accounts by
-- name, hashtags, places and what posts carry. It is global, not sharded,
-- so it lives beside the directory; nothing here is the source of truth
-- except places, which the search context owns.

-- Accounts by name. Usernames are matched exactly and by prefix through
-- the unique index; display-name and username words through account_words;
-- one-edit typos through account_typos, whose tokens are each username's
-- one-deletion neighbourhood (two names within one edit share a token).
CREATE TABLE search_accounts (
	id           INTEGER PRIMARY KEY,
	username     TEXT NOT NULL,
	display_name TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX search_accounts_username ON search_accounts (username);
CREATE VIRTUAL TABLE account_words USING fts5(words, content='', contentless_delete=1, tokenize="unicode61 remove_diacritics 2", prefix='2 3 4');
CREATE VIRTUAL TABLE account_typos USING fts5(keys, content='', contentless_delete=1, detail='none', tokenize="ascii tokenchars '_.'");

-- Hashtags: one row per tag ever used, with its counters.
CREATE TABLE tags (
	name         TEXT PRIMARY KEY,
	uses         INTEGER NOT NULL DEFAULT 0,
	last_used_at INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL
) WITHOUT ROWID;
-- What carries each tag: the hashtag timeline, its counts and history.
CREATE TABLE tag_posts (
	tag       TEXT NOT NULL,
	post_id   INTEGER NOT NULL,
	author_id INTEGER NOT NULL,
	parent_id INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (tag, post_id)
) WITHOUT ROWID;
CREATE INDEX tag_posts_post ON tag_posts (post_id);
CREATE INDEX tag_posts_parent ON tag_posts (parent_id) WHERE parent_id <> 0;

-- Places, owned by the search context. geohash (12 characters) is the
-- cell index: a nearby query reads only the index ranges of the cells
-- covering its circle, and the index alone (it holds the coordinates and,
-- as the rowid, the ID).
CREATE TABLE places (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	lat         REAL NOT NULL,
	lon         REAL NOT NULL,
	geohash     TEXT NOT NULL,
	created_by  INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	posts_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX places_geohash ON places (geohash, lat, lon);
CREATE VIRTUAL TABLE place_names USING fts5(name, content='places', content_rowid='id', tokenize="unicode61 remove_diacritics 2", prefix='2 3');
CREATE TABLE place_posts (
	place_id  INTEGER NOT NULL,
	post_id   INTEGER NOT NULL,
	author_id INTEGER NOT NULL,
	PRIMARY KEY (place_id, post_id)
) WITHOUT ROWID;
CREATE INDEX place_posts_post ON place_posts (post_id);

-- Engagement seen for recent posts and comments (trend candidates); pruned
-- past the trend window.
CREATE TABLE post_signals (
	post_id   INTEGER PRIMARY KEY,
	author_id INTEGER NOT NULL,
	parent_id INTEGER NOT NULL DEFAULT 0,
	likes     INTEGER NOT NULL DEFAULT 0,
	replies   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX post_signals_parent ON post_signals (parent_id) WHERE parent_id <> 0;
-- Events whose effect is a counter move, so a redelivery moves it once.
CREATE TABLE search_seen_events (
	event_id INTEGER PRIMARY KEY
);

-- The trend lists the scheduler computes; every web node serves them.
CREATE TABLE trends (
	kind        TEXT NOT NULL,
	position    INTEGER NOT NULL,
	item        TEXT NOT NULL,
	score       REAL NOT NULL,
	computed_at INTEGER NOT NULL,
	PRIMARY KEY (kind, position)
) WITHOUT ROWID;
