package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pinhole/pinhole"
)

var _ pinhole.NotificationStore = (*Store)(nil)

const notificationCols = `id, account_id, type, from_account_id, post_id, event_id, created_at`

func scanNotification(row interface{ Scan(...any) error }) (*pinhole.Notification, error) {
	var n pinhole.Notification
	var created int64
	if err := row.Scan(&n.ID, &n.AccountID, &n.Type, &n.FromID, &n.PostID, &n.EventID, &created); err != nil {
		return nil, err
	}
	n.CreatedAt = fromMS(created)
	return &n, nil
}

func (s *Store) AddNotification(ctx context.Context, n *pinhole.Notification) (bool, error) {
	var created bool
	err := s.txShard(ctx, n.AccountID.Shard(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO notifications (`+notificationCols+`, shard) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			int64(n.ID), int64(n.AccountID), n.Type, int64(n.FromID), int64(n.PostID), int64(n.EventID), ms(n.CreatedAt), n.AccountID.Shard())
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil
		}
		created = true
		_, err = tx.ExecContext(ctx, s.q(`UPDATE accounts SET unread_notifications = unread_notifications + 1 WHERE id = ?`), int64(n.AccountID))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: add notification: %w", err)
	}
	return created, nil
}

func (s *Store) ListNotifications(ctx context.Context, account pinhole.ID, f pinhole.NotificationFilter, page pinhole.Page) ([]*pinhole.Notification, error) {
	where, args, order := pageWhere("id", page)
	q := `SELECT ` + notificationCols + ` FROM notifications WHERE account_id = ?` + where
	qargs := append([]any{int64(account)}, args...)
	if len(f.Types) > 0 {
		q += ` AND type IN (` + strings.TrimSuffix(strings.Repeat("?,", len(f.Types)), ",") + `)`
		for _, t := range f.Types {
			qargs = append(qargs, t)
		}
	}
	if len(f.ExcludeTypes) > 0 {
		q += ` AND type NOT IN (` + strings.TrimSuffix(strings.Repeat("?,", len(f.ExcludeTypes)), ",") + `)`
		for _, t := range f.ExcludeTypes {
			qargs = append(qargs, t)
		}
	}
	rows, err := s.reader(ctx, s.of(account)).QueryContext(ctx, s.q(q+` ORDER BY `+order+` LIMIT ?`), append(qargs, page.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list notifications: %w", err)
	}
	defer rows.Close()
	var out []*pinhole.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list notifications: %w", err)
		}
		out = append(out, n)
	}
	if ascending(page) {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

func (s *Store) FindNotification(ctx context.Context, account, id pinhole.ID) (*pinhole.Notification, error) {
	n, err := scanNotification(s.reader(ctx, s.of(account)).QueryRowContext(ctx, s.q(`SELECT `+notificationCols+` FROM notifications WHERE account_id = ? AND id = ?`), int64(account), int64(id)))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find notification: %w", notFound(err, "Notification %s not found.", id))
	}
	return n, nil
}

func (s *Store) DismissNotification(ctx context.Context, account, id pinhole.ID) error {
	return s.exec1(ctx, account.Shard(), `DELETE FROM notifications WHERE account_id = ? AND id = ?`, "Notification", id, int64(account), int64(id))
}

func (s *Store) ClearNotifications(ctx context.Context, account pinhole.ID) error {
	err := s.txShard(ctx, account.Shard(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM notifications WHERE account_id = ?`), int64(account)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE accounts SET unread_notifications = 0 WHERE id = ?`), int64(account))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: clear notifications: %w", err)
	}
	return nil
}

func (s *Store) MarkNotificationsRead(ctx context.Context, account pinhole.ID) error {
	if _, err := s.execShard(ctx, account.Shard(), `UPDATE accounts SET unread_notifications = 0 WHERE id = ?`, int64(account)); err != nil {
		return fmt.Errorf("sqlstore: mark notifications read: %w", err)
	}
	return nil
}

func (s *Store) UnreadNotifications(ctx context.Context, account pinhole.ID) (int64, error) {
	var n int64
	err := s.reader(ctx, s.of(account)).QueryRowContext(ctx, s.q(`SELECT unread_notifications FROM accounts WHERE id = ?`), int64(account)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: unread notifications: %w", notFound(err, "Account %s not found.", account))
	}
	return n, nil
}
