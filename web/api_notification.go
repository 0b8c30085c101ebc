package web

import (
	"context"
	"net/http"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

type notificationJSON struct {
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	CreatedAt string      `json:"created_at"`
	GroupKey  string      `json:"group_key"`
	Account   accountJSON `json:"account"`
	Status    *statusJSON `json:"status,omitempty"`
}

func (s *Server) notificationRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/notifications", s.h(s.apiNotifications))
	m.HandleFunc("GET /api/v1/notifications/{id}", s.h(s.apiNotification))
	m.HandleFunc("POST /api/v1/notifications/clear", s.h(s.apiClearNotifications))
	m.HandleFunc("POST /api/v1/notifications/{id}/dismiss", s.h(s.apiDismissNotification))
}

// notificationViews are notifications with their accounts and posts,
// dropping those whose account or post is gone or hidden.
type notificationView struct {
	N       *pinhole.Notification
	From    *pinhole.Account
	Post    *posts.View
	Grouped int // how many more like it (web page grouping)
}

func (s *Server) hydrateNotifications(ctx context.Context, viewer pinhole.ID, ns []*pinhole.Notification) ([]*notificationView, error) {
	var from, postIDs []pinhole.ID
	for _, n := range ns {
		from = append(from, n.FromID)
		if n.PostID != 0 {
			postIDs = append(postIDs, n.PostID)
		}
	}
	accounts, err := s.svc.Identity.Accounts(ctx, from)
	if err != nil {
		return nil, err
	}
	views, err := s.svc.Posts.Hydrate(ctx, viewer, postIDs)
	if err != nil {
		return nil, err
	}
	byID := make(map[pinhole.ID]*posts.View, len(views))
	for _, v := range views {
		byID[v.Post.ID] = v
	}
	out := make([]*notificationView, 0, len(ns))
	for _, n := range ns {
		v := &notificationView{N: n, From: accounts[n.FromID]}
		if n.PostID != 0 {
			v.Post = byID[n.PostID]
		}
		if v.From == nil || (n.PostID != 0 && v.Post == nil) {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) notificationEntity(v *notificationView) notificationJSON {
	out := notificationJSON{ID: v.N.ID.String(), Type: v.N.Type, CreatedAt: isoTime(v.N.CreatedAt), Account: s.accountEntity(v.From), GroupKey: "ungrouped-" + v.N.ID.String()}
	if v.Post != nil {
		st := s.statusEntity(v.Post)
		out.Status = &st
	}
	return out
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "read:notifications")
	if err != nil {
		return err
	}
	p, page, err := s.parsePage(w, r)
	if err != nil {
		return err
	}
	f := pinhole.NotificationFilter{Types: p.list("types"), ExcludeTypes: p.list("exclude_types")}
	ns, err := s.svc.Notify.List(r.Context(), me.ID, f, page)
	if err != nil {
		return err
	}
	views, err := s.hydrateNotifications(r.Context(), me.ID, ns)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, 0, len(views))
	for _, v := range views {
		out = append(out, s.notificationEntity(v))
	}
	if len(ns) > 0 {
		s.setLinks(w, r, ns[0].ID, ns[len(ns)-1].ID)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiNotification(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "read:notifications")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.svc.Notify.Get(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	views, err := s.hydrateNotifications(r.Context(), me.ID, []*pinhole.Notification{n})
	if err != nil {
		return err
	}
	if len(views) == 0 {
		return pinhole.Errorf(pinhole.ENOTFOUND, "Notification %s not found.", id)
	}
	writeJSON(w, http.StatusOK, s.notificationEntity(views[0]))
	return nil
}

func (s *Server) apiClearNotifications(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:notifications")
	if err != nil {
		return err
	}
	if err := s.svc.Notify.Clear(r.Context(), me.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{})
	return nil
}

func (s *Server) apiDismissNotification(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:notifications")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.Notify.Dismiss(r.Context(), me.ID, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{})
	return nil
}
