package media_test

import (
	"bytes"
	"image/jpeg"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/blob"
	"github.com/pinhole/pinhole/internal/testenv"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/media/imaging/imagingtest"
	"github.com/pinhole/pinhole/media/mediatest"
	gcblob "gocloud.dev/blob"
)

// TestMediaInABucket runs the media life cycle on an S3 bucket (MinIO):
// an upload's variants land in the bucket, on-demand sizes are cached
// there, and deleting the photo leaves the bucket empty.
func TestMediaInABucket(t *testing.T) {
	m := testenv.MinIO(t)
	m.SetEnv(t)
	ctx := t.Context()
	bucket, err := gcblob.OpenBucket(ctx, m.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	keys := func() []string {
		t.Helper()
		var out []string
		it := bucket.List(nil)
		for {
			o, err := it.Next(ctx)
			if err == io.EOF {
				return out
			} else if err != nil {
				t.Fatal(err)
			}
			out = append(out, o.Key)
		}
	}

	blobs, err := blob.Open(ctx, m.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.(io.Closer).Close() })
	svc := mediatest.NewService(t, blobs, func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) })
	owner := pinhole.ID(1 << 20)
	up, err := svc.UploadWith(ctx, owner, bytes.NewReader(imagingtest.MustJPEG(t, imagingtest.Photo(400, 300), 90)), media.NewUpload{Description: "a photo"})
	if err != nil {
		t.Fatal(err)
	}
	if up.State != pinhole.MediaReady {
		t.Fatalf("state %s, want ready", up.State)
	}

	var want []string
	for _, v := range up.Variants {
		want = append(want, v.Key)
		if strings.HasSuffix(v.Key, ".jpg") {
			want = append(want, strings.TrimSuffix(v.Key, ".jpg")+".webp")
		}
	}
	slices.Sort(want)
	want = slices.Compact(want) // a small photo's sizes can share bytes, hence a key
	if got := keys(); !slices.Equal(got, want) {
		t.Fatalf("bucket holds %v, want the variants %v", got, want)
	}

	key := up.Variant("1080").Key
	t.Run("ServesVariantsFromTheBucket", func(t *testing.T) {
		for _, webp := range []bool{false, true} {
			f, err := svc.Open(ctx, key, webp)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if webp && (f.ContentType != "image/webp" || !bytes.HasPrefix(b, []byte("RIFF")) || !strings.HasSuffix(f.Key, ".webp")) {
				t.Errorf("WebP: %s, key %s", f.ContentType, f.Key)
			}
			if !webp {
				if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil || f.ContentType != "image/jpeg" || f.Key != key {
					t.Errorf("JPEG: %s, key %s: %v", f.ContentType, f.Key, err)
				}
			}
			if int64(len(b)) != f.Info.Size {
				t.Errorf("read %d bytes of %d", len(b), f.Info.Size)
			}
		}
	})

	t.Run("SizesAreCachedInTheBucket", func(t *testing.T) {
		rest := strings.TrimPrefix(svc.SizedPath(key, 120, 90), "sized/")
		for _, webp := range []bool{false, true} {
			f, err := svc.Sized(ctx, rest, webp)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		prefix := strings.TrimSuffix(key, ".jpg") + "/"
		for _, k := range []string{prefix + "120x90.jpg", prefix + "120x90.webp"} {
			if !slices.Contains(keys(), k) {
				t.Errorf("%s is not in the bucket", k)
			}
		}
	})

	t.Run("DeletingThePhotoEmptiesTheBucket", func(t *testing.T) {
		svc.DeleteFiles(ctx, []*pinhole.Media{up})
		if left := keys(); len(left) > 0 {
			t.Errorf("left in the bucket: %v", left)
		}
	})
}
