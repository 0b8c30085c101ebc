package blob

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	gcblob "gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

var (
	_ pinhole.BlobStore = (*CDKStore)(nil)
	_ pinhole.BlobURLer = (*CDKStore)(nil)
	_ io.Closer         = (*CDKStore)(nil)
	_ io.ReadSeekCloser = (*cdkReader)(nil)
)

// immutable is every blob's Cache-Control: keys name their bytes, so a
// browser or CDN fetching from the bucket directly may keep them forever.
const immutable = "public, max-age=31536000, immutable"

// CDKStore keeps blobs in a Go CDK bucket: any S3-compatible object store
// (AWS S3, MinIO, R2, …). An upload becomes visible only once complete;
// one that fails part-way leaves nothing behind.
type CDKStore struct {
	b   *gcblob.Bucket
	cfg Config
}

// NewCDKStore wraps an open bucket; the store owns it from then on. Only
// cfg's PublicBase, URLExpiry and timeouts are used, the defaults standing
// in for those left zero.
func NewCDKStore(b *gcblob.Bucket, cfg Config) *CDKStore {
	def := NewDefaultConfig("")
	if cfg.URLExpiry <= 0 {
		cfg.URLExpiry = def.URLExpiry
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = def.CallTimeout
	}
	if cfg.TransferTimeout <= 0 {
		cfg.TransferTimeout = def.TransferTimeout
	}
	return &CDKStore{b: b, cfg: cfg}
}

// Close releases the bucket's connections.
func (s *CDKStore) Close() error { return s.b.Close() }

// Put uploads r under key. The upload reads r to its end before anything
// is committed: if r fails, or ctx ends, the key keeps what it had.
func (s *CDKStore) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	if !validKey(key) {
		return errBadKeyPut(key)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.TransferTimeout)
	defer cancel()
	err := s.b.Upload(ctx, key, r, &gcblob.WriterOptions{ContentType: contentType, CacheControl: immutable})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Open returns a reader that fetches byte ranges as it is read, so
// http.ServeContent can seek for Range requests. It answers the blob's
// metadata from one HEAD-like call; no bytes move until the first Read.
func (s *CDKStore) Open(ctx context.Context, key string) (io.ReadSeekCloser, pinhole.BlobInfo, error) {
	if !validKey(key) {
		return nil, pinhole.BlobInfo{}, errBadKeyOpen()
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	a, err := s.b.Attributes(cctx, key)
	if err != nil {
		return nil, pinhole.BlobInfo{}, s.wrap("open", key, err)
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	info := pinhole.BlobInfo{Size: a.Size, ContentType: ct, ModTime: a.ModTime}
	return &cdkReader{ctx: ctx, s: s, key: key, size: a.Size}, info, nil
}

// Delete removes a blob; one already gone is no error.
func (s *CDKStore) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	if err := s.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// DeletePrefix removes every blob under a folder-like prefix ("a/b/");
// no error when there is none.
func (s *CDKStore) DeletePrefix(ctx context.Context, prefix string) error {
	if !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("blob: delete prefix %q: must end with /", prefix)
	}
	if !validKey(strings.TrimSuffix(prefix, "/")) {
		return nil
	}
	token := gcblob.FirstPageToken
	for token != nil {
		lctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		objs, next, err := s.b.ListPage(lctx, token, 1000, &gcblob.ListOptions{Prefix: prefix})
		cancel()
		if err != nil {
			return fmt.Errorf("blob: delete prefix %s: %w", prefix, err)
		}
		for _, o := range objs {
			if err := s.Delete(ctx, o.Key); err != nil {
				return err
			}
		}
		token = next
	}
	return nil
}

// BlobURL returns where the blob can be fetched without Pinhole: under
// PublicBase for good, or a presigned GET URL until the time returned.
// It does not check that the blob exists.
func (s *CDKStore) BlobURL(ctx context.Context, key string) (string, time.Time, error) {
	if !validKey(key) {
		return "", time.Time{}, errBadKeyOpen()
	}
	if s.cfg.PublicBase != "" {
		parts := strings.Split(key, "/")
		for i, p := range parts {
			parts[i] = url.PathEscape(p)
		}
		return s.cfg.PublicBase + strings.Join(parts, "/"), time.Time{}, nil
	}
	expires := time.Now().Add(s.cfg.URLExpiry) // the signer reads the wall clock too
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	u, err := s.b.SignedURL(ctx, key, &gcblob.SignedURLOptions{Method: http.MethodGet, Expiry: s.cfg.URLExpiry})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("blob: sign %s: %w", key, err)
	}
	return u, expires, nil
}

// Origin is the scheme and host BlobURL's URLs lead to, for a page's
// Content-Security-Policy: PublicBase's, or the bucket endpoint's as a
// presigned URL names it (which for AWS includes the bucket's name).
func (s *CDKStore) Origin(ctx context.Context) (string, error) {
	u, _, err := s.BlobURL(ctx, "origin")
	if err != nil {
		return "", err
	}
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("blob: origin: %w", err)
	}
	return p.Scheme + "://" + p.Host, nil
}

// wrap turns the CDK's "not found" into Pinhole's.
func (s *CDKStore) wrap(op, key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return pinhole.Errorf(pinhole.ENOTFOUND, "No such file.")
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}
