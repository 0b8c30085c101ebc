package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pinhole/pinhole"
)

var _ pinhole.PlaceStore = (*Store)(nil)

const placeCols = `id, name, lat, lon, geohash, created_by, created_at, posts_count`

func scanPlace(row interface{ Scan(...any) error }) (*pinhole.Place, error) {
	var p pinhole.Place
	var created int64
	if err := row.Scan(&p.ID, &p.Name, &p.Lat, &p.Lon, &p.Geohash, &p.CreatedBy, &created, &p.PostsCount); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

func scanPlaces(rows *sql.Rows) ([]*pinhole.Place, error) {
	defer rows.Close()
	var out []*pinhole.Place
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Store) CreatePlace(ctx context.Context, p *pinhole.Place) error {
	err := s.tx(ctx, s.index(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO places (`+placeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			int64(p.ID), p.Name, p.Lat, p.Lon, p.Geohash, int64(p.CreatedBy), ms(p.CreatedAt), p.PostsCount); err != nil {
			if s.d.IsUniqueViolation(err) {
				return pinhole.Errorf(pinhole.ECONFLICT, "Place %s already exists.", p.ID)
			}
			return err
		}
		return s.execAll(ctx, tx, s.text().PutPlaceName(int64(p.ID), p.Name))
	})
	if err != nil {
		return fmt.Errorf("sqlstore: create place: %w", err)
	}
	return nil
}

func (s *Store) FindPlaces(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Place, error) {
	out := make(map[pinhole.ID]*pinhole.Place, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(`SELECT `+placeCols+` FROM places WHERE id IN (`+in+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find places: %w", err)
	}
	list, err := scanPlaces(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find places: %w", err)
	}
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

func (s *Store) PlacePointsInCells(ctx context.Context, cells []string, limit int) ([]pinhole.PlacePoint, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	// One statement for every cell (the engine reads each range of the
	// index in turn): a statement costs more to run than a short range
	// does to read. The index holds (geohash, lat, lon, id), so no place
	// is looked up in the table.
	conds := make([]string, len(cells))
	args := make([]any, 0, 2*len(cells)+1)
	for i, c := range cells {
		conds[i] = `(geohash >= ? AND geohash < ?)`
		args = append(args, c, upperBound(c))
	}
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(`SELECT id, lat, lon FROM places WHERE `+strings.Join(conds, ` OR `)+` LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: places in %d cells: %w", len(cells), err)
	}
	defer rows.Close()
	var out []pinhole.PlacePoint
	for rows.Next() {
		var p pinhole.PlacePoint
		if err := rows.Scan(&p.ID, &p.Lat, &p.Lon); err != nil {
			return nil, fmt.Errorf("sqlstore: places in %d cells: %w", len(cells), err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// placeMatchCap bounds how many name matches are ranked by use.
const placeMatchCap = 2000

func (s *Store) SearchPlaces(ctx context.Context, words []string, limit int) ([]*pinhole.Place, error) {
	match, args, ok := s.text().PlacesWithWords(words)
	if !ok {
		return nil, nil
	}
	rows, err := s.reader(ctx, s.index()).QueryContext(ctx, s.q(`SELECT `+placeCols+` FROM places WHERE id IN (
		`+match+` LIMIT ?) ORDER BY posts_count DESC, id LIMIT ?`), append(args, placeMatchCap, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: search places: %w", err)
	}
	list, err := scanPlaces(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: search places: %w", err)
	}
	return list, nil
}

func (s *Store) PlacePostIDs(ctx context.Context, place pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	ids, err := s.listIDs(ctx, s.index(), `SELECT post_id FROM place_posts WHERE place_id = ?`, []any{int64(place)}, page, "post_id", false)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: posts at place %d: %w", place, err)
	}
	return ids, nil
}
