package web

import (
	"context"
	"net/http"

	"github.com/pinhole/pinhole"
)

// peoplePageSize is how many accounts a page of followers or following shows.
const peoplePageSize = 30

// peoplePage is a list of accounts: followers, following, or follow requests.
type peoplePage struct {
	Account *pinhole.Account // whose list it is
	Kind    string           // "followers" or "following"
	People  []*pinhole.Account
	Next    string
	Hidden  bool // a private account the member does not follow
}

func (s *Server) pageFollowers(w http.ResponseWriter, r *http.Request) {
	s.pageEdges(w, r, "followers", s.svc.Graph.Followers)
}

func (s *Server) pageFollowing(w http.ResponseWriter, r *http.Request) {
	s.pageEdges(w, r, "following", s.svc.Graph.Following)
}

func (s *Server) pageEdges(w http.ResponseWriter, r *http.Request, kind string, list func(ctx context.Context, viewer, id pinhole.ID, p pinhole.Page) ([]pinhole.Edge, error)) {
	a, ok := s.profileAccount(w, r)
	if !ok {
		return
	}
	me := viewerOf(r).Account
	d := peoplePage{Account: a, Kind: kind}
	if a.Locked && (me == nil || me.ID != a.ID) {
		var rel *pinhole.Relationship
		if me != nil {
			var err error
			if rel, err = s.svc.Graph.Relationship(r.Context(), me.ID, a.ID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		d.Hidden = !canSeePosts(a, false, rel)
	}
	if !d.Hidden {
		edges, err := list(r.Context(), viewerOf(r).accountID(), a.ID, pinhole.Page{MaxID: cursor(r, "max_id"), Limit: peoplePageSize + 1})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		edges, more := morePage(edges, peoplePageSize)
		if d.People, err = s.accountsInOrder(r.Context(), edgeAccountIDs(edges)); err != nil {
			s.fail(w, r, err)
			return
		}
		if more {
			d.Next = "/@" + a.Username + "/" + kind + "?max_id=" + edges[len(edges)-1].ID.String()
		}
	}
	title := "People following @" + a.Username
	if kind == "following" {
		title = "People @" + a.Username + " follows"
	}
	s.renderPage(w, r, http.StatusOK, "people", pageData{Title: title, Data: d})
}

func edgeAccountIDs(edges []pinhole.Edge) []pinhole.ID {
	ids := make([]pinhole.ID, len(edges))
	for i, e := range edges {
		ids[i] = e.AccountID
	}
	return ids
}

// accountsInOrder loads accounts keeping the order of ids, skipping those
// that are gone.
func (s *Server) accountsInOrder(ctx context.Context, ids []pinhole.ID) ([]*pinhole.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := s.svc.Identity.Accounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*pinhole.Account, 0, len(ids))
	for _, id := range ids {
		if a := found[id]; a != nil {
			out = append(out, a)
		}
	}
	return out, nil
}
