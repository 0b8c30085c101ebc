package web

import (
	"net/http"

	"github.com/pinhole/pinhole"
)

// requestsPageSize is how many follow requests a page shows.
const requestsPageSize = 40

// requestsPage lists the accounts asking to follow the member.
type requestsPage struct {
	People []*pinhole.Account
	Next   string
}

func (s *Server) pageFollowRequests(w http.ResponseWriter, r *http.Request) {
	me := s.loginFirst(w, r, "/follow-requests")
	if me == nil {
		return
	}
	reqs, err := s.svc.Graph.FollowRequests(r.Context(), me.ID, pinhole.Page{MaxID: cursor(r, "max_id"), Limit: requestsPageSize + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reqs, more := morePage(reqs, requestsPageSize)
	ids := make([]pinhole.ID, len(reqs))
	for i, q := range reqs {
		ids[i] = q.From
	}
	var d requestsPage
	if d.People, err = s.accountsInOrder(r.Context(), ids); err != nil {
		s.fail(w, r, err)
		return
	}
	if more {
		d.Next = "/follow-requests?max_id=" + reqs[len(reqs)-1].ID.String()
	}
	s.renderPage(w, r, http.StatusOK, "requests", pageData{Title: "Follow requests", Data: d})
}

func (s *Server) postAuthorizeRequest(w http.ResponseWriter, r *http.Request) {
	s.answerRequest(w, r, true)
}

func (s *Server) postRejectRequest(w http.ResponseWriter, r *http.Request) {
	s.answerRequest(w, r, false)
}

// answerRequest approves or declines the request from the account in the
// path, then shows the remaining requests.
func (s *Server) answerRequest(w http.ResponseWriter, r *http.Request, approve bool) {
	me := s.loginFirst(w, r, "/follow-requests")
	if me == nil {
		return
	}
	from, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if approve {
		_, err = s.svc.Graph.Authorize(r.Context(), me.ID, from)
	} else {
		_, err = s.svc.Graph.Reject(r.Context(), me.ID, from)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/follow-requests", http.StatusSeeOther)
}
