package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// MinIOServer is a MinIO server started for one test, with an empty
// bucket of its own.
type MinIOServer struct {
	Endpoint  string // http://127.0.0.1:<port>
	Region    string
	Bucket    string
	AccessKey string // root credentials, random per server
	SecretKey string
}

// URL is the Go CDK URL of the test's bucket. It carries no credentials:
// call SetEnv (or set the AWS variables yourself) before opening it.
func (m MinIOServer) URL() string {
	return "s3://" + m.Bucket + "?endpoint=" + m.Endpoint + "&region=" + m.Region + "&use_path_style=true"
}

// SetEnv sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and clears
// what could override them) for the rest of the test, which therefore
// cannot run in parallel.
func (m MinIOServer) SetEnv(t testing.TB) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", m.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", m.SecretKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}

// MinIOBinary finds the minio server: on PATH, then in $GOBIN or
// $(go env GOPATH)/bin, where go install puts it. "" when absent.
func MinIOBinary() string {
	if p, err := exec.LookPath("minio"); err == nil {
		return p
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, d := range filepath.SplitList(strings.TrimSpace(string(out))) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "minio")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

var minioBin = sync.OnceValue(MinIOBinary)

// MinIO starts a MinIO server for the test on free loopback ports, with
// random root credentials and data in a temporary directory, waits until
// it answers and makes a fresh bucket. The server is stopped and its data
// removed when the test ends. Without the binary the test is skipped (or
// failed under PINHOLE_REQUIRE_ALL=1) through Missing.
func MinIO(t testing.TB) MinIOServer {
	t.Helper()
	bin := minioBin()
	if bin == "" {
		Missing(t, "minio not found on PATH or in $(go env GOPATH)/bin: go install github.com/minio/minio@latest")
		return MinIOServer{}
	}
	dir := t.TempDir()
	m := MinIOServer{
		Region:    "us-east-1",
		Bucket:    "pinhole-t-" + randomHex(6),
		AccessKey: "pinhole" + randomHex(6),
		SecretKey: randomHex(20),
	}
	addr, console := freePort(t), freePort(t)
	m.Endpoint = "http://" + addr

	out := &syncWriter{}
	cmd := exec.Command(bin, "server", filepath.Join(dir, "data"), "--address", addr, "--console-address", console, "--quiet")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey, "MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1", "MINIO_REGION="+m.Region)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start minio: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := waitLive(ctx, m.Endpoint, exited); err != nil {
		t.Fatalf("minio at %s: %v\n%s", addr, err, out.String())
	}
	client := s3.New(s3.Options{
		Region:       m.Region,
		BaseEndpoint: aws.String(m.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(m.AccessKey, m.SecretKey, ""),
	})
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(m.Bucket)}); err != nil {
		t.Fatalf("minio: create bucket %s: %v", m.Bucket, err)
	}
	return m
}

// waitLive polls MinIO's liveness endpoint until it answers 200.
func waitLive(ctx context.Context, endpoint string, exited <-chan struct{}) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/minio/health/live", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("the server exited")
		case <-ctx.Done():
			return fmt.Errorf("not live: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// freePort returns a loopback address nothing listens on right now.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncWriter lets the server's stdout and stderr share one buffer.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
