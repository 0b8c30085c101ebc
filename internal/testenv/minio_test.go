package testenv_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/pinhole/pinhole/internal/testenv"
)

// TestMinIOStartsAndStops checks that a test gets a live server with an
// empty bucket of its own, that only its credentials open it, and that
// the server is gone once the test has ended.
func TestMinIOStartsAndStops(t *testing.T) {
	var m testenv.MinIOServer
	t.Run("Uses", func(t *testing.T) {
		m = testenv.MinIO(t)
		if u := m.URL(); strings.Contains(u, m.SecretKey) || strings.Contains(u, m.AccessKey) {
			t.Errorf("URL %s carries credentials", u)
		}
		client := func(secret string) *s3.Client {
			return s3.New(s3.Options{Region: m.Region, BaseEndpoint: aws.String(m.Endpoint), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider(m.AccessKey, secret, "")})
		}
		out, err := client(m.SecretKey).ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(m.Bucket)})
		if err != nil {
			t.Fatalf("list %s: %v", m.Bucket, err)
		}
		if len(out.Contents) != 0 {
			t.Errorf("a fresh bucket holds %d objects", len(out.Contents))
		}
		if _, err := client("wrong-secret").ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(m.Bucket)}); err == nil {
			t.Errorf("a wrong secret lists the bucket")
		}
	})
	if m.Endpoint == "" {
		return // skipped: no minio
	}
	if testenv.Reachable(strings.TrimPrefix(m.Endpoint, "http://")) {
		t.Errorf("minio at %s still answers after its test ended", m.Endpoint)
	}
}
