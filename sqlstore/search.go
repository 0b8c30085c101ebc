package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.SearchStore = (*Store)(nil)

// index returns the database holding the search context's tables: the
// directory in this version, since the index is global rather than
// sharded. Every search, tag and place method goes through it, so the
// index can move to a database of its own without touching callers.
func (s *Store) index() *DB { return s.c.Directory }

// typoTokens keeps the keys that can be typo tokens: account_typos holds
// only usernames' characters, and a key its tokenizer would split would be
// a phrase, which the index (detail=none) cannot answer.
func typoTokens(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" && strings.Trim(k, "abcdefghijklmnopqrstuvwxyz0123456789_.") == "" {
			out = append(out, k)
		}
	}
	return out
}

// accountWords is the text account_words indexes: the display name, and
// the parts of a username made of several ("alice_wonder" is found by
// "wonder"). A username of one part is left out: the username index finds
// it by prefix already, and a million one-off words like "rheasmith42"
// would make every prefix search merge thousands of them.
func accountWords(e pinhole.AccountEntry) string {
	if !strings.ContainsAny(e.Username, "_.") {
		return e.DisplayName
	}
	return e.DisplayName + " " + e.Username
}

// upperBound returns the smallest string greater than every string that
// starts with prefix, for an index range.
func upperBound(prefix string) string { return prefix + "\U0010FFFF" }

func (s *Store) IndexAccount(ctx context.Context, e pinhole.AccountEntry) error {
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		return s.indexAccount(ctx, tx, e)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: index account %d: %w", e.ID, err)
	}
	return nil
}

func (s *Store) indexAccount(ctx context.Context, tx *sql.Tx, e pinhole.AccountEntry) error {
	// A stale entry holding the username under another ID goes first.
	var stale int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM search_accounts WHERE username = ? AND id <> ?`), e.Username, int64(e.ID)).Scan(&stale)
	switch {
	case err == nil:
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM search_accounts WHERE id = ?`), stale); err != nil {
			return err
		}
		if err := s.execAll(ctx, tx, s.text().DeleteAccountText(stale)); err != nil {
			return err
		}
	case err != sql.ErrNoRows:
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO search_accounts (id, username, display_name) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET username = excluded.username, display_name = excluded.display_name`),
		int64(e.ID), e.Username, e.DisplayName); err != nil {
		return err
	}
	return s.execAll(ctx, tx, s.text().PutAccountText(int64(e.ID), accountWords(e), e.TypoKeys))
}

func (s *Store) SearchAccounts(ctx context.Context, q pinhole.AccountQuery) ([]pinhole.AccountHit, error) {
	// One statement for every kind of match: running a statement costs
	// more than the few index reads each kind needs.
	var parts []string
	var args []any
	if q.Username != "" {
		parts = append(parts, `SELECT * FROM (SELECT id, username, display_name, `+strconv.Itoa(pinhole.MatchPrefix)+` AS kind FROM search_accounts
			WHERE username >= ? AND username < ? ORDER BY username LIMIT ?) AS prefixed`)
		args = append(args, q.Username, upperBound(q.Username), q.Limit)
	}
	words, wordArgs, wordsOK := s.text().AccountsWithWords(q.Words)
	typos, typoArgs, typosOK := s.text().AccountsWithTypoKeys(typoTokens(q.TypoKeys))
	for _, f := range []struct {
		match string
		args  []any
		ok    bool
		kind  int
	}{
		{words, wordArgs, wordsOK, pinhole.MatchWords},
		{typos, typoArgs, typosOK, pinhole.MatchTypo},
	} {
		if !f.ok {
			continue
		}
		parts = append(parts, `SELECT id, username, display_name, `+strconv.Itoa(f.kind)+` AS kind FROM search_accounts WHERE id IN (
			`+f.match+` LIMIT ?)`)
		args = append(append(args, f.args...), q.Limit)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(strings.Join(parts, ` UNION ALL `)), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: search accounts: %w", err)
	}
	defer rows.Close()
	hits := map[pinhole.ID]*pinhole.AccountHit{}
	var order []pinhole.ID
	for rows.Next() {
		var h pinhole.AccountHit
		var kind int
		if err := rows.Scan(&h.ID, &h.Username, &h.DisplayName, &kind); err != nil {
			return nil, fmt.Errorf("sqlstore: search accounts: %w", err)
		}
		if kind == pinhole.MatchPrefix && h.Username == q.Username {
			kind |= pinhole.MatchExact
		}
		if prev := hits[h.ID]; prev != nil {
			prev.Match |= kind
			continue
		}
		h.Match = kind
		hits[h.ID] = &h
		order = append(order, h.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: search accounts: %w", err)
	}
	out := make([]pinhole.AccountHit, len(order))
	for i, id := range order {
		out[i] = *hits[id]
	}
	return out, nil
}

// idList runs a query returning one ID per row, in the query's order.
func (s *Store) idList(ctx context.Context, db *Pool, query string, args ...any) ([]pinhole.ID, error) {
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pinhole.ID
	for rows.Next() {
		var id pinhole.ID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// inserted reports whether an INSERT … ON CONFLICT DO NOTHING wrote a row.
func inserted(res sql.Result) bool {
	n, _ := res.RowsAffected()
	return n > 0
}

func (s *Store) IndexPost(ctx context.Context, p pinhole.IndexedPost) error {
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		// The post's own signals row marks it indexed, so a redelivered
		// comment counts as one reply.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO post_signals (post_id, author_id, parent_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
			int64(p.PostID), int64(p.AuthorID), int64(p.ParentID))
		if err != nil {
			return err
		}
		if inserted(res) && p.ParentID != 0 {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE post_signals SET replies = replies + 1 WHERE post_id = ?`), int64(p.ParentID)); err != nil {
				return err
			}
		}
		for _, tag := range p.Tags {
			res, err := tx.ExecContext(ctx, s.q(`INSERT INTO tag_posts (tag, post_id, author_id, parent_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
				tag, int64(p.PostID), int64(p.AuthorID), int64(p.ParentID))
			if err != nil {
				return err
			}
			if !inserted(res) {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO tags (name, uses, last_used_at, created_at) VALUES (?, 1, ?, ?)
				ON CONFLICT (name) DO UPDATE SET uses = tags.uses + 1,
				last_used_at = CASE WHEN excluded.last_used_at > tags.last_used_at THEN excluded.last_used_at ELSE tags.last_used_at END`),
				tag, ms(p.CreatedAt), ms(p.CreatedAt)); err != nil {
				return err
			}
		}
		if p.PlaceID != 0 {
			res, err := tx.ExecContext(ctx, s.q(`INSERT INTO place_posts (place_id, post_id, author_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
				int64(p.PlaceID), int64(p.PostID), int64(p.AuthorID))
			if err != nil {
				return err
			}
			if inserted(res) {
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE places SET posts_count = posts_count + 1 WHERE id = ?`), int64(p.PlaceID)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: index post %d: %w", p.PostID, err)
	}
	return nil
}

func (s *Store) UnindexPost(ctx context.Context, postID pinhole.ID) error {
	id := int64(postID)
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		// Tags of the post and of the comments answering it.
		uses := map[string]int64{}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT tag, COUNT(*) FROM tag_posts WHERE post_id = ? OR parent_id = ? GROUP BY tag`), id, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var tag string
			var n int64
			if err := rows.Scan(&tag, &n); err != nil {
				rows.Close()
				return err
			}
			uses[tag] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for tag, n := range uses {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE tags SET uses = CASE WHEN uses > ? THEN uses - ? ELSE 0 END WHERE name = ?`), n, n, tag); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM tag_posts WHERE post_id = ? OR parent_id = ?`), id, id); err != nil {
			return err
		}
		var place int64
		err = tx.QueryRowContext(ctx, s.q(`DELETE FROM place_posts WHERE post_id = ? RETURNING place_id`), id).Scan(&place)
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE places SET posts_count = posts_count - 1 WHERE id = ? AND posts_count > 0`), place); err != nil {
				return err
			}
		case err != sql.ErrNoRows:
			return err
		}
		var parent int64
		err = tx.QueryRowContext(ctx, s.q(`SELECT parent_id FROM post_signals WHERE post_id = ?`), id).Scan(&parent)
		switch {
		case err == nil && parent != 0:
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE post_signals SET replies = replies - 1 WHERE post_id = ? AND replies > 0`), parent); err != nil {
				return err
			}
		case err != nil && err != sql.ErrNoRows:
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM post_signals WHERE post_id = ? OR parent_id = ?`), id, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: unindex post %d: %w", postID, err)
	}
	return nil
}

func (s *Store) RecordLike(ctx context.Context, eventID, postID pinhole.ID) error {
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO search_seen_events (event_id) VALUES (?) ON CONFLICT DO NOTHING`), int64(eventID))
		if err != nil || !inserted(res) {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE post_signals SET likes = likes + 1 WHERE post_id = ?`), int64(postID))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: record like on %d: %w", postID, err)
	}
	return nil
}

func (s *Store) RecentSignals(ctx context.Context, since pinhole.ID, limit int) ([]pinhole.PostSignal, error) {
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(`SELECT post_id, author_id, likes, replies FROM post_signals
		WHERE post_id >= ? AND parent_id = 0 AND likes + replies > 0 ORDER BY post_id DESC LIMIT ?`), int64(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: recent signals: %w", err)
	}
	defer rows.Close()
	var out []pinhole.PostSignal
	for rows.Next() {
		var p pinhole.PostSignal
		if err := rows.Scan(&p.PostID, &p.AuthorID, &p.Likes, &p.Replies); err != nil {
			return nil, fmt.Errorf("sqlstore: recent signals: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Store) RecentTagUses(ctx context.Context, since pinhole.ID, limit int) ([]pinhole.TagUse, error) {
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(`SELECT tag, post_id, author_id FROM tag_posts WHERE post_id >= ? ORDER BY post_id DESC LIMIT ?`), int64(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: recent tag uses: %w", err)
	}
	defer rows.Close()
	var out []pinhole.TagUse
	for rows.Next() {
		var u pinhole.TagUse
		if err := rows.Scan(&u.Tag, &u.PostID, &u.AuthorID); err != nil {
			return nil, fmt.Errorf("sqlstore: recent tag uses: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (s *Store) PruneIndex(ctx context.Context, before pinhole.ID) error {
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM post_signals WHERE post_id < ?`), int64(before)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM search_seen_events WHERE event_id < ?`), int64(before))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: prune search index: %w", err)
	}
	return nil
}

func (s *Store) CompactIndex(ctx context.Context, pages int) error {
	for _, st := range s.text().CompactText(pages) {
		if _, err := s.index().Write.ExecContext(ctx, s.q(st.Query), st.Args...); err != nil {
			return fmt.Errorf("sqlstore: compact the text index: %w", err)
		}
	}
	return nil
}

func (s *Store) SaveTrends(ctx context.Context, kind string, trends []pinhole.Trend, at time.Time) error {
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM trends WHERE kind = ?`), kind); err != nil {
			return err
		}
		for i, t := range trends {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO trends (kind, position, item, score, computed_at) VALUES (?, ?, ?, ?, ?)`),
				kind, i, t.Key, t.Score, ms(at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: save %s trends: %w", kind, err)
	}
	return nil
}

func (s *Store) LoadTrends(ctx context.Context, kind string) ([]pinhole.Trend, time.Time, error) {
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(`SELECT item, score, computed_at FROM trends WHERE kind = ? ORDER BY position`), kind)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("sqlstore: load %s trends: %w", kind, err)
	}
	defer rows.Close()
	var out []pinhole.Trend
	var at int64
	for rows.Next() {
		var t pinhole.Trend
		if err := rows.Scan(&t.Key, &t.Score, &at); err != nil {
			return nil, time.Time{}, fmt.Errorf("sqlstore: load %s trends: %w", kind, err)
		}
		out = append(out, t)
	}
	return out, fromMS(at), rows.Err()
}
