package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
)

type appJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	ClientID     string   `json:"client_id,omitempty"`
	ClientSecret string   `json:"client_secret,omitempty"`
	VapidKey     string   `json:"vapid_key"`
}

func appEntity(a *pinhole.App, withSecret bool) appJSON {
	out := appJSON{ID: a.ID.String(), Name: a.Name, Scopes: strings.Fields(a.Scopes), RedirectURI: strings.Join(a.RedirectURIs, "\n"), RedirectURIs: a.RedirectURIs}
	if a.Website != "" {
		w := a.Website
		out.Website = &w
	}
	if withSecret {
		out.ClientID, out.ClientSecret = a.ClientID, a.ClientSecret
	}
	return out
}

type tokenJSON struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

func tokenEntity(secret string, t *pinhole.Token) tokenJSON {
	return tokenJSON{AccessToken: secret, TokenType: "Bearer", Scope: t.Scopes, CreatedAt: t.CreatedAt.Unix()}
}

func (s *Server) apiCreateApp(w http.ResponseWriter, r *http.Request) error {
	p, err := s.parseParams(w, r)
	if err != nil {
		return err
	}
	uris := p.str("redirect_uris")
	if l := p.list("redirect_uris"); len(l) > 1 || (len(l) == 1 && uris == "") {
		uris = strings.Join(l, " ")
	}
	a, err := s.svc.Identity.RegisterApp(r.Context(), identity.NewApp{Name: p.str("client_name"), RedirectURIs: uris, Scopes: p.str("scopes"), Website: p.str("website")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, appEntity(a, true))
	return nil
}

func (s *Server) apiVerifyApp(w http.ResponseWriter, r *http.Request) error {
	v := viewerOf(r)
	if v.Token == nil || v.Token.AppID == 0 {
		return pinhole.Errorf(pinhole.EUNAUTHORIZED, "The access token is invalid.")
	}
	a, err := s.svc.Identity.App(r.Context(), v.Token.AppID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, appEntity(a, false))
	return nil
}

func (s *Server) host() string {
	u, err := url.Parse(s.cfg.PublicURL)
	if err != nil {
		return ""
	}
	return u.Host
}

// splitAcct splits user@domain.
func splitAcct(acct string) (user, domain string, ok bool) {
	user, domain, ok = strings.Cut(acct, "@")
	return user, domain, ok
}

const apiVersion = "4.3.0 (compatible; Pinhole 0.1)"

func (s *Server) apiInstanceV1(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"uri": s.host(), "title": s.cfg.InstanceTitle, "short_description": "A photo-sharing community.",
		"description": "A photo-sharing community running Pinhole.", "email": "", "version": apiVersion,
		"urls":      map[string]string{"streaming_api": strings.Replace(s.cfg.PublicURL, "http", "ws", 1)},
		"stats":     map[string]int{"user_count": 0, "status_count": 0, "domain_count": 1},
		"thumbnail": nil, "languages": []string{"en"}, "registrations": true, "approval_required": false, "invites_enabled": false,
		"configuration":   s.instanceConfiguration(),
		"contact_account": nil, "rules": []any{},
	})
	return nil
}

func (s *Server) apiInstanceV2(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"domain": s.host(), "title": s.cfg.InstanceTitle, "version": apiVersion, "source_url": "",
		"description": "A photo-sharing community running Pinhole.",
		"usage":       map[string]any{"users": map[string]int{"active_month": 0}},
		"thumbnail":   map[string]any{"url": s.cfg.PublicURL + "/static/header.svg"},
		"languages":   []string{"en"},
		"configuration": func() map[string]any {
			c := s.instanceConfiguration()
			c["urls"] = map[string]string{"streaming": strings.Replace(s.cfg.PublicURL, "http", "ws", 1)}
			return c
		}(),
		"registrations": map[string]any{"enabled": true, "approval_required": false, "message": nil},
		"contact":       map[string]any{"email": "", "account": nil},
		"rules":         []any{},
	})
	return nil
}

func (s *Server) instanceConfiguration() map[string]any {
	return map[string]any{
		"accounts": map[string]int{"max_featured_tags": 0, "max_pinned_statuses": 0},
		"statuses": map[string]int{"max_characters": pinhole.MaxCaptionLen, "max_media_attachments": pinhole.MaxPhotosInPost, "characters_reserved_per_url": 23},
		"media_attachments": map[string]any{
			"supported_mime_types": []string{"image/jpeg", "image/png", "image/webp", "image/gif"},
			"image_size_limit":     s.svc.Media.Config().MaxUploadBytes,
			"image_matrix_limit":   s.svc.Media.Config().Imaging.MaxPixels,
			"video_size_limit":     0, "video_frame_rate_limit": 0, "video_matrix_limit": 0,
		},
		"polls": map[string]int{"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0},
	}
}
