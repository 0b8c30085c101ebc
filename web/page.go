package web

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

//go:embed all:templates static
var assets embed.FS

func staticHandler() http.Handler {
	sub, _ := fs.Sub(assets, "static")
	fsrv := http.FileServer(http.FS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// pageData is what every page template receives.
type pageData struct {
	Title  string
	Me     *pinhole.Account // logged-in member, nil when logged out
	CSRF   string
	Error  string // a message saying what to fix
	Notice string
	Status int
	Form   map[string]string // submitted values, to refill a form
	Public string            // public URL
	// FormToken is fresh on every rendering: forms that create something
	// carry it so a second submission creates nothing (see onceForm).
	FormToken string
	Unread    int64 // the member's unread notifications
	Data      any   // the page's own data
	Request   *http.Request
}

// parseTemplates parses each page with the shared layout and partials.
func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	shared, err := fs.Glob(assets, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(assets, "templates/[a-z]*.html")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template, len(pages))
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, append(append([]string{}, shared...), p)...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

const csrfCookie = "pinhole_csrf"

// csrfToken returns the request's CSRF token (double-submit: forms echo
// the cookie's value; other sites can neither read nor set it). The
// middleware issues the cookie on a browser's first visit.
func (s *Server) csrfToken(r *http.Request) string {
	if v, ok := r.Context().Value(keyCSRF).(string); ok {
		return v
	}
	return ""
}

// ensureCSRF makes sure the browser holds a CSRF cookie and returns its value.
func (s *Server) ensureCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.cfg.PublicURL, "https://")})
	return tok
}

// checkCSRF verifies a form post's token against the cookie.
func (s *Server) checkCSRF(r *http.Request) error {
	c, err := r.Cookie(csrfCookie)
	sent := r.PostFormValue("csrf")
	if sent == "" {
		sent = r.Header.Get("X-CSRF-Token")
	}
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
		return pinhole.Errorf(pinhole.EFORBIDDEN, "The form has expired; reload the page and try again.")
	}
	return nil
}

// renderPage renders a page template inside the layout.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	t := s.pages[name]
	if t == nil {
		http.Error(w, "page not found", http.StatusInternalServerError)
		return
	}
	d.Me = viewerOf(r).Account
	d.CSRF = s.csrfToken(r)
	d.FormToken = newFormToken()
	if d.Me != nil && s.svc.Notify != nil {
		d.Unread, _ = s.svc.Notify.Unread(r.Context(), d.Me.ID) // the badge is a nicety: a failure shows none
	}
	d.Public = s.cfg.PublicURL
	d.Request = r
	if d.Status == 0 {
		d.Status = status
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"caption": func(v *posts.View) template.HTML {
			return template.HTML(s.captionHTML(v.Post.Caption, v.Mentioned)) // escaped by captionHTML
		},
		"note":    func(a *pinhole.Account) template.HTML { return template.HTML(noteHTML(a.Bio)) },
		"avatar":  s.avatarURL,
		"media":   func(m *pinhole.Media, variant string) string { return "/media/" + m.Variant(variant).Key },
		"variant": func(m *pinhole.Media, name string) pinhole.MediaVariant { return m.Variant(name) },
		"ago":     func(t time.Time) string { return ago(s.now().Sub(t)) },
		"iso":     isoTime,
		"count":   compactCount,
		"add":     func(a, b int) int { return a + b },
		"plural": func(n int64, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return fmt.Sprintf("%dw", int(d.Hours()/24/7))
}

func compactCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dK", n/1000)
	}
	return fmt.Sprint(n)
}

func newFormToken() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
