package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pinhole/pinhole"
)

// discoveryRoutes registers search, hashtags, places and trends.
func (s *Server) discoveryRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v2/search", s.h(s.apiSearch))
	m.HandleFunc("GET /api/v1/accounts/search", s.h(s.apiAccountSearch))
	m.HandleFunc("GET /api/v1/trends", s.h(s.apiTrendingTags))
	m.HandleFunc("GET /api/v1/trends/tags", s.h(s.apiTrendingTags))
	m.HandleFunc("GET /api/v1/trends/statuses", s.h(s.apiTrendingStatuses))

	m.HandleFunc("GET /api/v1/timelines/tag/{hashtag}", s.h(s.apiTagTimeline))
	m.HandleFunc("GET /api/v1/tags/{name}", s.h(s.apiTag))
	m.HandleFunc("POST /api/v1/tags/{name}/follow", s.h(s.apiFollowTag(true)))
	m.HandleFunc("POST /api/v1/tags/{name}/unfollow", s.h(s.apiFollowTag(false)))
	m.HandleFunc("GET /api/v1/followed_tags", s.h(s.apiFollowedTags))

	m.HandleFunc("POST /api/pinhole/v1/places", s.h(s.apiCreatePlace))
	m.HandleFunc("GET /api/pinhole/v1/places/nearby", s.h(s.apiNearby))
	m.HandleFunc("GET /api/pinhole/v1/places/{id}", s.h(s.apiPlace))
	m.HandleFunc("GET /api/pinhole/v1/timelines/place/{id}", s.h(s.apiPlaceTimeline))
}

// intParam reads an optional whole number within lo..hi.
func (p *params) intParam(k string, def, lo, hi int) (int, error) {
	v := p.str(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, pinhole.Errorf(pinhole.EINVALID, "%s must be a whole number from %d to %d, not %.20q.", k, lo, hi, v)
	}
	return n, nil
}

// floatParam reads a required decimal number.
func (p *params) floatParam(k, example string) (float64, error) {
	v := p.str(k)
	if v == "" {
		return 0, pinhole.Errorf(pinhole.EINVALID, "%s is required: a number in degrees, like %s.", k, example)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, pinhole.Errorf(pinhole.EINVALID, "%s must be a number in degrees, like %s, not %.30q.", k, example, v)
	}
	return f, nil
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	limit, err := p.intParam("limit", pinhole.DefaultPageLimit, 1, pinhole.MaxSearchResults)
	if err != nil {
		return err
	}
	offset, err := p.intParam("offset", 0, 0, 1<<20)
	if err != nil {
		return err
	}
	following, err := p.boolean("following")
	if err != nil {
		return err
	}
	viewer := viewerOf(r).accountID()
	res, err := s.svc.Search.Search(r.Context(), viewer, p.str("q"), p.str("type"), limit, offset)
	if err != nil {
		return err
	}
	if following {
		if res.Accounts, err = s.onlyFollowed(r, res.Accounts); err != nil {
			return err
		}
	}
	out := searchJSON{
		Accounts: s.accountEntities(res.Accounts), Statuses: s.statusEntities(res.Statuses),
		Hashtags: s.tagEntities(res.Hashtags, viewer != 0), Places: s.placeEntities(res.Places),
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// onlyFollowed keeps the accounts the viewer follows (the following=true
// parameter of the search APIs).
func (s *Server) onlyFollowed(r *http.Request, list []*pinhole.Account) ([]*pinhole.Account, error) {
	me, err := requireAccount(r, "read:search")
	if err != nil {
		return nil, err
	}
	ids := make([]pinhole.ID, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	rels, err := s.svc.Graph.Relationships(r.Context(), me.ID, ids)
	if err != nil {
		return nil, err
	}
	out := list[:0:0]
	for _, a := range list {
		if rel := rels[a.ID]; rel != nil && rel.Following {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Server) apiAccountSearch(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	limit, err := p.intParam("limit", pinhole.MaxSearchResults, 1, pinhole.MaxSearchResults)
	if err != nil {
		return err
	}
	offset, err := p.intParam("offset", 0, 0, 1<<20)
	if err != nil {
		return err
	}
	following, err := p.boolean("following")
	if err != nil {
		return err
	}
	res, err := s.svc.Search.Search(r.Context(), viewerOf(r).accountID(), p.str("q"), pinhole.SearchAccounts, limit, offset)
	if err != nil {
		return err
	}
	if following {
		if res.Accounts, err = s.onlyFollowed(r, res.Accounts); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, s.accountEntities(res.Accounts))
	return nil
}

// setOffsetLink writes a Link to the next page of an offset-paged list
// that filled its page.
func (s *Server) setOffsetLink(w http.ResponseWriter, r *http.Request, n, limit, offset int) {
	if n < limit {
		return
	}
	q := r.URL.Query()
	q.Set("offset", strconv.Itoa(offset+limit))
	w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, s.cfg.PublicURL, r.URL.Path, q.Encode()))
}

func (s *Server) apiTrendingTags(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	limit, err := p.intParam("limit", 10, 1, 20)
	if err != nil {
		return err
	}
	offset, err := p.intParam("offset", 0, 0, 1000)
	if err != nil {
		return err
	}
	viewer := viewerOf(r).accountID()
	tags, err := s.svc.Search.TrendingTags(r.Context(), viewer, limit, offset)
	if err != nil {
		return err
	}
	s.setOffsetLink(w, r, len(tags), limit, offset)
	writeJSON(w, http.StatusOK, s.tagEntities(tags, viewer != 0))
	return nil
}

func (s *Server) apiTrendingStatuses(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	limit, err := p.intParam("limit", pinhole.DefaultPageLimit, 1, pinhole.MaxPageLimit)
	if err != nil {
		return err
	}
	offset, err := p.intParam("offset", 0, 0, 1000)
	if err != nil {
		return err
	}
	views, err := s.svc.Search.TrendingPosts(r.Context(), viewerOf(r).accountID(), limit, offset)
	if err != nil {
		return err
	}
	s.setOffsetLink(w, r, len(views), limit, offset)
	s.writeStatuses(w, views)
	return nil
}

// pageParams reads the cursor parameters of a timeline.
func (s *Server) pageParams(w http.ResponseWriter, r *http.Request) (*params, pinhole.Page, error) {
	p, err := s.parseParams(w, r)
	if err != nil {
		return nil, pinhole.Page{}, err
	}
	page, err := p.page()
	return p, page, err
}

func (s *Server) apiTagTimeline(w http.ResponseWriter, r *http.Request) error {
	p, page, err := s.pageParams(w, r)
	if err != nil {
		return err
	}
	for _, k := range []string{"any", "all", "none"} {
		if len(p.list(k)) > 0 {
			return pinhole.Errorf(pinhole.EINVALID, "%s[] is not supported: ask for one hashtag per timeline.", k)
		}
	}
	onlyMedia, err := p.boolean("only_media")
	if err != nil {
		return err
	}
	views, err := s.svc.Search.TagTimeline(r.Context(), viewerOf(r).accountID(), r.PathValue("hashtag"), onlyMedia, page)
	if err != nil {
		return err
	}
	if len(views) > 0 {
		s.setLinks(w, r, views[0].Post.ID, views[len(views)-1].Post.ID)
	}
	s.writeStatuses(w, views)
	return nil
}

func (s *Server) apiTag(w http.ResponseWriter, r *http.Request) error {
	viewer := viewerOf(r).accountID()
	v, err := s.svc.Search.Tag(r.Context(), viewer, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.tagEntity(v, viewer != 0))
	return nil
}

func (s *Server) apiFollowTag(follow bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := requireAccount(r, "write:follows")
		if err != nil {
			return err
		}
		if _, err := s.parseParams(w, r); err != nil {
			return err
		}
		fn := s.svc.Search.UnfollowTag
		if follow {
			fn = s.svc.Search.FollowTag
		}
		v, err := fn(r.Context(), me.ID, r.PathValue("name"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.tagEntity(v, true))
		return nil
	}
}

func (s *Server) apiFollowedTags(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "read:follows")
	if err != nil {
		return err
	}
	_, page, err := s.pageParams(w, r)
	if err != nil {
		return err
	}
	follows, views, err := s.svc.Search.FollowedTags(r.Context(), me.ID, page)
	if err != nil {
		return err
	}
	if len(follows) > 0 {
		s.setLinks(w, r, follows[0].ID, follows[len(follows)-1].ID)
	}
	writeJSON(w, http.StatusOK, s.tagEntities(views, true))
	return nil
}

func (s *Server) apiCreatePlace(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:statuses")
	if err != nil {
		return err
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	in := pinhole.NewPlace{Name: p.str("name")}
	if in.Lat, err = p.floatParam("lat", "48.8566"); err != nil {
		return err
	}
	if in.Lon, err = p.floatParam("lon", "2.3522"); err != nil {
		return err
	}
	place, _, err := s.svc.Search.CreatePlace(r.Context(), me.ID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.placeEntity(place))
	return nil
}

func (s *Server) apiPlace(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	place, err := s.svc.Search.Place(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.placeEntity(place))
	return nil
}

func (s *Server) apiNearby(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	lat, err := p.floatParam("lat", "48.8566")
	if err != nil {
		return err
	}
	lon, err := p.floatParam("lon", "2.3522")
	if err != nil {
		return err
	}
	radius := pinhole.DefaultNearbyRadiusKM
	if p.str("radius_km") != "" {
		if radius, err = strconv.ParseFloat(p.str("radius_km"), 64); err != nil {
			return pinhole.Errorf(pinhole.EINVALID, "radius_km must be a number of kilometres, like 2.5, not %.30q.", p.str("radius_km"))
		}
	}
	limit, err := p.intParam("limit", pinhole.DefaultPageLimit, 1, pinhole.MaxSearchResults)
	if err != nil {
		return err
	}
	list, err := s.svc.Search.Nearby(r.Context(), lat, lon, radius, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.nearbyEntities(list))
	return nil
}

func (s *Server) apiPlaceTimeline(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, page, err := s.pageParams(w, r)
	if err != nil {
		return err
	}
	views, err := s.svc.Search.PlaceTimeline(r.Context(), viewerOf(r).accountID(), id, page)
	if err != nil {
		return err
	}
	if len(views) > 0 {
		s.setLinks(w, r, views[0].Post.ID, views[len(views)-1].Post.ID)
	}
	s.writeStatuses(w, views)
	return nil
}

// placePath is a place's page.
func placePath(p *pinhole.Place) string { return "/places/" + p.ID.String() }

// tagPath is a hashtag's page.
func tagPath(name string) string { return "/tags/" + url.PathEscape(name) }
