package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

// samePlaceKM is how close a place of the same name must be to be taken
// for the one being created.
const samePlaceKM = 0.1

// CreatePlace stores a new place, or returns the place of the same name
// already within samePlaceKM (created is false then), so that members
// tagging the same café end up on one page.
func (s *Service) CreatePlace(ctx context.Context, author pinhole.ID, in pinhole.NewPlace) (p *pinhole.Place, created bool, err error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	near, err := s.nearbyWithin(ctx, in.Lat, in.Lon, samePlaceKM)
	if err != nil {
		return nil, false, err
	}
	same, err := s.loadNearby(ctx, near)
	if err != nil {
		return nil, false, err
	}
	for _, n := range same {
		if strings.EqualFold(n.Name, in.Name) {
			return n.Place, false, nil
		}
	}
	ok, wait, err := s.limiter.Allow(ctx, fmt.Sprintf("place:account:%d", author), s.cfg.PlaceRate)
	if err != nil {
		return nil, false, fmt.Errorf("search: rate limit: %w", err)
	}
	if !ok {
		return nil, false, &pinhole.Error{Code: pinhole.ERATELIMITED, RetryAfter: wait,
			Message: fmt.Sprintf("You have created many places lately; try again in %d seconds.", int(wait.Seconds())+1)}
	}
	p = &pinhole.Place{ID: s.ids.Next(0), Name: in.Name, Lat: in.Lat, Lon: in.Lon, Geohash: Geohash(in.Lat, in.Lon, GeohashPrecision),
		CreatedBy: author, CreatedAt: s.now().UTC()}
	if err := s.store.CreatePlace(ctx, p); err != nil {
		return nil, false, err
	}
	return p, true, nil
}

// Place returns a place with its current count.
func (s *Service) Place(ctx context.Context, id pinhole.ID) (*pinhole.Place, error) {
	found, err := s.store.FindPlaces(ctx, []pinhole.ID{id})
	if err != nil {
		return nil, err
	}
	p := found[id]
	if p == nil {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Place %s not found.", id)
	}
	return p, nil
}

// Places returns those of ids that exist, through a short-lived cache
// (for posts, which show a place's name, not its count).
func (s *Service) Places(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Place, error) {
	out := make(map[pinhole.ID]*pinhole.Place, len(ids))
	var miss []pinhole.ID
	for _, id := range ids {
		if p, ok := s.places.Get(id); ok {
			out[id] = p
		} else if id != 0 {
			miss = append(miss, id)
		}
	}
	if len(miss) == 0 {
		return out, nil
	}
	found, err := s.store.FindPlaces(ctx, miss)
	if err != nil {
		return nil, err
	}
	for id, p := range found {
		s.places.Set(id, p)
		out[id] = p
	}
	return out, nil
}

// Nearby returns up to limit places within radiusKM of a point, nearest
// first. It reads growing circles (a quarter of the radius, then four
// times that…) through the geohash cells covering each, and stops at the
// first circle that holds limit places: those are the nearest, since every
// place inside a circle was read. A dense city stops at a small circle of
// small cells; an empty region costs a few index ranges of large ones.
func (s *Service) Nearby(ctx context.Context, lat, lon, radiusKM float64, limit int) ([]pinhole.NearbyPlace, error) {
	if err := pinhole.ValidateCoordinates(lat, lon); err != nil {
		return nil, err
	}
	if math.IsNaN(radiusKM) || radiusKM <= 0 || radiusKM > pinhole.MaxNearbyRadiusKM {
		return nil, pinhole.Errorf(pinhole.EINVALID, "radius_km must be more than 0 and at most %g.", pinhole.MaxNearbyRadiusKM)
	}
	limit = min(max(limit, 1), pinhole.MaxSearchResults)
	rings := []float64{radiusKM}
	for r := radiusKM / 4; r >= 0.5 && len(rings) < 4; r /= 4 {
		rings = append([]float64{r}, rings...)
	}
	for _, r := range rings {
		found, err := s.nearbyWithin(ctx, lat, lon, r)
		if err != nil {
			return nil, err
		}
		if len(found) >= limit || r == radiusKM {
			return s.loadNearby(ctx, page(found, limit, 0))
		}
	}
	return nil, nil // not reached: the last ring is the radius
}

// nearPoint is a place found within a circle, before it is loaded.
type nearPoint struct {
	pinhole.PlacePoint
	km float64
}

// nearbyWithin returns every place within r km of a point, nearest first,
// reading the cell index only.
func (s *Service) nearbyWithin(ctx context.Context, lat, lon, r float64) ([]nearPoint, error) {
	list, err := s.store.PlacePointsInCells(ctx, coveringCells(lat, lon, r), s.cfg.NearbyReadLimit)
	if err != nil {
		return nil, err
	}
	var out []nearPoint
	for _, p := range list {
		if d := DistanceKM(lat, lon, p.Lat, p.Lon); d <= r {
			out = append(out, nearPoint{p, d})
		}
	}
	slices.SortFunc(out, func(a, b nearPoint) int {
		if c := cmp.Compare(a.km, b.km); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// loadNearby loads the places found, keeping their order.
func (s *Service) loadNearby(ctx context.Context, pts []nearPoint) ([]pinhole.NearbyPlace, error) {
	ids := make([]pinhole.ID, len(pts))
	for i, p := range pts {
		ids[i] = p.ID
	}
	found, err := s.store.FindPlaces(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]pinhole.NearbyPlace, 0, len(pts))
	for _, p := range pts {
		if pl := found[p.ID]; pl != nil {
			out = append(out, pinhole.NearbyPlace{Place: pl, DistanceKM: p.km})
		}
	}
	return out, nil
}

// PlaceTimeline lists the posts carrying a place as the viewer may see
// them, newest first.
func (s *Service) PlaceTimeline(ctx context.Context, viewer, id pinhole.ID, page pinhole.Page) ([]*posts.View, error) {
	if _, err := s.Place(ctx, id); err != nil {
		return nil, err
	}
	ids, err := s.store.PlacePostIDs(ctx, id, page.Normalize(pinhole.MaxPageLimit))
	if err != nil {
		return nil, err
	}
	return s.posts.Hydrate(ctx, viewer, ids)
}

// SearchPlaces finds places by the words of their name, most used first.
func (s *Service) SearchPlaces(ctx context.Context, raw string, limit, offset int) ([]*pinhole.Place, error) {
	words := parseQuery(raw).indexWords()
	if len(words) == 0 || limit <= 0 {
		return nil, nil
	}
	list, err := s.store.SearchPlaces(ctx, words, limit+offset)
	if err != nil {
		return nil, err
	}
	return page(list, limit, offset), nil
}
