package pinhole

import (
	"context"
	"strings"
	"time"
)

// Scopes Pinhole knows (Mastodon's top-level scopes).
var KnownScopes = map[string]bool{"read": true, "write": true, "follow": true, "push": true, "profile": true, "admin:read": true, "admin:write": true}

// App is an OAuth client registered through POST /api/v1/apps.
type App struct {
	ID           ID
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       string
	ClientID     string
	ClientSecret string // stored as given: clients need it back verbatim
	CreatedAt    time.Time
}

// Token is an access token (OAuth) or a web session. Only a hash of the
// secret is stored.
type Token struct {
	Hash      []byte
	AccountID ID // 0 for an app-only (client_credentials) token
	AppID     ID // 0 for a web session
	Scopes    string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: no expiry
}

// HasScope reports whether the token grants want (a top-level scope also
// grants its sub-scopes, e.g. "write" grants "write:statuses").
func (t *Token) HasScope(want string) bool {
	top, _, _ := strings.Cut(want, ":")
	for _, s := range strings.Fields(t.Scopes) {
		if s == want || s == top {
			return true
		}
	}
	return false
}

// AuthCode is a one-time OAuth authorization code.
type AuthCode struct {
	Hash                []byte
	AppID               ID
	AccountID           ID
	RedirectURI         string
	Scopes              string
	CodeChallenge       string
	CodeChallengeMethod string
	ExpiresAt           time.Time
}

// NormalizeScopes validates a space-separated scope list against the
// allowed set; empty means "read".
func NormalizeScopes(s string, allowed string) (string, error) {
	fields := strings.Fields(strings.ReplaceAll(s, "+", " "))
	if len(fields) == 0 {
		fields = []string{"read"}
	}
	allow := (&Token{Scopes: allowed})
	seen := map[string]bool{}
	var out []string
	for _, f := range fields {
		top, _, _ := strings.Cut(f, ":")
		if !KnownScopes[top] && !KnownScopes[f] {
			return "", Errorf(EINVALID, "Unknown scope %.40q.", f)
		}
		if allowed != "" && !allow.HasScope(f) {
			return "", Errorf(EINVALID, "Scope %.40q was not registered for this app.", f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return strings.Join(out, " "), nil
}

// TokenStore persists apps, tokens and authorization codes (directory
// database: tokens do not name a shard).
type TokenStore interface {
	CreateApp(ctx context.Context, a *App) error
	FindApp(ctx context.Context, id ID) (*App, error)
	FindAppByClientID(ctx context.Context, clientID string) (*App, error)
	CreateToken(ctx context.Context, t *Token) error
	// FindToken returns an unexpired token by hash.
	FindToken(ctx context.Context, hash []byte, now time.Time) (*Token, error)
	// DeleteToken revokes a token; no error when it is already gone.
	DeleteToken(ctx context.Context, hash []byte) error
	CreateAuthCode(ctx context.Context, c *AuthCode) error
	// ConsumeAuthCode returns and deletes an unexpired code (once only).
	ConsumeAuthCode(ctx context.Context, hash []byte, now time.Time) (*AuthCode, error)
}
