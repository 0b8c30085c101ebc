package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole/identity"
)

// testServer is a real Pinhole on port 0 in a temp dir.
type testServer struct {
	t    *testing.T
	m    *Main
	URL  string
	app  map[string]any
	http *http.Client
}

// MustStart starts Pinhole with cheap password hashing and returns it.
func MustStart(t *testing.T, tweak ...func(*Config)) *testServer {
	t.Helper()
	cfg := &Config{
		Listen: "127.0.0.1:0", Data: t.TempDir(), Roles: []string{"web", "worker", "scheduler"}, LogicalShards: 16,
		CelebrityThreshold: 10000, PasswordGrant: true, MaxUploadMB: 2, LogLevel: "warn", LogFormat: "text",
		argon2: &identity.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1},
	}
	for _, f := range tweak {
		f(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Listen(ctx); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx, 0); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	s := &testServer{t: t, m: m, URL: "http://" + m.Addr, http: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.app = s.mustJSON(s.do("POST", "/api/v1/apps", "", form("client_name", "test client", "redirect_uris", "urn:ietf:wg:oauth:2.0:oob https://client.example/cb", "scopes", "read write follow push")), 200)
	return s
}

type response struct {
	*http.Response
	Body []byte
}

// body is a request body with its content type.
type body struct {
	ct   string
	data []byte
}

func form(kv ...string) *body {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return &body{"application/x-www-form-urlencoded", []byte(v.Encode())}
}

func jsonBody(v any) *body {
	b, _ := json.Marshal(v)
	return &body{"application/json", b}
}

func multipartBody(t *testing.T, fields map[string]string, fileField, fileName string, file []byte) *body {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if fileField != "" {
		fw, err := w.CreateFormFile(fileField, fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	return &body{w.FormDataContentType(), buf.Bytes()}
}

func (s *testServer) do(method, path, token string, b *body) *response {
	s.t.Helper()
	var r io.Reader
	if b != nil {
		r = bytes.NewReader(b.data)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if b != nil {
		req.Header.Set("Content-Type", b.ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.http.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return &response{res, data}
}

// mustStatus fails unless the response has the status.
func (s *testServer) mustStatus(r *response, want int) *response {
	s.t.Helper()
	if r.StatusCode != want {
		s.t.Fatalf("%s %s: got status %d, want %d; body: %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, truncateBytes(r.Body))
	}
	return r
}

func (s *testServer) mustJSON(r *response, want int) map[string]any {
	s.t.Helper()
	s.mustStatus(r, want)
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		s.t.Fatalf("%s: body is not a JSON object: %v: %s", r.Request.URL.Path, err, truncateBytes(r.Body))
	}
	return v
}

func (s *testServer) mustList(r *response, want int) []map[string]any {
	s.t.Helper()
	s.mustStatus(r, want)
	var v []map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		s.t.Fatalf("%s: body is not a JSON array: %v: %s", r.Request.URL.Path, err, truncateBytes(r.Body))
	}
	return v
}

// mustError checks an error response: the status and a JSON error message.
func (s *testServer) mustError(r *response, want int) string {
	s.t.Helper()
	v := s.mustJSON(r, want)
	msg, _ := v["error"].(string)
	if msg == "" {
		s.t.Fatalf("%s: error response without a message: %s", r.Request.URL.Path, r.Body)
	}
	return msg
}

func truncateBytes(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// member is a signed-up account with its token.
type member struct {
	ID, Username, Token string
}

// MustSignup signs a member up through the API and returns their token.
func (s *testServer) MustSignup(username string) member {
	s.t.Helper()
	appTok := s.mustJSON(s.do("POST", "/oauth/token", "", form("grant_type", "client_credentials", "client_id", s.app["client_id"].(string), "client_secret", s.app["client_secret"].(string), "scope", "read write")), 200)["access_token"].(string)
	tok := s.mustJSON(s.do("POST", "/api/v1/accounts", appTok, form("username", username, "email", username+"@example.com", "password", "correct horse battery", "agreement", "true")), 200)["access_token"].(string)
	acc := s.mustJSON(s.do("GET", "/api/v1/accounts/verify_credentials", tok, nil), 200)
	return member{ID: acc["id"].(string), Username: username, Token: tok}
}

// testJPEG returns a JPEG of w×h with a gradient.
func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// MustUpload uploads a photo and returns its media ID.
func (s *testServer) MustUpload(m member, desc string) string {
	s.t.Helper()
	v := s.mustUploadReady(m, multipartBody(s.t, map[string]string{"description": desc}, "file", "photo.jpg", testJPEG(s.t, 400, 300)))
	return v["id"].(string)
}

// MustPost publishes a one-photo post and returns its status ID.
func (s *testServer) MustPost(m member, caption string) string {
	s.t.Helper()
	mid := s.MustUpload(m, "a test photo")
	v := s.mustJSON(s.do("POST", "/api/v1/statuses", m.Token, jsonBody(map[string]any{"status": caption, "media_ids": []string{mid}})), 200)
	return v["id"].(string)
}

func ids(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = fmt.Sprint(v["id"])
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// browser is a cookie-keeping client for the web pages.
func (s *testServer) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// csrfFrom fetches a page and returns the CSRF token of its first form.
func csrfFrom(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	const marker = `name="csrf" value="`
	i := strings.Index(string(b), marker)
	if i < 0 {
		t.Fatalf("GET %s: no CSRF field in page (status %d)", u, res.StatusCode)
	}
	rest := string(b[i+len(marker):])
	return rest[:strings.IndexByte(rest, '"')]
}

// eventually waits (bounded) for a condition that events make true: feed
// fan-out and notifications run in consumers after the change commits.
func (s *testServer) eventually(what string, cond func() bool) {
	s.t.Helper()
	// Generous: under -race with every package's tests at once, the
	// consumers run far slower than on their own.
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// homeIDs returns the IDs on a member's home timeline.
func (s *testServer) homeIDs(m member) []string {
	s.t.Helper()
	return ids(s.mustList(s.do("GET", "/api/v1/timelines/home", m.Token, nil), 200))
}

func bytesReader(b *body) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b.data)
}

func readAll(res *http.Response) []byte {
	data, _ := io.ReadAll(res.Body)
	return data
}
