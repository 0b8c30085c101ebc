package media

import (
	"context"
	"time"

	"github.com/pinhole/pinhole"
)

// CanRedirect reports whether served files can be fetched straight from
// the blob store (a CDN in front of the bucket, or presigned URLs), so the
// web layer may redirect instead of passing the bytes through.
func (s *Service) CanRedirect() bool {
	_, ok := s.blobs.(pinhole.BlobURLer)
	return ok
}

// DirectURL returns where an opened file can be fetched without Pinhole,
// and until when that URL works (zero: for good). EUNSUPPORTED when the
// blob store cannot make one (see CanRedirect).
func (s *Service) DirectURL(ctx context.Context, f *File) (string, time.Time, error) {
	u, ok := s.blobs.(pinhole.BlobURLer)
	if !ok {
		return "", time.Time{}, pinhole.Errorf(pinhole.EUNSUPPORTED, "Media are served by Pinhole only.")
	}
	return u.BlobURL(ctx, f.Key)
}
