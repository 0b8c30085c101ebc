package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.IdempotencyStore = (*Store)(nil)

func (s *Store) BeginIdempotent(ctx context.Context, r *pinhole.IdempotencyRecord) (*pinhole.IdempotencyRecord, error) {
	var existing *pinhole.IdempotencyRecord
	err := s.txShard(ctx, r.AccountID.Shard(), func(tx *sql.Tx) error {
		// An expired record no longer holds the key.
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND created_at < ?`),
			int64(r.AccountID), r.Key, ms(r.CreatedAt.Add(-pinhole.IdempotencyTTL))); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO idempotency_keys (account_id, key, shard, request_hash, state, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			int64(r.AccountID), r.Key, r.AccountID.Shard(), r.RequestHash, pinhole.IdempotencyPending, ms(r.CreatedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		e := &pinhole.IdempotencyRecord{AccountID: r.AccountID, Key: r.Key}
		var created int64
		var body []byte
		err = tx.QueryRowContext(ctx, s.q(`SELECT request_hash, state, status, header, body, created_at FROM idempotency_keys WHERE account_id = ? AND key = ?`),
			int64(r.AccountID), r.Key).Scan(&e.RequestHash, &e.State, &e.Status, &e.Header, &body, &created)
		if err != nil {
			return err
		}
		e.Body, e.CreatedAt = body, fromMS(created)
		existing = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: begin idempotent request: %w", err)
	}
	return existing, nil
}

func (s *Store) FinishIdempotent(ctx context.Context, account pinhole.ID, key string, status int, header string, body []byte) error {
	_, err := s.execShard(ctx, account.Shard(), `UPDATE idempotency_keys SET state = ?, status = ?, header = ?, body = ? WHERE account_id = ? AND key = ?`,
		pinhole.IdempotencyDone, status, header, body, int64(account), key)
	if err != nil {
		return fmt.Errorf("sqlstore: finish idempotent request: %w", err)
	}
	return nil
}

func (s *Store) AbandonIdempotent(ctx context.Context, account pinhole.ID, key string) error {
	_, err := s.execShard(ctx, account.Shard(), `DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND state = ?`, int64(account), key, pinhole.IdempotencyPending)
	if err != nil {
		return fmt.Errorf("sqlstore: abandon idempotent request: %w", err)
	}
	return nil
}

func (s *Store) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, db := range s.allDBs() {
		res, err := db.Write.ExecContext(ctx, s.q(`DELETE FROM idempotency_keys WHERE created_at < ?`), ms(before))
		if err != nil {
			return total, fmt.Errorf("sqlstore: purge idempotency keys: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
