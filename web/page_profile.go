package web

import (
	"net/http"

	"github.com/pinhole/pinhole"
)

// gridPageSize is how many posts a page of a profile grid shows: six rows
// of three.
const gridPageSize = 18

// profilePage is an account's profile as the member sees it.
type profilePage struct {
	Account  *pinhole.Account
	Rel      *pinhole.Relationship // nil when logged out or on one's own profile
	Self     bool
	CanSee   bool // the grid is visible
	Cards    []postCard
	Next     string
	Cursor   bool
	Requests int // on one's own private profile: follow requests waiting
}

func (s *Server) pageProfile(w http.ResponseWriter, r *http.Request) {
	a, ok := s.profileAccount(w, r)
	if !ok {
		return
	}
	me := viewerOf(r).Account
	d := profilePage{Account: a, Self: me != nil && me.ID == a.ID}
	var err error
	if me != nil && !d.Self {
		if d.Rel, err = s.svc.Graph.Relationship(r.Context(), me.ID, a.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	d.CanSee = canSeePosts(a, d.Self, d.Rel)
	if d.CanSee {
		maxID := cursor(r, "max_id")
		views, err := s.svc.Posts.AccountPosts(r.Context(), viewerOf(r).accountID(), a.ID, pinhole.Page{MaxID: maxID, Limit: gridPageSize + 1})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		views, more := morePage(views, gridPageSize)
		d.Cards, d.Cursor = s.cards(r, views), maxID != 0
		if more {
			d.Next = "/@" + a.Username + "?max_id=" + views[len(views)-1].Post.ID.String()
		}
	}
	if d.Self && a.Locked {
		reqs, err := s.svc.Graph.FollowRequests(r.Context(), a.ID, pinhole.Page{Limit: 80})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Requests = len(reqs)
	}
	title := a.Name() + " (@" + a.Username + ")"
	s.renderPage(w, r, http.StatusOK, "profile", pageData{Title: title, Data: d})
}

// canSeePosts mirrors the graph's rule: public and not blocked either
// way, one's own, or followed.
func canSeePosts(a *pinhole.Account, self bool, rel *pinhole.Relationship) bool {
	switch {
	case self:
		return true
	case rel == nil:
		return !a.Locked
	case rel.Blocking || rel.BlockedBy:
		return false
	}
	return !a.Locked || rel.Following
}

// profileAccount loads the account named in the path; a differently
// written username is sent to the canonical address.
func (s *Server) profileAccount(w http.ResponseWriter, r *http.Request) (*pinhole.Account, bool) {
	name := r.PathValue("username")
	a, err := s.svc.Identity.ByUsername(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	if name != a.Username && r.Method == http.MethodGet {
		u := "/@" + a.Username
		if sub := r.PathValue("action"); sub != "" {
			u += "/" + sub
		}
		if r.URL.RawQuery != "" {
			u += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, u, http.StatusMovedPermanently)
		return nil, false
	}
	return a, true
}

// postRelation follows, unfollows, blocks or unblocks the profile's account.
func (s *Server) postRelation(w http.ResponseWriter, r *http.Request) {
	a, ok := s.profileAccount(w, r)
	if !ok {
		return
	}
	me := s.loginFirst(w, r, "/@"+a.Username)
	if me == nil {
		return
	}
	if _, err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	var err error
	switch r.PathValue("action") {
	case "follow":
		_, err = s.svc.Graph.Follow(r.Context(), me.ID, a.ID)
	case "unfollow":
		_, err = s.svc.Graph.Unfollow(r.Context(), me.ID, a.ID)
	case "block":
		_, err = s.svc.Graph.Block(r.Context(), me.ID, a.ID)
	case "unblock":
		_, err = s.svc.Graph.Unblock(r.Context(), me.ID, a.ID)
	default:
		err = pinhole.Errorf(pinhole.ENOTFOUND, "This page does not exist.")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/@"+a.Username, http.StatusSeeOther)
}
