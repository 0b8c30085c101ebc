package main

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pinhole/pinhole/identity"
)

// page fetches a page and returns its status and HTML.
func page(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestWebForms drives the pages without JavaScript, as a browser with
// scripts off would.
func TestWebForms(t *testing.T) {
	s := MustStart(t)
	c := s.browser()

	t.Run("SignupShowsWhatToFix", func(t *testing.T) {
		csrf := csrfFrom(t, c, s.URL+"/signup")
		res, body := postForm(t, c, s.URL+"/signup", url.Values{"csrf": {csrf}, "username": {"bad name!"}, "email": {"x@example.com"}, "password": {"long enough"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Username may only contain") || !strings.Contains(body, `value="bad name!"`) {
			t.Fatalf("got %d; want 422 with the message and the form refilled", res.StatusCode)
		}
	})

	t.Run("FormsWithoutCSRFTokenAreRefused", func(t *testing.T) {
		res, _ := postForm(t, c, s.URL+"/signup", url.Values{"username": {"someone"}, "email": {"someone@example.com"}, "password": {"long enough"}})
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("signup without a CSRF token: got %d, want 403", res.StatusCode)
		}
	})

	t.Run("WrongPasswordIsUnauthorized", func(t *testing.T) {
		s.MustSignup("formuser")
		csrf := csrfFrom(t, c, s.URL+"/login")
		res, body := postForm(t, c, s.URL+"/login", url.Values{"csrf": {csrf}, "login": {"formuser"}, "password": {"nope nope"}})
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong username or password") {
			t.Fatalf("got %d", res.StatusCode)
		}
	})

	t.Run("SignupPostAndSeeItOnTheFeed", func(t *testing.T) {
		csrf := csrfFrom(t, c, s.URL+"/signup")
		res, _ := postForm(t, c, s.URL+"/signup", url.Values{"csrf": {csrf}, "username": {"webber"}, "email": {"webber@example.com"}, "password": {"long enough"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("signup: got %d, want 303", res.StatusCode)
		}
		csrf = csrfFrom(t, c, s.URL+"/new")
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf", csrf)
		_ = mw.WriteField("caption", "From the form <script>alert(1)</script> #nojs")
		_ = mw.WriteField("alt", "a gradient")
		fw, _ := mw.CreateFormFile("photos", "p.jpg")
		_, _ = fw.Write(testJPEG(t, 320, 240))
		_ = mw.Close()
		res, err := c.Post(s.URL+"/new", mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/p/") {
			t.Fatalf("compose: got %d Location %q", res.StatusCode, loc)
		}
		code, body := page(t, c, s.URL+loc)
		if code != 200 || !strings.Contains(body, `alt="a gradient"`) || strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;") {
			t.Fatalf("post page: %d; want the photo with its alt text and the caption escaped", code)
		}
		code, body = page(t, c, s.URL+"/")
		if code != 200 || !strings.Contains(body, loc) {
			t.Fatalf("home feed: %d; want a link to %s", code, loc)
		}
		code, body = page(t, c, s.URL+"/@webber")
		if code != 200 || !strings.Contains(body, loc) {
			t.Fatalf("profile: %d; want the post in the grid", code)
		}
	})

	t.Run("ComposeRefusesNonImages", func(t *testing.T) {
		csrf := csrfFrom(t, c, s.URL+"/new")
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf", csrf)
		fw, _ := mw.CreateFormFile("photos", "notes.jpg")
		_, _ = fw.Write([]byte("just some text pretending to be a photo"))
		_ = mw.Close()
		res, err := c.Post(s.URL+"/new", mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "not a supported image") {
			t.Fatalf("got %d; want 422 with a message", res.StatusCode)
		}
	})

	t.Run("UnknownPagesAre404", func(t *testing.T) {
		for _, p := range []string{"/@nobody-here", "/p/123456", "/p/not-a-number", "/no/such/page"} {
			if code, _ := page(t, c, s.URL+p); code != 404 {
				t.Errorf("GET %s: got %d, want 404", p, code)
			}
		}
	})

	t.Run("LoggedOutVisitorsAreSentToLogin", func(t *testing.T) {
		res, err := s.browser().Get(s.URL + "/new")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Fatalf("got %d Location %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// TestNotificationsPage groups likes of one photo into one line and clears
// the unread badge once seen.
func TestNotificationsPage(t *testing.T) {
	s := MustStart(t)
	c := s.browser()
	csrf := csrfFrom(t, c, s.URL+"/signup")
	if res, _ := postForm(t, c, s.URL+"/signup", url.Values{"csrf": {csrf}, "username": {"star"}, "email": {"star@example.com"}, "password": {"long enough"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signup: %d", res.StatusCode)
	}
	tok := s.mustJSON(s.do("POST", "/oauth/token", "", form("grant_type", "password", "client_id", s.app["client_id"].(string), "client_secret", s.app["client_secret"].(string), "username", "star", "password", "long enough", "scope", "read write")), 200)["access_token"].(string)
	star := member{Username: "star", Token: tok}
	post := s.MustPost(star, "likeable")
	for _, name := range []string{"fan1", "fan2", "fan3", "fan4"} {
		f := s.MustSignup(name)
		s.mustJSON(s.do("POST", "/api/v1/statuses/"+post+"/favourite", f.Token, nil), 200)
	}
	s.eventually("four likes notified", func() bool { return len(s.notificationTypes(star, "")) == 4 })
	_, home := page(t, c, s.URL+"/")
	if !strings.Contains(home, `data-unread="4"`) {
		t.Fatal("the unread badge does not show 4")
	}
	code, body := page(t, c, s.URL+"/notifications")
	if code != 200 || strings.Count(body, `class="notification notification-favourite"`) != 1 || !strings.Contains(body, "and 2 others") || !strings.Contains(body, "liked your photo") {
		t.Fatalf("notifications page: %d; want one grouped line \"… and 2 others liked your photo\"", code)
	}
	if _, home = page(t, c, s.URL+"/"); !strings.Contains(home, `data-unread="0"`) {
		t.Fatal("the badge still counts after the notifications were seen")
	}
}

// TestDeadLettersPageIsForAdmins shows the page to admins only.
func TestDeadLettersPageIsForAdmins(t *testing.T) {
	s := MustStart(t)
	ctx := context.Background()
	if _, err := s.m.Services.Identity.CreateAdmin(ctx, identity.Signup{Username: "boss", Email: "boss@example.com", Password: "long enough"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user string
		want int
	}{{"boss", 200}, {"nobody", 404}} {
		if c.user == "nobody" {
			s.MustSignup("nobody")
		}
		b := s.browser()
		csrf := csrfFrom(t, b, s.URL+"/login")
		pw := "long enough"
		if c.user == "nobody" {
			pw = "correct horse battery"
		}
		if res, _ := postForm(t, b, s.URL+"/login", url.Values{"csrf": {csrf}, "login": {c.user}, "password": {pw}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login %s: %d", c.user, res.StatusCode)
		}
		code, body := page(t, b, s.URL+"/admin/dead-letters")
		if code != c.want {
			t.Errorf("%s: got %d, want %d", c.user, code, c.want)
		}
		if c.want == 200 && !strings.Contains(body, "No dead letters") {
			t.Errorf("admin page: want the empty state")
		}
	}
}

// TestComposeWithPlace attaches a place from the compose form: a new one
// where the member is, then a known one by name; an unknown name without a
// location is refused and nothing is posted.
func TestComposeWithPlace(t *testing.T) {
	s := MustStart(t)
	c := s.browser()
	csrf := csrfFrom(t, c, s.URL+"/signup")
	if res, _ := postForm(t, c, s.URL+"/signup", url.Values{"csrf": {csrf}, "username": {"traveller"}, "email": {"traveller@example.com"}, "password": {"long enough"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signup: %d", res.StatusCode)
	}
	compose := func(fields map[string]string) (*http.Response, string) {
		_, page := pageOf(t, c, s.URL+"/new")
		fields["csrf"] = fieldValue(t, page, "csrf")
		fields["form_token"] = fieldValue(t, page, "form_token")
		b := multipartBody(t, fields, "photos", "p.jpg", testJPEG(t, 120, 90))
		res, err := c.Post(s.URL+"/new", b.ct, bytesReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res, string(readAll(res))
	}
	res, _ := compose(map[string]string{"caption": "here", "place": "Harbour Steps", "lat": "43.2965", "lon": "5.3698"})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("with a new place: %d", res.StatusCode)
	}
	_, first := page(t, c, s.URL+res.Header.Get("Location"))
	if !strings.Contains(first, "Harbour Steps") {
		t.Fatal("the post page does not show its place")
	}
	s.eventually("the place is searchable", func() bool {
		r, _ := compose(map[string]string{"caption": "again", "place": "harbour steps"})
		return r.StatusCode == http.StatusSeeOther
	})
	res, body := compose(map[string]string{"caption": "nowhere", "place": "Atlantis Quay"})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "No place called") {
		t.Fatalf("unknown place: %d", res.StatusCode)
	}
}
