package blob

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenRefusesBadURLs(t *testing.T) {
	for _, c := range []struct {
		url, dataDir string
		want         string // in the error
		secret       string // never in the error
	}{
		{"", "", "no data directory", ""},
		{"%zz", "/d", "not a valid URL", ""},
		{"media", "/d", "no scheme", ""},
		{"ftp://host/dir", "/d", `unknown scheme "ftp"`, ""},
		{"gs://bucket", "/d", `unknown scheme "gs"`, ""},
		{"file://relative/dir", "/d", "three slashes", ""},
		{"file:///srv/media?x=1", "/d", "no query", ""},
		{"file:relative", "/d", "absolute path", ""},
		{"s3://", "/d", "no bucket", ""},
		{"s3://?endpoint=http://127.0.0.1:9000", "/d", "no bucket", ""},
		{"s3://Bad_Bucket", "/d", "not a bucket name", ""},
		{"s3://AKIAXXXX:hunter2hunter2@bucket", "/d", "AWS_ACCESS_KEY_ID", "hunter2"},
		{"s3://bucket?secret_key=hunter2hunter2", "/d", `unknown parameter "secret_key"`, "hunter2"},
		{"s3://bucket/media", "/d", "?prefix=", ""},
		{"s3://bucket?key=v1/a.jpg", "/d", `unknown parameter "key"`, ""},
		{"s3://bucket?prefix=media", "/d", "prefix must be", ""},
		{"s3://bucket?prefix=../", "/d", "prefix must be", ""},
		{"s3://bucket?endpoint=ftp://127.0.0.1", "/d", "endpoint must be", ""},
		{"s3://bucket?endpoint=http://u:hunter2hunter2@127.0.0.1", "/d", "endpoint must be", "hunter2"},
		{"s3://bucket#frag", "/d", "no fragment", ""},
	} {
		_, err := Open(context.Background(), c.url, c.dataDir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q) = %v, want an error saying %q", c.url, err, c.want)
		}
		if c.secret != "" && err != nil && strings.Contains(err.Error(), c.secret) {
			t.Errorf("Open(%q): the error repeats the secret: %v", c.url, err)
		}
	}
}

func TestOpenFileStore(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ url, want string }{
		{"", filepath.Join(dir, "media")},
		{"file://" + filepath.Join(dir, "elsewhere"), filepath.Join(dir, "elsewhere")},
		{"file://localhost" + filepath.Join(dir, "local"), filepath.Join(dir, "local")},
	} {
		s, err := Open(context.Background(), c.url, dir)
		if err != nil {
			t.Fatalf("Open(%q): %v", c.url, err)
		}
		fs, ok := s.(*FileStore)
		if !ok || fs.root != c.want {
			t.Errorf("Open(%q) = %T at %v, want a FileStore at %s", c.url, s, fs, c.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]struct {
		edit func(*Config)
		ok   bool
	}{
		"Defaults":            {func(*Config) {}, true},
		"CDNBase":             {func(c *Config) { c.PublicBase = "https://cdn.example.com/media/" }, true},
		"CDNBaseWithoutSlash": {func(c *Config) { c.PublicBase = "https://cdn.example.com" }, false},
		"CDNBaseNotHTTP":      {func(c *Config) { c.PublicBase = "ftp://cdn.example.com/" }, false},
		"CDNBaseWithQuery":    {func(c *Config) { c.PublicBase = "https://cdn.example.com/?a=b" }, false},
		"CDNBaseWithUser":     {func(c *Config) { c.PublicBase = "https://u:p@cdn.example.com/" }, false},
		"ExpiryTooShort":      {func(c *Config) { c.URLExpiry = time.Second }, false},
		"ExpiryPastS3Limit":   {func(c *Config) { c.URLExpiry = 8 * 24 * time.Hour }, false},
		"NoCallTimeout":       {func(c *Config) { c.CallTimeout = 0 }, false},
		"TransferShorter":     {func(c *Config) { c.TransferTimeout = c.CallTimeout / 2 }, false},
	} {
		cfg := NewDefaultConfig(t.TempDir())
		c.edit(&cfg)
		if err := cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate() = %v, want ok %v", name, err, c.ok)
		}
	}
}
