package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pinhole/pinhole"
)

// prefixDeleter is what the media context uses to drop a variant's
// on-demand sizes.
type prefixDeleter interface {
	DeletePrefix(ctx context.Context, prefix string) error
}

// testStore is the conformance suite every pinhole.BlobStore passes. Each
// subtest uses keys of its own, so they share one store.
func testStore(t *testing.T, s pinhole.BlobStore) {
	ctx := context.Background()

	t.Run("PutThenOpen", func(t *testing.T) {
		mustPut(t, s, "v1/ab/abc.jpg", "jpeg bytes", "image/jpeg")
		mustPut(t, s, "v1/ab/abc.jpg", "jpeg bytes", "image/jpeg") // twice is harmless
		got, info := mustRead(t, s, "v1/ab/abc.jpg")
		if got != "jpeg bytes" || info.Size != 10 || info.ContentType != "image/jpeg" || info.ModTime.IsZero() {
			t.Errorf("got %q, %+v", got, info)
		}
	})

	t.Run("PutReplaces", func(t *testing.T) {
		mustPut(t, s, "v1/re/place.webp", "first", "image/webp")
		mustPut(t, s, "v1/re/place.webp", "second, longer", "image/webp")
		if got, _ := mustRead(t, s, "v1/re/place.webp"); got != "second, longer" {
			t.Errorf("got %q", got)
		}
	})

	t.Run("EmptyBlob", func(t *testing.T) {
		mustPut(t, s, "v1/em/pty.jpg", "", "image/jpeg")
		if got, info := mustRead(t, s, "v1/em/pty.jpg"); got != "" || info.Size != 0 {
			t.Errorf("got %q, %+v", got, info)
		}
	})

	t.Run("OpenMissingIsNotFound", func(t *testing.T) {
		if r, _, err := s.Open(ctx, "v1/no/nothing.jpg"); !pinhole.IsNotFound(err) {
			if r != nil {
				r.Close()
			}
			t.Errorf("Open = %v, want ENOTFOUND", err)
		}
	})

	t.Run("SeekAndRead", func(t *testing.T) {
		data := pattern(100_000)
		mustPut(t, s, "v1/se/ek.jpg", string(data), "image/jpeg")
		r, info, err := s.Open(ctx, "v1/se/ek.jpg")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if info.Size != int64(len(data)) {
			t.Fatalf("size %d, want %d", info.Size, len(data))
		}
		if end, err := r.Seek(0, io.SeekEnd); err != nil || end != int64(len(data)) {
			t.Fatalf("Seek(0, End) = %d, %v", end, err)
		}
		for _, c := range []struct {
			off    int64
			whence int
			want   int64
			n      int
		}{
			{0, io.SeekStart, 0, 10},
			{90_000, io.SeekStart, 90_000, 5000},
			{-1000, io.SeekCurrent, 94_000, 1000}, // back within what was read
			{-10, io.SeekEnd, 99_990, 10},
			{42, io.SeekStart, 42, 70_000}, // far back, then a long read
		} {
			pos, err := r.Seek(c.off, c.whence)
			if err != nil || pos != c.want {
				t.Fatalf("Seek(%d, %d) = %d, %v; want %d", c.off, c.whence, pos, err, c.want)
			}
			buf := make([]byte, c.n)
			if _, err := io.ReadFull(r, buf); err != nil {
				t.Fatalf("read %d at %d: %v", c.n, pos, err)
			}
			if !bytes.Equal(buf, data[pos:pos+int64(c.n)]) {
				t.Fatalf("bytes at %d differ", pos)
			}
		}
		if _, err := r.Seek(10, io.SeekEnd); err != nil {
			t.Fatalf("seek past the end: %v", err)
		}
		if n, err := r.Read(make([]byte, 8)); n != 0 || err != io.EOF {
			t.Errorf("read past the end = %d, %v; want 0, EOF", n, err)
		}
		if _, err := r.Seek(-1, io.SeekStart); err == nil {
			t.Errorf("seek before the start: want an error")
		}
	})

	t.Run("ServesRanges", func(t *testing.T) {
		data := pattern(50_000)
		mustPut(t, s, "v1/ra/nge.jpg", string(data), "image/jpeg")
		for _, c := range []struct {
			rng  string
			code int
			want []byte // nil: a multipart body, checked by parts
		}{
			{"", http.StatusOK, data},
			{"bytes=100-199", http.StatusPartialContent, data[100:200]},
			{"bytes=-300", http.StatusPartialContent, data[len(data)-300:]},
			{"bytes=49000-", http.StatusPartialContent, data[49000:]},
			{"bytes=10-19,40000-40009", http.StatusPartialContent, nil},
			{"bytes=60000-", http.StatusRequestedRangeNotSatisfiable, nil},
		} {
			r, info, err := s.Open(ctx, "v1/ra/nge.jpg")
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			if c.rng != "" {
				req.Header.Set("Range", c.rng)
			}
			rec := httptest.NewRecorder()
			http.ServeContent(rec, req, "", info.ModTime, r)
			r.Close()
			if rec.Code != c.code {
				t.Errorf("Range %q: status %d, want %d", c.rng, rec.Code, c.code)
				continue
			}
			switch {
			case c.want != nil && !bytes.Equal(rec.Body.Bytes(), c.want):
				t.Errorf("Range %q: %d bytes, not the ones asked for", c.rng, rec.Body.Len())
			case c.want == nil && c.code == http.StatusPartialContent:
				body := rec.Body.String()
				if !strings.Contains(body, string(data[10:20])) || !strings.Contains(body, string(data[40000:40010])) || !strings.Contains(body, "Content-Range: bytes 40000-40009/50000") {
					t.Errorf("Range %q: multipart body lacks a part", c.rng)
				}
			}
		}
	})

	t.Run("DeleteIsIdempotent", func(t *testing.T) {
		mustPut(t, s, "v1/ef/efg.webp", "w", "image/webp")
		for range 2 {
			if err := s.Delete(ctx, "v1/ef/efg.webp"); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := s.Open(ctx, "v1/ef/efg.webp"); !pinhole.IsNotFound(err) {
			t.Errorf("Open after Delete = %v, want ENOTFOUND", err)
		}
		if err := s.Delete(ctx, "v1/ne/ver-there.jpg"); err != nil {
			t.Errorf("Delete of a key never written: %v", err)
		}
	})

	t.Run("DeletePrefixRemovesTheFolderOnly", func(t *testing.T) {
		pd, ok := s.(prefixDeleter)
		if !ok {
			t.Fatalf("%T cannot delete a prefix", s)
		}
		mustPut(t, s, "v1/cd/cde.jpg", "j", "image/jpeg")
		mustPut(t, s, "v1/cd/cde/100x100.jpg", "a", "image/jpeg")
		mustPut(t, s, "v1/cd/cde/200x200.webp", "b", "image/webp")
		mustPut(t, s, "v1/cd/cdef/100x100.jpg", "c", "image/jpeg") // shares the prefix's letters, not its folder
		if err := pd.DeletePrefix(ctx, "v1/cd/cde/"); err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]bool{"v1/cd/cde.jpg": true, "v1/cd/cde/100x100.jpg": false, "v1/cd/cde/200x200.webp": false, "v1/cd/cdef/100x100.jpg": true} {
			r, _, err := s.Open(ctx, key)
			if err == nil {
				r.Close()
			}
			if got := err == nil; got != want {
				t.Errorf("%s exists: %v, want %v", key, got, want)
			}
		}
		if err := pd.DeletePrefix(ctx, "v1/none/"); err != nil {
			t.Errorf("missing prefix: %v", err)
		}
		if err := pd.DeletePrefix(ctx, "v1/cd"); err == nil {
			t.Errorf("a prefix without a trailing slash: want an error, not a deleted folder")
		}
		for _, p := range []string{"../", "/", "v1/../"} {
			if err := pd.DeletePrefix(ctx, p); err != nil {
				t.Errorf("DeletePrefix(%q) = %v, want it ignored", p, err)
			}
		}
		if got, _ := mustRead(t, s, "v1/cd/cde.jpg"); got != "j" {
			t.Errorf("a hostile prefix deleted something")
		}
	})

	t.Run("HostileKeysAreRefused", func(t *testing.T) {
		for _, key := range hostileKeys {
			if r, _, err := s.Open(ctx, key); !pinhole.IsNotFound(err) {
				if r != nil {
					r.Close()
				}
				t.Errorf("Open(%q) = %v, want ENOTFOUND", key, err)
			}
			if err := s.Put(ctx, key, strings.NewReader("x"), "image/jpeg"); pinhole.ErrorCode(err) != pinhole.EINVALID {
				t.Errorf("Put(%q) = %v, want EINVALID", key, err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Errorf("Delete(%q) = %v, want nothing done", key, err)
			}
		}
		if u, ok := s.(pinhole.BlobURLer); ok {
			for _, key := range hostileKeys {
				if _, _, err := u.BlobURL(ctx, key); !pinhole.IsNotFound(err) {
					t.Errorf("BlobURL(%q) = %v, want ENOTFOUND", key, err)
				}
			}
		}
	})

	t.Run("ConcurrentPuts", func(t *testing.T) {
		const n = 8
		bodies := make([]string, n)
		for i := range bodies {
			bodies[i] = strings.Repeat(fmt.Sprintf("body %d;", i), 2000+i)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2*n)
		for i := range n {
			wg.Go(func() {
				errs[2*i] = s.Put(ctx, fmt.Sprintf("v1/co/own-%d.jpg", i), strings.NewReader(bodies[i]), "image/jpeg")
			})
			wg.Go(func() {
				errs[2*i+1] = s.Put(ctx, "v1/co/shared.jpg", strings.NewReader(bodies[i]), "image/jpeg")
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if got, _ := mustRead(t, s, fmt.Sprintf("v1/co/own-%d.jpg", i)); got != bodies[i] {
				t.Errorf("own-%d: %d bytes, not its own", i, len(got))
			}
		}
		got, _ := mustRead(t, s, "v1/co/shared.jpg")
		whole := false
		for _, b := range bodies {
			whole = whole || got == b
		}
		if !whole {
			t.Errorf("shared key holds %d bytes that are no one write's whole body", len(got))
		}
	})

	t.Run("LargeObjectStreams", func(t *testing.T) {
		const size = 6<<20 + 12345
		want := sha256.New()
		src := io.TeeReader(io.LimitReader(newPRNG(7), size), want)
		if err := s.Put(ctx, "v1/la/rge.jpg", src, "image/jpeg"); err != nil {
			t.Fatal(err)
		}
		r, info, err := s.Open(ctx, "v1/la/rge.jpg")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if info.Size != size {
			t.Fatalf("size %d, want %d", info.Size, size)
		}
		got := sha256.New()
		if n, err := io.Copy(got, r); err != nil || n != size {
			t.Fatalf("read %d bytes: %v", n, err)
		}
		if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
			t.Errorf("the bytes read back differ from those written")
		}
	})

	t.Run("FailedPutLeavesNothing", func(t *testing.T) {
		broken := errors.New("the upload broke")
		for _, size := range []int64{100 << 10, 9 << 20} { // within one part, and past the first part of a multipart upload
			key := fmt.Sprintf("v1/fa/il-%d.jpg", size)
			err := s.Put(ctx, key, io.MultiReader(io.LimitReader(newPRNG(1), size), failingReader{broken}), "image/jpeg")
			if err == nil {
				t.Fatalf("Put of a reader that fails after %d bytes: no error", size)
			}
			if r, info, err := s.Open(ctx, key); !pinhole.IsNotFound(err) {
				if r != nil {
					r.Close()
				}
				t.Errorf("after a failed Put of %d bytes: Open = %+v, %v; want ENOTFOUND", size, info, err)
			}
		}
		mustPut(t, s, "v1/fa/kept.jpg", "the old bytes", "image/jpeg")
		if err := s.Put(ctx, "v1/fa/kept.jpg", io.MultiReader(strings.NewReader("new"), failingReader{broken}), "image/jpeg"); err == nil {
			t.Fatal("Put of a failing reader: no error")
		}
		if got, _ := mustRead(t, s, "v1/fa/kept.jpg"); got != "the old bytes" {
			t.Errorf("a failed Put replaced the blob with %q", got)
		}
	})

	t.Run("CanceledPutLeavesNothing", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		src := io.MultiReader(io.LimitReader(newPRNG(2), 256<<10), cancelReader{cancel}, io.LimitReader(newPRNG(3), 256<<10))
		err := s.Put(cctx, "v1/ca/ncel.jpg", src, "image/jpeg")
		if err == nil {
			if r, _, oerr := s.Open(ctx, "v1/ca/ncel.jpg"); oerr == nil {
				n, _ := io.Copy(io.Discard, r)
				r.Close()
				if n != 512<<10 {
					t.Errorf("a canceled Put left %d bytes", n)
				}
			}
			return // the store finished before it saw the cancel: whole, which is fine
		}
		if r, _, err := s.Open(ctx, "v1/ca/ncel.jpg"); !pinhole.IsNotFound(err) {
			if r != nil {
				r.Close()
			}
			t.Errorf("after a canceled Put: Open = %v, want ENOTFOUND", err)
		}
	})
}

var hostileKeys = []string{
	"", "../secret", "/etc/passwd", "a/../../secret", "a/..", "..", ".", "./a", "a\\b", "a\x00b", "a\nb",
	"a//b", "a/", "/", "\xff\xfe", strings.Repeat("a", maxKeyLen+1),
}

func mustPut(t *testing.T, s pinhole.BlobStore, key, body, contentType string) {
	t.Helper()
	if err := s.Put(context.Background(), key, strings.NewReader(body), contentType); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

func mustRead(t *testing.T, s pinhole.BlobStore, key string) (string, pinhole.BlobInfo) {
	t.Helper()
	r, info, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return string(b), info
}

// pattern returns n bytes in which every 8-byte window is distinct
// enough that a read at the wrong offset shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// prng is an endless reader of reproducible bytes: large blobs are
// generated as they are written, never held whole.
type prng struct{ r *rand.ChaCha8 }

func newPRNG(seed byte) prng {
	var s [32]byte
	s[0] = seed
	return prng{rand.NewChaCha8(s)}
}

func (p prng) Read(b []byte) (int, error) { return p.r.Read(b) }

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// cancelReader cancels a context when it is reached, then reads as
// empty, so a Put sees its context end part-way through the body.
type cancelReader struct{ cancel context.CancelFunc }

func (c cancelReader) Read([]byte) (int, error) {
	c.cancel()
	return 0, io.EOF
}
