package blob

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pinhole/pinhole"
)

func TestFileStore(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := NewFileStore(root)
	if err != nil {
		t.Fatal(err)
	}
	put := func(key, body string) {
		t.Helper()
		if err := s.Put(ctx, key, strings.NewReader(body), "image/jpeg"); err != nil {
			t.Fatalf("Put %s: %v", key, err)
		}
	}

	t.Run("PutThenOpen", func(t *testing.T) {
		put("v1/ab/abc.jpg", "jpeg bytes")
		put("v1/ab/abc.jpg", "jpeg bytes") // twice is harmless
		r, info, err := s.Open(ctx, "v1/ab/abc.jpg")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		if string(b) != "jpeg bytes" || info.Size != 10 || info.ContentType != "image/jpeg" {
			t.Errorf("got %q, %+v", b, info)
		}
	})

	t.Run("KeysCannotEscapeTheRoot", func(t *testing.T) {
		os.WriteFile(filepath.Join(filepath.Dir(root), "secret"), []byte("x"), 0o600)
		for _, key := range []string{"../secret", "/etc/passwd", "a/../../secret", "a\\b", "", "a\x00b"} {
			if _, _, err := s.Open(ctx, key); !pinhole.IsNotFound(err) {
				t.Errorf("Open(%q) = %v, want ENOTFOUND", key, err)
			}
		}
	})

	t.Run("DeletePrefixRemovesTheFolderOnly", func(t *testing.T) {
		put("v1/cd/cde.jpg", "j")
		put("v1/cd/cde/100x100.jpg", "a")
		put("v1/cd/cde/200x200.webp", "b")
		if err := s.DeletePrefix(ctx, "v1/cd/cde/"); err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]bool{"v1/cd/cde.jpg": true, "v1/cd/cde/100x100.jpg": false, "v1/cd/cde/200x200.webp": false} {
			_, _, err := s.Open(ctx, key)
			if got := err == nil; got != want {
				t.Errorf("%s exists: %v, want %v", key, got, want)
			}
		}
		if err := s.DeletePrefix(ctx, "v1/none/"); err != nil {
			t.Errorf("missing prefix: %v", err)
		}
		if err := s.DeletePrefix(ctx, "v1/cd"); err == nil {
			t.Errorf("a prefix without a trailing slash: want an error, not a deleted folder")
		}
		if err := s.DeletePrefix(ctx, "../"); err != nil {
			t.Errorf("escaping prefix: %v, want it ignored", err)
		}
		if _, err := os.Stat(root); err != nil {
			t.Errorf("root gone: %v", err)
		}
	})

	t.Run("DeleteIsIdempotent", func(t *testing.T) {
		put("v1/ef/efg.webp", "w")
		for range 2 {
			if err := s.Delete(ctx, "v1/ef/efg.webp"); err != nil {
				t.Fatal(err)
			}
		}
	})
}
