package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pinhole/pinhole"
)

var _ pinhole.TimelineStore = (*Store)(nil)

func (s *Store) TimelineExists(ctx context.Context, owner pinhole.ID) (bool, error) {
	var n int
	err := s.reader(ctx, s.of(owner)).QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM timeline_state WHERE owner_id = ?`), int64(owner)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlstore: timeline of %d: %w", owner, err)
	}
	return n > 0, nil
}

// trim keeps the newest cap entries of owner's timeline.
func (s *Store) trim(ctx context.Context, tx *sql.Tx, owner pinhole.ID, cap int) error {
	_, err := tx.ExecContext(ctx, s.q(`DELETE FROM timelines WHERE owner_id = ? AND post_id < (
		SELECT post_id FROM timelines WHERE owner_id = ? ORDER BY post_id DESC LIMIT 1 OFFSET ?)`), int64(owner), int64(owner), cap-1)
	return err
}

func (s *Store) insertEntry(ctx context.Context, tx *sql.Tx, owner pinhole.ID, e pinhole.TimelineEntry) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO timelines (shard, owner_id, post_id, author_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		owner.Shard(), int64(owner), int64(e.PostID), int64(e.AuthorID))
	return err
}

func (s *Store) ReplaceTimeline(ctx context.Context, owner pinhole.ID, entries []pinhole.TimelineEntry, cap int) error {
	err := s.txShard(ctx, owner.Shard(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM timelines WHERE owner_id = ?`), int64(owner)); err != nil {
			return err
		}
		for _, e := range entries {
			if err := s.insertEntry(ctx, tx, owner, e); err != nil {
				return err
			}
		}
		if err := s.trim(ctx, tx, owner, cap); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO timeline_state (owner_id, shard, built_at) VALUES (?, ?, ?)
			ON CONFLICT (owner_id) DO UPDATE SET built_at = excluded.built_at`), int64(owner), owner.Shard(), ms(s.c.Now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: replace timeline of %d: %w", owner, err)
	}
	return nil
}

// PushTimelines writes one statement per batch of owners (only into built
// timelines) and trims the timelines now and then rather than on every
// push: the cap is a bound on size, not an exact length.
func (s *Store) PushTimelines(ctx context.Context, owners []pinhole.ID, e pinhole.TimelineEntry, cap int) error {
	const chunk = 500
	trim := s.pushes.Add(1)%pinhole.TimelineTrimEvery == 0
	err := s.eachShardTx(ctx, owners, func(tx *sql.Tx, group []pinhole.ID) error {
		for len(group) > 0 {
			n := min(chunk, len(group))
			in, args := inList(group[:n])
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO timelines (shard, owner_id, post_id, author_id)
				SELECT shard, owner_id, ?, ? FROM timeline_state WHERE owner_id IN (`+in+`) ON CONFLICT DO NOTHING`),
				append([]any{int64(e.PostID), int64(e.AuthorID)}, args...)...); err != nil {
				return err
			}
			if trim {
				if err := s.trimMany(ctx, tx, group[:n], cap); err != nil {
					return err
				}
			}
			group = group[n:]
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: push timelines: %w", err)
	}
	return nil
}

// trimMany trims several timelines with one prepared statement.
func (s *Store) trimMany(ctx context.Context, tx *sql.Tx, owners []pinhole.ID, cap int) error {
	st, err := tx.PrepareContext(ctx, s.q(`DELETE FROM timelines WHERE owner_id = ? AND post_id < (
		SELECT post_id FROM timelines WHERE owner_id = ? ORDER BY post_id DESC LIMIT 1 OFFSET ?)`))
	if err != nil {
		return err
	}
	defer st.Close()
	for _, o := range owners {
		if _, err := st.ExecContext(ctx, int64(o), int64(o), cap-1); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) AddToTimeline(ctx context.Context, owner pinhole.ID, entries []pinhole.TimelineEntry, cap int) error {
	err := s.txShard(ctx, owner.Shard(), func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM timeline_state WHERE owner_id = ?`), int64(owner)).Scan(&n); err != nil || n == 0 {
			return err // not built: the next read rebuilds it whole
		}
		for _, e := range entries {
			if err := s.insertEntry(ctx, tx, owner, e); err != nil {
				return err
			}
		}
		return s.trim(ctx, tx, owner, cap)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: add to timeline of %d: %w", owner, err)
	}
	return nil
}

func (s *Store) ReadTimeline(ctx context.Context, owner pinhole.ID, page pinhole.Page) ([]pinhole.TimelineEntry, error) {
	where, args, order := pageWhere("post_id", page)
	rows, err := s.reader(ctx, s.of(owner)).QueryContext(ctx, s.q(`SELECT post_id, author_id FROM timelines WHERE owner_id = ?`+where+` ORDER BY `+order+` LIMIT ?`),
		append(append([]any{int64(owner)}, args...), page.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read timeline of %d: %w", owner, err)
	}
	defer rows.Close()
	var out []pinhole.TimelineEntry
	for rows.Next() {
		var e pinhole.TimelineEntry
		if err := rows.Scan(&e.PostID, &e.AuthorID); err != nil {
			return nil, fmt.Errorf("sqlstore: read timeline of %d: %w", owner, err)
		}
		out = append(out, e)
	}
	if ascending(page) {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

func (s *Store) RemoveAuthor(ctx context.Context, owner, author pinhole.ID) error {
	if _, err := s.execShard(ctx, owner.Shard(), `DELETE FROM timelines WHERE owner_id = ? AND author_id = ?`, int64(owner), int64(author)); err != nil {
		return fmt.Errorf("sqlstore: remove %d from timeline of %d: %w", author, owner, err)
	}
	return nil
}

func (s *Store) RemovePost(ctx context.Context, postID pinhole.ID) error {
	for _, db := range s.allDBs() {
		if _, err := db.Write.ExecContext(ctx, s.q(`DELETE FROM timelines WHERE post_id = ?`), int64(postID)); err != nil {
			return fmt.Errorf("sqlstore: remove post %d from timelines: %w", postID, err)
		}
	}
	return nil
}

func (s *Store) DropTimeline(ctx context.Context, owner pinhole.ID) error {
	err := s.txShard(ctx, owner.Shard(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM timelines WHERE owner_id = ?`), int64(owner)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM timeline_state WHERE owner_id = ?`), int64(owner))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: drop timeline of %d: %w", owner, err)
	}
	return nil
}
