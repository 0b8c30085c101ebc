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
	account_id BIGINT NOT NULL
);
CREATE TABLE emails (
	email      TEXT PRIMARY KEY,
	account_id BIGINT NOT NULL
);
CREATE TABLE apps (
	id            BIGINT PRIMARY KEY,
	name          TEXT NOT NULL,
	website       TEXT NOT NULL,
	redirect_uris TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	client_id     TEXT NOT NULL UNIQUE,
	client_secret TEXT NOT NULL,
	created_at    BIGINT NOT NULL
);
CREATE TABLE tokens (
	hash       BYTEA PRIMARY KEY,
	account_id BIGINT NOT NULL,
	app_id     BIGINT NOT NULL,
	scopes     TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX tokens_account ON tokens (account_id);
CREATE TABLE auth_codes (
	hash                  BYTEA PRIMARY KEY,
	app_id                BIGINT NOT NULL,
	account_id            BIGINT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	expires_at            BIGINT NOT NULL
);
