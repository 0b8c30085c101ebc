package blob

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	gcblob "gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // registers s3:// with the Go CDK
)

// Config says where media bytes live and how they are reached.
type Config struct {
	// URL names the store: "" or "file:///abs/dir" for a FileStore (""
	// is DataDir/media), or a Go CDK S3 URL such as
	// "s3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1&use_path_style=true"
	// ("prefix=media/" keeps every key under a folder). Credentials never
	// go in the URL: the AWS SDK's usual sources (AWS_ACCESS_KEY_ID and
	// AWS_SECRET_ACCESS_KEY, a profile, an instance role) supply them.
	URL     string
	DataDir string

	// PublicBase, when set, is where a CDN (or a public bucket) serves
	// the objects: a blob's URL is PublicBase followed by its key, so the
	// base must end with "/" and include any prefix. When empty, blobs
	// are reached through presigned GET URLs valid for URLExpiry.
	PublicBase string
	URLExpiry  time.Duration

	CallTimeout     time.Duration // each metadata call: stat, delete, list
	TransferTimeout time.Duration // a whole upload, or a whole read of one range
}

// NewDefaultConfig returns the defaults: media on local disk under
// dataDir/media.
func NewDefaultConfig(dataDir string) Config {
	return Config{
		DataDir:         dataDir,
		URLExpiry:       15 * time.Minute,
		CallTimeout:     10 * time.Second,
		TransferTimeout: 5 * time.Minute,
	}
}

// Validate checks the settings without opening anything.
func (c Config) Validate() error {
	if _, err := parseURL(c.URL, c.DataDir); err != nil {
		return err
	}
	if c.PublicBase != "" {
		u, err := url.Parse(c.PublicBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !strings.HasSuffix(u.Path, "/") {
			return fmt.Errorf("blob: public base %q must be an http(s) URL ending with / and without credentials, query or fragment", c.PublicBase)
		}
	}
	switch {
	case c.URLExpiry < time.Minute || c.URLExpiry > 7*24*time.Hour:
		return fmt.Errorf("blob: signed URL expiry must be between a minute and seven days (S3's limit)")
	case c.CallTimeout < time.Second || c.TransferTimeout < c.CallTimeout:
		return fmt.Errorf("blob: call timeout must be at least a second, and the transfer timeout at least as long")
	}
	return nil
}

// s3Params are the query parameters of an s3:// URL: the Go CDK's own
// (gocloud.dev/aws and s3blob) less "key". Anything else is refused
// before the URL reaches the CDK, whose errors quote the whole URL.
var s3Params = map[string]bool{
	"endpoint": true, "region": true, "use_path_style": true, "s3ForcePathStyle": true,
	"disable_https": true, "prefix": true, "hostname_immutable": true, "profile": true,
	"dualstack": true, "fips": true, "rate_limiter_capacity": true, "anonymous": true,
	"role": true, "accelerate": true, "ssetype": true, "kmskeyid": true,
	"request_checksum_calculation": true, "response_checksum_validation": true,
}

var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// location is a parsed store URL: a directory or a Go CDK bucket URL.
type location struct {
	dir    string // FileStore root
	bucket string // Go CDK URL, credentials-free
}

// parseURL checks a store URL and says what it names. Errors never echo
// user information, in case a secret was pasted there.
func parseURL(raw, dataDir string) (location, error) {
	if raw == "" {
		if dataDir == "" {
			return location{}, fmt.Errorf("blob: no URL and no data directory to keep media in")
		}
		return location{dir: filepath.Join(dataDir, "media")}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return location{}, fmt.Errorf("blob: URL is not a valid URL (want file:///dir or s3://bucket?…)")
	}
	if u.User != nil {
		return location{}, fmt.Errorf("blob: credentials do not belong in the %s:// URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead", u.Scheme)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return location{}, fmt.Errorf("blob: %s: a file URL names a local directory: file:///abs/dir (three slashes)", raw)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return location{}, fmt.Errorf("blob: %s: a file URL takes no query or fragment", raw)
		}
		if !filepath.IsAbs(u.Path) {
			return location{}, fmt.Errorf("blob: %s: a file URL needs an absolute path", raw)
		}
		return location{dir: filepath.Clean(u.Path)}, nil
	case "s3":
		if u.Host == "" {
			return location{}, fmt.Errorf("blob: s3 URL names no bucket: want s3://bucket?endpoint=…&region=…")
		}
		if u.Path != "" && u.Path != "/" {
			return location{}, fmt.Errorf("blob: s3://%s: keys under a folder are set with ?prefix=folder/, not a path", u.Host)
		}
		if u.Fragment != "" {
			return location{}, fmt.Errorf("blob: s3://%s: an s3 URL takes no fragment", u.Host)
		}
		if !bucketName.MatchString(u.Host) {
			return location{}, fmt.Errorf("blob: %q is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)", u.Host)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return location{}, fmt.Errorf("blob: s3://%s: the query is not valid", u.Host)
		}
		for name := range q {
			if !s3Params[name] {
				return location{}, fmt.Errorf("blob: s3://%s: unknown parameter %q (known: endpoint, region, use_path_style, disable_https, prefix, profile, …)", u.Host, name)
			}
		}
		if p := q.Get("prefix"); p != "" && (!strings.HasSuffix(p, "/") || !validKey(strings.TrimSuffix(p, "/"))) {
			return location{}, fmt.Errorf("blob: s3://%s: prefix must be a clean folder ending with /", u.Host)
		}
		if ep := q.Get("endpoint"); ep != "" {
			e, err := url.Parse(ep)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.User != nil {
				return location{}, fmt.Errorf("blob: s3://%s: endpoint must be an http(s) URL without credentials", u.Host)
			}
		}
		u.Path = ""
		return location{bucket: u.String()}, nil
	case "":
		return location{}, fmt.Errorf("blob: %q has no scheme: want file:///dir or s3://bucket?…", raw)
	default:
		return location{}, fmt.Errorf("blob: unknown scheme %q: want file or s3", u.Scheme)
	}
}

// Open opens the store a URL names with the default settings: a FileStore
// for "" (dataDir/media) or file:///dir, a CDKStore for s3://bucket?….
// A CDKStore holds connections: close it (it is an io.Closer) when done.
func Open(ctx context.Context, rawURL, dataDir string) (pinhole.BlobStore, error) {
	cfg := NewDefaultConfig(dataDir)
	cfg.URL = rawURL
	return OpenConfig(ctx, cfg)
}

// OpenConfig opens the store cfg names. For a bucket it checks that the
// bucket is there and answers, so a wrong name or endpoint fails at start
// rather than on the first upload.
func OpenConfig(ctx context.Context, cfg Config) (pinhole.BlobStore, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	loc, _ := parseURL(cfg.URL, cfg.DataDir)
	if loc.dir != "" {
		return NewFileStore(loc.dir)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.CallTimeout)
	defer cancel()
	b, err := gcblob.OpenBucket(ctx, loc.bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", loc.bucket, err)
	}
	ok, err := b.IsAccessible(ctx)
	if err != nil || !ok {
		b.Close()
		if err == nil {
			return nil, fmt.Errorf("blob: bucket %s does not exist", loc.bucket)
		}
		return nil, fmt.Errorf("blob: bucket %s is not reachable: %w", loc.bucket, err)
	}
	return NewCDKStore(b, cfg), nil
}
