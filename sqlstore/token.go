package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.TokenStore = (*Store)(nil)

const appCols = `id, name, website, redirect_uris, scopes, client_id, client_secret, created_at`

func scanApp(row rowScanner) (*pinhole.App, error) {
	var a pinhole.App
	var uris string
	var created int64
	if err := row.Scan(&a.ID, &a.Name, &a.Website, &uris, &a.Scopes, &a.ClientID, &a.ClientSecret, &created); err != nil {
		return nil, err
	}
	a.RedirectURIs = strings.Split(uris, "\n")
	a.CreatedAt = fromMS(created)
	return &a, nil
}

func (s *Store) CreateApp(ctx context.Context, a *pinhole.App) error {
	_, err := s.c.Directory.Write.ExecContext(ctx, s.q(`INSERT INTO apps (`+appCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		int64(a.ID), a.Name, a.Website, strings.Join(a.RedirectURIs, "\n"), a.Scopes, a.ClientID, a.ClientSecret, ms(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: create app: %w", err)
	}
	return nil
}

func (s *Store) FindApp(ctx context.Context, id pinhole.ID) (*pinhole.App, error) {
	a, err := scanApp(s.lookup(ctx, s.c.Directory, s.q(`SELECT `+appCols+` FROM apps WHERE id = ?`), int64(id)))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find app: %w", notFound(err, "Application not found."))
	}
	return a, nil
}

func (s *Store) FindAppByClientID(ctx context.Context, clientID string) (*pinhole.App, error) {
	a, err := scanApp(s.lookup(ctx, s.c.Directory, s.q(`SELECT `+appCols+` FROM apps WHERE client_id = ?`), clientID))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find app: %w", notFound(err, "Unknown client_id."))
	}
	return a, nil
}

func (s *Store) CreateToken(ctx context.Context, t *pinhole.Token) error {
	_, err := s.c.Directory.Write.ExecContext(ctx, s.q(`INSERT INTO tokens (hash, account_id, app_id, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		t.Hash, int64(t.AccountID), int64(t.AppID), t.Scopes, ms(t.CreatedAt), ms(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: create token: %w", err)
	}
	return nil
}

// FindToken reads the primary even where the directory has replicas: a
// replica that has not replayed a revoke yet would let the token in (and,
// at scale, put it back in the shared token cache the revoke emptied).
func (s *Store) FindToken(ctx context.Context, hash []byte, now time.Time) (*pinhole.Token, error) {
	t := pinhole.Token{Hash: hash}
	var created, expires int64
	err := s.lookup(WithPrimary(ctx), s.c.Directory, s.q(`SELECT account_id, app_id, scopes, created_at, expires_at FROM tokens WHERE hash = ?`), hash).
		Scan(&t.AccountID, &t.AppID, &t.Scopes, &created, &expires)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find token: %w", notFound(err, "Token not found."))
	}
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Token expired.")
	}
	return &t, nil
}

func (s *Store) DeleteToken(ctx context.Context, hash []byte) error {
	if _, err := s.c.Directory.Write.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE hash = ?`), hash); err != nil {
		return fmt.Errorf("sqlstore: delete token: %w", err)
	}
	return nil
}

func (s *Store) CreateAuthCode(ctx context.Context, c *pinhole.AuthCode) error {
	_, err := s.c.Directory.Write.ExecContext(ctx, s.q(`INSERT INTO auth_codes (hash, app_id, account_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), c.Hash, int64(c.AppID), int64(c.AccountID), c.RedirectURI, c.Scopes, c.CodeChallenge, c.CodeChallengeMethod, ms(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: create auth code: %w", err)
	}
	return nil
}

func (s *Store) ConsumeAuthCode(ctx context.Context, hash []byte, now time.Time) (*pinhole.AuthCode, error) {
	c := pinhole.AuthCode{Hash: hash}
	err := s.tx(ctx, s.c.Directory, func(tx *sql.Tx) error {
		var expires int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT app_id, account_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at FROM auth_codes WHERE hash = ?`), hash).
			Scan(&c.AppID, &c.AccountID, &c.RedirectURI, &c.Scopes, &c.CodeChallenge, &c.CodeChallengeMethod, &expires)
		if err != nil {
			return notFound(err, "Authorization code is invalid or was already used.")
		}
		c.ExpiresAt = fromMS(expires)
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM auth_codes WHERE hash = ? OR expires_at < ?`), hash, ms(now)); err != nil {
			return err
		}
		if !now.Before(c.ExpiresAt) {
			return pinhole.Errorf(pinhole.ENOTFOUND, "Authorization code has expired.")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: consume auth code: %w", err)
	}
	return &c, nil
}
