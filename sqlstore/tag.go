package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.TagStore = (*Store)(nil)

func scanTag(row interface{ Scan(...any) error }) (*pinhole.Tag, error) {
	var t pinhole.Tag
	var last int64
	if err := row.Scan(&t.Name, &t.Uses, &last); err != nil {
		return nil, err
	}
	t.LastUsedAt = fromMS(last)
	return &t, nil
}

func (s *Store) FindTags(ctx context.Context, names []string) (map[string]*pinhole.Tag, error) {
	out := make(map[string]*pinhole.Tag, len(names))
	if len(names) == 0 {
		return out, nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(names)), ",")
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(`SELECT name, uses, last_used_at FROM tags WHERE name IN (`+in+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTag(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: find tags: %w", err)
		}
		out[t.Name] = t
	}
	return out, rows.Err()
}

func (s *Store) SearchTags(ctx context.Context, prefix string, limit int) ([]*pinhole.Tag, error) {
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(`SELECT name, uses, last_used_at FROM tags WHERE name >= ? AND name < ? AND uses > 0
		ORDER BY uses DESC, name LIMIT ?`), prefix, upperBound(prefix), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: search tags: %w", err)
	}
	defer rows.Close()
	var out []*pinhole.Tag
	for rows.Next() {
		t, err := scanTag(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: search tags: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *Store) TagPostIDs(ctx context.Context, tag string, postsOnly bool, page pinhole.Page) ([]pinhole.ID, error) {
	query := `SELECT post_id FROM tag_posts WHERE tag = ?`
	if postsOnly {
		query += ` AND parent_id = 0`
	}
	ids, err := s.listIDs(ctx, s.index(), query, []any{tag}, page, "post_id", false)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: posts tagged %q: %w", tag, err)
	}
	return ids, nil
}

// dayMS is a day in milliseconds. The ID epoch is a UTC midnight, so the
// millisecond part of an ID divided by dayMS numbers UTC days.
const dayMS = 24 * 60 * 60 * 1000

func (s *Store) TagHistory(ctx context.Context, tag string, since time.Time) ([]pinhole.TagDay, error) {
	shift := pinhole.ShardBits + pinhole.SeqBits
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(fmt.Sprintf(`SELECT (post_id >> %d) / %d AS day, COUNT(*), COUNT(DISTINCT author_id)
		FROM tag_posts WHERE tag = ? AND post_id >= ? GROUP BY day ORDER BY day DESC`, shift, dayMS)), tag, int64(pinhole.IDAt(since)))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: history of %q: %w", tag, err)
	}
	defer rows.Close()
	var out []pinhole.TagDay
	for rows.Next() {
		var day int64
		var d pinhole.TagDay
		if err := rows.Scan(&day, &d.Uses, &d.Accounts); err != nil {
			return nil, fmt.Errorf("sqlstore: history of %q: %w", tag, err)
		}
		d.Day = pinhole.Epoch.Add(time.Duration(day) * dayMS * time.Millisecond)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Store) FollowTag(ctx context.Context, account pinhole.ID, tag string, max int, now time.Time) (bool, error) {
	var created bool
	err := s.txShard(ctx, account.Shard(), func(tx *sql.Tx) error {
		var already, n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN tag = ? THEN 1 ELSE 0 END), 0) FROM tag_follows WHERE account_id = ?`), tag, int64(account)).Scan(&n, &already); err != nil {
			return err
		}
		if already > 0 {
			return nil
		}
		if n >= max {
			return pinhole.Errorf(pinhole.ECONFLICT, "You already follow %d hashtags, the most one can; unfollow one first.", n)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO tag_follows (shard, account_id, tag, id, created_at) VALUES (?, ?, ?, ?, ?)`),
			account.Shard(), int64(account), tag, int64(s.c.IDs.Next(account.Shard())), ms(now))
		created = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: follow tag %q: %w", tag, err)
	}
	return created, nil
}

func (s *Store) UnfollowTag(ctx context.Context, account pinhole.ID, tag string) (bool, error) {
	n, err := s.execShard(ctx, account.Shard(), `DELETE FROM tag_follows WHERE account_id = ? AND tag = ?`, int64(account), tag)
	if err != nil {
		return false, fmt.Errorf("sqlstore: unfollow tag %q: %w", tag, err)
	}
	return n > 0, nil
}

func (s *Store) ListFollowedTags(ctx context.Context, account pinhole.ID, page pinhole.Page) ([]pinhole.TagFollow, error) {
	where, args, order := pageWhere("id", page)
	rows, err := s.reader(ctx, s.of(account)).QueryContext(ctx, s.q(`SELECT id, tag, created_at FROM tag_follows WHERE account_id = ?`+where+` ORDER BY `+order+` LIMIT ?`),
		append(append([]any{int64(account)}, args...), page.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: followed tags of %d: %w", account, err)
	}
	defer rows.Close()
	var out []pinhole.TagFollow
	for rows.Next() {
		var f pinhole.TagFollow
		var created int64
		if err := rows.Scan(&f.ID, &f.Tag, &created); err != nil {
			return nil, fmt.Errorf("sqlstore: followed tags of %d: %w", account, err)
		}
		f.CreatedAt = fromMS(created)
		out = append(out, f)
	}
	if ascending(page) {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

func (s *Store) FollowedTagNames(ctx context.Context, account pinhole.ID) ([]string, error) {
	rows, err := s.reader(ctx, s.of(account)).QueryContext(ctx, s.q(`SELECT tag FROM tag_follows WHERE account_id = ? ORDER BY tag`), int64(account))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: followed tags of %d: %w", account, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("sqlstore: followed tags of %d: %w", account, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
