package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.GraphStore = (*Store)(nil)

// Every graph row is written on both accounts' shards, so that any
// question one account asks about its relationships is answered by its own
// shard alone.

func (s *Store) Follow(ctx context.Context, follower, followee pinhole.ID, now time.Time, events ...pinhole.Event) (bool, error) {
	var created bool
	err := s.tx2(ctx, follower.Shard(), followee.Shard(), func(tf, tt *sql.Tx) error {
		var err error
		if created, err = s.addFollow(ctx, tf, tt, follower, followee, now); err != nil || !created {
			return err
		}
		return s.writeEvents(ctx, tf, events)
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: follow %d->%d: %w", follower, followee, err)
	}
	if created {
		s.kick(events)
	}
	return created, nil
}

// addFollow writes both halves of a follow. Each half is idempotent and
// moves its own counter, so a retry after a partial failure repairs it.
func (s *Store) addFollow(ctx context.Context, tf, tt *sql.Tx, follower, followee pinhole.ID, now time.Time) (bool, error) {
	edge := s.c.IDs.Next(follower.Shard())
	res, err := tf.ExecContext(ctx, s.q(`INSERT INTO following (shard, follower_id, followee_id, id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		follower.Shard(), int64(follower), int64(followee), int64(edge), ms(now))
	if err != nil {
		return false, err
	}
	n1, _ := res.RowsAffected()
	if n1 > 0 {
		if _, err := tf.ExecContext(ctx, s.q(`UPDATE accounts SET following_count = following_count + 1 WHERE id = ?`), int64(follower)); err != nil {
			return false, err
		}
	}
	res, err = tt.ExecContext(ctx, s.q(`INSERT INTO followers (shard, followee_id, follower_id, id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		followee.Shard(), int64(followee), int64(follower), int64(edge), ms(now))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if _, err := tt.ExecContext(ctx, s.q(`UPDATE accounts SET followers_count = followers_count + 1 WHERE id = ?`), int64(followee)); err != nil {
			return false, err
		}
	}
	return n1 > 0, nil
}

// removeFollow deletes both halves of a follow and moves the counters.
func (s *Store) removeFollow(ctx context.Context, tf, tt *sql.Tx, follower, followee pinhole.ID) (bool, error) {
	res, err := tf.ExecContext(ctx, s.q(`DELETE FROM following WHERE follower_id = ? AND followee_id = ?`), int64(follower), int64(followee))
	if err != nil {
		return false, err
	}
	n1, _ := res.RowsAffected()
	if n1 > 0 {
		if _, err := tf.ExecContext(ctx, s.q(`UPDATE accounts SET following_count = following_count - 1 WHERE id = ? AND following_count > 0`), int64(follower)); err != nil {
			return false, err
		}
	}
	res, err = tt.ExecContext(ctx, s.q(`DELETE FROM followers WHERE followee_id = ? AND follower_id = ?`), int64(followee), int64(follower))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if _, err := tt.ExecContext(ctx, s.q(`UPDATE accounts SET followers_count = followers_count - 1 WHERE id = ? AND followers_count > 0`), int64(followee)); err != nil {
			return false, err
		}
	}
	return n1 > 0, nil
}

// removeRequest deletes both halves of a follow request.
func (s *Store) removeRequest(ctx context.Context, tFrom, tTo *sql.Tx, from, to pinhole.ID) (bool, error) {
	res, err := tTo.ExecContext(ctx, s.q(`DELETE FROM follow_requests_in WHERE to_id = ? AND from_id = ?`), int64(to), int64(from))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	if _, err := tFrom.ExecContext(ctx, s.q(`DELETE FROM follow_requests_out WHERE from_id = ? AND to_id = ?`), int64(from), int64(to)); err != nil {
		return false, err
	}
	return n > 0, nil
}

func (s *Store) Unfollow(ctx context.Context, follower, followee pinhole.ID, events ...pinhole.Event) (bool, error) {
	var removed bool
	err := s.tx2(ctx, follower.Shard(), followee.Shard(), func(tf, tt *sql.Tx) error {
		var err error
		removed, err = s.removeFollow(ctx, tf, tt, follower, followee)
		if err != nil {
			return err
		}
		// Unfollowing also withdraws a pending request.
		if _, err = s.removeRequest(ctx, tf, tt, follower, followee); err != nil || !removed {
			return err
		}
		return s.writeEvents(ctx, tf, events)
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: unfollow %d->%d: %w", follower, followee, err)
	}
	if removed {
		s.kick(events)
	}
	return removed, nil
}

func (s *Store) CreateFollowRequest(ctx context.Context, r *pinhole.FollowRequest, events ...pinhole.Event) error {
	if r.ID == 0 {
		r.ID = s.c.IDs.Next(r.To.Shard())
	}
	created := false
	err := s.tx2(ctx, r.To.Shard(), r.From.Shard(), func(tt, tf *sql.Tx) error {
		res, err := tt.ExecContext(ctx, s.q(`INSERT INTO follow_requests_in (shard, to_id, from_id, id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			r.To.Shard(), int64(r.To), int64(r.From), int64(r.ID), ms(r.CreatedAt))
		if err != nil {
			return err
		}
		if _, err := tf.ExecContext(ctx, s.q(`INSERT INTO follow_requests_out (shard, from_id, to_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
			r.From.Shard(), int64(r.From), int64(r.To)); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		created = true
		return s.writeEvents(ctx, tt, events)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: create follow request %d->%d: %w", r.From, r.To, err)
	}
	if created {
		s.kick(events)
	}
	return nil
}

func (s *Store) DeleteFollowRequest(ctx context.Context, from, to pinhole.ID) (bool, error) {
	var removed bool
	err := s.tx2(ctx, from.Shard(), to.Shard(), func(tf, tt *sql.Tx) error {
		var err error
		removed, err = s.removeRequest(ctx, tf, tt, from, to)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: delete follow request %d->%d: %w", from, to, err)
	}
	return removed, nil
}

func (s *Store) AcceptFollowRequest(ctx context.Context, from, to pinhole.ID, now time.Time, events ...pinhole.Event) error {
	err := s.tx2(ctx, from.Shard(), to.Shard(), func(tf, tt *sql.Tx) error {
		ok, err := s.removeRequest(ctx, tf, tt, from, to)
		if err != nil {
			return err
		}
		if !ok {
			return pinhole.Errorf(pinhole.ENOTFOUND, "No pending follow request from account %s.", from)
		}
		if _, err = s.addFollow(ctx, tf, tt, from, to, now); err != nil {
			return err
		}
		return s.writeEvents(ctx, tf, events)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: accept follow request %d->%d: %w", from, to, err)
	}
	s.kick(events)
	return nil
}

func (s *Store) ListFollowRequests(ctx context.Context, to pinhole.ID, page pinhole.Page) ([]*pinhole.FollowRequest, error) {
	where, args, order := pageWhere("id", page)
	rows, err := s.reader(ctx, s.of(to)).QueryContext(ctx, s.q(`SELECT id, from_id, created_at FROM follow_requests_in WHERE to_id = ?`+where+` ORDER BY `+order+` LIMIT ?`),
		append(append([]any{int64(to)}, args...), page.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list follow requests: %w", err)
	}
	defer rows.Close()
	var out []*pinhole.FollowRequest
	for rows.Next() {
		r := &pinhole.FollowRequest{To: to}
		var created int64
		if err := rows.Scan(&r.ID, &r.From, &created); err != nil {
			return nil, fmt.Errorf("sqlstore: list follow requests: %w", err)
		}
		r.CreatedAt = fromMS(created)
		out = append(out, r)
	}
	if ascending(page) {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

func (s *Store) Block(ctx context.Context, blocker, blocked pinhole.ID, now time.Time, events ...pinhole.Event) error {
	err := s.tx2(ctx, blocker.Shard(), blocked.Shard(), func(ta, tb *sql.Tx) error {
		if _, err := ta.ExecContext(ctx, s.q(`INSERT INTO blocks (shard, blocker_id, blocked_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			blocker.Shard(), int64(blocker), int64(blocked), ms(now)); err != nil {
			return err
		}
		if _, err := tb.ExecContext(ctx, s.q(`INSERT INTO blocked_by (shard, blocked_id, blocker_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
			blocked.Shard(), int64(blocked), int64(blocker)); err != nil {
			return err
		}
		if _, err := s.removeFollow(ctx, ta, tb, blocker, blocked); err != nil {
			return err
		}
		if _, err := s.removeFollow(ctx, tb, ta, blocked, blocker); err != nil {
			return err
		}
		if _, err := s.removeRequest(ctx, ta, tb, blocker, blocked); err != nil {
			return err
		}
		if _, err := s.removeRequest(ctx, tb, ta, blocked, blocker); err != nil {
			return err
		}
		return s.writeEvents(ctx, ta, events)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: block %d->%d: %w", blocker, blocked, err)
	}
	s.kick(events)
	return nil
}

func (s *Store) Unblock(ctx context.Context, blocker, blocked pinhole.ID) error {
	err := s.tx2(ctx, blocker.Shard(), blocked.Shard(), func(ta, tb *sql.Tx) error {
		if _, err := ta.ExecContext(ctx, s.q(`DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?`), int64(blocker), int64(blocked)); err != nil {
			return err
		}
		_, err := tb.ExecContext(ctx, s.q(`DELETE FROM blocked_by WHERE blocked_id = ? AND blocker_id = ?`), int64(blocked), int64(blocker))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: unblock %d->%d: %w", blocker, blocked, err)
	}
	return nil
}

// idSet runs a query returning one ID column and collects it.
func (s *Store) idSet(ctx context.Context, db *Pool, query string, args ...any) (map[pinhole.ID]bool, error) {
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[pinhole.ID]bool{}
	for rows.Next() {
		var id pinhole.ID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

func (s *Store) Relationships(ctx context.Context, viewer pinhole.ID, others []pinhole.ID) (map[pinhole.ID]*pinhole.Relationship, error) {
	out := make(map[pinhole.ID]*pinhole.Relationship, len(others))
	for _, id := range others {
		out[id] = &pinhole.Relationship{ID: id, ShowingReblogs: true}
	}
	if len(others) == 0 {
		return out, nil
	}
	db := s.reader(ctx, s.of(viewer))
	in, args := inList(others)
	v := int64(viewer)
	queries := []struct {
		sql string
		set func(r *pinhole.Relationship)
	}{
		{`SELECT followee_id FROM following WHERE follower_id = ? AND followee_id IN (` + in + `)`, func(r *pinhole.Relationship) { r.Following = true }},
		{`SELECT followee_id FROM following WHERE follower_id = ? AND notify AND followee_id IN (` + in + `)`, func(r *pinhole.Relationship) { r.Notifying = true }},
		{`SELECT follower_id FROM followers WHERE followee_id = ? AND follower_id IN (` + in + `)`, func(r *pinhole.Relationship) { r.FollowedBy = true }},
		{`SELECT to_id FROM follow_requests_out WHERE from_id = ? AND to_id IN (` + in + `)`, func(r *pinhole.Relationship) { r.Requested = true }},
		{`SELECT from_id FROM follow_requests_in WHERE to_id = ? AND from_id IN (` + in + `)`, func(r *pinhole.Relationship) { r.RequestedBy = true }},
		{`SELECT blocked_id FROM blocks WHERE blocker_id = ? AND blocked_id IN (` + in + `)`, func(r *pinhole.Relationship) { r.Blocking = true }},
		{`SELECT blocker_id FROM blocked_by WHERE blocked_id = ? AND blocker_id IN (` + in + `)`, func(r *pinhole.Relationship) { r.BlockedBy = true }},
	}
	for _, q := range queries {
		set, err := s.idSet(ctx, db, q.sql, append([]any{v}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: relationships of %d: %w", viewer, err)
		}
		for id := range set {
			q.set(out[id])
		}
	}
	return out, nil
}

func (s *Store) BlockedEither(ctx context.Context, viewer pinhole.ID, others []pinhole.ID) (map[pinhole.ID]bool, error) {
	out := map[pinhole.ID]bool{}
	if len(others) == 0 || viewer == 0 {
		return out, nil
	}
	in, args := inList(others)
	args = append(append(append([]any{int64(viewer)}, args...), int64(viewer)), args...)
	set, err := s.idSet(ctx, s.reader(ctx, s.of(viewer)), `SELECT blocked_id FROM blocks WHERE blocker_id = ? AND blocked_id IN (`+in+`)
		UNION SELECT blocker_id FROM blocked_by WHERE blocked_id = ? AND blocker_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: blocks of %d: %w", viewer, err)
	}
	for id := range set {
		out[id] = true
	}
	return out, nil
}

func (s *Store) listEdges(ctx context.Context, table, keyCol, valCol string, id pinhole.ID, page pinhole.Page) ([]pinhole.Edge, error) {
	where, args, order := pageWhere("id", page)
	rows, err := s.reader(ctx, s.of(id)).QueryContext(ctx, s.q(`SELECT id, `+valCol+` FROM `+table+` WHERE `+keyCol+` = ?`+where+` ORDER BY `+order+` LIMIT ?`),
		append(append([]any{int64(id)}, args...), page.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list %s of %d: %w", table, id, err)
	}
	defer rows.Close()
	var out []pinhole.Edge
	for rows.Next() {
		var e pinhole.Edge
		if err := rows.Scan(&e.ID, &e.AccountID); err != nil {
			return nil, fmt.Errorf("sqlstore: list %s of %d: %w", table, id, err)
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

func (s *Store) ListFollowers(ctx context.Context, id pinhole.ID, page pinhole.Page) ([]pinhole.Edge, error) {
	return s.listEdges(ctx, "followers", "followee_id", "follower_id", id, page)
}

func (s *Store) ListFollowing(ctx context.Context, id pinhole.ID, page pinhole.Page) ([]pinhole.Edge, error) {
	return s.listEdges(ctx, "following", "follower_id", "followee_id", id, page)
}

func (s *Store) FollowerIDs(ctx context.Context, id pinhole.ID, fn func(batch []pinhole.ID) error) error {
	const batch = 1000
	after := int64(0)
	for {
		rows, err := s.reader(ctx, s.of(id)).QueryContext(ctx, s.q(`SELECT follower_id FROM followers WHERE followee_id = ? AND follower_id > ? ORDER BY follower_id LIMIT ?`), int64(id), after, batch)
		if err != nil {
			return fmt.Errorf("sqlstore: followers of %d: %w", id, err)
		}
		ids := make([]pinhole.ID, 0, batch)
		for rows.Next() {
			var f pinhole.ID
			if err := rows.Scan(&f); err != nil {
				rows.Close()
				return fmt.Errorf("sqlstore: followers of %d: %w", id, err)
			}
			ids = append(ids, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlstore: followers of %d: %w", id, err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := fn(ids); err != nil {
			return err
		}
		if len(ids) < batch {
			return nil
		}
		after = int64(ids[len(ids)-1])
	}
}

func (s *Store) FollowingIDs(ctx context.Context, id pinhole.ID) ([]pinhole.ID, error) {
	rows, err := s.reader(ctx, s.of(id)).QueryContext(ctx, s.q(`SELECT followee_id FROM following WHERE follower_id = ?`), int64(id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: following of %d: %w", id, err)
	}
	defer rows.Close()
	var out []pinhole.ID
	for rows.Next() {
		var f pinhole.ID
		if err := rows.Scan(&f); err != nil {
			return nil, fmt.Errorf("sqlstore: following of %d: %w", id, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func (s *Store) SetNotify(ctx context.Context, follower, followee pinhole.ID, notify bool) error {
	err := s.tx2(ctx, follower.Shard(), followee.Shard(), func(tf, tt *sql.Tx) error {
		res, err := tf.ExecContext(ctx, s.q(`UPDATE following SET notify = ? WHERE follower_id = ? AND followee_id = ?`), notify, int64(follower), int64(followee))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pinhole.Errorf(pinhole.ENOTFOUND, "You do not follow account %s.", followee)
		}
		_, err = tt.ExecContext(ctx, s.q(`UPDATE followers SET notify = ? WHERE followee_id = ? AND follower_id = ?`), notify, int64(followee), int64(follower))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: set notify %d->%d: %w", follower, followee, err)
	}
	return nil
}

func (s *Store) NotifyFollowerIDs(ctx context.Context, id pinhole.ID) ([]pinhole.ID, error) {
	set, err := s.idSet(ctx, s.reader(ctx, s.of(id)), `SELECT follower_id FROM followers WHERE followee_id = ? AND notify`, int64(id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: notify followers of %d: %w", id, err)
	}
	out := make([]pinhole.ID, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	return out, nil
}
