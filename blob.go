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

// BlobURLer is a blob store whose blobs can be fetched without going
// through Pinhole: from a CDN, a public bucket or a presigned URL. The web
// layer may then redirect media requests there instead of proxying bytes.
type BlobURLer interface {
	// BlobURL returns the blob's URL and when it stops working (zero:
	// never). It need not check that the blob exists.
	BlobURL(ctx context.Context, key string) (url string, expires time.Time, err error)
}
