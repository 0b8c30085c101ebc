package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media"
)

// handleMedia serves stored images. Keys name their bytes, so every
// answer is cacheable forever (a CDN in front only ever sees immutable
// URLs); ETag gives 304s and Range partial content. A JPEG URL answers
// with the WebP of the same pixels to clients that accept it, hence Vary.
// "sized/<signature>/<w>x<h>/<key>" is an on-demand size (see
// media.Service.SizedPath): a bad signature is 403 and costs nothing.
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	webp := acceptsWebP(r.Header.Get("Accept"))
	var (
		f   *media.File
		err error
	)
	negotiated := strings.HasSuffix(key, ".jpg")
	if rest, ok := strings.CutPrefix(key, "sized/"); ok {
		f, err = s.svc.Media.Sized(r.Context(), rest, webp)
		negotiated = true
	} else {
		f, err = s.svc.Media.Open(r.Context(), key, webp)
	}
	if negotiated {
		w.Header().Set("Vary", "Accept")
	}
	if err != nil {
		w.Header().Set("Cache-Control", "no-store")
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	if s.cfg.MediaRedirect && s.svc.Media.CanRedirect() {
		s.redirectMedia(w, r, f)
		return
	}
	h := w.Header()
	h.Set("ETag", f.ETag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Type", f.ContentType)
	http.ServeContent(w, r, "", f.Info.ModTime, f)
}

// redirectMedia sends the client to the blob store for a file that was
// found (and, for a size, rendered) but not read. The answer depends on
// Accept like the bytes would (Vary is already set), and is cached for
// half the life of a presigned URL, or a day for a CDN URL: long enough
// to spare Pinhole, short enough to follow a change of CDN.
func (s *Server) redirectMedia(w http.ResponseWriter, r *http.Request, f *media.File) {
	u, expires, err := s.svc.Media.DirectURL(r.Context(), f)
	if err != nil {
		w.Header().Set("Cache-Control", "no-store")
		s.fail(w, r, err)
		return
	}
	maxAge := 24 * time.Hour
	if !expires.IsZero() {
		maxAge = max(0, expires.Sub(s.now())/2)
	}
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(maxAge/time.Second)))
	http.Redirect(w, r, u, http.StatusFound)
}

// mediaSource is what the Content-Security-Policy's img-src adds for
// media redirects: their origin, or nothing.
func (s *Server) mediaSource() string {
	if !s.cfg.MediaRedirect {
		return ""
	}
	return " " + s.cfg.MediaOrigin
}

// acceptsWebP reports whether an Accept header takes image/webp (with a
// non-zero quality).
func acceptsWebP(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		typ, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(typ), "image/webp") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if q, err := strconv.ParseFloat(v, 64); err == nil && q <= 0 {
					return false
				}
			}
		}
		return true
	}
	return false
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
		if m, err := s.svc.Media.Find(r.Context(), a.AvatarMediaID); err == nil && m.State == pinhole.MediaReady {
			target = "/media/" + m.Variant("thumb").Key
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.Redirect(w, r, target, http.StatusFound)
}
