package blob

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/testenv"
)

func TestCDKStoreOnMinIO(t *testing.T) {
	m := testenv.MinIO(t)
	m.SetEnv(t)
	ctx := t.Context()

	t.Run("MissingBucketFailsAtOpen", func(t *testing.T) {
		u := strings.Replace(m.URL(), m.Bucket, m.Bucket+"-none", 1)
		if _, err := Open(ctx, u, ""); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("Open of a missing bucket = %v, want an error saying so", err)
		}
	})

	t.Run("WrongCredentialsFailAtOpen", func(t *testing.T) {
		t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-"+m.SecretKey)
		_, err := Open(ctx, m.URL(), "")
		if err == nil {
			t.Fatal("Open with a wrong secret: no error")
		}
		if strings.Contains(err.Error(), m.SecretKey) {
			t.Errorf("the error repeats the secret: %v", err)
		}
	})

	t.Run("PresignedURLServesTheBytes", func(t *testing.T) {
		s := mustOpen(t, m.URL())
		mustPut(t, s, "v1/ps/url.webp", "webp bytes", "image/webp")
		before := time.Now()
		u, expires, err := s.BlobURL(ctx, "v1/ps/url.webp")
		if err != nil {
			t.Fatal(err)
		}
		if want := before.Add(s.cfg.URLExpiry); expires.Before(want) || expires.After(want.Add(time.Minute)) {
			t.Errorf("expires %v, want about %v", expires, want)
		}
		if !strings.HasPrefix(u, m.Endpoint+"/"+m.Bucket+"/v1/ps/url.webp?") || !strings.Contains(u, "X-Amz-Signature=") {
			t.Errorf("URL %s: want a presigned path-style URL of the object", u)
		}
		if o, err := s.Origin(ctx); err != nil || o != m.Endpoint {
			t.Errorf("Origin = %q, %v; want %s", o, err, m.Endpoint)
		}
		body, h := fetch(t, u)
		if body != "webp bytes" || h.Get("Content-Type") != "image/webp" || h.Get("Cache-Control") != immutable {
			t.Errorf("GET presigned URL: %q, Content-Type %q, Cache-Control %q", body, h.Get("Content-Type"), h.Get("Cache-Control"))
		}
		// The signature covers the key: another key under the same
		// query is refused.
		other := strings.Replace(u, "url.webp", "other.webp", 1)
		resp, err := http.Get(other)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET with the signature of another key: %d, want 403", resp.StatusCode)
		}
	})

	t.Run("PublicBaseURL", func(t *testing.T) {
		cfg := NewDefaultConfig("")
		cfg.URL, cfg.PublicBase = m.URL(), "https://cdn.example.com/media/"
		st, err := OpenConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		s := st.(*CDKStore)
		defer s.Close()
		u, expires, err := s.BlobURL(ctx, "v1/ab/ab12.jpg")
		if err != nil || u != "https://cdn.example.com/media/v1/ab/ab12.jpg" || !expires.IsZero() {
			t.Errorf("BlobURL = %q, %v, %v; want the CDN URL, for good", u, expires, err)
		}
		if o, err := s.Origin(ctx); err != nil || o != "https://cdn.example.com" {
			t.Errorf("Origin = %q, %v; want the CDN's", o, err)
		}
	})

	t.Run("PrefixKeepsKeysInAFolder", func(t *testing.T) {
		s := mustOpen(t, m.URL()+"&prefix=media/")
		mustPut(t, s, "v1/pr/efix.jpg", "prefixed", "image/jpeg")
		whole := mustOpen(t, m.URL())
		if got, _ := mustRead(t, whole, "media/v1/pr/efix.jpg"); got != "prefixed" {
			t.Errorf("under the prefix: %q", got)
		}
		u, _, err := s.BlobURL(ctx, "v1/pr/efix.jpg")
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := fetch(t, u); body != "prefixed" {
			t.Errorf("GET presigned URL of a prefixed key: %q", body)
		}
		if err := s.DeletePrefix(ctx, "v1/pr/"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := whole.Open(ctx, "media/v1/pr/efix.jpg"); !pinhole.IsNotFound(err) {
			t.Errorf("after DeletePrefix under the prefix: %v, want ENOTFOUND", err)
		}
	})

	t.Run("ReadsEndWithTheCallersContext", func(t *testing.T) {
		s := mustOpen(t, m.URL())
		mustPut(t, s, "v1/cx/ctx.jpg", strings.Repeat("x", 1<<20), "image/jpeg")
		rctx, cancel := context.WithCancel(ctx)
		r, _, err := s.Open(rctx, "v1/cx/ctx.jpg")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		cancel()
		if _, err := io.ReadAll(r); err == nil {
			t.Errorf("reading after the caller's context ended: no error")
		}
	})
}

func mustOpen(t *testing.T, url string) *CDKStore {
	t.Helper()
	st, err := Open(t.Context(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*CDKStore)
	t.Cleanup(func() { s.Close() })
	return s
}

func fetch(t *testing.T, url string) (string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", url, resp.StatusCode, err)
	}
	return string(b), resp.Header
}
