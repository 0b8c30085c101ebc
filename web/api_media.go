package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pinhole/pinhole"
)

func (s *Server) apiUploadMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:media")
	if err != nil {
		return err
	}
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	fhs := p.files["file"]
	if len(fhs) == 0 {
		return pinhole.Errorf(pinhole.EINVALID, "file is required: send the photo as multipart/form-data field \"file\".")
	}
	f, err := fhs[0].Open()
	if err != nil {
		return pinhole.Errorf(pinhole.EBADREQUEST, "Could not read the uploaded file.")
	}
	defer f.Close()
	m, err := s.svc.Media.Upload(r.Context(), me.ID, f, p.str("description"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.mediaEntity(m))
	return nil
}

func (s *Server) apiMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "read:statuses")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.svc.Media.Own(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.mediaEntity(m))
	return nil
}

func (s *Server) apiUpdateMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := requireAccount(r, "write:media")
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
	m, err := s.svc.Media.Own(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	if p.has("description") {
		if m, err = s.svc.Media.Describe(r.Context(), me.ID, id, p.str("description")); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, s.mediaEntity(m))
	return nil
}

// handleMedia serves stored variants: content-addressed, so cacheable
// forever, with ETag and Range.
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	f, info, err := s.svc.Media.Open(r.Context(), key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	name := key[strings.LastIndexByte(key, '/')+1:]
	h.Set("ETag", strconv.Quote(strings.TrimSuffix(name, ".jpg")))
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Type", info.ContentType)
	http.ServeContent(w, r, "", info.ModTime, f)
}

// handleAvatar redirects to an account's current avatar thumbnail.
func (s *Server) handleAvatar(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.svc.Identity.Account(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	target := "/static/avatar.svg"
	if a.AvatarMediaID != 0 {
		if m, err := s.svc.Media.Find(r.Context(), a.AvatarMediaID); err == nil {
			target = "/media/" + m.Variant("thumb").Key
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.Redirect(w, r, target, http.StatusFound)
}
