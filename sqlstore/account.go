package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pinhole/pinhole"
)

var _ pinhole.AccountStore = (*Store)(nil)

const accountCols = `id, username, email, display_name, bio, avatar_media_id, locked, admin, created_at, posts_count, followers_count, following_count, last_post_at`

func scanAccount(row interface{ Scan(...any) error }) (*pinhole.Account, error) {
	var a pinhole.Account
	var created, lastPost int64
	if err := row.Scan(&a.ID, &a.Username, &a.Email, &a.DisplayName, &a.Bio, &a.AvatarMediaID, &a.Locked, &a.Admin,
		&created, &a.PostsCount, &a.FollowersCount, &a.FollowingCount, &lastPost); err != nil {
		return nil, err
	}
	a.CreatedAt, a.LastPostAt = fromMS(created), fromMS(lastPost)
	return &a, nil
}

// emailKey is the directory key of an address: unique regardless of case.
func emailKey(email string) string { return strings.ToLower(email) }

// CreateAccount reserves the username and e-mail in the directory, then
// writes the account on its shard. If the second step fails the
// reservation is released, so nothing is half-written.
func (s *Store) CreateAccount(ctx context.Context, a *pinhole.Account, passwordHash string, events ...pinhole.Event) error {
	if a.ID == 0 {
		return fmt.Errorf("sqlstore: create account: no ID")
	}
	dir := s.c.Directory
	err := s.tx(ctx, dir, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO usernames (username, account_id) VALUES (?, ?)`), a.Username, int64(a.ID)); err != nil {
			if s.d.IsUniqueViolation(err) {
				return pinhole.Errorf(pinhole.ECONFLICT, "Username %q is already taken.", a.Username)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO emails (email, account_id) VALUES (?, ?)`), emailKey(a.Email), int64(a.ID)); err != nil {
			if s.d.IsUniqueViolation(err) {
				return pinhole.Errorf(pinhole.ECONFLICT, "An account with that e-mail already exists.")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: create account: %w", err)
	}
	err = s.txShard(ctx, a.ID.Shard(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO accounts (id, shard, username, email, password_hash, display_name, bio, locked, admin, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			int64(a.ID), a.ID.Shard(), a.Username, a.Email, passwordHash, a.DisplayName, a.Bio, a.Locked, a.Admin, ms(a.CreatedAt))
		if err != nil {
			return err
		}
		// A new member's (empty) timeline is built from the start.
		if _, err = tx.ExecContext(ctx, s.q(`INSERT INTO timeline_state (owner_id, shard, built_at) VALUES (?, ?, ?)`), int64(a.ID), a.ID.Shard(), ms(a.CreatedAt)); err != nil {
			return err
		}
		return s.writeEvents(ctx, tx, events)
	})
	if err != nil {
		// Release the names this call reserved, and only those; with a
		// context that a cancelled request cannot stop.
		bg := context.WithoutCancel(ctx)
		_ = s.tx(bg, dir, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(bg, s.q(`DELETE FROM usernames WHERE username = ? AND account_id = ?`), a.Username, int64(a.ID)); err != nil {
				return err
			}
			_, err := tx.ExecContext(bg, s.q(`DELETE FROM emails WHERE email = ? AND account_id = ?`), emailKey(a.Email), int64(a.ID))
			return err
		})
		if s.d.IsUniqueViolation(err) {
			return pinhole.Errorf(pinhole.ECONFLICT, "Account %s already exists.", a.ID)
		}
		return fmt.Errorf("sqlstore: create account: %w", err)
	}
	s.kick(events)
	return nil
}

func (s *Store) FindAccount(ctx context.Context, id pinhole.ID) (*pinhole.Account, error) {
	row := s.lookup(ctx, s.of(id), s.q(`SELECT `+accountCols+` FROM accounts WHERE id = ?`), int64(id))
	a, err := scanAccount(row)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find account %d: %w", id, notFound(err, "Account %s not found.", id))
	}
	return a, nil
}

func (s *Store) FindAccounts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Account, error) {
	out := make(map[pinhole.ID]*pinhole.Account, len(ids))
	for db, group := range s.byDB(ids) {
		in, args := inList(group)
		rows, err := s.reader(ctx, db).QueryContext(ctx, s.q(`SELECT `+accountCols+` FROM accounts WHERE id IN (`+in+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: find accounts: %w", err)
		}
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: find accounts: %w", err)
			}
			out[a.ID] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlstore: find accounts: %w", err)
		}
	}
	return out, nil
}

// resolve looks a name up in the directory.
func (s *Store) resolve(ctx context.Context, table, col, key string) (pinhole.ID, error) {
	var id int64
	err := s.lookup(ctx, s.c.Directory, s.q(`SELECT account_id FROM `+table+` WHERE `+col+` = ?`), key).Scan(&id)
	if err != nil {
		return 0, notFound(err, "Account %.40q not found.", key)
	}
	return pinhole.ID(id), nil
}

func (s *Store) FindAccountByUsername(ctx context.Context, username string) (*pinhole.Account, error) {
	id, err := s.resolve(ctx, "usernames", "username", pinhole.NormalizeUsername(username))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find account by username: %w", err)
	}
	return s.FindAccount(ctx, id)
}

func (s *Store) FindLogin(ctx context.Context, login string) (*pinhole.Account, string, error) {
	var id pinhole.ID
	var err error
	if strings.Contains(login, "@") && !strings.HasPrefix(login, "@") {
		id, err = s.resolve(ctx, "emails", "email", emailKey(pinhole.NormalizeEmail(login)))
	} else {
		id, err = s.resolve(ctx, "usernames", "username", pinhole.NormalizeUsername(login))
	}
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: find login: %w", err)
	}
	var hash string
	row := s.lookup(ctx, s.of(id), s.q(`SELECT `+accountCols+`, password_hash FROM accounts WHERE id = ?`), int64(id))
	var a pinhole.Account
	var created, lastPost int64
	err = row.Scan(&a.ID, &a.Username, &a.Email, &a.DisplayName, &a.Bio, &a.AvatarMediaID, &a.Locked, &a.Admin,
		&created, &a.PostsCount, &a.FollowersCount, &a.FollowingCount, &lastPost, &hash)
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: find login: %w", notFound(err, "Account not found."))
	}
	a.CreatedAt, a.LastPostAt = fromMS(created), fromMS(lastPost)
	return &a, hash, nil
}

func (s *Store) UpdateAccount(ctx context.Context, id pinhole.ID, upd pinhole.AccountUpdate, events ...pinhole.Event) (*pinhole.Account, error) {
	var sets []string
	var args []any
	if upd.DisplayName != nil {
		sets, args = append(sets, "display_name = ?"), append(args, *upd.DisplayName)
	}
	if upd.Bio != nil {
		sets, args = append(sets, "bio = ?"), append(args, *upd.Bio)
	}
	if upd.Locked != nil {
		sets, args = append(sets, "locked = ?"), append(args, *upd.Locked)
	}
	if upd.AvatarMediaID != nil {
		sets, args = append(sets, "avatar_media_id = ?"), append(args, int64(*upd.AvatarMediaID))
	}
	if len(sets) > 0 {
		err := s.txShard(ctx, id.Shard(), func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, s.q(`UPDATE accounts SET `+strings.Join(sets, ", ")+` WHERE id = ?`), append(args, int64(id))...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return pinhole.Errorf(pinhole.ENOTFOUND, "Account %s not found.", id)
			}
			return s.writeEvents(ctx, tx, events)
		})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: update account %d: %w", id, err)
		}
		s.kick(events)
	}
	return s.FindAccount(ctx, id)
}

func (s *Store) SetAdmin(ctx context.Context, id pinhole.ID, admin bool) error {
	return s.exec1(ctx, id.Shard(), `UPDATE accounts SET admin = ? WHERE id = ?`, "Account", id, admin, int64(id))
}

func (s *Store) SetPasswordHash(ctx context.Context, id pinhole.ID, hash string) error {
	return s.exec1(ctx, id.Shard(), `UPDATE accounts SET password_hash = ? WHERE id = ?`, "Account", id, hash, int64(id))
}
