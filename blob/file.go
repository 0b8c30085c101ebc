// Package blob stores media bytes. FileStore keeps them on local disk, the
// embedded default.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/pinhole/pinhole"
)

var _ pinhole.BlobStore = (*FileStore)(nil)

// FileStore keeps blobs as files under a root directory. Writes go to a
// temporary file and are renamed into place, so a reader never sees half a
// blob.
type FileStore struct {
	root string
}

// NewFileStore creates root if needed.
func NewFileStore(root string) (*FileStore, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &FileStore{root: root}, nil
}

// path maps a key to a file, refusing anything that could escape root.
func (s *FileStore) path(key string) (string, error) {
	if !validKey(key) {
		return "", errBadKeyOpen()
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

func (s *FileStore) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	p, err := s.path(key)
	if err != nil {
		return errBadKeyPut(key)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

func (s *FileStore) Open(ctx context.Context, key string) (io.ReadSeekCloser, pinhole.BlobInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, pinhole.BlobInfo{}, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, pinhole.BlobInfo{}, pinhole.Errorf(pinhole.ENOTFOUND, "No such file.")
	} else if err != nil {
		return nil, pinhole.BlobInfo{}, fmt.Errorf("blob: open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, pinhole.BlobInfo{}, pinhole.Errorf(pinhole.ENOTFOUND, "No such file.")
	}
	ct := mime.TypeByExtension(filepath.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return f, pinhole.BlobInfo{Size: st.Size(), ContentType: ct, ModTime: st.ModTime()}, nil
}

// DeletePrefix removes every blob under a folder-like prefix ("a/b/");
// no error when there is none.
func (s *FileStore) DeletePrefix(ctx context.Context, prefix string) error {
	if !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("blob: delete prefix %q: must end with /", prefix)
	}
	p, err := s.path(strings.TrimSuffix(prefix, "/"))
	if err != nil {
		return nil
	}
	if err := os.RemoveAll(p); err != nil {
		return fmt.Errorf("blob: delete prefix %s: %w", prefix, err)
	}
	return nil
}

func (s *FileStore) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}
