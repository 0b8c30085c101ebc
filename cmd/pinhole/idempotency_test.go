package main

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// withKey sends a request with an Idempotency-Key.
func (s *testServer) withKey(method, path, token, key string, b *body) *response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytesReader(b))
	if err != nil {
		s.t.Fatal(err)
	}
	if b != nil {
		req.Header.Set("Content-Type", b.ct)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	res, err := s.http.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	data := readAll(res)
	return &response{res, data}
}

func TestIdempotencyKey(t *testing.T) {
	s := MustStart(t)
	m := s.MustSignup("retrier")

	t.Run("RetryReturnsTheFirstResponseAndPostsOnce", func(t *testing.T) {
		s.t = t
		media := s.MustUpload(m, "x")
		body := form("status", "only once", "media_ids[]", media)
		first := s.mustJSON(s.withKey("POST", "/api/v1/statuses", m.Token, "key-1", body), 200)
		again := s.withKey("POST", "/api/v1/statuses", m.Token, "key-1", body)
		second := s.mustJSON(again, 200)
		if first["id"] != second["id"] || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: got %v (replayed %q), want the first post %v", second["id"], again.Header.Get("Idempotent-Replayed"), first["id"])
		}
		acc := s.mustJSON(s.do("GET", "/api/v1/accounts/verify_credentials", m.Token, nil), 200)
		if acc["statuses_count"].(float64) != 1 {
			t.Fatalf("statuses_count: got %v, want 1", acc["statuses_count"])
		}
	})

	t.Run("SameKeyDifferentBodyIsRefused", func(t *testing.T) {
		s.t = t
		s.mustError(s.withKey("POST", "/api/v1/statuses", m.Token, "key-1", form("status", "something else", "media_ids[]", "1")), 422)
	})

	t.Run("MultipartRetryWithNewBoundaryIsTheSameRequest", func(t *testing.T) {
		s.t = t
		photo := testJPEG(t, 64, 64)
		first := s.withKey("POST", "/api/v2/media", m.Token, "upload-1", multipartBody(t, map[string]string{"description": "d"}, "file", "p.jpg", photo))
		if first.StatusCode != 200 && first.StatusCode != 202 {
			t.Fatalf("upload: %d %s", first.StatusCode, first.Body)
		}
		a := s.mustJSON(first, first.StatusCode)
		b := s.mustJSON(s.withKey("POST", "/api/v2/media", m.Token, "upload-1", multipartBody(t, map[string]string{"description": "d"}, "file", "p.jpg", photo)), first.StatusCode)
		if a["id"] != b["id"] {
			t.Fatalf("upload retried: got %v then %v, want one media", a["id"], b["id"])
		}
	})

	t.Run("KeysArePerMember", func(t *testing.T) {
		s.t = t
		other := s.MustSignup("other")
		media := s.MustUpload(other, "y")
		st := s.mustJSON(s.withKey("POST", "/api/v1/statuses", other.Token, "key-1", form("status", "mine", "media_ids[]", media)), 200)
		if st["account"].(map[string]any)["id"] != other.ID {
			t.Fatalf("another member's key-1 replayed someone else's response")
		}
	})

	t.Run("ConcurrentDuplicatesGetOneSuccess", func(t *testing.T) {
		s.t = t
		media := s.MustUpload(m, "z")
		body := form("status", "racing", "media_ids[]", media)
		var wg sync.WaitGroup
		codes := make([]int, 8)
		ids := make([]string, 8)
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				res := s.withKey("POST", "/api/v1/statuses", m.Token, "race", body)
				codes[i] = res.StatusCode
				if res.StatusCode == 200 {
					ids[i] = string(res.Body)
				}
			}(i)
		}
		wg.Wait()
		first := ""
		for i, c := range codes {
			switch c {
			case 200:
				if first == "" {
					first = ids[i]
				} else if ids[i] != first {
					t.Errorf("two different successful responses")
				}
			case 409:
			default:
				t.Errorf("request %d: status %d, want 200 or 409", i, c)
			}
		}
		if first == "" {
			t.Fatal("no request succeeded")
		}
	})

	t.Run("BadKeyIsRefused", func(t *testing.T) {
		s.t = t
		s.mustError(s.withKey("POST", "/api/v1/statuses", m.Token, "has space", form("status", "x")), 422)
	})
}

// TestDoubleSubmitMakesOnePost submits the compose form twice with the
// same one-time token, as a double click or a reload does.
func TestDoubleSubmitMakesOnePost(t *testing.T) {
	s := MustStart(t)
	c := s.browser()
	csrf := csrfFrom(t, c, s.URL+"/signup")
	res, _ := postForm(t, c, s.URL+"/signup", url.Values{"csrf": {csrf}, "username": {"clicker"}, "email": {"clicker@example.com"}, "password": {"long enough"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signup: %d", res.StatusCode)
	}
	_, page := pageOf(t, c, s.URL+"/new")
	token := fieldValue(t, page, "form_token")
	csrf = fieldValue(t, page, "csrf")
	photo := testJPEG(t, 120, 90)
	var locations []string
	for i := 0; i < 2; i++ {
		b := multipartBody(t, map[string]string{"csrf": csrf, "form_token": token, "caption": "double"}, "photos", "p.jpg", photo)
		res, err := c.Post(s.URL+"/new", b.ct, bytesReader(b))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submission %d: %d", i+1, res.StatusCode)
		}
		locations = append(locations, res.Header.Get("Location"))
	}
	if locations[0] != locations[1] || !strings.HasPrefix(locations[0], "/p/") {
		t.Fatalf("locations: %v, want the same post twice", locations)
	}
	_, profile := pageOf(t, c, s.URL+"/@clicker")
	if n := strings.Count(profile, `href="`+locations[0]+`"`); n != 1 {
		t.Fatalf("the post appears %d times on the profile, want 1", n)
	}
}

func pageOf(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	return page(t, c, u)
}

func fieldValue(t *testing.T, html, name string) string {
	t.Helper()
	marker := `name="` + name + `" value="`
	i := strings.Index(html, marker)
	if i < 0 {
		t.Fatalf("no %s field in the page", name)
	}
	rest := html[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}
