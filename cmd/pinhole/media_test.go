package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole/media/imaging/imagingtest"
)

// get fetches a path with extra headers.
func (s *testServer) get(path string, headers ...string) *response {
	s.t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := s.http.Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	return &response{res, buf.Bytes()}
}

// mustUploadReady uploads as a Mastodon client does: a 200 carries the
// ready photo; a 202 (still processing) means polling GET
// /api/v1/media/:id, which answers 206 until the photo is ready.
func (s *testServer) mustUploadReady(m member, b *body) map[string]any {
	s.t.Helper()
	r := s.do("POST", "/api/v2/media", m.Token, b)
	if r.StatusCode == http.StatusOK {
		return s.mustJSON(r, 200)
	}
	v := s.mustJSON(r, http.StatusAccepted)
	if v["url"] != nil {
		s.t.Fatalf("202 with a url: %v", v)
	}
	return s.mustMediaReady(m, v["id"].(string))
}

// mustMediaReady polls GET /api/v1/media/:id until the photo is ready.
func (s *testServer) mustMediaReady(m member, id string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		g := s.do("GET", "/api/v1/media/"+id, m.Token, nil)
		if g.StatusCode == http.StatusOK {
			return s.mustJSON(g, 200)
		}
		if got := s.mustJSON(g, http.StatusPartialContent); got["url"] != nil || time.Now().After(deadline) {
			s.t.Fatalf("while processing: %v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPhonePhotoAsAMemberSeesIt is the "done when": a phone photo
// with GPS, stored sideways, comes out upright, cropped to the allowed
// ratio, filtered as chosen, without a trace of its metadata, and is
// served cacheable forever; hostile files bounce off.
func TestPhonePhotoAsAMemberSeesIt(t *testing.T) {
	s := MustStart(t)
	alice := s.MustSignup("alice")
	// 1500×1000 stored, EXIF orientation 6: upright it is 1000×1500, taller
	// than 4:5, so it is cropped to 1000×1250 and shown at 1000 wide.
	phone := imagingtest.PhoneJPEG(t, imagingtest.Photo(1500, 1000), 6)
	up := s.mustUploadReady(alice, multipartBody(t,
		map[string]string{"description": "Harbour at dusk", "filter": "noir", "filter_intensity": "100"}, "file", "IMG_0001.HEIC.jpg", phone))
	url, _ := up["url"].(string)
	if url == "" || up["pinhole"].(map[string]any)["state"] != "ready" {
		t.Fatalf("upload: %v; want a ready photo with a url", up)
	}
	meta := up["meta"].(map[string]any)["original"].(map[string]any)
	if meta["width"] != 1000.0 || meta["height"] != 1250.0 {
		t.Errorf("meta.original = %v, want 1000×1250", meta)
	}
	path := strings.TrimPrefix(url, s.URL)

	t.Run("UprightCroppedFilteredAndBare", func(t *testing.T) {
		res := s.get(path, "Accept", "image/jpeg")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		m, err := jpeg.Decode(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		if b := m.Bounds(); b.Dx() != 1000 || b.Dy() != 1250 {
			t.Errorf("served %v, want 1000×1250", b.Size())
		}
		c := imagingtest.Mean(m, image.Rect(100, 100, 300, 300))
		if d := int(c.R) - int(c.B); d > 6 || d < -6 {
			t.Errorf("noir photo averages %v: not black and white", c)
		}
		for _, trace := range []string{"Exif", imagingtest.Secret, "PinholePhone", "ICC_PROFILE", "xmpmeta"} {
			if bytes.Contains(res.Body, []byte(trace)) {
				t.Errorf("served photo contains %q", trace)
			}
		}
	})

	t.Run("CachedForeverWithWebPForThoseWhoTakeIt", func(t *testing.T) {
		jpg := s.get(path, "Accept", "image/avif,image/webp,*/*")
		if jpg.Header.Get("Content-Type") != "image/webp" || !bytes.HasPrefix(jpg.Body, []byte("RIFF")) {
			t.Errorf("with Accept image/webp: %s", jpg.Header.Get("Content-Type"))
		}
		plain := s.get(path, "Accept", "image/jpeg,*/*;q=0.8")
		for _, r := range []*response{jpg, plain} {
			if r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || r.Header.Get("Vary") != "Accept" || r.Header.Get("ETag") == "" {
				t.Errorf("headers %v", r.Header)
			}
		}
		if jpg.Header.Get("ETag") == plain.Header.Get("ETag") {
			t.Errorf("the WebP and the JPEG share ETag %s", jpg.Header.Get("ETag"))
		}
		if r := s.get(path, "If-None-Match", plain.Header.Get("ETag")); r.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: %d, want 304", r.StatusCode)
		}
		r := s.get(path, "Range", "bytes=0-99")
		if r.StatusCode != http.StatusPartialContent || len(r.Body) != 100 {
			t.Errorf("Range: %d with %d bytes, want 206 with 100", r.StatusCode, len(r.Body))
		}
	})

	t.Run("SignedSizesAndForgedOnes", func(t *testing.T) {
		key := strings.TrimPrefix(path, "/media/")
		signed := "/media/" + s.m.Services.Media.SizedPath(key, 200, 200)
		r := s.get(signed)
		if r.StatusCode != 200 || r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("signed size: %d %v", r.StatusCode, r.Header)
		}
		if m, err := jpeg.Decode(bytes.NewReader(r.Body)); err != nil || m.Bounds().Dx() != 200 || m.Bounds().Dy() != 200 {
			t.Errorf("signed size: %v, %v; want a 200×200 JPEG", err, m)
		}
		forged := strings.Replace(signed, "/200x200/", "/900x900/", 1)
		if r := s.get(forged); r.StatusCode != http.StatusForbidden || r.Header.Get("Cache-Control") == "public, max-age=31536000, immutable" {
			t.Errorf("forged size: %d %s, want an uncached 403", r.StatusCode, r.Header.Get("Cache-Control"))
		}
		for _, p := range []string{"/media/src/1", "/media/v1/zz/x.jpg", "/media/v1/" + key[3:6] + "../../pinhole.db"} {
			// A path with ".." is first redirected to its clean form, which
			// is no media path at all.
			if r := s.get(p); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusTemporaryRedirect {
				t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
			}
		}
	})

	t.Run("FilterChangesBeforePosting", func(t *testing.T) {
		id := up["id"].(string)
		s.mustJSON(s.do("PUT", "/api/v1/media/"+id, alice.Token, form("filter", "golden", "filter_intensity", "60", "focus", "0,1")), 200)
		v := s.mustMediaReady(alice, id)
		if v["pinhole"].(map[string]any)["filter"] != "golden" || v["url"] == url {
			t.Errorf("after PUT: %v; want golden at a new url", v)
		}
		st := s.mustJSON(s.do("POST", "/api/v1/statuses", alice.Token, jsonBody(map[string]any{"status": "Dusk", "media_ids": []string{id}})), 200)
		if len(st["media_attachments"].([]any)) != 1 {
			t.Errorf("status: %v", st)
		}
		s.mustError(s.do("PUT", "/api/v1/media/"+id, alice.Token, form("filter", "noir")), 422)
		if r := s.get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("the first rendering after the edit: %d, want 404 (its files are deleted)", r.StatusCode)
		}
	})

	t.Run("ListsFilters", func(t *testing.T) {
		list := s.mustList(s.do("GET", "/api/pinhole/v1/filters", "", nil), 200)
		if len(list) < 13 || list[0]["name"] != "normal" {
			t.Fatalf("filters: %v", list)
		}
		names := map[any]bool{}
		for _, f := range list {
			if f["display_name"] == "" || f["matrix"] == nil {
				t.Errorf("filter %v lacks a display name or matrix", f)
			}
			names[f["name"]] = true
		}
		if !names["noir"] {
			t.Errorf("no black-and-white filter: %v", names)
		}
	})

	t.Run("HostileFilesBounceOff", func(t *testing.T) {
		for name, data := range imagingtest.Hostile(t) {
			if len(data) == 0 {
				continue
			}
			start := time.Now()
			msg := s.mustError(s.do("POST", "/api/v2/media", alice.Token, multipartBody(t, nil, "file", "photo.jpg", data)), 422)
			if strings.Contains(name, "Bomb") && time.Since(start) > 5*time.Second {
				t.Logf("%s took %v", name, time.Since(start)) // reported, not asserted: benchmarks measure speed
			}
			if msg == "" {
				t.Errorf("%s: no message", name)
			}
		}
		s.mustError(s.do("POST", "/api/v2/media", alice.Token, multipartBody(t, map[string]string{"filter": "sparkle"}, "file", "a.jpg", testJPEG(t, 64, 64))), 422)
		s.mustError(s.do("POST", "/api/v2/media", alice.Token, multipartBody(t, map[string]string{"crop": "0,0,2,1"}, "file", "a.jpg", testJPEG(t, 64, 64))), 422)
	})
}
