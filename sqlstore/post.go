package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.PostStore = (*Store)(nil)

const postCols = `id, author_id, caption, in_reply_to_id, in_reply_to_account_id, created_at, likes_count, replies_count, place_id`

func (s *Store) CreatePost(ctx context.Context, p *pinhole.Post, events ...pinhole.Event) error {
	err := s.txShard(ctx, p.ID.Shard(), func(tx *sql.Tx) error {
		thread := int64(0)
		if p.InReplyToID != 0 {
			if p.InReplyToID.Shard() != p.ID.Shard() {
				return fmt.Errorf("comment %d not on its post's shard", p.ID)
			}
			var parentAuthor, parentThread int64
			err := tx.QueryRowContext(ctx, s.q(`SELECT author_id, thread_id FROM posts WHERE id = ?`), int64(p.InReplyToID)).Scan(&parentAuthor, &parentThread)
			if err != nil {
				return notFound(err, "The post you are replying to (%s) does not exist.", p.InReplyToID)
			}
			p.InReplyToAccountID = pinhole.ID(parentAuthor)
			thread = parentThread
			if thread == 0 {
				thread = int64(p.InReplyToID)
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE posts SET replies_count = replies_count + 1 WHERE id = ?`), int64(p.InReplyToID)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO posts (id, shard, author_id, caption, in_reply_to_id, in_reply_to_account_id, thread_id, created_at, place_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			int64(p.ID), p.ID.Shard(), int64(p.AuthorID), p.Caption, int64(p.InReplyToID), int64(p.InReplyToAccountID), thread, ms(p.CreatedAt), int64(p.PlaceID)); err != nil {
			return err
		}
		for i, m := range p.Media {
			res, err := tx.ExecContext(ctx, s.q(`UPDATE media SET post_id = ?, position = ? WHERE id = ? AND owner_id = ? AND post_id = 0 AND state = ?`),
				int64(p.ID), i, int64(m.ID), int64(p.AuthorID), pinhole.MediaReady)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return pinhole.Errorf(pinhole.EINVALID, "Photo %s cannot be attached: it does not exist, is not yours, is not ready, or is already in a post.", m.ID)
			}
			m.PostID, m.Position = p.ID, i
		}
		for _, tag := range p.Tags {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO post_tags (shard, post_id, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), p.ID.Shard(), int64(p.ID), tag); err != nil {
				return err
			}
		}
		for _, m := range p.Mentions {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO post_mentions (shard, post_id, account_id, username) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), p.ID.Shard(), int64(p.ID), int64(m.AccountID), m.Username); err != nil {
				return err
			}
		}
		if p.InReplyToID == 0 {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE accounts SET posts_count = posts_count + 1, last_post_at = ? WHERE id = ?`), ms(p.CreatedAt), int64(p.AuthorID)); err != nil {
				return err
			}
		}
		return s.writeEvents(ctx, tx, events)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: create post: %w", err)
	}
	s.kick(events)
	return nil
}

func (s *Store) FindPost(ctx context.Context, id pinhole.ID) (*pinhole.Post, error) {
	posts, err := s.FindPosts(ctx, []pinhole.ID{id})
	if err != nil {
		return nil, err
	}
	p, ok := posts[id]
	if !ok {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Post %s not found.", id)
	}
	return p, nil
}

func (s *Store) FindPosts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Post, error) {
	out := make(map[pinhole.ID]*pinhole.Post, len(ids))
	for db, group := range s.byDB(ids) {
		// One pool for the posts and their media, tags and mentions: two
		// replicas may lag by different amounts.
		pool := s.reader(ctx, db)
		if err := s.findPostsIn(ctx, pool, group, out); err != nil {
			return nil, fmt.Errorf("sqlstore: find posts: %w", err)
		}
		// Posts missing from a replica may be newer than it (replica.go).
		if miss := missing(group, out); len(miss) > 0 && pool != db.Primary && db.Primary != nil {
			if err := s.findPostsIn(ctx, db.Primary, miss, out); err != nil {
				return nil, fmt.Errorf("sqlstore: find posts: %w", err)
			}
		}
	}
	return out, nil
}

func (s *Store) findPostsIn(ctx context.Context, pool *Pool, ids []pinhole.ID, out map[pinhole.ID]*pinhole.Post) error {
	in, args := inList(ids)
	rows, err := pool.QueryContext(ctx, s.q(`SELECT `+postCols+` FROM posts WHERE id IN (`+in+`)`), args...)
	if err != nil {
		return err
	}
	found := 0
	for rows.Next() {
		var p pinhole.Post
		var created int64
		if err := rows.Scan(&p.ID, &p.AuthorID, &p.Caption, &p.InReplyToID, &p.InReplyToAccountID, &created, &p.LikesCount, &p.RepliesCount, &p.PlaceID); err != nil {
			rows.Close()
			return err
		}
		p.CreatedAt = fromMS(created)
		out[p.ID] = &p
		found++
	}
	rows.Close()
	if err := rows.Err(); err != nil || found == 0 {
		return err
	}
	rows, err = pool.QueryContext(ctx, s.q(`SELECT `+mediaCols+` FROM media WHERE post_id IN (`+in+`) ORDER BY post_id, position`), args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			rows.Close()
			return err
		}
		if p := out[m.PostID]; p != nil {
			p.Media = append(p.Media, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = pool.QueryContext(ctx, s.q(`SELECT post_id, 't', tag, 0 FROM post_tags WHERE post_id IN (`+in+`)
		UNION ALL SELECT post_id, 'm', username, account_id FROM post_mentions WHERE post_id IN (`+in+`)`), append(args, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var postID, accountID pinhole.ID
		var kind, value string
		if err := rows.Scan(&postID, &kind, &value, &accountID); err != nil {
			return err
		}
		p := out[postID]
		if p == nil {
			continue
		}
		if kind == "t" {
			p.Tags = append(p.Tags, value)
		} else {
			p.Mentions = append(p.Mentions, pinhole.Mention{AccountID: accountID, Username: value})
		}
	}
	for _, id := range ids {
		if p := out[id]; p != nil {
			sort.Strings(p.Tags)
		}
	}
	return rows.Err()
}

func (s *Store) DeletePost(ctx context.Context, id pinhole.ID, events ...pinhole.Event) ([]*pinhole.Media, error) {
	var deleted []*pinhole.Media
	err := s.txShard(ctx, id.Shard(), func(tx *sql.Tx) error {
		var author, parent, thread int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT author_id, in_reply_to_id, thread_id FROM posts WHERE id = ?`), int64(id)).Scan(&author, &parent, &thread)
		if err != nil {
			return notFound(err, "Post %s not found.", id)
		}
		ids, err := s.descendants(ctx, tx, id, pinhole.ID(thread))
		if err != nil {
			return err
		}
		in, args := inList(ids)
		rows, err := tx.QueryContext(ctx, s.q(`SELECT `+mediaCols+` FROM media WHERE post_id IN (`+in+`)`), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			m, err := scanMedia(rows)
			if err != nil {
				rows.Close()
				return err
			}
			deleted = append(deleted, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, table := range []string{"media", "likes", "post_tags", "post_mentions"} {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE post_id IN (`+in+`)`), args...); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM posts WHERE id IN (`+in+`)`), args...); err != nil {
			return err
		}
		if parent == 0 {
			_, err = tx.ExecContext(ctx, s.q(`UPDATE accounts SET posts_count = posts_count - 1 WHERE id = ? AND posts_count > 0`), author)
		} else {
			_, err = tx.ExecContext(ctx, s.q(`UPDATE posts SET replies_count = replies_count - 1 WHERE id = ? AND replies_count > 0`), parent)
		}
		if err != nil {
			return err
		}
		// The files outlive the rows: the deletion event names them.
		for i := range events {
			if events[i].Type == pinhole.EventPostDeleted {
				for _, m := range deleted {
					for _, v := range m.Variants {
						events[i].MediaKeys = append(events[i].MediaKeys, v.Key)
					}
				}
			}
		}
		return s.writeEvents(ctx, tx, events)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: delete post %d: %w", id, err)
	}
	s.kick(events)
	return deleted, nil
}

// descendants returns id and every comment under it: the whole thread for
// a post, the replies (at any depth) for a comment.
func (s *Store) descendants(ctx context.Context, tx *sql.Tx, id, thread pinhole.ID) ([]pinhole.ID, error) {
	root := thread
	if root == 0 {
		root = id
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id, in_reply_to_id FROM posts WHERE thread_id = ?`), int64(root))
	if err != nil {
		return nil, err
	}
	children := map[pinhole.ID][]pinhole.ID{}
	for rows.Next() {
		var c, p pinhole.ID
		if err := rows.Scan(&c, &p); err != nil {
			rows.Close()
			return nil, err
		}
		children[p] = append(children[p], c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if thread == 0 { // a post: its whole thread goes
		out := []pinhole.ID{id}
		for _, cs := range children {
			out = append(out, cs...)
		}
		return out, nil
	}
	out := []pinhole.ID{id}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out, nil
}

func (s *Store) listIDs(ctx context.Context, db *DB, query string, args []any, p pinhole.Page, col string, forceAsc bool) ([]pinhole.ID, error) {
	where, pargs, order := pageWhere(col, p)
	if forceAsc {
		order = col + " ASC"
	}
	rows, err := s.reader(ctx, db).QueryContext(ctx, s.q(query+where+` ORDER BY `+order+` LIMIT ?`), append(append(args, pargs...), p.Limit)...)
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
	if !forceAsc && ascending(p) {
		reverseIDs(out)
	}
	return out, rows.Err()
}

func (s *Store) ListAccountPosts(ctx context.Context, author pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	ids, err := s.listIDs(ctx, s.of(author), `SELECT id FROM posts WHERE author_id = ? AND thread_id = 0`, []any{int64(author)}, page, "id", false)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: posts of %d: %w", author, err)
	}
	return ids, nil
}

func (s *Store) ListReplies(ctx context.Context, postID pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	ids, err := s.listIDs(ctx, s.of(postID), `SELECT id FROM posts WHERE thread_id = ?`, []any{int64(postID)}, page, "id", true)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: replies to %d: %w", postID, err)
	}
	return ids, nil
}

func (s *Store) Like(ctx context.Context, postID, accountID pinhole.ID, now time.Time, events ...pinhole.Event) (bool, error) {
	var created bool
	err := s.txShard(ctx, postID.Shard(), func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM posts WHERE id = ?`), int64(postID)).Scan(&one); err != nil {
			return notFound(err, "Post %s not found.", postID)
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO likes (shard, post_id, account_id, id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			postID.Shard(), int64(postID), int64(accountID), int64(s.c.IDs.Next(postID.Shard())), ms(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			created = true
			if _, err = tx.ExecContext(ctx, s.q(`UPDATE posts SET likes_count = likes_count + 1 WHERE id = ?`), int64(postID)); err != nil {
				return err
			}
			return s.writeEvents(ctx, tx, events)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: like %d: %w", postID, err)
	}
	if created {
		s.kick(events)
	}
	return created, nil
}

func (s *Store) Unlike(ctx context.Context, postID, accountID pinhole.ID) (bool, error) {
	var removed bool
	err := s.txShard(ctx, postID.Shard(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM likes WHERE post_id = ? AND account_id = ?`), int64(postID), int64(accountID))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			removed = true
			_, err = tx.ExecContext(ctx, s.q(`UPDATE posts SET likes_count = likes_count - 1 WHERE id = ? AND likes_count > 0`), int64(postID))
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: unlike %d: %w", postID, err)
	}
	return removed, nil
}

func (s *Store) Liked(ctx context.Context, accountID pinhole.ID, postIDs []pinhole.ID) (map[pinhole.ID]bool, error) {
	out := map[pinhole.ID]bool{}
	for db, group := range s.byDB(postIDs) {
		in, args := inList(group)
		set, err := s.idSet(ctx, s.reader(ctx, db), `SELECT post_id FROM likes WHERE account_id = ? AND post_id IN (`+in+`)`, append([]any{int64(accountID)}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: liked: %w", err)
		}
		for id := range set {
			out[id] = true
		}
	}
	return out, nil
}

func (s *Store) ListLikers(ctx context.Context, postID pinhole.ID, page pinhole.Page) ([]pinhole.Edge, error) {
	return s.listEdges(ctx, "likes", "post_id", "account_id", postID, page)
}
