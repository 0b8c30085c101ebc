package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyViewer
	keyCSRF
)

// viewer is who is making the request.
type viewer struct {
	Token   *pinhole.Token
	Account *pinhole.Account // nil for app-only tokens and logged-out visitors
	Session string           // the session secret, for web pages
}

func viewerOf(r *http.Request) *viewer {
	v, _ := r.Context().Value(keyViewer).(*viewer)
	if v == nil {
		return &viewer{}
	}
	return v
}

// accountID returns the logged-in account's ID, or 0.
func (v *viewer) accountID() pinhole.ID {
	if v.Account == nil {
		return 0
	}
	return v.Account.ID
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		h := sw.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:"+s.mediaSource()+"; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		if strings.HasPrefix(s.cfg.PublicURL, "https://") {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					s.fail(sw, r, fmt.Errorf("panic: %v", p))
				}
			}
			if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
				attrs := []any{"request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status, "bytes", sw.bytes, "dur_ms", time.Since(start).Milliseconds()}
				if v := viewerOf(r); v.Account != nil {
					attrs = append(attrs, "user_id", v.Account.ID)
				}
				s.log.DebugContext(ctx, "request", attrs...)
			}
		}()
		v, err := s.identify(r)
		if err != nil {
			s.fail(sw, r, err)
			return
		}
		if s.readsPrimary(r, v) {
			ctx = s.fresh(ctx, v) // read-your-writes, see fresh.go
		}
		ctx = context.WithValue(ctx, keyViewer, v)
		if !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/media/") && !strings.HasPrefix(r.URL.Path, "/static/") {
			ctx = context.WithValue(ctx, keyCSRF, s.ensureCSRF(sw, r))
		}
		r = r.WithContext(ctx)
		out := s.recordWrites(sw, r, v)
		if wantsIdempotency(r) {
			s.idempotent(out, r, next)
			return
		}
		next.ServeHTTP(out, r)
	})
}

const sessionCookie = "pinhole_session"

// identify finds who is calling: a bearer token for the API (header, query
// parameter, or WebSocket protocol), the session cookie for pages. A
// presented but invalid bearer token is an error; a stale cookie is not.
func (s *Server) identify(r *http.Request) (*viewer, error) {
	api := strings.HasPrefix(r.URL.Path, "/api/")
	if api {
		tok := ""
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, rest, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "Authorization must be a Bearer token.")
			}
			tok = strings.TrimSpace(rest)
		} else if q := r.URL.Query().Get("access_token"); q != "" {
			tok = q
		}
		if tok == "" {
			return &viewer{}, nil
		}
		t, a, err := s.svc.Identity.Authenticate(r.Context(), tok)
		if err != nil {
			return nil, err
		}
		return &viewer{Token: t, Account: a}, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return &viewer{}, nil
	}
	t, a, err := s.svc.Identity.Authenticate(r.Context(), c.Value)
	if pinhole.ErrorCode(err) == pinhole.EUNAUTHORIZED || (err == nil && (a == nil || t.AppID != 0)) {
		return &viewer{}, nil
	} else if err != nil {
		return nil, err
	}
	return &viewer{Token: t, Account: a, Session: c.Value}, nil
}

// clientIP is the caller's address for rate limits.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requireAccount returns the logged-in account with the scope, or fails.
func requireAccount(r *http.Request, scope string) (*pinhole.Account, error) {
	v := viewerOf(r)
	if v.Token == nil {
		return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "The access token is invalid.")
	}
	if v.Account == nil {
		return nil, pinhole.Errorf(pinhole.EUNAUTHORIZED, "This method requires an authenticated user.")
	}
	if scope != "" && !v.Token.HasScope(scope) {
		return nil, pinhole.Errorf(pinhole.EFORBIDDEN, "This action is outside the authorized scopes (needs %s).", scope)
	}
	return v.Account, nil
}
