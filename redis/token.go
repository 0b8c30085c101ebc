package redis

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/pinhole/pinhole"
)

var _ pinhole.TokenStore = (*Tokens)(nil)

// Tokens caches token lookups by hash in Redis for TokenTTL: every API
// request and page view authenticates, and the directory database need
// not answer each one. The database stays the truth: a revoke deletes
// there first, then leaves a tombstone in the cache that a lookup racing
// the revoke cannot overwrite. Anything but a lookup goes straight to the
// store.
type Tokens struct {
	pinhole.TokenStore
	c *Client
}

// NewTokens wraps a token store.
func NewTokens(c *Client, store pinhole.TokenStore) *Tokens {
	return &Tokens{TokenStore: store, c: c}
}

// tokenWire is a cached token. The hash is the key.
type tokenWire struct {
	AccountID pinhole.ID `json:"a,omitempty"`
	AppID     pinhole.ID `json:"p,omitempty"`
	Scopes    string     `json:"s"`
	CreatedAt int64      `json:"c"` // Unix ms
	ExpiresAt int64      `json:"e"` // Unix ms; 0: never
}

func (s *Tokens) tokKey(hash []byte) string { return s.c.key("tok", hex.EncodeToString(hash)) }

func (s *Tokens) FindToken(ctx context.Context, hash []byte, now time.Time) (*pinhole.Token, error) {
	var val string
	err := s.c.do(ctx, "token get", func(ctx context.Context) (err error) {
		val, err = s.c.rdb.Get(ctx, s.tokKey(hash)).Result()
		return err
	})
	if err == nil {
		if val == tombstone {
			return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Token not found.")
		}
		var w tokenWire
		if json.Unmarshal([]byte(val), &w) == nil {
			t := &pinhole.Token{Hash: hash, AccountID: w.AccountID, AppID: w.AppID, Scopes: w.Scopes, CreatedAt: time.UnixMilli(w.CreatedAt).UTC()}
			if w.ExpiresAt != 0 {
				t.ExpiresAt = time.UnixMilli(w.ExpiresAt).UTC()
				if !now.Before(t.ExpiresAt) {
					return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Token expired.")
				}
			}
			return t, nil
		}
	}
	t, err := s.TokenStore.FindToken(ctx, hash, now)
	if err != nil {
		return nil, err
	}
	s.fill(ctx, t, now)
	return t, nil
}

// fill caches a token found in the store, unless a revoke's tombstone is
// there, and never past the token's expiry.
func (s *Tokens) fill(ctx context.Context, t *pinhole.Token, now time.Time) {
	ttl := s.c.cfg.TokenTTL
	w := tokenWire{AccountID: t.AccountID, AppID: t.AppID, Scopes: t.Scopes, CreatedAt: t.CreatedAt.UnixMilli()}
	if !t.ExpiresAt.IsZero() {
		w.ExpiresAt = t.ExpiresAt.UnixMilli()
		ttl = min(ttl, t.ExpiresAt.Sub(now))
	}
	if ttl < time.Millisecond {
		return
	}
	b, err := json.Marshal(w)
	if err != nil {
		return
	}
	_ = s.c.do(ctx, "token set", func(ctx context.Context) error {
		return s.c.rdb.SetNX(ctx, s.tokKey(t.Hash), b, ttl).Err()
	})
}

// DeleteToken revokes the token in the store, then drops it from the
// cache. If Redis cannot be told now, it is told as soon as it answers
// again (see Client.invalidate).
func (s *Tokens) DeleteToken(ctx context.Context, hash []byte) error {
	if err := s.TokenStore.DeleteToken(ctx, hash); err != nil {
		return err
	}
	_ = s.c.invalidate(ctx, "token revoke", []string{s.tokKey(hash)})
	return nil
}
