package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/pinhole/pinhole"
)

// settingsPage is what the settings form shows besides its fields.
type settingsPage struct {
	MaxDisplayName int
	MaxBio         int
	Requests       int // follow requests waiting
	HasAvatar      bool
}

func (s *Server) pageSettings(w http.ResponseWriter, r *http.Request) {
	me := s.loginFirst(w, r, "/settings")
	if me == nil {
		return
	}
	d := pageData{Title: "Settings", Form: profileForm(me)}
	if r.URL.Query().Get("saved") != "" {
		d.Notice = "Your profile is saved."
	}
	s.renderSettings(w, r, http.StatusOK, d)
}

// renderSettings renders the settings form with the count of follow
// requests, so private accounts see who waits.
func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	me := viewerOf(r).Account
	reqs, err := s.svc.Graph.FollowRequests(r.Context(), me.ID, pinhole.Page{Limit: 80})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Data = settingsPage{MaxDisplayName: pinhole.MaxDisplayNameLen, MaxBio: pinhole.MaxBioLen, Requests: len(reqs), HasAvatar: me.AvatarMediaID != 0}
	s.renderPage(w, r, status, "settings", d)
}

func profileForm(a *pinhole.Account) map[string]string {
	f := map[string]string{"display_name": a.DisplayName, "bio": a.Bio}
	if a.Locked {
		f["locked"] = "on"
	}
	return f
}

// postSettings saves the profile; a chosen avatar is uploaded first.
func (s *Server) postSettings(w http.ResponseWriter, r *http.Request) {
	me := s.loginFirst(w, r, "/settings")
	if me == nil {
		return
	}
	form, err := s.parseForm(w, r)
	if err != nil {
		s.settingsError(w, r, err, profileForm(me))
		return
	}
	submitted := map[string]string{"display_name": form.Get("display_name"), "bio": form.Get("bio"), "locked": form.Get("locked")}
	name, bio, locked := form.Get("display_name"), form.Get("bio"), form.Get("locked") != ""
	upd := pinhole.AccountUpdate{DisplayName: &name, Bio: &bio, Locked: &locked}
	if r.MultipartForm != nil && len(r.MultipartForm.File["avatar"]) > 0 && r.MultipartForm.File["avatar"][0].Size > 0 {
		f, err := r.MultipartForm.File["avatar"][0].Open()
		if err != nil {
			s.settingsError(w, r, pinhole.Errorf(pinhole.EINVALID, "Could not read the photo; choose it again."), submitted)
			return
		}
		m, err := s.svc.Media.Upload(r.Context(), me.ID, f, "")
		f.Close()
		if err != nil {
			s.settingsError(w, r, err, submitted)
			return
		}
		upd.AvatarMediaID = &m.ID
	} else if form.Get("remove_avatar") != "" {
		none := pinhole.ID(0)
		upd.AvatarMediaID = &none
	}
	if _, err := s.svc.Identity.UpdateProfile(r.Context(), me.ID, upd); err != nil {
		s.settingsError(w, r, err, submitted)
		return
	}
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}

func (s *Server) settingsError(w http.ResponseWriter, r *http.Request, err error, form map[string]string) {
	switch pinhole.ErrorCode(err) {
	case pinhole.EINVALID, pinhole.ETOOLARGE, pinhole.EUNAVAILABLE, pinhole.ERATELIMITED:
		var e *pinhole.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		}
		s.renderSettings(w, r, statusOf(err), pageData{Title: "Settings", Error: pinhole.ErrorMessage(err), Form: form})
	default:
		s.fail(w, r, err)
	}
}
