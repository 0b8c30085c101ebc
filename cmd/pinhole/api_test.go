package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAPIPhotoLoop(t *testing.T) {
	s := MustStart(t)
	alice, bob := s.MustSignup("alice"), s.MustSignup("bob")

	// Alice posts before Bob follows: following must bring it in at once.
	early := s.MustPost(alice, "First light #Sunset with @bob")
	st := s.mustJSON(s.do("GET", "/api/v1/statuses/"+early, bob.Token, nil), 200)
	if got := st["content"].(string); !strings.Contains(got, `class="mention hashtag"`) || !strings.Contains(got, `class="u-url mention"`) {
		t.Errorf("content %q: want hashtag and mention links", got)
	}
	if tags := st["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["name"] != "sunset" {
		t.Errorf("tags: got %v, want [sunset]", tags)
	}
	media := st["media_attachments"].([]any)[0].(map[string]any)
	if media["blurhash"] == "" || media["description"] != "a test photo" || media["type"] != "image" {
		t.Errorf("media attachment: got %v", media)
	}
	meta := media["meta"].(map[string]any)["original"].(map[string]any)
	if meta["width"].(float64) != 400 || meta["height"].(float64) != 300 {
		t.Errorf("meta.original: got %v, want 400x300", meta)
	}

	t.Run("FollowBringsRecentPostsAtOnce", func(t *testing.T) {
		rel := s.mustJSON(s.do("POST", "/api/v1/accounts/"+alice.ID+"/follow", bob.Token, nil), 200)
		if rel["following"] != true {
			t.Fatalf("relationship after follow: %v", rel)
		}
		s.eventually("bob's home has alice's earlier post", func() bool { return contains(s.homeIDs(bob), early) })
	})

	t.Run("NewPostFansOutToFollowers", func(t *testing.T) {
		later := s.MustPost(alice, "Second")
		s.eventually("bob's home has the new post", func() bool { return contains(s.homeIDs(bob), later) })
		if home := s.homeIDs(bob); len(home) < 2 || home[0] != later || home[1] != early {
			t.Fatalf("home of bob: got %v, want [%s %s] newest first", home, later, early)
		}
		own := s.mustList(s.do("GET", "/api/v1/timelines/home", alice.Token, nil), 200)
		if !contains(ids(own), later) {
			t.Fatalf("alice's own post missing from her home: %v", ids(own))
		}
	})

	t.Run("LikeAndComment", func(t *testing.T) {
		st := s.mustJSON(s.do("POST", "/api/v1/statuses/"+early+"/favourite", bob.Token, nil), 200)
		if st["favourited"] != true || st["favourites_count"].(float64) != 1 {
			t.Fatalf("after favourite: favourited=%v count=%v", st["favourited"], st["favourites_count"])
		}
		s.mustJSON(s.do("POST", "/api/v1/statuses/"+early+"/favourite", bob.Token, nil), 200) // idempotent
		by := s.mustList(s.do("GET", "/api/v1/statuses/"+early+"/favourited_by", alice.Token, nil), 200)
		if len(by) != 1 || by[0]["id"] != bob.ID {
			t.Fatalf("favourited_by: got %v, want [bob]", ids(by))
		}
		c := s.mustJSON(s.do("POST", "/api/v1/statuses", bob.Token, form("status", "Gorgeous!", "in_reply_to_id", early)), 200)
		if c["in_reply_to_id"] != early || c["in_reply_to_account_id"] != alice.ID {
			t.Fatalf("comment: got in_reply_to %v/%v", c["in_reply_to_id"], c["in_reply_to_account_id"])
		}
		ctx := s.mustJSON(s.do("GET", "/api/v1/statuses/"+early+"/context", alice.Token, nil), 200)
		desc := ctx["descendants"].([]any)
		if len(desc) != 1 || desc[0].(map[string]any)["id"] != c["id"] {
			t.Fatalf("context descendants: got %v", desc)
		}
		post := s.mustJSON(s.do("GET", "/api/v1/statuses/"+early, alice.Token, nil), 200)
		if post["replies_count"].(float64) != 1 {
			t.Errorf("replies_count: got %v, want 1", post["replies_count"])
		}
		// The post's author may delete any comment on it; others may not.
		carol := s.MustSignup("carol")
		s.mustError(s.do("DELETE", "/api/v1/statuses/"+c["id"].(string), carol.Token, nil), 403)
		s.mustJSON(s.do("DELETE", "/api/v1/statuses/"+c["id"].(string), alice.Token, nil), 200)
		s.mustError(s.do("GET", "/api/v1/statuses/"+c["id"].(string), alice.Token, nil), 404)
		st = s.mustJSON(s.do("POST", "/api/v1/statuses/"+early+"/unfavourite", bob.Token, nil), 200)
		if st["favourited"] != false || st["favourites_count"].(float64) != 0 {
			t.Fatalf("after unfavourite: %v %v", st["favourited"], st["favourites_count"])
		}
	})

	t.Run("ProfileCountsAndGrid", func(t *testing.T) {
		acc := s.mustJSON(s.do("GET", "/api/v1/accounts/"+alice.ID, "", nil), 200)
		if acc["statuses_count"].(float64) != 2 || acc["followers_count"].(float64) != 1 || acc["following_count"].(float64) != 0 {
			t.Errorf("alice counts: statuses=%v followers=%v following=%v; want 2,1,0", acc["statuses_count"], acc["followers_count"], acc["following_count"])
		}
		grid := s.mustList(s.do("GET", "/api/v1/accounts/"+alice.ID+"/statuses?limit=1", "", nil), 200)
		if len(grid) != 1 {
			t.Fatalf("limit=1: got %d statuses", len(grid))
		}
		res := s.do("GET", "/api/v1/accounts/"+alice.ID+"/statuses?limit=1", "", nil)
		link := res.Header.Get("Link")
		if !strings.Contains(link, "max_id="+grid[0]["id"].(string)) || !strings.Contains(link, `rel="next"`) {
			t.Fatalf("Link header: got %q", link)
		}
		next := s.mustList(s.do("GET", "/api/v1/accounts/"+alice.ID+"/statuses?limit=1&max_id="+grid[0]["id"].(string), "", nil), 200)
		if len(next) != 1 || next[0]["id"] != early {
			t.Fatalf("next page: got %v, want [%s]", ids(next), early)
		}
		look := s.mustJSON(s.do("GET", "/api/v1/accounts/lookup?acct=Alice", "", nil), 200)
		if look["id"] != alice.ID {
			t.Errorf("lookup: got %v", look["id"])
		}
		followers := s.mustList(s.do("GET", "/api/v1/accounts/"+alice.ID+"/followers", "", nil), 200)
		if len(followers) != 1 || followers[0]["id"] != bob.ID {
			t.Errorf("followers: got %v", ids(followers))
		}
	})

	t.Run("UnfollowRemovesPostsFromFeed", func(t *testing.T) {
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+alice.ID+"/unfollow", bob.Token, nil), 200)
		s.eventually("bob's home is empty after unfollowing", func() bool { return len(s.homeIDs(bob)) == 0 })
	})

	t.Run("BlockHidesBothWays", func(t *testing.T) {
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+alice.ID+"/follow", bob.Token, nil), 200)
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+bob.ID+"/follow", alice.Token, nil), 200)
		rel := s.mustJSON(s.do("POST", "/api/v1/accounts/"+bob.ID+"/block", alice.Token, nil), 200)
		if rel["blocking"] != true || rel["following"] != false || rel["followed_by"] != false {
			t.Fatalf("after block: %v", rel)
		}
		s.mustError(s.do("GET", "/api/v1/statuses/"+early, bob.Token, nil), 404)
		s.mustError(s.do("POST", "/api/v1/accounts/"+alice.ID+"/follow", bob.Token, nil), 403)
		if home := s.homeIDs(bob); len(home) != 0 {
			t.Fatalf("bob's home after being blocked: %v", home)
		}
		rels := s.mustList(s.do("GET", "/api/v1/accounts/relationships?id[]="+alice.ID, bob.Token, nil), 200)
		if rels[0]["blocked_by"] != true {
			t.Errorf("bob's relationship to alice: %v", rels[0])
		}
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+bob.ID+"/unblock", alice.Token, nil), 200)
	})

	t.Run("DeletePostRemovesIt", func(t *testing.T) {
		id := s.MustPost(alice, "to be deleted")
		s.mustError(s.do("DELETE", "/api/v1/statuses/"+id, bob.Token, nil), 403)
		del := s.mustJSON(s.do("DELETE", "/api/v1/statuses/"+id, alice.Token, nil), 200)
		if del["text"] != "to be deleted" {
			t.Errorf("deleted status text: got %v", del["text"])
		}
		s.mustError(s.do("GET", "/api/v1/statuses/"+id, alice.Token, nil), 404)
		home := s.mustList(s.do("GET", "/api/v1/timelines/home", alice.Token, nil), 200)
		if contains(ids(home), id) {
			t.Fatal("deleted post still in the home timeline")
		}
	})
}

func TestAPIPrivateAccount(t *testing.T) {
	s := MustStart(t)
	priv, fan := s.MustSignup("hidden"), s.MustSignup("fan")
	s.mustJSON(s.do("PATCH", "/api/v1/accounts/update_credentials", priv.Token, form("locked", "true", "display_name", "Hidden One", "note", "Only friends")), 200)
	post := s.MustPost(priv, "private photo")

	s.mustError(s.do("GET", "/api/v1/statuses/"+post, fan.Token, nil), 404)
	s.mustError(s.do("GET", "/api/v1/statuses/"+post, "", nil), 404)
	if grid := s.mustList(s.do("GET", "/api/v1/accounts/"+priv.ID+"/statuses", fan.Token, nil), 200); len(grid) != 0 {
		t.Fatalf("a stranger sees a private grid: %v", ids(grid))
	}
	rel := s.mustJSON(s.do("POST", "/api/v1/accounts/"+priv.ID+"/follow", fan.Token, nil), 200)
	if rel["requested"] != true || rel["following"] != false {
		t.Fatalf("follow of private account: got %v, want requested", rel)
	}
	reqs := s.mustList(s.do("GET", "/api/v1/follow_requests", priv.Token, nil), 200)
	if len(reqs) != 1 || reqs[0]["id"] != fan.ID {
		t.Fatalf("follow_requests: got %v", ids(reqs))
	}
	me := s.mustJSON(s.do("GET", "/api/v1/accounts/verify_credentials", priv.Token, nil), 200)
	if src := me["source"].(map[string]any); src["follow_requests_count"].(float64) != 1 || src["privacy"] != "private" {
		t.Errorf("source: %v", src)
	}
	s.mustJSON(s.do("POST", "/api/v1/follow_requests/"+fan.ID+"/authorize", priv.Token, nil), 200)
	s.mustError(s.do("POST", "/api/v1/follow_requests/"+fan.ID+"/authorize", priv.Token, nil), 404)
	s.mustJSON(s.do("GET", "/api/v1/statuses/"+post, fan.Token, nil), 200)
	s.eventually("the approved follower's home has the private post", func() bool { return contains(s.homeIDs(fan), post) })
}

func TestAPIRejectsBadInput(t *testing.T) {
	s := MustStart(t)
	m := s.MustSignup("tester")
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		body   *body
		want   int
	}{
		{"StatusWithoutPhoto", "POST", "/api/v1/statuses", m.Token, form("status", "just text"), 422},
		{"StatusWithUnknownMedia", "POST", "/api/v1/statuses", m.Token, form("status", "x", "media_ids[]", "12345"), 422},
		{"StatusWithMalformedMedia", "POST", "/api/v1/statuses", m.Token, form("status", "x", "media_ids[]", "abc"), 422},
		{"TooManyPhotos", "POST", "/api/v1/statuses", m.Token, form("status", "x", "media_ids[]", "1", "media_ids[]", "2", "media_ids[]", "3", "media_ids[]", "4", "media_ids[]", "5", "media_ids[]", "6", "media_ids[]", "7", "media_ids[]", "8", "media_ids[]", "9", "media_ids[]", "10", "media_ids[]", "11"), 422},
		{"CaptionTooLong", "POST", "/api/v1/statuses", m.Token, form("status", strings.Repeat("a", 2201), "in_reply_to_id", "1"), 422},
		{"ReplyToMissingPost", "POST", "/api/v1/statuses", m.Token, form("status", "hi", "in_reply_to_id", "99999999"), 404},
		{"NoToken", "POST", "/api/v1/statuses", "", form("status", "x"), 401},
		{"BadToken", "GET", "/api/v1/timelines/home", "nope", nil, 401},
		{"UnknownStatus", "GET", "/api/v1/statuses/123456789", m.Token, nil, 404},
		{"GarbageStatusID", "GET", "/api/v1/statuses/not-an-id", m.Token, nil, 404},
		{"UnknownAccount", "GET", "/api/v1/accounts/123456789", "", nil, 404},
		{"FollowSelf", "POST", "/api/v1/accounts/" + m.ID + "/follow", m.Token, nil, 422},
		{"UploadNotAnImage", "POST", "/api/v2/media", m.Token, multipartBody(t, nil, "file", "x.jpg", []byte("this is not an image at all")), 422},
		{"UploadCorruptJPEG", "POST", "/api/v2/media", m.Token, multipartBody(t, nil, "file", "x.jpg", testJPEG(t, 64, 64)[:200]), 422},
		{"UploadWithoutFile", "POST", "/api/v2/media", m.Token, multipartBody(t, map[string]string{"description": "x"}, "", "", nil), 422},
		{"UploadTooLarge", "POST", "/api/v2/media", m.Token, multipartBody(t, nil, "file", "big.jpg", make([]byte, 3<<20)), 413},
		{"BadLimit", "GET", "/api/v1/timelines/home?limit=abc", m.Token, nil, 422},
		{"JSONBodyTooLarge", "POST", "/api/v1/statuses", m.Token, &body{"application/json", []byte(`{"status":"` + strings.Repeat("a", 2<<20) + `"}`)}, 413},
		{"BadJSON", "POST", "/api/v1/statuses", m.Token, &body{"application/json", []byte("{not json")}, 400},
		{"UnsupportedContentType", "POST", "/api/v1/statuses", m.Token, &body{"text/csv", []byte("a,b")}, 415},
		{"SignupWithoutAppToken", "POST", "/api/v1/accounts", "", form("username", "x1", "email", "x1@example.com", "password", "password123"), 401},
		{"UnknownEndpoint", "GET", "/api/v1/nothing-here", "", nil, 404},
		{"LongDisplayName", "PATCH", "/api/v1/accounts/update_credentials", m.Token, form("display_name", strings.Repeat("x", 65)), 422},
		{"BadLocked", "PATCH", "/api/v1/accounts/update_credentials", m.Token, form("locked", "maybe"), 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			s.mustError(s.do(tt.method, tt.path, tt.token, tt.body), tt.want)
		})
	}
	s.t = t
	t.Run("NothingHalfWritten", func(t *testing.T) {
		s.t = t
		acc := s.mustJSON(s.do("GET", "/api/v1/accounts/verify_credentials", m.Token, nil), 200)
		if acc["statuses_count"].(float64) != 0 || acc["display_name"] != "" {
			t.Fatalf("failed requests changed the account: %v", acc)
		}
	})
	t.Run("SignupValidation", func(t *testing.T) {
		s.t = t
		appTok := s.mustJSON(s.do("POST", "/oauth/token", "", form("grant_type", "client_credentials", "client_id", s.app["client_id"].(string), "client_secret", s.app["client_secret"].(string), "scope", "read write")), 200)["access_token"].(string)
		for _, c := range []struct{ user, email, pw string }{
			{"", "a@example.com", "password123"},
			{"bad name", "a@example.com", "password123"},
			{"okname", "not-an-email", "password123"},
			{"okname", "a@example.com", "short"},
			{"admin", "a@example.com", "password123"},
		} {
			msg := s.mustError(s.do("POST", "/api/v1/accounts", appTok, form("username", c.user, "email", c.email, "password", c.pw)), 422)
			if msg == "" {
				t.Errorf("%v: no message", c)
			}
		}
		s.mustError(s.do("POST", "/api/v1/accounts", appTok, form("username", "Tester", "email", "other@example.com", "password", "password123")), 409)
		s.mustError(s.do("POST", "/api/v1/accounts", appTok, form("username", "other", "email", "TESTER@example.com", "password", "password123")), 409)
	})
}

func TestOAuth(t *testing.T) {
	s := MustStart(t)
	m := s.MustSignup("oauthuser")
	clientID, secret := s.app["client_id"].(string), s.app["client_secret"].(string)

	t.Run("PasswordGrant", func(t *testing.T) {
		s.t = t
		tok := s.mustJSON(s.do("POST", "/oauth/token", "", form("grant_type", "password", "client_id", clientID, "client_secret", secret, "username", "oauthuser", "password", "correct horse battery", "scope", "read")), 200)
		if tok["token_type"] != "Bearer" || tok["scope"] != "read" {
			t.Fatalf("token: %v", tok)
		}
		// A read-only token cannot post.
		s.mustError(s.do("POST", "/api/v1/statuses", tok["access_token"].(string), form("status", "x")), 403)
		s.mustError(s.do("POST", "/oauth/token", "", form("grant_type", "password", "client_id", clientID, "client_secret", secret, "username", "oauthuser", "password", "wrong password")), 401)
		s.mustError(s.do("POST", "/oauth/token", "", form("grant_type", "password", "client_id", clientID, "client_secret", "wrong", "username", "oauthuser", "password", "correct horse battery")), 401)
		s.mustError(s.do("POST", "/oauth/token", "", form("grant_type", "magic", "client_id", clientID, "client_secret", secret)), 422)
	})

	t.Run("AuthorizationCodeWithPKCE", func(t *testing.T) {
		s.t = t
		c := s.browser()
		csrf := csrfFrom(t, c, s.URL+"/login")
		res, err := c.PostForm(s.URL+"/login", url.Values{"csrf": {csrf}, "login": {"oauthuser"}, "password": {"correct horse battery"}})
		if err != nil || res.StatusCode != http.StatusSeeOther {
			t.Fatalf("web login: %v %v", err, res.Status)
		}
		verifier := "a-very-long-random-code-verifier-string-of-43-chars-or-more"
		sum := sha256.Sum256([]byte(verifier))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])
		q := url.Values{"client_id": {clientID}, "redirect_uri": {"https://client.example/cb"}, "response_type": {"code"}, "scope": {"read write"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"xyz"}}
		csrf = csrfFrom(t, c, s.URL+"/oauth/authorize?"+q.Encode())
		form := url.Values{"csrf": {csrf}, "decision": {"approve"}, "state": {"xyz"}, "code_challenge_method": {"S256"}}
		for _, k := range []string{"client_id", "redirect_uri", "scope", "code_challenge"} {
			form.Set(k, q.Get(k))
		}
		res, err = c.PostForm(s.URL+"/oauth/authorize", form)
		if err != nil || res.StatusCode != http.StatusFound {
			t.Fatalf("consent: %v %v", err, res.Status)
		}
		loc, _ := url.Parse(res.Header.Get("Location"))
		code := loc.Query().Get("code")
		if loc.Host != "client.example" || code == "" || loc.Query().Get("state") != "xyz" {
			t.Fatalf("redirect: got %s", loc)
		}
		s.mustError(s.do("POST", "/oauth/token", "", formBody("grant_type", "authorization_code", "client_id", clientID, "code", code, "redirect_uri", "https://client.example/cb", "code_verifier", "wrong-verifier")), 422)
		// A code is consumed by its first use, right or wrong: get another.
		res, _ = c.PostForm(s.URL+"/oauth/authorize", form)
		loc, _ = url.Parse(res.Header.Get("Location"))
		code = loc.Query().Get("code")
		tok := s.mustJSON(s.do("POST", "/oauth/token", "", formBody("grant_type", "authorization_code", "client_id", clientID, "code", code, "redirect_uri", "https://client.example/cb", "code_verifier", verifier)), 200)
		access := tok["access_token"].(string)
		me := s.mustJSON(s.do("GET", "/api/v1/accounts/verify_credentials", access, nil), 200)
		if me["id"] != m.ID {
			t.Fatalf("token belongs to %v, want %s", me["id"], m.ID)
		}
		s.mustError(s.do("POST", "/oauth/token", "", formBody("grant_type", "authorization_code", "client_id", clientID, "code", code, "redirect_uri", "https://client.example/cb", "code_verifier", verifier)), 422)

		s.mustStatus(s.do("POST", "/oauth/revoke", "", formBody("client_id", clientID, "client_secret", secret, "token", access)), 200)
		s.mustError(s.do("GET", "/api/v1/accounts/verify_credentials", access, nil), 401)
	})

	t.Run("AuthorizeRejectsUnregisteredRedirect", func(t *testing.T) {
		s.t = t
		res := s.do("GET", "/oauth/authorize?client_id="+clientID+"&redirect_uri=https://evil.example/&response_type=code", "", nil)
		if res.StatusCode != 422 || res.Header.Get("Location") != "" {
			t.Fatalf("got %d Location=%q, want 422 with no redirect", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func formBody(kv ...string) *body { return form(kv...) }

func TestLoginRateLimited(t *testing.T) {
	s := MustStart(t)
	s.MustSignup("victim")
	clientID, secret := s.app["client_id"].(string), s.app["client_secret"].(string)
	var last *response
	for i := 0; i < 12; i++ {
		last = s.do("POST", "/oauth/token", "", form("grant_type", "password", "client_id", clientID, "client_secret", secret, "username", "victim", "password", fmt.Sprintf("guess-%d", i)))
		if last.StatusCode == 429 {
			break
		}
	}
	s.mustError(last, 429)
	if last.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestHealth(t *testing.T) {
	s := MustStart(t)
	s.mustStatus(s.do("GET", "/healthz", "", nil), 200)
	s.mustStatus(s.do("GET", "/readyz", "", nil), 200)
	inst := s.mustJSON(s.do("GET", "/api/v2/instance", "", nil), 200)
	if inst["title"] != "Pinhole" {
		t.Errorf("instance title: %v", inst["title"])
	}
	s.m.Web.Drain()
	s.mustStatus(s.do("GET", "/readyz", "", nil), 503)
}
