package web

import (
	"net/http"

	"github.com/pinhole/pinhole"
)

func (s *Server) apiCreateStatus(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:statuses")
	if err != nil {
		return err
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	in := pinhole.NewPost{Caption: p.str("status")}
	if in.MediaIDs, err = p.ids("media_ids"); err != nil {
		return err
	}
	if in.InReplyToID, err = p.id("in_reply_to_id"); err != nil {
		return err
	}
	if in.PlaceID, err = p.id("place_id"); err != nil {
		return err
	}
	if p.has("poll[options][]") || p.str("scheduled_at") != "" {
		return pinhole.Errorf(pinhole.EINVALID, "Polls and scheduled posts are not supported.")
	}
	v, err := s.svc.Posts.Create(r.Context(), me, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.statusEntity(v))
	return nil
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.svc.Posts.Get(r.Context(), viewerOf(r).accountID(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.statusEntity(v))
	return nil
}

func (s *Server) apiDeleteStatus(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:statuses")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.svc.Posts.Delete(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	out := s.statusEntity(v)
	text := v.Post.Caption
	out.Text = &text
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiContext(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	anc, desc, err := s.svc.Posts.Context(r.Context(), viewerOf(r).accountID(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ancestors": s.statusEntities(anc), "descendants": s.statusEntities(desc)})
	return nil
}

func (s *Server) apiFavourite(like bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := requireAccount(r, "write:favourites")
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
		fn := s.svc.Posts.Unlike
		if like {
			fn = s.svc.Posts.Like
		}
		v, err := fn(r.Context(), me.ID, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.statusEntity(v))
		return nil
	}
}

func (s *Server) apiFavouritedBy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, page, err := s.parsePage(w, r)
	if err != nil {
		return err
	}
	edges, err := s.svc.Posts.Likers(r.Context(), viewerOf(r).accountID(), id, page)
	if err != nil {
		return err
	}
	return s.writeEdgeAccounts(w, r, edges)
}

func (s *Server) apiHomeTimeline(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "read:statuses")
	if err != nil {
		return err
	}
	_, page, err := s.parsePage(w, r)
	if err != nil {
		return err
	}
	views, err := s.svc.Feed.Home(r.Context(), me.ID, page)
	if err != nil {
		return err
	}
	if len(views) > 0 {
		s.setLinks(w, r, views[0].Post.ID, views[len(views)-1].Post.ID)
	}
	s.writeStatuses(w, views)
	return nil
}
