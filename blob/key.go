package blob

import (
	"io/fs"
	"strings"

	"github.com/pinhole/pinhole"
)

// maxKeyLen is S3's limit on an object key, applied to every store so that
// a key good on disk is good in a bucket too.
const maxKeyLen = 1024

// validKey reports whether key is one every store accepts: a clean,
// relative, slash-separated path of printable UTF-8 ("v1/ab/ab12….jpg").
// Anything that could climb out of a directory or bucket prefix ("..",
// a leading "/", a backslash), empty path elements and control
// characters are refused, the same way by every store.
func validKey(key string) bool {
	if key == "" || key == "." || len(key) > maxKeyLen || strings.Contains(key, "..") || strings.HasPrefix(key, "/") || !fs.ValidPath(key) {
		return false
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return false
		}
	}
	return true
}

// Errors for keys that validKey refuses: reading one finds nothing,
// writing one is a bad request. Deleting one is a no-op.
func errBadKeyOpen() error { return pinhole.Errorf(pinhole.ENOTFOUND, "No such file.") }

func errBadKeyPut(key string) error {
	return pinhole.Errorf(pinhole.EINVALID, "%q is not a valid blob key.", truncate(key, 64))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
