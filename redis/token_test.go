package redis_test

import (
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/redis/redistest"
	"github.com/pinhole/pinhole/storetest"
)

// TestTokens runs the token conformance suite through the cache.
func TestTokens(t *testing.T) {
	storetest.RunTokens(t, func(t *testing.T) storetest.Stores {
		st, c := mustOpenSQL(t)
		return storetest.Stores{Tokens: redis.NewTokens(redistest.Open(t, nil), st), IDs: c.IDs, NumShards: st.NumShards()}
	})
}

func TestTokenCache(t *testing.T) {
	session := func() *pinhole.Token {
		return &pinhole.Token{Hash: []byte("session-hash"), AccountID: 1 << 20, Scopes: "read write follow", CreatedAt: storetest.Now}
	}
	find := func(t *testing.T, s pinhole.TokenStore, hash []byte) (*pinhole.Token, error) {
		return s.FindToken(t.Context(), hash, storetest.Now)
	}
	t.Run("LookupsAreServedFromRedis", func(t *testing.T) {
		st, _ := mustOpenSQL(t)
		s := redis.NewTokens(redistest.Open(t, nil), st)
		tok := session()
		mustOK(t, "CreateToken", s.CreateToken(t.Context(), tok))
		if _, err := find(t, s, tok.Hash); err != nil {
			t.Fatalf("FindToken: %v", err)
		}
		// Gone from the database behind the cache's back: still cached.
		mustOK(t, "delete in the database", st.DeleteToken(t.Context(), tok.Hash))
		got, err := find(t, s, tok.Hash)
		if err != nil || got.AccountID != tok.AccountID || got.Scopes != tok.Scopes || !got.CreatedAt.Equal(tok.CreatedAt) {
			t.Errorf("FindToken from the cache: got %+v, %v; want %+v", got, err, tok)
		}
	})
	t.Run("RevokeOnAnyNodeDropsIt", func(t *testing.T) {
		st, _ := mustOpenSQL(t)
		cfg := redistest.Config()
		a, b := redis.NewTokens(redistest.Open(t, &cfg), st), redis.NewTokens(redistest.Open(t, &cfg), st)
		tok := session()
		mustOK(t, "CreateToken", a.CreateToken(t.Context(), tok))
		if _, err := find(t, a, tok.Hash); err != nil {
			t.Fatalf("FindToken on node a: %v", err)
		}
		mustOK(t, "DeleteToken on node b", b.DeleteToken(t.Context(), tok.Hash))
		if got, err := find(t, a, tok.Hash); !pinhole.IsNotFound(err) {
			t.Errorf("FindToken on node a after the revoke on b: got %+v, %v; want ENOTFOUND", got, err)
		}
	})
	t.Run("CachedTokenStillExpires", func(t *testing.T) {
		st, _ := mustOpenSQL(t)
		s := redis.NewTokens(redistest.Open(t, nil), st)
		tok := session()
		tok.ExpiresAt = storetest.Now.Add(time.Hour)
		mustOK(t, "CreateToken", s.CreateToken(t.Context(), tok))
		if _, err := s.FindToken(t.Context(), tok.Hash, storetest.Now.Add(59*time.Minute)); err != nil {
			t.Fatalf("FindToken before expiry: %v", err)
		}
		if _, err := s.FindToken(t.Context(), tok.Hash, storetest.Now.Add(time.Hour)); !pinhole.IsNotFound(err) {
			t.Errorf("FindToken at expiry: got %v, want ENOTFOUND", err)
		}
	})
	t.Run("RedisDownUsesTheDatabase", func(t *testing.T) {
		st, _ := mustOpenSQL(t)
		s := redis.NewTokens(redistest.Down(t), st)
		tok := session()
		mustOK(t, "CreateToken", s.CreateToken(t.Context(), tok))
		if _, err := find(t, s, tok.Hash); err != nil {
			t.Errorf("FindToken with Redis down: %v", err)
		}
		mustOK(t, "DeleteToken with Redis down", s.DeleteToken(t.Context(), tok.Hash))
		if _, err := find(t, s, tok.Hash); !pinhole.IsNotFound(err) {
			t.Errorf("FindToken after revoking with Redis down: got %v, want ENOTFOUND", err)
		}
	})
}
