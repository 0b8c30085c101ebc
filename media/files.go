package media

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"regexp"
	"strings"

	"github.com/pinhole/pinhole"
)

// Blob keys. A variant's key is the SHA-256 of the photo's ID and the
// JPEG's bytes: it names those bytes forever (so it is cached forever),
// and two members' identical photos never share a file that deleting one
// would take from the other. The WebP of the same pixels sits beside it
// with another extension, and on-demand sizes under a folder of the same
// name, so every file of a variant can be found from its key.
//
//	v1/ab/ab12…ef.jpg            the JPEG
//	v1/ab/ab12…ef.webp           the WebP
//	v1/ab/ab12…ef/300x300.webp   an on-demand size
//	src/<media id>               the upload itself, never served
func variantKey(id pinhole.ID, jpeg []byte) string {
	h := sha256.New()
	_ = binary.Write(h, binary.BigEndian, int64(id))
	h.Write(jpeg)
	sum := hex.EncodeToString(h.Sum(nil))
	return "v1/" + sum[:2] + "/" + sum + ".jpg"
}

func webpKey(jpegKey string) string { return strings.TrimSuffix(jpegKey, ".jpg") + ".webp" }

func sizedPrefix(jpegKey string) string { return strings.TrimSuffix(jpegKey, ".jpg") + "/" }

func sourceKey(id pinhole.ID) string { return "src/" + id.String() }

var servedKey = regexp.MustCompile(`^v1/[0-9a-f]{2}/([0-9a-f]{64})(\.jpg|\.webp|/[0-9]{1,4}x[0-9]{1,4}\.(?:jpg|webp))$`)

// prefixDeleter is a blob store that can delete a folder of blobs.
type prefixDeleter interface {
	DeletePrefix(ctx context.Context, prefix string) error
}

// DeleteFiles removes every file of deleted media. Failures are logged:
// the rows are gone already, and a leftover file is only wasted space.
func (s *Service) DeleteFiles(ctx context.Context, ms []*pinhole.Media) {
	for _, m := range ms {
		s.deleteFiles(ctx, m.Variants)
	}
}

func (s *Service) deleteFiles(ctx context.Context, vs []pinhole.MediaVariant) {
	keys := make([]string, 0, len(vs))
	for _, v := range vs {
		keys = append(keys, v.Key)
	}
	s.deleteKeys(ctx, keys)
}

// deleteKeys deletes blobs with every file derived from them.
func (s *Service) deleteKeys(ctx context.Context, keys []string) {
	ctx = context.WithoutCancel(ctx)
	for _, err := range s.deleteAll(ctx, keys) {
		s.log.WarnContext(ctx, "media: delete file", "err", err)
	}
}

func (s *Service) deleteAll(ctx context.Context, keys []string) []error {
	var errs []error
	for _, key := range keys {
		all := []string{key}
		if strings.HasPrefix(key, "v1/") && strings.HasSuffix(key, ".jpg") {
			all = append(all, webpKey(key))
			if pd, ok := s.blobs.(prefixDeleter); ok {
				if err := pd.DeletePrefix(ctx, sizedPrefix(key)); err != nil {
					errs = append(errs, err)
				}
			}
		}
		for _, k := range all {
			if err := s.blobs.Delete(ctx, k); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// File is a stored image ready to serve.
type File struct {
	io.ReadSeekCloser
	Info        pinhole.BlobInfo
	ContentType string
	ETag        string // quoted, names the exact bytes
	Key         string // the blob served: the WebP of a JPEG key when negotiated
}

// Open returns a served file by key: only variant keys, never an upload.
// For a JPEG key and a client that takes WebP, the WebP of the same
// pixels comes back instead.
func (s *Service) Open(ctx context.Context, key string, webp bool) (*File, error) {
	m := servedKey.FindStringSubmatch(key)
	if m == nil {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "No such file.")
	}
	if webp && m[2] == ".jpg" {
		if f, err := s.open(ctx, webpKey(key), m[1]); err == nil {
			return f, nil
		}
	}
	return s.open(ctx, key, m[1])
}

func (s *Service) open(ctx context.Context, key, hash string) (*File, error) {
	r, info, err := s.blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	ct, tag := "image/jpeg", hash
	if strings.HasSuffix(key, ".webp") {
		ct = "image/webp"
	}
	if i := strings.Index(key, hash); i >= 0 {
		tag = strings.NewReplacer("/", "-", ".", "-").Replace(key[i:])
	}
	return &File{ReadSeekCloser: r, Info: info, ContentType: ct, ETag: `"` + tag + `"`, Key: key}, nil
}
