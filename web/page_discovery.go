package web

import (
	"net/http"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/search"
)

// discoveryPageRoutes registers Explore, search, hashtag and place pages.
func (s *Server) discoveryPageRoutes() {
	m := s.mux
	m.HandleFunc("GET /explore", s.pageExplore)
	m.HandleFunc("GET /search", s.pageSearch)
	m.HandleFunc("GET /search/suggest", s.h(s.searchSuggest))
	m.HandleFunc("GET /tags/{name}", s.pageTag)
	m.HandleFunc("POST /tags/{name}/follow", s.postFollowTag(true))
	m.HandleFunc("POST /tags/{name}/unfollow", s.postFollowTag(false))
	m.HandleFunc("GET /places/nearby", s.pageNearby)
	m.HandleFunc("GET /places/{id}", s.pagePlace)
}

// Sizes of the discovery pages.
const (
	exploreTags    = 12
	explorePosts   = 30
	searchPageSize = 12
	suggestions    = 4 // per kind in the typeahead
)

// explorePage is Explore's data: what trends now.
type explorePage struct {
	Tags  []*search.TagView
	Cards []postCard
}

func (s *Server) pageExplore(w http.ResponseWriter, r *http.Request) {
	viewer := viewerOf(r).accountID()
	tags, err := s.svc.Search.TrendingTags(r.Context(), viewer, exploreTags, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, err := s.svc.Search.TrendingPosts(r.Context(), viewer, explorePosts, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, "explore", pageData{Title: "Explore", Data: explorePage{Tags: tags, Cards: s.cards(r, views)}})
}

// searchPage is a search and its results, by kind.
type searchPage struct {
	Query    string
	Searched bool
	Accounts []*pinhole.Account
	Tags     []*search.TagView
	Places   []*pinhole.Place
	Cards    []postCard
}

// Empty reports whether nothing was found.
func (d searchPage) Empty() bool {
	return len(d.Accounts)+len(d.Tags)+len(d.Places)+len(d.Cards) == 0
}

func (s *Server) pageSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	d := searchPage{Query: q}
	if strings.TrimSpace(q) == "" {
		s.renderPage(w, r, http.StatusOK, "search", pageData{Title: "Search", Data: d})
		return
	}
	res, err := s.svc.Search.Search(r.Context(), viewerOf(r).accountID(), q, "", searchPageSize, 0)
	if err != nil {
		if pinhole.ErrorCode(err) == pinhole.EINVALID {
			s.renderPage(w, r, http.StatusUnprocessableEntity, "search", pageData{Title: "Search", Data: d, Error: pinhole.ErrorMessage(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	d.Searched, d.Accounts, d.Tags, d.Places, d.Cards = true, res.Accounts, res.Hashtags, res.Places, s.cards(r, res.Statuses)
	s.renderPage(w, r, http.StatusOK, "search", pageData{Title: "Search: " + truncate(strings.TrimSpace(q), 40), Data: d})
}

// suggestion is one typeahead entry.
type suggestion struct {
	Kind   string `json:"kind"` // account, tag or place
	Label  string `json:"label"`
	Detail string `json:"detail"`
	URL    string `json:"url"`
	Image  string `json:"image,omitempty"`
}

// searchSuggest answers the search box's typeahead with a few of each
// kind, as the logged-in member (the cookie) may see them.
func (s *Server) searchSuggest(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	out := struct {
		Items []suggestion `json:"items"`
	}{Items: []suggestion{}}
	if strings.TrimSpace(q) == "" {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	viewer := viewerOf(r).accountID()
	ctx := r.Context()
	accounts, err := s.svc.Search.Accounts(ctx, viewer, q, suggestions, 0)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		out.Items = append(out.Items, suggestion{Kind: "account", Label: "@" + a.Username, Detail: a.DisplayName, URL: "/@" + a.Username, Image: s.avatarURL(a)})
	}
	tags, err := s.svc.Search.Hashtags(ctx, viewer, q, suggestions/2, 0)
	if err != nil {
		return err
	}
	for _, t := range tags {
		out.Items = append(out.Items, suggestion{Kind: "tag", Label: "#" + t.Name, Detail: plural(t.Uses, "post", "posts"), URL: tagPath(t.Name)})
	}
	places, err := s.svc.Search.SearchPlaces(ctx, q, suggestions/2, 0)
	if err != nil {
		return err
	}
	for _, p := range places {
		out.Items = append(out.Items, suggestion{Kind: "place", Label: p.Name, Detail: plural(p.PostsCount, "post", "posts"), URL: placePath(p)})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// plural writes a count with its noun.
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return compactCount(n) + " " + many
}
