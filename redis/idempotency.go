package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pinhole/pinhole"
)

var _ pinhole.IdempotencyStore = (*Idempotency)(nil)

// Idempotency keeps Idempotency-Key records (DESIGN §9) in Redis hashes
// that expire on their own, in front of the database's store, which stays
// the truth: Redis answers replays and concurrent duplicates without a
// database round trip, and a key Redis has lost (flushed, evicted, or
// claimed while Redis was down) is still found in the database, so a
// retry never runs twice. Claiming, finishing and abandoning are each one
// script, so two requests with one key never both win in Redis.
//
// A pending claim lives IdempotencyPendingTTL in Redis (a request whose
// node died does not hold its key there for a day); a finished one
// IdempotencyTTL. While Redis is down the database's store takes the
// calls alone.
type Idempotency struct {
	c        *Client
	fallback pinhole.IdempotencyStore // nil: fail while Redis is down
}

// NewIdempotency returns the store; fallback may be nil.
func NewIdempotency(c *Client, fallback pinhole.IdempotencyStore) *Idempotency {
	return &Idempotency{c: c, fallback: fallback}
}

func (s *Idempotency) recKey(account pinhole.ID, key string) string {
	return s.c.key("idem", account.String(), boundedKey(key))
}

// begin claims KEYS[1] unless a record younger than the TTL holds it, and
// then returns that record's fields. ARGV: request hash, created (ms, the
// caller's clock), IdempotencyTTL (ms), the pending claim's TTL (ms).
var begin = goredis.NewScript(`
local cur = redis.call('HMGET', KEYS[1], 'h', 's', 'st', 'hd', 'b', 'c')
if cur[6] and tonumber(cur[6]) >= tonumber(ARGV[2]) - tonumber(ARGV[3]) then
  return cur
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'h', ARGV[1], 's', 'pending', 'c', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return false
`)

func (s *Idempotency) BeginIdempotent(ctx context.Context, r *pinhole.IdempotencyRecord) (*pinhole.IdempotencyRecord, error) {
	var fields []any
	err := s.c.do(ctx, "idempotency begin", func(ctx context.Context) (err error) {
		fields, err = begin.Run(ctx, s.c.rdb, []string{s.recKey(r.AccountID, r.Key)},
			r.RequestHash, r.CreatedAt.UnixMilli(), pinhole.IdempotencyTTL.Milliseconds(), s.c.cfg.IdempotencyPendingTTL.Milliseconds()).Slice()
		return err
	})
	switch {
	case errors.Is(err, goredis.Nil) && s.fallback != nil:
		// Claimed in Redis: claim in the database too, which may know
		// the key from before Redis lost it.
		prev, err := s.fallback.BeginIdempotent(ctx, r)
		if err != nil || prev != nil {
			_ = s.c.do(ctx, "idempotency release", func(ctx context.Context) error {
				return abandon.Run(ctx, s.c.rdb, []string{s.recKey(r.AccountID, r.Key)}).Err()
			})
		}
		return prev, err
	case errors.Is(err, goredis.Nil):
		return nil, nil // claimed
	case err != nil && s.fallback != nil:
		return s.fallback.BeginIdempotent(ctx, r)
	case err != nil:
		return nil, err
	}
	return decodeRecord(r.AccountID, r.Key, fields)
}

func decodeRecord(account pinhole.ID, key string, f []any) (*pinhole.IdempotencyRecord, error) {
	str := func(i int) string {
		if i < len(f) {
			if s, ok := f[i].(string); ok {
				return s
			}
		}
		return ""
	}
	rec := &pinhole.IdempotencyRecord{AccountID: account, Key: key, RequestHash: []byte(str(0)), State: str(1), Header: str(3)}
	if b := str(4); b != "" {
		rec.Body = []byte(b)
	}
	created, err := strconv.ParseInt(str(5), 10, 64)
	if err != nil || (rec.State != pinhole.IdempotencyPending && rec.State != pinhole.IdempotencyDone) {
		return nil, fmt.Errorf("redis: idempotency record %d/%.40q is malformed", account, key)
	}
	rec.CreatedAt = time.UnixMilli(created).UTC()
	if st := str(2); st != "" {
		if rec.Status, err = strconv.Atoi(st); err != nil {
			return nil, fmt.Errorf("redis: idempotency record %d/%.40q is malformed", account, key)
		}
	}
	return rec, nil
}

// finish stores the response in an existing record KEYS[1]. ARGV: status,
// header, body, IdempotencyTTL (ms). It returns 0 when there is no record.
var finish = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 's', 'done', 'st', ARGV[1], 'hd', ARGV[2], 'b', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

func (s *Idempotency) FinishIdempotent(ctx context.Context, account pinhole.ID, key string, status int, header string, body []byte) error {
	// No record (the script returns 0): nothing to finish, as in the
	// database's store.
	err := s.c.do(ctx, "idempotency finish", func(ctx context.Context) error {
		return finish.Run(ctx, s.c.rdb, []string{s.recKey(account, key)}, status, header, body, pinhole.IdempotencyTTL.Milliseconds()).Err()
	})
	if s.fallback != nil {
		return s.fallback.FinishIdempotent(ctx, account, key, status, header, body)
	}
	return err
}

// abandon deletes KEYS[1] if it is still pending; 0 when there was none.
var abandon = goredis.NewScript(`
local st = redis.call('HGET', KEYS[1], 's')
if not st then return 0 end
if st == 'pending' then redis.call('DEL', KEYS[1]) end
return 1
`)

func (s *Idempotency) AbandonIdempotent(ctx context.Context, account pinhole.ID, key string) error {
	// No record (the script returns 0): nothing to release.
	err := s.c.do(ctx, "idempotency abandon", func(ctx context.Context) error {
		return abandon.Run(ctx, s.c.rdb, []string{s.recKey(account, key)}).Err()
	})
	if s.fallback != nil {
		return s.fallback.AbandonIdempotent(ctx, account, key)
	}
	return err
}

// PurgeIdempotency purges the fallback store; records in Redis expire by
// themselves.
func (s *Idempotency) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	if s.fallback == nil {
		return 0, nil
	}
	return s.fallback.PurgeIdempotency(ctx, before)
}
