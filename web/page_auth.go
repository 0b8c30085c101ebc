package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
)

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, a *pinhole.Account) error {
	secret, err := s.svc.Identity.NewSession(r.Context(), a.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.cfg.PublicURL, "https://"), MaxAge: int(s.svc.Identity.Config().SessionTTL.Seconds()),
	})
	return nil
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	if viewerOf(r).Account != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderPage(w, r, http.StatusOK, "login", pageData{Title: "Log in", Form: map[string]string{"next": r.URL.Query().Get("next")}})
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	form, err := s.parseForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.svc.Identity.Login(r.Context(), form.Get("login"), form.Get("password"), s.clientIP(r))
	if err == nil {
		err = s.startSession(w, r, a)
	}
	if err != nil {
		s.formError(w, r, "login", "Log in", err, map[string]string{"login": form.Get("login"), "next": form.Get("next")})
		return
	}
	http.Redirect(w, r, safeNext(form.Get("next")), http.StatusSeeOther)
}

func (s *Server) pageSignup(w http.ResponseWriter, r *http.Request) {
	if viewerOf(r).Account != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.renderPage(w, r, http.StatusOK, "signup", pageData{Title: "Sign up"})
}

func (s *Server) postSignup(w http.ResponseWriter, r *http.Request) {
	form, err := s.parseForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.svc.Identity.Signup(r.Context(), identity.Signup{Username: form.Get("username"), Email: form.Get("email"), Password: form.Get("password"), IP: s.clientIP(r)})
	if err == nil {
		err = s.startSession(w, r, a)
	}
	if err != nil {
		s.formError(w, r, "signup", "Sign up", err, map[string]string{"username": form.Get("username"), "email": form.Get("email")})
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	if _, err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if v := viewerOf(r); v.Session != "" {
		if err := s.svc.Identity.Revoke(r.Context(), v.Session); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// parseForm reads a page form post (urlencoded or multipart) and checks
// its CSRF token.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	return s.parseFormUpTo(w, r, s.cfg.MaxUploadBytes)
}

// parseFormUpTo is parseForm with a multipart body limit of its own.
func (s *Server) parseFormUpTo(w http.ResponseWriter, r *http.Request, multipartLimit int64) (url.Values, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, multipartLimit)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return nil, bodyError(err, "form")
		}
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err, "form")
		}
	}
	if err := s.checkCSRF(r); err != nil {
		return nil, err
	}
	return r.PostForm, nil
}

// formError shows a form again with the message that says what to fix.
// Errors that are not the member's to fix go to the error page.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, page, title string, err error, form map[string]string) {
	switch pinhole.ErrorCode(err) {
	case pinhole.EINVALID, pinhole.ECONFLICT, pinhole.EUNAUTHORIZED, pinhole.ERATELIMITED, pinhole.ETOOLARGE, pinhole.EUNAVAILABLE:
		var e *pinhole.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		}
		s.renderPage(w, r, statusOf(err), page, pageData{Title: title, Error: pinhole.ErrorMessage(err), Form: form})
	default:
		s.fail(w, r, err)
	}
}
