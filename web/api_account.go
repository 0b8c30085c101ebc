package web

import (
	"context"
	"net/http"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
)

func errNoRoute(r *http.Request) error {
	return pinhole.Errorf(pinhole.ENOTFOUND, "No API endpoint %s %s.", r.Method, truncate(r.URL.Path, 100))
}

func (s *Server) apiSignup(w http.ResponseWriter, r *http.Request) error {
	v := viewerOf(r)
	if v.Token == nil || v.Token.AppID == 0 {
		return pinhole.Errorf(pinhole.EUNAUTHORIZED, "Sign-up needs an app token (POST /oauth/token with grant_type=client_credentials).")
	}
	if !v.Token.HasScope("write:accounts") {
		return pinhole.Errorf(pinhole.EFORBIDDEN, "This action is outside the authorized scopes (needs write:accounts).")
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	if ok, _ := p.boolean("agreement"); p.has("agreement") && !ok {
		return pinhole.Errorf(pinhole.EINVALID, "You must accept the terms (agreement=true).")
	}
	a, err := s.svc.Identity.Signup(r.Context(), identity.Signup{Username: p.str("username"), Email: p.str("email"), Password: p.str("password"), IP: s.clientIP(r)})
	if err != nil {
		return err
	}
	secret, t, err := s.svc.Identity.IssueToken(r.Context(), v.Token.AppID, a.ID, "read write follow push")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tokenEntity(secret, t))
	return nil
}

func (s *Server) apiVerifyCredentials(w http.ResponseWriter, r *http.Request) error {
	a, err := requireAccount(r, "read:accounts")
	if err != nil {
		return err
	}
	reqs, err := s.svc.Graph.FollowRequests(r.Context(), a.ID, pinhole.Page{Limit: 80})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.credentialAccount(a, len(reqs)))
	return nil
}

func (s *Server) apiUpdateCredentials(w http.ResponseWriter, r *http.Request) error {
	a, err := requireAccount(r, "write:accounts")
	if err != nil {
		return err
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	var upd pinhole.AccountUpdate
	if p.has("display_name") {
		v := p.str("display_name")
		upd.DisplayName = &v
	}
	if p.has("note") {
		v := p.str("note")
		upd.Bio = &v
	}
	if p.has("locked") {
		v, err := p.boolean("locked")
		if err != nil {
			return err
		}
		upd.Locked = &v
	}
	if err := upd.Validate(); err != nil {
		return err
	}
	if fhs := p.files["avatar"]; len(fhs) > 0 {
		f, err := fhs[0].Open()
		if err != nil {
			return pinhole.Errorf(pinhole.EBADREQUEST, "Could not read the avatar upload.")
		}
		defer f.Close()
		m, err := s.svc.Media.Upload(r.Context(), a.ID, f, "")
		if err != nil {
			return err
		}
		upd.AvatarMediaID = &m.ID
	}
	a, err = s.svc.Identity.UpdateProfile(r.Context(), a.ID, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.credentialAccount(a, 0))
	return nil
}

// visibleAccount loads an account unless a block hides it from the viewer.
func (s *Server) visibleAccount(r *http.Request, id pinhole.ID) (*pinhole.Account, error) {
	a, err := s.svc.Identity.Account(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if me := viewerOf(r).accountID(); me != 0 && me != id {
		rel, err := s.svc.Graph.Relationship(r.Context(), me, id)
		if err != nil {
			return nil, err
		}
		if rel.BlockedBy {
			return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Account %s not found.", id)
		}
	}
	return a, nil
}

func (s *Server) apiAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.visibleAccount(r, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.accountEntity(a))
	return nil
}

func (s *Server) apiLookup(w http.ResponseWriter, r *http.Request) error {
	acct := r.URL.Query().Get("acct")
	if acct == "" {
		return pinhole.Errorf(pinhole.EINVALID, "acct is required.")
	}
	name := pinhole.NormalizeUsername(acct)
	if user, domain, ok := splitAcct(name); ok {
		if domain != "" && domain != s.host() {
			return pinhole.Errorf(pinhole.ENOTFOUND, "Account %.40q not found: this server has no federation.", acct)
		}
		name = user
	}
	a, err := s.svc.Identity.ByUsername(r.Context(), name)
	if err != nil {
		return err
	}
	if a, err = s.visibleAccount(r, a.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.accountEntity(a))
	return nil
}

func (s *Server) apiRelationships(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "read:follows")
	if err != nil {
		return err
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	ids, err := p.ids("id")
	if err != nil {
		return err
	}
	if len(ids) > 80 {
		return pinhole.Errorf(pinhole.EINVALID, "At most 80 id[] at once.")
	}
	rels, err := s.svc.Graph.Relationships(r.Context(), me.ID, ids)
	if err != nil {
		return err
	}
	out := make([]relationshipJSON, 0, len(ids))
	for _, id := range ids {
		out = append(out, relationshipEntity(rels[id]))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiAccountStatuses(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, page, err := s.parsePage(w, r)
	if err != nil {
		return err
	}
	if _, err := s.visibleAccount(r, id); err != nil {
		return err
	}
	views, err := s.svc.Posts.AccountPosts(r.Context(), viewerOf(r).accountID(), id, page)
	if err != nil {
		return err
	}
	if pinned, _ := p.boolean("pinned"); pinned {
		views = nil // Pinhole has no pinned posts
	}
	if len(views) > 0 {
		s.setLinks(w, r, views[0].Post.ID, views[len(views)-1].Post.ID)
	}
	s.writeStatuses(w, views)
	return nil
}

func (s *Server) apiFollowers(w http.ResponseWriter, r *http.Request) error {
	return s.apiEdges(w, r, s.svc.Graph.Followers)
}

func (s *Server) apiFollowing(w http.ResponseWriter, r *http.Request) error {
	return s.apiEdges(w, r, s.svc.Graph.Following)
}

func (s *Server) apiEdges(w http.ResponseWriter, r *http.Request, list func(ctx context.Context, viewer, id pinhole.ID, p pinhole.Page) ([]pinhole.Edge, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, page, err := s.parsePage(w, r)
	if err != nil {
		return err
	}
	if _, err := s.visibleAccount(r, id); err != nil {
		return err
	}
	edges, err := list(r.Context(), viewerOf(r).accountID(), id, page)
	if err != nil {
		return err
	}
	return s.writeEdgeAccounts(w, r, edges)
}

// writeEdgeAccounts renders a page of accounts from a list of edges.
func (s *Server) writeEdgeAccounts(w http.ResponseWriter, r *http.Request, edges []pinhole.Edge) error {
	ids := make([]pinhole.ID, len(edges))
	for i, e := range edges {
		ids[i] = e.AccountID
	}
	accounts, err := s.svc.Identity.Accounts(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]accountJSON, 0, len(edges))
	for _, e := range edges {
		if a := accounts[e.AccountID]; a != nil {
			out = append(out, s.accountEntity(a))
		}
	}
	if len(edges) > 0 {
		s.setLinks(w, r, edges[0].ID, edges[len(edges)-1].ID)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiRelate wraps follow/unfollow/block/unblock/authorize/reject.
func (s *Server) apiRelate(fn func(ctx context.Context, viewer, id pinhole.ID) (*pinhole.Relationship, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := requireAccount(r, "write:follows")
		if err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if _, err := s.parseParams(w, r); err != nil {
			return err
		}
		rel, err := fn(r.Context(), me.ID, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, relationshipEntity(rel))
		return nil
	}
}

func (s *Server) apiFollowRequests(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "read:follows")
	if err != nil {
		return err
	}
	_, page, err := s.parsePage(w, r)
	if err != nil {
		return err
	}
	reqs, err := s.svc.Graph.FollowRequests(r.Context(), me.ID, page)
	if err != nil {
		return err
	}
	edges := make([]pinhole.Edge, len(reqs))
	for i, q := range reqs {
		edges[i] = pinhole.Edge{ID: q.ID, AccountID: q.From}
	}
	return s.writeEdgeAccounts(w, r, edges)
}

// apiFollow follows (or asks to), and with notify=true|false asks to be
// notified of the account's posts.
func (s *Server) apiFollow(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:follows")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	notify, err := p.boolean("notify")
	if err != nil {
		return err
	}
	rel, err := s.svc.Graph.Follow(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	if p.has("notify") && rel.Following && rel.Notifying != notify {
		if rel, err = s.svc.Graph.SetNotify(r.Context(), me.ID, id, notify); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, relationshipEntity(rel))
	return nil
}
