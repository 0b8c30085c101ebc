package web

import (
	"net/http"

	"github.com/pinhole/pinhole"
)

// notificationGroup is one line of the notifications page: several
// notifications of one kind about one thing ("alice and 12 others liked
// your photo").
type notificationGroup struct {
	Type   string
	First  *notificationView // the newest
	Others int               // how many more people did the same
	Names  []*pinhole.Account
}

// groupNotifications folds likes of the same post, and follows, into one
// line each; mentions and new posts stay one line apiece.
func groupNotifications(views []*notificationView) []*notificationGroup {
	var out []*notificationGroup
	index := map[string]*notificationGroup{}
	for _, v := range views {
		key := ""
		switch v.N.Type {
		case pinhole.NotifyFavourite:
			key = "fav:" + v.N.PostID.String()
		case pinhole.NotifyFollow, pinhole.NotifyFollowRequest:
			key = v.N.Type
		}
		if g := index[key]; key != "" && g != nil {
			g.Others++
			if len(g.Names) < 2 {
				g.Names = append(g.Names, v.From)
			}
			continue
		}
		g := &notificationGroup{Type: v.N.Type, First: v, Names: []*pinhole.Account{v.From}}
		if key != "" {
			index[key] = g
		}
		out = append(out, g)
	}
	return out
}

func (s *Server) pageNotifications(w http.ResponseWriter, r *http.Request) {
	me := viewerOf(r).Account
	if me == nil {
		http.Redirect(w, r, "/login?next=/notifications", http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	ns, err := s.svc.Notify.List(ctx, me.ID, pinhole.NotificationFilter{}, pinhole.Page{Limit: 80})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, err := s.hydrateNotifications(ctx, me.ID, ns)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.Notify.MarkRead(ctx, me.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, "notifications", pageData{Title: "Notifications", Data: groupNotifications(views)})
}
