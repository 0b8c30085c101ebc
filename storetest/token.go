package storetest

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
)

var tokenTests = []test{
	{"AppFindByIDAndClientID", testTokenApp},
	{"TokenFindByHash", testTokenFind},
	{"ExpiredTokenIsNotFound", testTokenExpired},
	{"DeleteToken", testTokenDelete},
	{"AuthCodeIsConsumedOnce", testAuthCodeOnce},
	{"ExpiredAuthCodeIsRefused", testAuthCodeExpired},
}

func mustCreateApp(t *testing.T, s Stores, clientID string) *pinhole.App {
	t.Helper()
	a := &pinhole.App{
		ID:           s.IDs.Next(0),
		Name:         "Darkroom " + clientID,
		Website:      "https://darkroom.example",
		RedirectURIs: []string{"https://darkroom.example/callback", "urn:ietf:wg:oauth:2.0:oob"},
		Scopes:       "read write follow",
		ClientID:     clientID,
		ClientSecret: "secret-" + clientID,
		CreatedAt:    Now,
	}
	mustOK(t, "CreateApp", s.Tokens.CreateApp(t.Context(), a))
	return a
}

func checkApp(t *testing.T, what string, got, want *pinhole.App) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = g.CreatedAt.UTC(), w.CreatedAt.UTC()
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

func checkToken(t *testing.T, what string, got, want *pinhole.Token) {
	t.Helper()
	if !bytes.Equal(got.Hash, want.Hash) || got.AccountID != want.AccountID || got.AppID != want.AppID || got.Scopes != want.Scopes ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testTokenApp(t *testing.T, s Stores) {
	a := mustCreateApp(t, s, "client-a")
	b := mustCreateApp(t, s, "client-b")
	for _, want := range []*pinhole.App{a, b} {
		got, err := s.Tokens.FindApp(t.Context(), want.ID)
		if err != nil {
			t.Errorf("FindApp(%s): %v", want.ID, err)
		} else {
			checkApp(t, "FindApp", got, want)
		}
		got, err = s.Tokens.FindAppByClientID(t.Context(), want.ClientID)
		if err != nil {
			t.Errorf("FindAppByClientID(%q): %v", want.ClientID, err)
		} else {
			checkApp(t, "FindAppByClientID", got, want)
		}
	}
	_, err := s.Tokens.FindApp(t.Context(), s.IDs.Next(0))
	wantCode(t, "FindApp(unknown)", err, pinhole.ENOTFOUND)
	_, err = s.Tokens.FindAppByClientID(t.Context(), "client-c")
	wantCode(t, "FindAppByClientID(unknown)", err, pinhole.ENOTFOUND)
}

func testTokenFind(t *testing.T, s Stores) {
	app := mustCreateApp(t, s, "client")
	tokens := []*pinhole.Token{
		{Hash: []byte("hash-oauth"), AccountID: s.IDs.Next(s.Shard(1)), AppID: app.ID, Scopes: "read write", CreatedAt: Now, ExpiresAt: Now.Add(time.Hour)},
		{Hash: []byte("hash-session"), AccountID: s.IDs.Next(s.Shard(2)), Scopes: "read write follow", CreatedAt: Now}, // never expires
		{Hash: []byte("hash-app-only"), AppID: app.ID, Scopes: "read", CreatedAt: Now, ExpiresAt: Now.Add(time.Minute)},
	}
	for _, tok := range tokens {
		mustOK(t, "CreateToken", s.Tokens.CreateToken(t.Context(), tok))
	}
	for _, want := range tokens {
		got, err := s.Tokens.FindToken(t.Context(), want.Hash, Now)
		if err != nil {
			t.Errorf("FindToken(%s): %v", want.Hash, err)
			continue
		}
		checkToken(t, "FindToken("+string(want.Hash)+")", got, want)
	}
	got, err := s.Tokens.FindToken(t.Context(), []byte("hash-other"), Now)
	wantCode(t, "FindToken(unknown)", err, pinhole.ENOTFOUND)
	if got != nil {
		t.Errorf("FindToken(unknown): got %+v with the error, want nil", got)
	}
	_, err = s.Tokens.FindToken(t.Context(), []byte("hash-oauth")[:4], Now)
	wantCode(t, "FindToken(a prefix of a hash)", err, pinhole.ENOTFOUND)
}

func testTokenExpired(t *testing.T, s Stores) {
	tok := &pinhole.Token{Hash: []byte("hash"), AccountID: s.IDs.Next(s.Shard(1)), Scopes: "read", CreatedAt: Now, ExpiresAt: Now.Add(time.Hour)}
	mustOK(t, "CreateToken", s.Tokens.CreateToken(t.Context(), tok))
	cases := []struct {
		name string
		at   time.Time
		want string
	}{
		{"BeforeExpiry", Now.Add(59 * time.Minute), ""},
		{"AtExpiry", Now.Add(time.Hour), pinhole.ENOTFOUND},
		{"AfterExpiry", Now.Add(2 * time.Hour), pinhole.ENOTFOUND},
	}
	for _, c := range cases {
		got, err := s.Tokens.FindToken(t.Context(), tok.Hash, c.at)
		wantCode(t, "FindToken "+c.name, err, c.want)
		if (got != nil) != (c.want == "") {
			t.Errorf("FindToken %s: got token %+v", c.name, got)
		}
	}
	// A never-expiring token outlives any clock.
	forever := &pinhole.Token{Hash: []byte("forever"), AccountID: tok.AccountID, Scopes: "read", CreatedAt: Now}
	mustOK(t, "CreateToken", s.Tokens.CreateToken(t.Context(), forever))
	if _, err := s.Tokens.FindToken(t.Context(), forever.Hash, Now.AddDate(10, 0, 0)); err != nil {
		t.Errorf("FindToken(no expiry) ten years on: %v", err)
	}
}

func testTokenDelete(t *testing.T, s Stores) {
	account := s.IDs.Next(s.Shard(1))
	gone := &pinhole.Token{Hash: []byte("gone"), AccountID: account, Scopes: "read", CreatedAt: Now}
	kept := &pinhole.Token{Hash: []byte("kept"), AccountID: account, Scopes: "read", CreatedAt: Now}
	mustOK(t, "CreateToken", s.Tokens.CreateToken(t.Context(), gone))
	mustOK(t, "CreateToken", s.Tokens.CreateToken(t.Context(), kept))
	mustOK(t, "DeleteToken", s.Tokens.DeleteToken(t.Context(), gone.Hash))
	_, err := s.Tokens.FindToken(t.Context(), gone.Hash, Now)
	wantCode(t, "FindToken after delete", err, pinhole.ENOTFOUND)
	if _, err := s.Tokens.FindToken(t.Context(), kept.Hash, Now); err != nil {
		t.Errorf("FindToken of the other token: %v", err)
	}
	mustOK(t, "DeleteToken of a deleted token", s.Tokens.DeleteToken(t.Context(), gone.Hash))
}

func testAuthCodeOnce(t *testing.T, s Stores) {
	app := mustCreateApp(t, s, "client")
	want := &pinhole.AuthCode{
		Hash:                []byte("code-hash"),
		AppID:               app.ID,
		AccountID:           s.IDs.Next(s.Shard(1)),
		RedirectURI:         "https://darkroom.example/callback",
		Scopes:              "read write",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		ExpiresAt:           Now.Add(10 * time.Minute),
	}
	other := &pinhole.AuthCode{Hash: []byte("other-hash"), AppID: app.ID, AccountID: want.AccountID, RedirectURI: want.RedirectURI, Scopes: "read", ExpiresAt: Now.Add(10 * time.Minute)}
	mustOK(t, "CreateAuthCode", s.Tokens.CreateAuthCode(t.Context(), want))
	mustOK(t, "CreateAuthCode", s.Tokens.CreateAuthCode(t.Context(), other))

	got, err := s.Tokens.ConsumeAuthCode(t.Context(), want.Hash, Now)
	mustOK(t, "ConsumeAuthCode", err)
	g, w := *got, *want
	if !g.ExpiresAt.Equal(w.ExpiresAt) || !bytes.Equal(g.Hash, w.Hash) {
		t.Errorf("ConsumeAuthCode: got %+v, want %+v", g, w)
	}
	g.ExpiresAt, w.ExpiresAt, g.Hash, w.Hash = time.Time{}, time.Time{}, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("ConsumeAuthCode:\n got %+v\nwant %+v", g, w)
	}

	got, err = s.Tokens.ConsumeAuthCode(t.Context(), want.Hash, Now)
	wantCode(t, "second ConsumeAuthCode", err, pinhole.ENOTFOUND)
	if got != nil {
		t.Errorf("second ConsumeAuthCode: got %+v with the error, want nil", got)
	}
	if _, err := s.Tokens.ConsumeAuthCode(t.Context(), other.Hash, Now); err != nil {
		t.Errorf("ConsumeAuthCode of the other code: %v", err)
	}
	_, err = s.Tokens.ConsumeAuthCode(t.Context(), []byte("never-issued"), Now)
	wantCode(t, "ConsumeAuthCode(unknown)", err, pinhole.ENOTFOUND)
}

func testAuthCodeExpired(t *testing.T, s Stores) {
	c := &pinhole.AuthCode{Hash: []byte("code"), AppID: s.IDs.Next(0), AccountID: s.IDs.Next(s.Shard(1)), RedirectURI: "urn:ietf:wg:oauth:2.0:oob", Scopes: "read", ExpiresAt: Now}
	mustOK(t, "CreateAuthCode", s.Tokens.CreateAuthCode(t.Context(), c))
	for _, at := range []time.Time{Now, Now.Add(time.Second)} {
		got, err := s.Tokens.ConsumeAuthCode(t.Context(), c.Hash, at)
		wantCode(t, "ConsumeAuthCode at "+at.Format(time.TimeOnly), err, pinhole.ENOTFOUND)
		if got != nil {
			t.Errorf("ConsumeAuthCode at %v: got %+v with the error, want nil", at, got)
		}
	}
}
