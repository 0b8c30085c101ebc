package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pinhole/pinhole"
)

// Bulk writers for the data generator (`pinhole bench discovery`): large
// batches straight into the tables, one transaction per batch and
// database, with prepared statements. They write no events and check
// nothing the schema does not: the generator makes consistent data.

// BulkAccount is an account as the generator writes it, with its search
// index entry.
type BulkAccount struct {
	Account      *pinhole.Account
	PasswordHash string
	Entry        pinhole.AccountEntry
}

// bulkExec runs one prepared statement per row of a batch in tx.
func bulkExec(ctx context.Context, tx *sql.Tx, query string, n int, args func(i int) []any) error {
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := 0; i < n; i++ {
		if _, err := st.ExecContext(ctx, args(i)...); err != nil {
			return err
		}
	}
	return nil
}

// bulkStmts runs the statements made for each row of a batch in tx,
// preparing each distinct query once.
func (s *Store) bulkStmts(ctx context.Context, tx *sql.Tx, n int, stmts func(i int) []Stmt) error {
	prepared := map[string]*sql.Stmt{}
	defer func() {
		for _, st := range prepared {
			st.Close()
		}
	}()
	for i := 0; i < n; i++ {
		for _, x := range stmts(i) {
			st := prepared[x.Query]
			if st == nil {
				var err error
				if st, err = tx.PrepareContext(ctx, s.q(x.Query)); err != nil {
					return err
				}
				prepared[x.Query] = st
			}
			if _, err := st.ExecContext(ctx, x.Args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// BulkInsertAccounts writes accounts: names in the directory, rows on
// their shards, entries in the search index.
func (s *Store) BulkInsertAccounts(ctx context.Context, list []BulkAccount) error {
	err := s.tx(ctx, s.c.Directory, func(tx *sql.Tx) error {
		steps := []struct {
			query string
			args  func(i int) []any
		}{
			{`INSERT INTO usernames (username, account_id) VALUES (?, ?)`, func(i int) []any { return []any{list[i].Account.Username, int64(list[i].Account.ID)} }},
			{`INSERT INTO emails (email, account_id) VALUES (?, ?)`, func(i int) []any { return []any{emailKey(list[i].Account.Email), int64(list[i].Account.ID)} }},
		}
		for _, st := range steps {
			if err := bulkExec(ctx, tx, s.q(st.query), len(list), st.args); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: bulk names: %w", err)
	}
	byDB := map[*DB][]BulkAccount{}
	for _, b := range list {
		db := s.of(b.Account.ID)
		byDB[db] = append(byDB[db], b)
	}
	for db, group := range byDB {
		err := s.tx(ctx, db, func(tx *sql.Tx) error {
			return bulkExec(ctx, tx, s.q(`INSERT INTO accounts (id, shard, username, email, password_hash, display_name, bio, created_at, followers_count, following_count, posts_count)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), len(group), func(i int) []any {
				a := group[i].Account
				return []any{int64(a.ID), a.ID.Shard(), a.Username, a.Email, group[i].PasswordHash, a.DisplayName, a.Bio, ms(a.CreatedAt), a.FollowersCount, a.FollowingCount, a.PostsCount}
			})
		})
		if err != nil {
			return fmt.Errorf("sqlstore: bulk accounts: %w", err)
		}
	}
	err = s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		steps := []struct {
			query string
			args  func(i int) []any
		}{
			{`INSERT INTO search_accounts (id, username, display_name) VALUES (?, ?, ?)`, func(i int) []any {
				e := list[i].Entry
				return []any{int64(e.ID), e.Username, e.DisplayName}
			}},
		}
		for _, st := range steps {
			if err := bulkExec(ctx, tx, s.q(st.query), len(list), st.args); err != nil {
				return err
			}
		}
		return s.bulkStmts(ctx, tx, len(list), func(i int) []Stmt {
			e := list[i].Entry
			return s.text().PutAccountText(int64(e.ID), accountWords(e), e.TypoKeys)
		})
	})
	if err != nil {
		return fmt.Errorf("sqlstore: bulk account index: %w", err)
	}
	return nil
}

// BulkInsertTags writes hashtags with their counters (and no posts).
func (s *Store) BulkInsertTags(ctx context.Context, tags []*pinhole.Tag, created time.Time) error {
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		return bulkExec(ctx, tx, s.q(`INSERT INTO tags (name, uses, last_used_at, created_at) VALUES (?, ?, ?, ?)`), len(tags), func(i int) []any {
			return []any{tags[i].Name, tags[i].Uses, ms(tags[i].LastUsedAt), ms(created)}
		})
	})
	if err != nil {
		return fmt.Errorf("sqlstore: bulk tags: %w", err)
	}
	return nil
}

// BulkInsertPlaces writes places with their name index.
func (s *Store) BulkInsertPlaces(ctx context.Context, places []*pinhole.Place) error {
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		err := bulkExec(ctx, tx, s.q(`INSERT INTO places (`+placeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), len(places), func(i int) []any {
			p := places[i]
			return []any{int64(p.ID), p.Name, p.Lat, p.Lon, p.Geohash, int64(p.CreatedBy), ms(p.CreatedAt), p.PostsCount}
		})
		if err != nil {
			return err
		}
		return s.bulkStmts(ctx, tx, len(places), func(i int) []Stmt {
			return s.text().PutPlaceName(int64(places[i].ID), places[i].Name)
		})
	})
	if err != nil {
		return fmt.Errorf("sqlstore: bulk places: %w", err)
	}
	return nil
}

// CountRows counts a table of the search index (for the generator's
// resume check).
func (s *Store) CountRows(ctx context.Context, table string) (int64, error) {
	switch table {
	case "search_accounts", "tags", "places":
	default:
		return 0, fmt.Errorf("sqlstore: count: unknown table %q", table)
	}
	var n int64
	if err := s.reader(ctx, s.index()).QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count %s: %w", table, err)
	}
	return n, nil
}
