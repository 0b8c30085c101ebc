package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pinhole/pinhole"
)

var _ pinhole.MediaStore = (*Store)(nil)

const mediaCols = `id, owner_id, post_id, position, state, description, width, height, blurhash, variants, created_at`

func scanMedia(row interface{ Scan(...any) error }) (*pinhole.Media, error) {
	var m pinhole.Media
	var variants string
	var created int64
	if err := row.Scan(&m.ID, &m.OwnerID, &m.PostID, &m.Position, &m.State, &m.Description, &m.Width, &m.Height, &m.Blurhash, &variants, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(variants), &m.Variants); err != nil {
		return nil, fmt.Errorf("media %d variants: %w", m.ID, err)
	}
	m.CreatedAt = fromMS(created)
	return &m, nil
}

func (s *Store) CreateMedia(ctx context.Context, m *pinhole.Media) error {
	variants, err := json.Marshal(m.Variants)
	if err != nil {
		return fmt.Errorf("sqlstore: create media: %w", err)
	}
	_, err = s.of(m.ID).Write.ExecContext(ctx, s.q(`INSERT INTO media (id, shard, owner_id, post_id, position, state, description, width, height, blurhash, variants, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		int64(m.ID), m.ID.Shard(), int64(m.OwnerID), int64(m.PostID), m.Position, m.State, m.Description, m.Width, m.Height, m.Blurhash, string(variants), ms(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: create media: %w", err)
	}
	return nil
}

func (s *Store) FindMedia(ctx context.Context, id pinhole.ID) (*pinhole.Media, error) {
	m, err := scanMedia(s.of(id).Read.QueryRowContext(ctx, s.q(`SELECT `+mediaCols+` FROM media WHERE id = ?`), int64(id)))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find media %d: %w", id, notFound(err, "Media %s not found.", id))
	}
	return m, nil
}

func (s *Store) UpdateMediaDescription(ctx context.Context, id pinhole.ID, description string) error {
	return s.exec1(ctx, s.of(id), `UPDATE media SET description = ? WHERE id = ?`, "Media", id, description, int64(id))
}

func (s *Store) DeleteMedia(ctx context.Context, id pinhole.ID) error {
	return s.exec1(ctx, s.of(id), `DELETE FROM media WHERE id = ? AND post_id = 0`, "Unattached media", id, int64(id))
}
