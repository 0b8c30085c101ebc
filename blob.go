package pinhole

import (
	"context"
	"io"
	"time"
)

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Size        int64
	ContentType string
	ModTime     time.Time
}

// BlobStore keeps media bytes under content-addressed keys.
type BlobStore interface {
	// Put stores r under key; writing the same key twice is harmless.
	Put(ctx context.Context, key string, r io.Reader, contentType string) error
	// Open returns the blob for reading (ENOTFOUND when absent).
	Open(ctx context.Context, key string) (io.ReadSeekCloser, BlobInfo, error)
	// Delete removes a blob; no error when it is already gone.
	Delete(ctx context.Context, key string) error
}
