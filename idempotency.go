package pinhole

import (
	"context"
	"time"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// Idempotency record states.
const (
	IdempotencyPending = "pending" // the first request is still running
	IdempotencyDone    = "done"    // its response is stored
)

// IdempotencyRecord remembers a mutating request made with an
// Idempotency-Key and, once done, its response.
type IdempotencyRecord struct {
	AccountID   ID
	Key         string
	RequestHash []byte
	State       string
	Status      int
	Header      string // the replayed headers, encoded
	Body        []byte
	CreatedAt   time.Time
}

// IdempotencyStore keeps idempotency records on the member's shard.
type IdempotencyStore interface {
	// BeginIdempotent claims r's key; when the key is already held (and
	// younger than IdempotencyTTL) it returns that record instead.
	BeginIdempotent(ctx context.Context, r *IdempotencyRecord) (*IdempotencyRecord, error)
	// FinishIdempotent stores the response of a claimed key.
	FinishIdempotent(ctx context.Context, account ID, key string, status int, header string, body []byte) error
	// AbandonIdempotent releases a claimed key (the request failed in a way
	// a retry may fix).
	AbandonIdempotent(ctx context.Context, account ID, key string) error
	// PurgeIdempotency forgets records created before t.
	PurgeIdempotency(ctx context.Context, before time.Time) (int64, error)
}
