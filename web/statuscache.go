package web

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strconv"

	"github.com/pinhole/pinhole/posts"
)

// statusKey names one rendering of a status: the post, whether the viewer
// liked it, and a fingerprint of everything else the JSON shows that can
// change (counts, the author's profile, alt texts). A changed input makes a
// new key, so a cached rendering is never stale; old ones age out.
type statusKey struct {
	id    int64
	liked bool
	print uint64
}

func statusFingerprint(v *posts.View) uint64 {
	h := fnv.New64a()
	var b [8]byte
	num := func(n int64) {
		binary.LittleEndian.PutUint64(b[:], uint64(n))
		h.Write(b[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		h.Write([]byte(s))
	}
	p, a := v.Post, v.Author
	num(p.LikesCount)
	num(p.RepliesCount)
	num(int64(a.ID))
	num(a.FollowersCount)
	num(a.FollowingCount)
	num(a.PostsCount)
	num(a.LastPostAt.UnixMilli())
	num(int64(a.AvatarMediaID))
	str(a.DisplayName)
	str(a.Bio)
	if a.Locked {
		num(1)
	}
	for _, m := range p.Media {
		str(m.Description)
		str(m.State)
	}
	for name, acc := range v.Mentioned {
		str(name)
		num(int64(acc.ID))
	}
	return h.Sum64()
}

// statusBytes returns the status's JSON, rendered once per key.
func (s *Server) statusBytes(v *posts.View) []byte {
	k := statusKey{id: int64(v.Post.ID), liked: v.Liked, print: statusFingerprint(v)}
	if b, ok := s.rendered.Get(k); ok {
		return b
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s.statusEntity(v)) // plain structs of strings and numbers: cannot fail
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	s.rendered.Set(k, b)
	return b
}

// writeStatuses writes a JSON array of statuses from cached renderings.
func (s *Server) writeStatuses(w http.ResponseWriter, views []*posts.View) {
	parts := make([][]byte, len(views))
	n := 2
	for i, v := range views {
		parts[i] = s.statusBytes(v)
		n += len(parts[i]) + 1
	}
	out := make([]byte, 0, n+1)
	out = append(out, '[')
	for i, p := range parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, p...)
	}
	out = append(out, ']', '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}
