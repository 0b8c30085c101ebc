package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
)

func (s *Server) oauthRoutes() {
	s.mux.HandleFunc("GET /oauth/authorize", s.pageAuthorize)
	s.mux.HandleFunc("POST /oauth/authorize", s.postAuthorize)
	s.mux.HandleFunc("POST /oauth/token", s.h(s.oauthToken))
	s.mux.HandleFunc("POST /oauth/revoke", s.h(s.oauthRevoke))
}

func authRequestFrom(v url.Values) identity.AuthRequest {
	return identity.AuthRequest{
		ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), Scope: v.Get("scope"),
		CodeChallenge: v.Get("code_challenge"), CodeChallengeMethod: v.Get("code_challenge_method"),
	}
}

// pageAuthorize asks the logged-in member to let an app act for them.
func (s *Server) pageAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "" && q.Get("response_type") != "code" {
		s.fail(w, r, pinhole.Errorf(pinhole.EINVALID, "response_type must be code."))
		return
	}
	req := authRequestFrom(q)
	app, err := s.svc.Identity.CheckAuthRequest(r.Context(), &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if viewerOf(r).Account == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	s.renderPage(w, r, http.StatusOK, "authorize", pageData{Title: "Authorize " + app.Name, Data: map[string]any{
		"App": app, "Scopes": strings.Fields(req.Scope), "Request": req, "State": q.Get("state"),
	}})
}

func (s *Server) postAuthorize(w http.ResponseWriter, r *http.Request) {
	form, err := s.parseForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me := viewerOf(r).Account
	if me == nil {
		s.fail(w, r, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Log in first."))
		return
	}
	req := authRequestFrom(form)
	if _, err := s.svc.Identity.CheckAuthRequest(r.Context(), &req); err != nil {
		s.fail(w, r, err)
		return
	}
	state := form.Get("state")
	if form.Get("decision") != "approve" {
		s.redirectWith(w, r, req.RedirectURI, url.Values{"error": {"access_denied"}, "error_description": {"The member denied the request."}, "state": {state}})
		return
	}
	code, err := s.svc.Identity.Authorize(r.Context(), me.ID, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if req.RedirectURI == identity.OOBRedirect {
		s.renderPage(w, r, http.StatusOK, "authorize", pageData{Title: "Authorization code", Data: map[string]any{"Code": code}})
		return
	}
	s.redirectWith(w, r, req.RedirectURI, url.Values{"code": {code}, "state": {state}})
}

// redirectWith sends the browser to a registered redirect URI with query
// parameters added.
func (s *Server) redirectWith(w http.ResponseWriter, r *http.Request, target string, add url.Values) {
	u, err := url.Parse(target)
	if err != nil {
		s.fail(w, r, pinhole.Errorf(pinhole.EINVALID, "redirect_uri is not a valid URI."))
		return
	}
	q := u.Query()
	for k, vs := range add {
		if len(vs) > 0 && vs[0] != "" {
			q.Set(k, vs[0])
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	id, secret := p.str("client_id"), p.str("client_secret")
	if u, pw, ok := r.BasicAuth(); ok {
		id, secret = u, pw
	}
	tok, t, err := s.svc.Identity.Token(r.Context(), identity.TokenRequest{
		GrantType: p.str("grant_type"), ClientID: id, ClientSecret: secret, Code: p.str("code"),
		RedirectURI: p.str("redirect_uri"), CodeVerifier: p.str("code_verifier"), Username: p.str("username"),
		Password: p.str("password"), Scope: p.str("scope"), IP: s.clientIP(r),
	})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokenEntity(tok, t))
	return nil
}

func (s *Server) oauthRevoke(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	id, secret := p.str("client_id"), p.str("client_secret")
	if u, pw, ok := r.BasicAuth(); ok {
		id, secret = u, pw
	}
	if p.str("token") == "" {
		return pinhole.Errorf(pinhole.EINVALID, "token is required.")
	}
	if err := s.svc.Identity.RevokeToken(r.Context(), id, secret, p.str("token")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{})
	return nil
}
