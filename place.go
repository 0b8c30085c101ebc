package pinhole

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on places.
const (
	MaxPlaceNameLen       = 100
	MaxNearbyRadiusKM     = 500.0
	DefaultNearbyRadiusKM = 5.0
)

// Place is a named point on Earth that posts can carry. Places are global
// (like hashtags): anyone may tag a post with any place.
type Place struct {
	ID         ID
	Name       string
	Lat, Lon   float64 // degrees (WGS 84)
	Geohash    string  // the cell index nearby queries look up
	CreatedBy  ID
	CreatedAt  time.Time
	PostsCount int64
}

// PlacePoint is where a place is: what a nearby query reads from the
// cell index before it loads the few places it answers with.
type PlacePoint struct {
	ID       ID
	Lat, Lon float64
}

// NearbyPlace is a place found around a point.
type NearbyPlace struct {
	*Place
	DistanceKM float64
}

// NewPlace is what a member submits.
type NewPlace struct {
	Name     string
	Lat, Lon float64
}

// Validate trims the name and checks the coordinates.
func (n *NewPlace) Validate() error {
	n.Name = strings.Join(strings.Fields(n.Name), " ")
	switch {
	case n.Name == "":
		return Errorf(EINVALID, "name is required: what is this place called?")
	case !utf8.ValidString(n.Name):
		return Errorf(EINVALID, "name must be valid UTF-8 text.")
	case utf8.RuneCountInString(n.Name) > MaxPlaceNameLen:
		return Errorf(EINVALID, "name must be at most %d characters.", MaxPlaceNameLen)
	case strings.ContainsFunc(n.Name, isControl):
		return Errorf(EINVALID, "name cannot contain control characters.")
	}
	return ValidateCoordinates(n.Lat, n.Lon)
}

// ValidateCoordinates refuses points that cannot be on Earth.
func ValidateCoordinates(lat, lon float64) error {
	if math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90 {
		return Errorf(EINVALID, "lat must be a latitude in degrees between -90 and 90, not %v.", lat)
	}
	if math.IsNaN(lon) || math.IsInf(lon, 0) || lon < -180 || lon > 180 {
		return Errorf(EINVALID, "lon must be a longitude in degrees between -180 and 180, not %v.", lon)
	}
	return nil
}

// PlaceStore persists places, indexed by a geohash cell for nearby
// queries and by name for search, and which posts carry each place.
type PlaceStore interface {
	// CreatePlace stores a new place with its geohash.
	CreatePlace(ctx context.Context, p *Place) error
	// FindPlaces returns those of ids that exist.
	FindPlaces(ctx context.Context, ids []ID) (map[ID]*Place, error)
	// PlacePointsInCells returns at most limit places whose geohash starts
	// with one of cells: ranges of the cell index, never a scan of every
	// place.
	PlacePointsInCells(ctx context.Context, cells []string, limit int) ([]PlacePoint, error)
	// SearchPlaces returns places whose name has every one of words (the
	// last one as a prefix), most used first.
	SearchPlaces(ctx context.Context, words []string, limit int) ([]*Place, error)
	// PlacePostIDs lists the posts carrying a place, newest first.
	PlacePostIDs(ctx context.Context, place ID, page Page) ([]ID, error)
}
