package identity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pinhole/pinhole"
)

// OOBRedirect is the out-of-band redirect URI: the code is shown to the
// member instead of being redirected.
const OOBRedirect = "urn:ietf:wg:oauth:2.0:oob"

// NewApp is an app registration (POST /api/v1/apps).
type NewApp struct {
	Name         string
	RedirectURIs string // one or more, separated by spaces or newlines
	Scopes       string
	Website      string
}

// RegisterApp registers an OAuth client.
func (s *Service) RegisterApp(ctx context.Context, in NewApp) (*pinhole.App, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return nil, pinhole.Errorf(pinhole.EINVALID, "client_name is required.")
	}
	if utf8.RuneCountInString(in.Name) > 200 || len(in.Website) > 2000 || len(in.RedirectURIs) > 4000 {
		return nil, pinhole.Errorf(pinhole.EINVALID, "client_name, website or redirect_uris is too long.")
	}
	uris := strings.Fields(in.RedirectURIs)
	if len(uris) == 0 {
		return nil, pinhole.Errorf(pinhole.EINVALID, "redirect_uris is required (use %s when the app has none).", OOBRedirect)
	}
	for _, u := range uris {
		if u == OOBRedirect {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || p.Scheme == "" || p.Fragment != "" || strings.EqualFold(p.Scheme, "javascript") || strings.EqualFold(p.Scheme, "data") {
			return nil, pinhole.Errorf(pinhole.EINVALID, "redirect_uris: %.80q is not an absolute URI without a fragment.", u)
		}
	}
	if in.Website != "" {
		if p, err := url.Parse(in.Website); err != nil || (p.Scheme != "http" && p.Scheme != "https") {
			return nil, pinhole.Errorf(pinhole.EINVALID, "website must be an http(s) URL.")
		}
	}
	scopes, err := pinhole.NormalizeScopes(in.Scopes, "")
	if err != nil {
		return nil, err
	}
	a := &pinhole.App{
		ID: s.ids.Next(0), Name: in.Name, Website: in.Website, RedirectURIs: uris, Scopes: scopes,
		ClientID: newSecret(), ClientSecret: newSecret(), CreatedAt: s.now().UTC(),
	}
	if err := s.tokens.CreateApp(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// FindClient returns an app by client_id (EUNAUTHORIZED when unknown).
func (s *Service) FindClient(ctx context.Context, clientID string) (*pinhole.App, error) {
	if clientID == "" || len(clientID) > 128 {
		return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Client authentication failed: unknown client_id.")
	}
	a, err := s.tokens.FindAppByClientID(ctx, clientID)
	if pinhole.IsNotFound(err) {
		return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Client authentication failed: unknown client_id.")
	}
	return a, err
}

// App returns an app by ID.
func (s *Service) App(ctx context.Context, id pinhole.ID) (*pinhole.App, error) {
	return s.tokens.FindApp(ctx, id)
}

// authClient checks client credentials in constant time.
func (s *Service) authClient(ctx context.Context, clientID, secret string, secretOptional bool) (*pinhole.App, error) {
	a, err := s.FindClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if secret == "" && secretOptional {
		return a, nil
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(a.ClientSecret)) != 1 {
		return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Client authentication failed: wrong client_secret.")
	}
	return a, nil
}

// AuthRequest is what /oauth/authorize asks for.
type AuthRequest struct {
	ClientID            string
	RedirectURI         string
	Scope               string
	CodeChallenge       string
	CodeChallengeMethod string
}

// CheckAuthRequest validates an authorization request and returns the app
// and normalized scopes, before the member is asked to consent.
func (s *Service) CheckAuthRequest(ctx context.Context, r *AuthRequest) (*pinhole.App, error) {
	a, err := s.FindClient(ctx, r.ClientID)
	if err != nil {
		return nil, pinhole.Errorf(pinhole.EINVALID, "Unknown client_id: register the app with POST /api/v1/apps first.")
	}
	if r.RedirectURI == "" && len(a.RedirectURIs) == 1 {
		r.RedirectURI = a.RedirectURIs[0]
	}
	if !slices.Contains(a.RedirectURIs, r.RedirectURI) {
		return nil, pinhole.Errorf(pinhole.EINVALID, "redirect_uri does not match one registered for this app.")
	}
	scopes, err := pinhole.NormalizeScopes(r.Scope, a.Scopes)
	if err != nil {
		return nil, err
	}
	r.Scope = scopes
	switch r.CodeChallengeMethod {
	case "":
		if r.CodeChallenge != "" {
			r.CodeChallengeMethod = "plain"
		}
	case "S256", "plain":
		if r.CodeChallenge == "" {
			return nil, pinhole.Errorf(pinhole.EINVALID, "code_challenge is required with code_challenge_method.")
		}
	default:
		return nil, pinhole.Errorf(pinhole.EINVALID, "code_challenge_method must be S256 or plain.")
	}
	if len(r.CodeChallenge) > 128 {
		return nil, pinhole.Errorf(pinhole.EINVALID, "code_challenge is too long.")
	}
	return a, nil
}

// Authorize issues a one-time code after the member consented.
func (s *Service) Authorize(ctx context.Context, accountID pinhole.ID, r AuthRequest) (string, error) {
	a, err := s.CheckAuthRequest(ctx, &r)
	if err != nil {
		return "", err
	}
	code := newSecret()
	c := &pinhole.AuthCode{
		Hash: hashSecret(code), AppID: a.ID, AccountID: accountID, RedirectURI: r.RedirectURI, Scopes: r.Scope,
		CodeChallenge: r.CodeChallenge, CodeChallengeMethod: r.CodeChallengeMethod, ExpiresAt: s.now().Add(10 * time.Minute),
	}
	if err := s.tokens.CreateAuthCode(ctx, c); err != nil {
		return "", err
	}
	return code, nil
}

// TokenRequest is a POST /oauth/token body.
type TokenRequest struct {
	GrantType    string
	ClientID     string
	ClientSecret string
	Code         string
	RedirectURI  string
	CodeVerifier string
	Username     string
	Password     string
	Scope        string
	IP           string
}

// Token runs one of the grants and returns the new access token's secret.
func (s *Service) Token(ctx context.Context, r TokenRequest) (string, *pinhole.Token, error) {
	var t *pinhole.Token
	switch r.GrantType {
	case "authorization_code":
		a, err := s.authClient(ctx, r.ClientID, r.ClientSecret, r.CodeVerifier != "")
		if err != nil {
			return "", nil, err
		}
		if r.Code == "" || len(r.Code) > 256 {
			return "", nil, pinhole.Errorf(pinhole.EINVALID, "code is required.")
		}
		c, err := s.tokens.ConsumeAuthCode(ctx, hashSecret(r.Code), s.now())
		if pinhole.IsNotFound(err) {
			return "", nil, pinhole.Errorf(pinhole.EINVALID, "The authorization code is invalid, expired or already used.")
		} else if err != nil {
			return "", nil, err
		}
		if c.AppID != a.ID || (r.RedirectURI != "" && r.RedirectURI != c.RedirectURI) {
			return "", nil, pinhole.Errorf(pinhole.EINVALID, "The authorization code was issued to another client or redirect_uri.")
		}
		if !checkPKCE(c, r.CodeVerifier) {
			return "", nil, pinhole.Errorf(pinhole.EINVALID, "code_verifier does not match the code_challenge.")
		}
		t = &pinhole.Token{AccountID: c.AccountID, AppID: a.ID, Scopes: c.Scopes}
	case "password":
		if !s.cfg.PasswordGrant {
			return "", nil, pinhole.Errorf(pinhole.EINVALID, "The password grant is turned off on this server; use authorization_code.")
		}
		a, err := s.authClient(ctx, r.ClientID, r.ClientSecret, false)
		if err != nil {
			return "", nil, err
		}
		scopes, err := pinhole.NormalizeScopes(r.Scope, a.Scopes)
		if err != nil {
			return "", nil, err
		}
		acc, err := s.Login(ctx, r.Username, r.Password, r.IP)
		if err != nil {
			return "", nil, err
		}
		t = &pinhole.Token{AccountID: acc.ID, AppID: a.ID, Scopes: scopes}
	case "client_credentials":
		a, err := s.authClient(ctx, r.ClientID, r.ClientSecret, false)
		if err != nil {
			return "", nil, err
		}
		scopes, err := pinhole.NormalizeScopes(r.Scope, a.Scopes)
		if err != nil {
			return "", nil, err
		}
		t = &pinhole.Token{AppID: a.ID, Scopes: scopes}
	case "":
		return "", nil, pinhole.Errorf(pinhole.EINVALID, "grant_type is required.")
	default:
		return "", nil, pinhole.Errorf(pinhole.EINVALID, "grant_type %.40q is not supported; use authorization_code, password or client_credentials.", r.GrantType)
	}
	secret := newSecret()
	t.Hash, t.CreatedAt = hashSecret(secret), s.now().UTC()
	if err := s.tokens.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// IssueToken gives an account a token for an app (signup through the API).
func (s *Service) IssueToken(ctx context.Context, appID, accountID pinhole.ID, scopes string) (string, *pinhole.Token, error) {
	secret := newSecret()
	t := &pinhole.Token{Hash: hashSecret(secret), AccountID: accountID, AppID: appID, Scopes: scopes, CreatedAt: s.now().UTC()}
	if err := s.tokens.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// RevokeToken revokes a token on behalf of the client that holds it.
func (s *Service) RevokeToken(ctx context.Context, clientID, clientSecret, token string) error {
	a, err := s.authClient(ctx, clientID, clientSecret, false)
	if err != nil {
		return pinhole.Errorf(pinhole.EFORBIDDEN, "You are not authorized to revoke this token.")
	}
	h := hashSecret(token)
	t, err := s.tokens.FindToken(ctx, h, s.now())
	if pinhole.IsNotFound(err) {
		return nil // RFC 7009: revoking an unknown token succeeds
	} else if err != nil {
		return err
	}
	if t.AppID != a.ID {
		return pinhole.Errorf(pinhole.EFORBIDDEN, "You are not authorized to revoke this token.")
	}
	return s.Revoke(ctx, token)
}

func checkPKCE(c *pinhole.AuthCode, verifier string) bool {
	switch c.CodeChallengeMethod {
	case "":
		return true
	case "plain":
		return subtle.ConstantTimeCompare([]byte(verifier), []byte(c.CodeChallenge)) == 1
	case "S256":
		sum := sha256.Sum256([]byte(verifier))
		got := base64.RawURLEncoding.EncodeToString(sum[:])
		return verifier != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.CodeChallenge)) == 1
	}
	return false
}
