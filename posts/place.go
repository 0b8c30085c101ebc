package posts

import (
	"context"

	"github.com/pinhole/pinhole"
)

// Places is what posts need of the search context, which owns places.
type Places interface {
	Places(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Place, error)
}

// UsePlaces lets posts carry places. Without it, place_id is refused.
func (s *Service) UsePlaces(p Places) { s.places = p }

// checkPlace refuses a place that does not exist.
func (s *Service) checkPlace(ctx context.Context, id pinhole.ID) error {
	if id == 0 {
		return nil
	}
	if s.places == nil {
		return pinhole.Errorf(pinhole.EINVALID, "place_id: places are not available here.")
	}
	found, err := s.places.Places(ctx, []pinhole.ID{id})
	if err != nil {
		return err
	}
	if found[id] == nil {
		return pinhole.Errorf(pinhole.EINVALID, "place_id: place %s does not exist; create it with POST /api/pinhole/v1/places or find one with GET /api/pinhole/v1/places/nearby.", id)
	}
	return nil
}

// attachPlaces fills in the places of hydrated posts.
func (s *Service) attachPlaces(ctx context.Context, views []*View) error {
	if s.places == nil {
		return nil
	}
	var ids []pinhole.ID
	for _, v := range views {
		if v.Post.PlaceID != 0 {
			ids = append(ids, v.Post.PlaceID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := s.places.Places(ctx, ids)
	if err != nil {
		return err
	}
	for _, v := range views {
		v.Place = found[v.Post.PlaceID]
	}
	return nil
}
