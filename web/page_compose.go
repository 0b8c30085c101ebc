package web

import (
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/media/imaging"
)

// composePage is what the compose form needs besides the submitted values.
type composePage struct {
	MaxCaption int
	MaxPhotos  int
	MaxAlt     int
	MaxMB      int64 // the whole upload
	PhotoMB    int64 // each photo
	Filters    []imaging.Filter
	// FiltersJSON is the filters' names and colour matrices for
	// compose.js, which previews each one on the member's own photo with
	// the very arithmetic the server applies.
	FiltersJSON string
}

func (s *Server) composeLimits() composePage {
	filters, _ := json.Marshal(filterList())
	return composePage{MaxCaption: pinhole.MaxCaptionLen, MaxPhotos: pinhole.MaxPhotosInPost, MaxAlt: pinhole.MaxAltTextLen, MaxMB: s.cfg.MaxPostBytes >> 20,
		PhotoMB: s.svc.Media.Config().MaxUploadBytes >> 20, Filters: imaging.Filters(), FiltersJSON: string(filters)}
}

// composeEdit reads photo i's filter and intensity (filter_N and
// intensity_N from compose.js, or the shared fields of the plain form).
func composeEdit(form map[string][]string, i int) (imaging.Edit, error) {
	get := func(k string) string {
		if vs := form[k+"_"+strconv.Itoa(i)]; len(vs) > 0 && vs[0] != "" {
			return vs[0]
		}
		if vs := form[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	e := imaging.Edit{Filter: get("filter"), Intensity: 100}
	if e.Filter == "normal" {
		e.Filter = ""
	}
	if v := get("intensity"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return e, pinhole.Errorf(pinhole.EINVALID, "The filter intensity must be from 0 to 100.")
		}
		e.Intensity = n
	}
	return e, e.Validate()
}

// composeWait is how long the form waits for its photos to be ready.
const composeWait = 2 * time.Minute

func (s *Server) pageCompose(w http.ResponseWriter, r *http.Request) {
	if s.loginFirst(w, r, "/new") == nil {
		return
	}
	s.renderPage(w, r, http.StatusOK, "compose", pageData{Title: "New post", Data: s.composeLimits()})
}

// postCompose uploads the chosen photos, each with its alt text (alt_N,
// or the shared alt field), then publishes the post.
func (s *Server) postCompose(w http.ResponseWriter, r *http.Request) {
	me := s.loginFirst(w, r, "/new")
	if me == nil {
		return
	}
	form, err := s.parseFormUpTo(w, r, s.cfg.MaxPostBytes)
	if err != nil {
		s.composeError(w, r, err, form, true)
		return
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["photos"]
	}
	switch {
	case len(files) == 0 || (len(files) == 1 && files[0].Size == 0):
		err = pinhole.Errorf(pinhole.EINVALID, "Choose at least one photo to share.")
	case len(files) > pinhole.MaxPhotosInPost:
		err = pinhole.Errorf(pinhole.EINVALID, "A post can have at most %d photos; you chose %d.", pinhole.MaxPhotosInPost, len(files))
	}
	if err != nil {
		s.composeError(w, r, err, form, len(files) > 0 && files[0].Size > 0)
		return
	}
	post := pinhole.NewPost{Caption: form.Get("caption")}
	// The place is settled before any photo is stored, so a wrong one
	// leaves nothing behind.
	if post.PlaceID, err = s.composePlace(r, me.ID, form); err != nil {
		s.composeError(w, r, err, form, true)
		return
	}
	for i, fh := range files {
		alt := form.Get("alt_" + strconv.Itoa(i))
		if alt == "" {
			alt = form.Get("alt")
		}
		edit, err := composeEdit(form, i)
		if err != nil {
			s.composeError(w, r, err, form, true)
			return
		}
		f, err := fh.Open()
		if err != nil {
			s.composeError(w, r, pinhole.Errorf(pinhole.EINVALID, "Could not read photo %d; choose it again.", i+1), form, true)
			return
		}
		m, err := s.svc.Media.UploadWith(r.Context(), me.ID, f, media.NewUpload{Description: alt, Edit: edit})
		f.Close()
		if err == nil && m.State != pinhole.MediaReady {
			// A post shows its photos at once: wait for them here.
			ctx, cancel := context.WithTimeout(r.Context(), composeWait)
			m, err = s.svc.Media.Wait(ctx, me.ID, m.ID)
			cancel()
			if err == nil && m.State == pinhole.MediaFailed {
				err = pinhole.Errorf(pinhole.EINVALID, "%s", m.Error)
			} else if err != nil && pinhole.ErrorCode(err) == pinhole.EINTERNAL {
				err = &pinhole.Error{Code: pinhole.EUNAVAILABLE, Message: "Your photos are taking long to process; try again in a minute.", RetryAfter: 30 * time.Second}
			}
		}
		if err != nil {
			if len(files) > 1 && pinhole.ErrorCode(err) == pinhole.EINVALID {
				err = pinhole.Errorf(pinhole.EINVALID, "Photo %d (%s): %s", i+1, truncate(fh.Filename, 60), pinhole.ErrorMessage(err))
			}
			s.composeError(w, r, err, form, true)
			return
		}
		post.MediaIDs = append(post.MediaIDs, m.ID)
	}
	v, err := s.svc.Posts.Create(r.Context(), me, post)
	if err != nil {
		s.composeError(w, r, err, form, true)
		return
	}
	http.Redirect(w, r, "/p/"+v.Post.ID.String(), http.StatusSeeOther)
}

// composeError shows the compose form again with what to fix. Chosen
// photos must be chosen again: browsers never refill file inputs.
func (s *Server) composeError(w http.ResponseWriter, r *http.Request, err error, form map[string][]string, chosen bool) {
	code := pinhole.ErrorCode(err)
	if code != pinhole.EINVALID && code != pinhole.ETOOLARGE && code != pinhole.EUNAVAILABLE && code != pinhole.ERATELIMITED {
		s.fail(w, r, err)
		return
	}
	var e *pinhole.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
	}
	get := func(k string) string {
		if vs := form[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	msg := pinhole.ErrorMessage(err)
	if chosen {
		msg += " Choose your photos again before sharing."
	}
	s.renderPage(w, r, statusOf(err), "compose", pageData{
		Title: "New post", Data: s.composeLimits(), Error: msg,
		Form: map[string]string{"caption": get("caption"), "alt": get("alt"), "filter": get("filter"), "filter_intensity": get("intensity"),
			"place": get("place"), "lat": get("lat"), "lon": get("lon")},
	})
}

// composePlace resolves the form's optional place: with coordinates (the
// device's location) it names the place there, creating it when new;
// without, it must name a place already known.
func (s *Server) composePlace(r *http.Request, me pinhole.ID, form url.Values) (pinhole.ID, error) {
	name := strings.TrimSpace(form.Get("place"))
	if name == "" || s.svc.Search == nil {
		return 0, nil
	}
	if lat, lon := form.Get("lat"), form.Get("lon"); lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil || err2 != nil {
			return 0, pinhole.Errorf(pinhole.EINVALID, "The location must be a latitude and a longitude in degrees.")
		}
		p, _, err := s.svc.Search.CreatePlace(r.Context(), me, pinhole.NewPlace{Name: name, Lat: la, Lon: lo})
		if err != nil {
			return 0, err
		}
		return p.ID, nil
	}
	found, err := s.svc.Search.SearchPlaces(r.Context(), name, 1, 0)
	if err != nil {
		return 0, err
	}
	if len(found) == 0 {
		return 0, pinhole.Errorf(pinhole.EINVALID, "No place called %.60q is known yet: use “Use my location” to add it there, or leave Place empty.", name)
	}
	return found[0].ID, nil
}
