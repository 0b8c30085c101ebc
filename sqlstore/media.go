package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pinhole/pinhole"
)

var _ pinhole.MediaStore = (*Store)(nil)

const mediaCols = `id, owner_id, post_id, position, state, description, width, height, blurhash, variants, created_at,
	filter, filter_intensity, focus, crop, error, updated_at`

func scanMedia(row interface{ Scan(...any) error }) (*pinhole.Media, error) {
	var m pinhole.Media
	var variants, focus, crop string
	var created, updated int64
	if err := row.Scan(&m.ID, &m.OwnerID, &m.PostID, &m.Position, &m.State, &m.Description, &m.Width, &m.Height, &m.Blurhash, &variants, &created,
		&m.Filter, &m.FilterIntensity, &focus, &crop, &m.Error, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(variants), &m.Variants); err != nil {
		return nil, fmt.Errorf("media %d variants: %w", m.ID, err)
	}
	if focus != "" {
		if err := json.Unmarshal([]byte(focus), &m.Focus); err != nil {
			return nil, fmt.Errorf("media %d focus: %w", m.ID, err)
		}
	}
	if crop != "" {
		if err := json.Unmarshal([]byte(crop), &m.Crop); err != nil {
			return nil, fmt.Errorf("media %d crop: %w", m.ID, err)
		}
	}
	m.CreatedAt, m.UpdatedAt = fromMS(created), fromMS(updated)
	return &m, nil
}

// mediaValues are the columns a write sets from m besides its identity.
func mediaValues(m *pinhole.Media) (variants, focus, crop string, hasSource bool, err error) {
	v, err := json.Marshal(m.Variants)
	if err != nil {
		return "", "", "", false, err
	}
	if m.Focus != [2]float64{} {
		b, _ := json.Marshal(m.Focus)
		focus = string(b)
	}
	if m.Crop != [4]float64{} {
		b, _ := json.Marshal(m.Crop)
		crop = string(b)
	}
	_, hasSource = m.Source()
	return string(v), focus, crop, hasSource, nil
}

func (s *Store) CreateMedia(ctx context.Context, m *pinhole.Media) error {
	variants, focus, crop, hasSource, err := mediaValues(m)
	if err != nil {
		return fmt.Errorf("sqlstore: create media: %w", err)
	}
	_, err = s.execShard(ctx, m.ID.Shard(), `INSERT INTO media (id, shard, owner_id, post_id, position, state, description, width, height, blurhash, variants, created_at,
			filter, filter_intensity, focus, crop, error, has_source, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		int64(m.ID), m.ID.Shard(), int64(m.OwnerID), int64(m.PostID), m.Position, m.State, m.Description, m.Width, m.Height, m.Blurhash, variants, ms(m.CreatedAt),
		m.Filter, m.FilterIntensity, focus, crop, m.Error, hasSource, ms(m.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: create media: %w", err)
	}
	return nil
}

func (s *Store) FindMedia(ctx context.Context, id pinhole.ID) (*pinhole.Media, error) {
	m, err := scanMedia(s.lookup(ctx, s.of(id), s.q(`SELECT `+mediaCols+` FROM media WHERE id = ?`), int64(id)))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find media %d: %w", id, notFound(err, "Media %s not found.", id))
	}
	return m, nil
}

func (s *Store) UpdateMediaDescription(ctx context.Context, id pinhole.ID, description string) error {
	return s.exec1(ctx, id.Shard(), `UPDATE media SET description = ? WHERE id = ?`, "Media", id, description, int64(id))
}

func (s *Store) UpdateMedia(ctx context.Context, m *pinhole.Media, from ...string) error {
	variants, focus, crop, hasSource, err := mediaValues(m)
	if err != nil {
		return fmt.Errorf("sqlstore: update media: %w", err)
	}
	q := `UPDATE media SET state = ?, width = ?, height = ?, blurhash = ?, variants = ?, filter = ?, filter_intensity = ?,
		focus = ?, crop = ?, error = ?, has_source = ?, updated_at = ? WHERE id = ?`
	args := []any{m.State, m.Width, m.Height, m.Blurhash, variants, m.Filter, m.FilterIntensity, focus, crop, m.Error, hasSource, ms(m.UpdatedAt), int64(m.ID)}
	if len(from) > 0 {
		q += ` AND state IN (` + strings.TrimSuffix(strings.Repeat("?,", len(from)), ",") + `)`
		for _, st := range from {
			args = append(args, st)
		}
	}
	var state string
	err = s.txShard(ctx, m.ID.Shard(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(q), args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		return tx.QueryRowContext(ctx, s.q(`SELECT state FROM media WHERE id = ?`), int64(m.ID)).Scan(&state)
	})
	if state == "" && err == nil {
		return nil
	}
	if err == sql.ErrNoRows {
		return pinhole.Errorf(pinhole.ENOTFOUND, "Media %s not found.", m.ID)
	} else if err != nil {
		return fmt.Errorf("sqlstore: update media %d: %w", m.ID, err)
	}
	return pinhole.Errorf(pinhole.ECONFLICT, "Media %s is %s.", m.ID, state)
}

func (s *Store) DeleteMedia(ctx context.Context, id pinhole.ID) error {
	return s.exec1(ctx, id.Shard(), `DELETE FROM media WHERE id = ? AND post_id = 0`, "Unattached media", id, int64(id))
}

func (s *Store) ListMedia(ctx context.Context, f pinhole.MediaFilter) ([]*pinhole.Media, error) {
	var conds []string
	var args []any
	if f.Unattached {
		conds = append(conds, `post_id = 0`)
	}
	if f.Attached {
		conds = append(conds, `post_id <> 0`)
	}
	if f.WithSource {
		conds = append(conds, `has_source = ?`)
		args = append(args, true)
	}
	if len(f.States) > 0 {
		conds = append(conds, `state IN (`+strings.TrimSuffix(strings.Repeat("?,", len(f.States)), ",")+`)`)
		for _, st := range f.States {
			args = append(args, st)
		}
	}
	if !f.CreatedBefore.IsZero() {
		conds = append(conds, `created_at < ?`)
		args = append(args, ms(f.CreatedBefore))
	}
	if !f.UpdatedBefore.IsZero() {
		conds = append(conds, `updated_at < ?`)
		args = append(args, ms(f.UpdatedBefore))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + mediaCols + ` FROM media`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += fmt.Sprintf(` ORDER BY id LIMIT %d`, limit)
	var out []*pinhole.Media
	for _, db := range s.allDBs() {
		rows, err := s.reader(ctx, db).QueryContext(ctx, s.q(q), args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list media: %w", err)
		}
		for rows.Next() {
			m, err := scanMedia(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: list media: %w", err)
			}
			out = append(out, m)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list media: %w", err)
		}
	}
	return out, nil
}
