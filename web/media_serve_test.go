package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole/blob"
	"github.com/pinhole/pinhole/internal/testenv"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/media/imaging/imagingtest"
	"github.com/pinhole/pinhole/media/mediatest"
	"github.com/pinhole/pinhole/web"
)

// TestMediaFromABucket serves media kept in an S3 bucket (MinIO) both
// ways: through Pinhole, with ETag, 304, Range and Vary as from disk, and
// by redirect to the bucket, where the URL fetched gives the same bytes.
func TestMediaFromABucket(t *testing.T) {
	m := testenv.MinIO(t)
	m.SetEnv(t)
	ctx := t.Context()
	blobs, err := blob.Open(ctx, m.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.(io.Closer).Close() })
	svc := mediatest.NewService(t, blobs, time.Now)
	up, err := svc.UploadWith(ctx, 1<<20, bytes.NewReader(imagingtest.MustJPEG(t, imagingtest.Photo(400, 300), 90)), media.NewUpload{Description: "a photo"})
	if err != nil {
		t.Fatal(err)
	}
	key := up.Variant("1080").Key
	sized := svc.SizedPath(key, 120, 90)

	proxy := newServer(t, svc, func(*web.Config) {})
	redirect := newServer(t, svc, func(c *web.Config) { c.MediaRedirect, c.MediaOrigin = true, m.Endpoint })

	t.Run("ThroughPinhole", func(t *testing.T) {
		res, body := get(t, proxy, "/media/"+key, "Accept", "image/jpeg")
		etag := res.Header.Get("ETag")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || etag == "" ||
			res.Header.Get("Vary") != "Accept" || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("GET: %d %v", res.StatusCode, res.Header)
		}
		if res, _ := get(t, proxy, "/media/"+key, "Accept", "image/jpeg", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: %d, want 304", res.StatusCode)
		}
		res, part := get(t, proxy, "/media/"+key, "Accept", "image/jpeg", "Range", "bytes=100-199")
		if res.StatusCode != http.StatusPartialContent || !bytes.Equal(part, body[100:200]) {
			t.Errorf("Range: %d, %d bytes", res.StatusCode, len(part))
		}
	})

	t.Run("RedirectsToTheBucket", func(t *testing.T) {
		for _, c := range []struct {
			name, path, accept, ctype string
		}{
			{"JPEG", "/media/" + key, "image/jpeg", "image/jpeg"},
			{"WebPForThoseWhoTakeIt", "/media/" + key, "image/avif,image/webp,*/*", "image/webp"},
			{"OnDemandSize", "/media/" + sized, "image/webp", "image/webp"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, _ := get(t, redirect, c.path, "Accept", c.accept)
				loc := res.Header.Get("Location")
				if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, m.Endpoint+"/"+m.Bucket+"/") {
					t.Fatalf("GET: %d, Location %q; want 302 to the bucket", res.StatusCode, loc)
				}
				if res.Header.Get("Vary") != "Accept" {
					t.Errorf("Vary %q: the redirect depends on Accept", res.Header.Get("Vary"))
				}
				cc := res.Header.Get("Cache-Control")
				age, err := strconv.Atoi(strings.TrimPrefix(cc, "public, max-age="))
				if err != nil || age <= 0 || age > int((15*time.Minute/2)/time.Second) {
					t.Errorf("Cache-Control %q: want a public max-age within half the presigned URL's life", cc)
				}
				if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: blob: "+m.Endpoint+";") {
					t.Errorf("Content-Security-Policy %q does not let images load from %s", csp, m.Endpoint)
				}
				want, wantHdr := fetch(t, proxy.URL+c.path, c.accept)
				got, gotHdr := fetch(t, loc, "")
				if !bytes.Equal(got, want) || gotHdr.Get("Content-Type") != c.ctype || wantHdr.Get("Content-Type") != c.ctype {
					t.Errorf("the bucket gave %d bytes of %s; Pinhole %d bytes of %s; want the same %s",
						len(got), gotHdr.Get("Content-Type"), len(want), wantHdr.Get("Content-Type"), c.ctype)
				}
				if gotHdr.Get("Cache-Control") != "public, max-age=31536000, immutable" {
					t.Errorf("the bucket's Cache-Control %q: want immutable", gotHdr.Get("Cache-Control"))
				}
			})
		}
	})

	t.Run("MissingIsNotFoundNotARedirect", func(t *testing.T) {
		missing := key[:6] + strings.Repeat("0", 64) + ".jpg"
		res, _ := get(t, redirect, "/media/"+missing)
		if res.StatusCode != http.StatusNotFound || res.Header.Get("Location") != "" {
			t.Errorf("GET a missing key: %d, Location %q; want 404", res.StatusCode, res.Header.Get("Location"))
		}
	})

	t.Run("StoresWithoutURLsAreProxied", func(t *testing.T) {
		files, err := blob.NewFileStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		k := "v1/ab/ab" + strings.Repeat("1", 62) + ".jpg"
		if err := files.Put(ctx, k, strings.NewReader("jpeg bytes"), "image/jpeg"); err != nil {
			t.Fatal(err)
		}
		srv := newServer(t, mediatest.NewService(t, files, time.Now), func(c *web.Config) { c.MediaRedirect, c.MediaOrigin = true, m.Endpoint })
		if res, body := get(t, srv, "/media/"+k); res.StatusCode != 200 || string(body) != "jpeg bytes" {
			t.Errorf("GET from disk with redirects on: %d %q; want the bytes", res.StatusCode, body)
		}
	})
}

func TestMediaRedirectNeedsAnOrigin(t *testing.T) {
	for _, origin := range []string{"", "cdn.example.com", "https://cdn.example.com/media/", "https://cdn.example.com; script-src *", "https://u:p@cdn.example.com"} {
		cfg := web.NewDefaultConfig("http://127.0.0.1:8080")
		cfg.MediaRedirect, cfg.MediaOrigin = true, origin
		if err := cfg.Validate(); err == nil {
			t.Errorf("MediaOrigin %q: want an error", origin)
		}
	}
	cfg := web.NewDefaultConfig("http://127.0.0.1:8080")
	cfg.MediaRedirect, cfg.MediaOrigin = true, "https://cdn.example.com"
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}

func newServer(t *testing.T, svc *media.Service, edit func(*web.Config)) *httptest.Server {
	t.Helper()
	cfg := web.NewDefaultConfig("http://127.0.0.1:8080")
	edit(&cfg)
	s, err := web.New(cfg, web.Services{Media: svc}, func() error { return nil }, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches a path from a server without following redirects.
func get(t *testing.T, srv *httptest.Server, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// fetch GETs a URL that must answer 200.
func fetch(t *testing.T, url, accept string) ([]byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", url, res.StatusCode, err)
	}
	return b, res.Header
}
