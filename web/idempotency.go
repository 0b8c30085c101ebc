package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pinhole/pinhole"
)

// Idempotency-Key (Stripe's scheme) on mutating API requests: a retry with
// the same key gets the first response again and changes nothing; the
// same key with another request is refused (422); a duplicate that
// arrives while the first is still running gets 409.

const maxIdempotencyKey = 255

func wantsIdempotency(r *http.Request) bool {
	if r.Header.Get("Idempotency-Key") == "" || !strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// idempotent runs next at most once per member and key.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, next http.Handler) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		s.fail(w, r, pinhole.Errorf(pinhole.EINVALID, "Idempotency-Key must be 1 to %d visible ASCII characters.", maxIdempotencyKey))
		return
	}
	me := viewerOf(r).Account
	if me == nil || s.svc.Idempotency == nil {
		next.ServeHTTP(w, r) // anonymous requests have no key space; the handler refuses them
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxPostBytes))
	if err != nil {
		s.fail(w, r, bodyError(err, "request body"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.runOnce(w, r, me.ID, "api:"+key, requestHash(r, body), next)
}

// runOnce runs next once for a member's key: a repeat with the same hash
// gets the stored response, a different hash 422, a concurrent repeat 409.
func (s *Server) runOnce(w http.ResponseWriter, r *http.Request, account pinhole.ID, key string, hash []byte, next http.Handler) {
	ctx := r.Context()
	prev, err := s.svc.Idempotency.BeginIdempotent(ctx, &pinhole.IdempotencyRecord{AccountID: account, Key: key, RequestHash: hash, CreatedAt: s.now().UTC()})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if prev != nil {
		switch {
		case !bytes.Equal(prev.RequestHash, hash):
			s.fail(w, r, pinhole.Errorf(pinhole.EINVALID, "This Idempotency-Key was already used for a different request; use a new key."))
		case prev.State != pinhole.IdempotencyDone:
			w.Header().Set("Retry-After", "1")
			s.fail(w, r, pinhole.Errorf(pinhole.ECONFLICT, "A request with this Idempotency-Key is still being processed; retry shortly."))
		default:
			replay(w, prev)
		}
		return
	}
	rec := &recorder{ResponseWriter: w, header: http.Header{}}
	next.ServeHTTP(rec, r)
	if rec.status >= 500 || rec.status == 0 {
		// A failure a retry may fix: release the key.
		_ = s.svc.Idempotency.AbandonIdempotent(ctx, account, key)
		return
	}
	hdr, _ := json.Marshal(map[string]string{"Content-Type": w.Header().Get("Content-Type"), "Link": w.Header().Get("Link"), "Location": w.Header().Get("Location")})
	if err := s.svc.Idempotency.FinishIdempotent(ctx, account, key, rec.status, string(hdr), rec.body.Bytes()); err != nil {
		s.log.ErrorContext(ctx, "idempotency: store response", "err", err)
	}
}

func replay(w http.ResponseWriter, rec *pinhole.IdempotencyRecord) {
	var hdr map[string]string
	_ = json.Unmarshal([]byte(rec.Header), &hdr)
	for k, v := range hdr {
		if v != "" {
			w.Header().Set(k, v)
		}
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Set("Content-Length", strconv.Itoa(len(rec.Body)))
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}

// recorder passes a response through while keeping a copy.
type recorder struct {
	http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// requestHash names a request by what it asks for: method, path, query
// and body. A multipart body is reduced to its fields and files, since a
// client may pick a new boundary when it retries.
func requestHash(r *http.Request, body []byte) []byte {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n")
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	io.WriteString(h, ct+"\n")
	if ct == "multipart/form-data" && params["boundary"] != "" {
		if parts, err := multipartDigest(body, params["boundary"]); err == nil {
			for _, p := range parts {
				io.WriteString(h, p+"\n")
			}
			return h.Sum(nil)
		}
	}
	h.Write(body)
	return h.Sum(nil)
}

func multipartDigest(body []byte, boundary string) ([]string, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var out []string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		sum := sha256.New()
		if _, err := io.Copy(sum, p); err != nil {
			return nil, err
		}
		out = append(out, p.FormName()+"\x00"+p.FileName()+"\x00"+string(sum.Sum(nil)))
	}
	sort.Strings(out)
	return out, nil
}

// onceForm makes a page form that creates something safe to submit twice
// (a double click, a reload): each rendering of the form carries a
// one-time form_token; the second submission of a token gets the first
// one's answer (usually a redirect to what it created) and creates
// nothing.
func (s *Server) onceForm(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me := viewerOf(r).Account
		if me == nil || s.svc.Idempotency == nil {
			next(w, r)
			return
		}
		if _, err := s.parseFormUpTo(w, r, s.cfg.MaxPostBytes); err != nil {
			next(w, r) // the handler reports the form's problem
			return
		}
		token := r.PostFormValue("form_token")
		if token == "" || len(token) > 64 {
			next(w, r)
			return
		}
		sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path))
		s.runOnce(w, r, me.ID, "form:"+token, sum[:], next)
	}
}
