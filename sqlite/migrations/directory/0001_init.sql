-- The directory: small, non-sharded, global names and credentials.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE shard_map (
	logical  INTEGER PRIMARY KEY,
	physical INTEGER NOT NULL
);
CREATE TABLE usernames (
	username   TEXT PRIMARY KEY,
	account_id INTEGER NOT NULL
);
CREATE TABLE emails (
	email      TEXT PRIMARY KEY,
	account_id INTEGER NOT NULL
);
CREATE TABLE apps (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL,
	website       TEXT NOT NULL,
	redirect_uris TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	client_id     TEXT NOT NULL UNIQUE,
	client_secret TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE TABLE tokens (
	hash       BLOB PRIMARY KEY,
	account_id INTEGER NOT NULL,
	app_id     INTEGER NOT NULL,
	scopes     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX tokens_account ON tokens (account_id);
CREATE TABLE auth_codes (
	hash                  BLOB PRIMARY KEY,
	app_id                INTEGER NOT NULL,
	account_id            INTEGER NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	expires_at            INTEGER NOT NULL
);
