package web

import (
	"math"
	"net/url"
	"strconv"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/search"
)

// The entities of discovery: Mastodon's Tag and v2 search result, and
// Pinhole's Place.

type tagEntityJSON struct {
	Name      string           `json:"name"`
	URL       string           `json:"url"`
	History   []tagHistoryJSON `json:"history"`
	Following *bool            `json:"following,omitempty"` // only for a logged-in viewer
}

// tagHistoryJSON is one day of use; Mastodon renders the numbers as
// strings.
type tagHistoryJSON struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// placeRefJSON is a place as a status carries it.
type placeRefJSON struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	URL  string  `json:"url"`
}

// placeJSON is a place on its own.
type placeJSON struct {
	placeRefJSON
	PostsCount int64    `json:"posts_count"`
	CreatedAt  string   `json:"created_at"`
	DistanceKM *float64 `json:"distance_km,omitempty"` // in nearby results
}

type searchJSON struct {
	Accounts []accountJSON   `json:"accounts"`
	Statuses []statusJSON    `json:"statuses"`
	Hashtags []tagEntityJSON `json:"hashtags"`
	Places   []placeJSON     `json:"places"` // Pinhole's addition
}

func (s *Server) tagURL(name string) string { return s.cfg.PublicURL + "/tags/" + url.PathEscape(name) }

func (s *Server) tagEntity(v *search.TagView, loggedIn bool) tagEntityJSON {
	out := tagEntityJSON{Name: v.Name, URL: s.tagURL(v.Name), History: make([]tagHistoryJSON, 0, len(v.History))}
	for _, d := range v.History {
		out.History = append(out.History, tagHistoryJSON{
			Day: strconv.FormatInt(d.Day.Unix(), 10), Uses: strconv.FormatInt(d.Uses, 10), Accounts: strconv.FormatInt(d.Accounts, 10),
		})
	}
	if loggedIn {
		f := v.Following
		out.Following = &f
	}
	return out
}

func (s *Server) tagEntities(views []*search.TagView, loggedIn bool) []tagEntityJSON {
	out := make([]tagEntityJSON, 0, len(views))
	for _, v := range views {
		out = append(out, s.tagEntity(v, loggedIn))
	}
	return out
}

func (s *Server) placeURL(p *pinhole.Place) string {
	return s.cfg.PublicURL + "/places/" + p.ID.String()
}

func (s *Server) placeRef(p *pinhole.Place) placeRefJSON {
	return placeRefJSON{ID: p.ID.String(), Name: p.Name, Lat: p.Lat, Lon: p.Lon, URL: s.placeURL(p)}
}

func (s *Server) placeEntity(p *pinhole.Place) placeJSON {
	return placeJSON{placeRefJSON: s.placeRef(p), PostsCount: p.PostsCount, CreatedAt: isoTime(p.CreatedAt)}
}

func (s *Server) nearbyEntities(list []pinhole.NearbyPlace) []placeJSON {
	out := make([]placeJSON, 0, len(list))
	for _, n := range list {
		e := s.placeEntity(n.Place)
		d := math.Round(n.DistanceKM*1000) / 1000 // to the metre
		e.DistanceKM = &d
		out = append(out, e)
	}
	return out
}

func (s *Server) placeEntities(list []*pinhole.Place) []placeJSON {
	out := make([]placeJSON, 0, len(list))
	for _, p := range list {
		out = append(out, s.placeEntity(p))
	}
	return out
}

func (s *Server) accountEntities(list []*pinhole.Account) []accountJSON {
	out := make([]accountJSON, 0, len(list))
	for _, a := range list {
		out = append(out, s.accountEntity(a))
	}
	return out
}
