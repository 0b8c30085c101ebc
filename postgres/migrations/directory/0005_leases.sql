-- Leases: what one process at a time may hold (an ID node number, the
-- scheduler), each with an owner and an expiry renewed while it lives.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	owner      TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
