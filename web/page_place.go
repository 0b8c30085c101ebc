package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/search"
)

// Place pages: a place's posts under a small map of what is around it,
// and places near a point. The maps are SVG drawn here from coordinates:
// no tile server, nothing fetched from elsewhere (the CSP allows none).

const (
	placeMapKM     = 2.0 // the place page's map shows this far around
	placeMapPoints = 12  // neighbours drawn on it
)

// placePage is a place with its map and a grid of its posts.
type placePage struct {
	Place  *pinhole.Place
	Coords string // "48.85660° N, 2.35220° E"
	OSM    string // the place on OpenStreetMap, for directions
	Map    *svgMap
	Cards  []postCard
	Next   string
	Cursor bool
}

func (s *Server) pagePlace(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.svc.Search.Place(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	near, err := s.svc.Search.Nearby(r.Context(), p.Lat, p.Lon, placeMapKM, placeMapPoints+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	maxID := cursor(r, "max_id")
	views, err := s.svc.Search.PlaceTimeline(r.Context(), viewerOf(r).accountID(), p.ID, pinhole.Page{MaxID: maxID, Limit: gridPageSize + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, more := morePage(views, gridPageSize)
	d := placePage{Place: p, Coords: coords(p.Lat, p.Lon), Map: newSVGMap(p.Lat, p.Lon, placeMapKM, p.ID, near, false),
		OSM:   fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=16/%.6f/%.6f", p.Lat, p.Lon, p.Lat, p.Lon),
		Cards: s.cards(r, views), Cursor: maxID != 0}
	if more {
		d.Next = placePath(p) + "?max_id=" + views[len(views)-1].Post.ID.String()
	}
	s.renderPage(w, r, http.StatusOK, "place", pageData{Title: p.Name, Data: d})
}

// nearbyPage is the "places near a point" form and its answer.
type nearbyPage struct {
	Lat, Lon, Radius string // as typed, to refill the form
	Searched         bool
	Results          []nearbyItem
	Map              *svgMap
}

// nearbyItem is a place found near the point, with its distance in words.
type nearbyItem struct {
	*pinhole.Place
	Distance string
}

func (s *Server) pageNearby(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := nearbyPage{Lat: q.Get("lat"), Lon: q.Get("lon"), Radius: q.Get("radius_km")}
	if d.Radius == "" {
		d.Radius = strconv.FormatFloat(pinhole.DefaultNearbyRadiusKM, 'f', -1, 64)
	}
	if d.Lat == "" && d.Lon == "" {
		s.renderPage(w, r, http.StatusOK, "nearby", pageData{Title: "Places nearby", Data: d})
		return
	}
	p := &params{v: q}
	lat, err := p.floatParam("lat", "48.8566")
	var lon, radius float64
	if err == nil {
		lon, err = p.floatParam("lon", "2.3522")
	}
	if err == nil {
		if radius, err = strconv.ParseFloat(d.Radius, 64); err != nil {
			err = pinhole.Errorf(pinhole.EINVALID, "The radius must be a number of kilometres, like 2.5.")
		}
	}
	var found []pinhole.NearbyPlace
	if err == nil {
		found, err = s.svc.Search.Nearby(r.Context(), lat, lon, radius, pinhole.MaxSearchResults)
	}
	if err != nil {
		if pinhole.ErrorCode(err) != pinhole.EINVALID {
			s.fail(w, r, err)
			return
		}
		s.renderPage(w, r, http.StatusUnprocessableEntity, "nearby", pageData{Title: "Places nearby", Data: d, Error: pinhole.ErrorMessage(err)})
		return
	}
	d.Searched = true
	for _, n := range found {
		d.Results = append(d.Results, nearbyItem{Place: n.Place, Distance: distance(n.DistanceKM)})
	}
	d.Map = newSVGMap(lat, lon, radius, 0, found, true)
	s.renderPage(w, r, http.StatusOK, "nearby", pageData{Title: "Places nearby", Data: d})
}

// coords writes a point in degrees with hemispheres.
func coords(lat, lon float64) string {
	ns, ew := "N", "E"
	if lat < 0 {
		ns = "S"
	}
	if lon < 0 {
		ew = "W"
	}
	return fmt.Sprintf("%.5f° %s, %.5f° %s", math.Abs(lat), ns, math.Abs(lon), ew)
}

// distance writes a distance the way people say it.
func distance(km float64) string {
	switch {
	case km < 1:
		return fmt.Sprintf("%d m", int(math.Round(km*1000/10)*10))
	case km < 10:
		return fmt.Sprintf("%.1f km", km)
	}
	return fmt.Sprintf("%d km", int(math.Round(km)))
}

// svgMap is a small map drawn as SVG: points around a centre, projected
// flat (fine at a few kilometres), with the search circle and a scale bar.
type svgMap struct {
	Width, Height int
	CX, CY        float64 // the centre
	Radius        float64 // the circle, in pixels; 0 for none
	Points        []mapPoint
	ScalePx       float64
	ScaleLabel    string
}

// mapPoint is a place on the map.
type mapPoint struct {
	X, Y    float64
	Name    string
	URL     string
	Current bool // the place whose page this is
}

// newSVGMap draws places within km of a centre. The place current (if
// any) is highlighted; circle draws the radius searched.
func newSVGMap(lat, lon, km float64, current pinhole.ID, places []pinhole.NearbyPlace, circle bool) *svgMap {
	m := &svgMap{Width: 600, Height: 300}
	m.CX, m.CY = float64(m.Width)/2, float64(m.Height)/2
	pxPerKM := (m.CY - 12) / km
	if circle {
		m.Radius = km * pxPerKM
	}
	for _, p := range places {
		dx := search.DistanceKM(lat, lon, lat, p.Lon) * math.Copysign(1, wrapLon(p.Lon-lon))
		dy := search.DistanceKM(lat, lon, p.Lat, lon) * math.Copysign(1, p.Lat-lat)
		m.Points = append(m.Points, mapPoint{
			X: round1(m.CX + dx*pxPerKM), Y: round1(m.CY - dy*pxPerKM),
			Name: p.Name, URL: placePath(p.Place), Current: p.ID == current,
		})
	}
	// A scale bar of a round length near a quarter of the width.
	target := float64(m.Width) / 4 / pxPerKM
	step := math.Pow(10, math.Floor(math.Log10(target)))
	for _, f := range []float64{5, 2, 1} {
		if f*step <= target {
			step *= f
			break
		}
	}
	m.ScalePx, m.ScaleLabel = round1(step*pxPerKM), distance(step)
	return m
}

// wrapLon brings a longitude difference into -180..180.
func wrapLon(d float64) float64 {
	switch {
	case d > 180:
		return d - 360
	case d < -180:
		return d + 360
	}
	return d
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
