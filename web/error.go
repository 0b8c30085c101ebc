package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/pinhole/pinhole"
)

var codeStatus = map[string]int{
	pinhole.EBADREQUEST:   http.StatusBadRequest,
	pinhole.ECONFLICT:     http.StatusConflict,
	pinhole.EINVALID:      http.StatusUnprocessableEntity,
	pinhole.ENOTFOUND:     http.StatusNotFound,
	pinhole.EUNAUTHORIZED: http.StatusUnauthorized,
	pinhole.EFORBIDDEN:    http.StatusForbidden,
	pinhole.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	pinhole.ERATELIMITED:  http.StatusTooManyRequests,
	pinhole.EUNAVAILABLE:  http.StatusServiceUnavailable,
	pinhole.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	pinhole.EINTERNAL:     http.StatusInternalServerError,
}

// statusOf maps an error to its HTTP status.
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	if st, ok := codeStatus[pinhole.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// fail is the one place errors are rendered: JSON for the API, the error
// page for browsers. Internal errors are logged once with the request's
// IDs and shown only as a generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := pinhole.ErrorMessage(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		msg = "The request body is larger than " + strconv.FormatInt(mbe.Limit>>10, 10) + " KiB."
	}
	if status >= 500 && pinhole.ErrorCode(err) == pinhole.EINTERNAL {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var e *pinhole.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
	}
	if wantsJSON(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	s.renderPage(w, r, status, "error", pageData{Title: http.StatusText(status), Error: msg, Status: status})
}

// wantsJSON reports whether the client is an API client.
func wantsJSON(r *http.Request) bool {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") || p == "/oauth/token" || p == "/oauth/revoke" {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
