package web

import (
	"net/http"

	"github.com/pinhole/pinhole"
)

// feedPageSize is how many posts a page of the home feed shows.
const feedPageSize = 10

// feedPage is the home feed's data.
type feedPage struct {
	Cards   []postCard
	Next    string // the "Older posts" link; "" at the end
	Cursor  bool   // this page continues an earlier one
	Landing bool   // logged out: the welcome page
}

// pageHome is the landing page for visitors and the home feed for members.
func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	me := viewerOf(r).Account
	if me == nil {
		s.renderPage(w, r, http.StatusOK, "home", pageData{Title: "Share your photos", Data: feedPage{Landing: true}})
		return
	}
	maxID := cursor(r, "max_id")
	views, err := s.svc.Feed.Home(r.Context(), me.ID, pinhole.Page{MaxID: maxID, Limit: feedPageSize + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, more := morePage(views, feedPageSize)
	d := feedPage{Cards: s.cards(r, views), Cursor: maxID != 0}
	if more {
		d.Next = "/?max_id=" + views[len(views)-1].Post.ID.String()
	}
	s.renderPage(w, r, http.StatusOK, "home", pageData{Title: "Home", Data: d})
}

// pageFind takes a username and opens that profile: until search exists,
// this is how members find each other.
func (s *Server) pageFind(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("username")
	if q == "" {
		s.renderPage(w, r, http.StatusOK, "find", pageData{Title: "Find people"})
		return
	}
	a, err := s.svc.Identity.ByUsername(r.Context(), q)
	if err != nil {
		if pinhole.IsNotFound(err) {
			err = pinhole.Errorf(pinhole.ENOTFOUND, "No one here is called @%s. Check the spelling and try again.", pinhole.NormalizeUsername(q))
		}
		if code := pinhole.ErrorCode(err); code != pinhole.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		s.renderPage(w, r, http.StatusNotFound, "find", pageData{Title: "Find people", Error: pinhole.ErrorMessage(err), Form: map[string]string{"username": q}})
		return
	}
	http.Redirect(w, r, "/@"+a.Username, http.StatusSeeOther)
}
