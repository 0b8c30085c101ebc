package sqlstore

import (
	"context"
	"fmt"

	"github.com/pinhole/pinhole"
)

// Scans of the source of truth, for rebuilding the search index (`pinhole
// admin reindex`): every account and every post, in ID order, a batch at
// a time, database by database.

const scanBatch = 1000

// EachAccount calls fn with every account, in batches.
func (s *Store) EachAccount(ctx context.Context, fn func([]*pinhole.Account) error) error {
	for _, db := range s.allDBs() {
		after := int64(0)
		for {
			rows, err := s.reader(ctx, db).QueryContext(ctx, s.q(`SELECT `+accountCols+` FROM accounts WHERE id > ? ORDER BY id LIMIT ?`), after, scanBatch)
			if err != nil {
				return fmt.Errorf("sqlstore: scan accounts: %w", err)
			}
			var batch []*pinhole.Account
			for rows.Next() {
				a, err := scanAccount(rows)
				if err != nil {
					rows.Close()
					return fmt.Errorf("sqlstore: scan accounts: %w", err)
				}
				batch = append(batch, a)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlstore: scan accounts: %w", err)
			}
			if len(batch) == 0 {
				break
			}
			if err := fn(batch); err != nil {
				return err
			}
			after = int64(batch[len(batch)-1].ID)
		}
	}
	return nil
}

// EachPostID calls fn with the IDs of every post and comment, in batches.
func (s *Store) EachPostID(ctx context.Context, fn func([]pinhole.ID) error) error {
	for _, db := range s.allDBs() {
		after := int64(0)
		for {
			ids, err := s.idList(ctx, s.reader(ctx, db), `SELECT id FROM posts WHERE id > ? ORDER BY id LIMIT ?`, after, scanBatch)
			if err != nil {
				return fmt.Errorf("sqlstore: scan posts: %w", err)
			}
			if len(ids) == 0 {
				break
			}
			if err := fn(ids); err != nil {
				return err
			}
			after = int64(ids[len(ids)-1])
		}
	}
	return nil
}
