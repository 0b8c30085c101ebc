package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Signer signs and checks on-demand image URLs the way imgproxy does: the
// signature is the URL-safe base64 of HMAC-SHA256 over the rest of the
// path. Several keys verify at once so a key can be rotated: add the new
// one first (it signs), keep the old one until cached pages expire.
type Signer struct {
	keys [][]byte
}

// Sign returns the signature of path with the newest key.
func (s *Signer) Sign(path string) string {
	return base64.RawURLEncoding.EncodeToString(mac(s.keys[0], path))
}

// Verify reports whether sig signs path under any key, comparing in
// constant time.
func (s *Signer) Verify(sig, path string) bool {
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	ok := false
	for _, k := range s.keys {
		// No early return: the time taken does not tell which key matched.
		if hmac.Equal(got, mac(k, path)) {
			ok = true
		}
	}
	return ok
}

func mac(key []byte, path string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(path))
	return h.Sum(nil)
}
