package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

// appPageRoutes registers the member-facing pages: feed, compose, posts,
// profiles, settings and follow requests.
func (s *Server) appPageRoutes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.pageHome)
	m.HandleFunc("GET /find", s.pageFind)
	m.HandleFunc("GET /new", s.pageCompose)
	m.HandleFunc("POST /new", s.onceForm(s.postCompose))
	m.HandleFunc("GET /p/{id}", s.pagePost)
	m.HandleFunc("POST /p/{id}/like", s.postLike)
	m.HandleFunc("POST /p/{id}/unlike", s.postUnlike)
	m.HandleFunc("POST /p/{id}/comments", s.onceForm(s.postComment))
	m.HandleFunc("POST /p/{id}/delete", s.postDeletePost)
	m.HandleFunc("GET /notifications", s.pageNotifications)
	m.HandleFunc("GET /settings", s.pageSettings)
	m.HandleFunc("POST /settings", s.postSettings)
	m.HandleFunc("GET /follow-requests", s.pageFollowRequests)
	m.HandleFunc("POST /follow-requests/{id}/authorize", s.postAuthorizeRequest)
	m.HandleFunc("POST /follow-requests/{id}/reject", s.postRejectRequest)
	s.discoveryPageRoutes()
	// Profiles live at /@username. A ServeMux wildcard must fill a whole
	// segment, so "/@{username}" cannot be a pattern: the catch-all routes
	// them, and answers every other unknown page with the HTML 404.
	m.HandleFunc("/", s.routeProfile)
}

// profileRoutes are the pages under /@username, by method and sub-path.
func (s *Server) profileRoutes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET ":          s.pageProfile,
		"GET followers": s.pageFollowers,
		"GET following": s.pageFollowing,
		"POST follow":   s.postRelation,
		"POST unfollow": s.postRelation,
		"POST block":    s.postRelation,
		"POST unblock":  s.postRelation,
	}
}

func (s *Server) routeProfile(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/@")
	username, sub, _ := strings.Cut(rest, "/")
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	h := s.profileRoutes()[method+" "+sub]
	if !ok || username == "" || h == nil {
		s.fail(w, r, pinhole.Errorf(pinhole.ENOTFOUND, "This page does not exist. The link may be broken, or the page may have been removed."))
		return
	}
	r.SetPathValue("username", username)
	r.SetPathValue("action", sub)
	h(w, r)
}

// loginFirst sends a logged-out visitor to the login page, to come back
// to next afterwards; API-style callers get 401. It returns the member
// when logged in.
func (s *Server) loginFirst(w http.ResponseWriter, r *http.Request, next string) *pinhole.Account {
	if me := viewerOf(r).Account; me != nil {
		return me
	}
	if wantsJSON(r) {
		s.fail(w, r, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Log in first."))
		return nil
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(next)), http.StatusSeeOther)
	return nil
}

// back returns the same-site page the form was posted from, or fallback.
func (s *Server) back(r *http.Request, fallback string) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Path == "" {
		return fallback
	}
	public, _ := url.Parse(s.cfg.PublicURL)
	if ref.Host != r.Host && (public == nil || ref.Host != public.Host) {
		return fallback
	}
	return safeNext(ref.RequestURI())
}

// cursor reads a max_id or min_id query parameter; a malformed one is
// ignored rather than shown as an error, since only links produce them.
func cursor(r *http.Request, name string) pinhole.ID {
	id, err := pinhole.ParseID(r.URL.Query().Get(name))
	if err != nil {
		return 0
	}
	return id
}

// postCard is a post as a card template renders it: the view and what
// its forms need.
type postCard struct {
	*posts.View
	Me   *pinhole.Account
	CSRF string
	Full bool // on the post's own page rather than in a list
}

// CanDelete reports whether the member may delete the post.
func (c postCard) CanDelete() bool { return c.Me != nil && c.Me.ID == c.Post.AuthorID }

// Photos returns the post's ready photos.
func (c postCard) Photos() []*pinhole.Media {
	out := make([]*pinhole.Media, 0, len(c.Post.Media))
	for _, m := range c.Post.Media {
		if m.State == pinhole.MediaReady {
			out = append(out, m)
		}
	}
	return out
}

// Frame names the shape of a carousel's frame, from its first photo, so
// the card keeps one height as the photos change.
func (c postCard) Frame() string {
	ps := c.Photos()
	if len(ps) == 0 || ps[0].Width == 0 || ps[0].Height == 0 {
		return "square"
	}
	switch r := float64(ps[0].Width) / float64(ps[0].Height); {
	case r < 0.9:
		return "portrait"
	case r < 1.15:
		return "square"
	case r < 1.6:
		return "landscape"
	}
	return "wide"
}

func (s *Server) cards(r *http.Request, views []*posts.View) []postCard {
	out := make([]postCard, len(views))
	for i, v := range views {
		out[i] = postCard{View: v, Me: viewerOf(r).Account, CSRF: s.csrfToken(r)}
	}
	return out
}

// morePage trims a list fetched with one item more than the page shows
// and reports whether there was more.
func morePage[T any](items []T, limit int) ([]T, bool) {
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}
