-- The transactional outbox: events written with the change that caused
-- them, published by the relay, then marked sent.
CREATE TABLE outbox (
	id         BIGINT PRIMARY KEY,
	shard      INTEGER NOT NULL,
	payload    TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	sent_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at = 0;

-- Notifications live on the recipient's shard; one per event and type.
CREATE TABLE notifications (
	id              BIGINT PRIMARY KEY,
	shard           INTEGER NOT NULL,
	account_id      BIGINT NOT NULL,
	type            TEXT NOT NULL,
	from_account_id BIGINT NOT NULL,
	post_id         BIGINT NOT NULL DEFAULT 0,
	event_id        BIGINT NOT NULL,
	created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX notifications_event ON notifications (account_id, event_id, type);
CREATE INDEX notifications_page ON notifications (account_id, id);
ALTER TABLE accounts ADD COLUMN unread_notifications BIGINT NOT NULL DEFAULT 0;
ALTER TABLE following ADD COLUMN notify BOOLEAN NOT NULL DEFAULT FALSE;

-- Idempotency keys, per member, kept a day.
CREATE TABLE idempotency_keys (
	account_id   BIGINT NOT NULL,
	key          TEXT NOT NULL,
	shard        INTEGER NOT NULL,
	request_hash BYTEA NOT NULL,
	state        TEXT NOT NULL,
	status       INTEGER NOT NULL DEFAULT 0,
	header       TEXT NOT NULL DEFAULT '',
	body         BYTEA,
	created_at   BIGINT NOT NULL,
	PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_age ON idempotency_keys (created_at);
ALTER TABLE followers ADD COLUMN notify BOOLEAN NOT NULL DEFAULT FALSE;
