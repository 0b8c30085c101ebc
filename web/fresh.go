package web

import (
	"context"
	"net/http"

	"github.com/pinhole/pinhole"
)

// Read-your-writes with read replicas (DESIGN §3). Stale-tolerant reads go
// to replicas, which lag the primaries by a moment; a member must still
// see what they just did, whichever node serves their next request. So:
//
//   - a request that changes something reads from the primaries (what it
//     checks before writing must be current);
//   - a successful change records the member's write in the shared
//     WriteClock before its response goes out, so the member's next
//     request cannot outrun the record;
//   - every request of a member who wrote within FreshFor reads from the
//     primaries.
//
// Other members see the change once the replicas have it.

// mutating reports whether a request method changes state.
func mutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// readsPrimary reports whether a request must read from the primaries.
func (s *Server) readsPrimary(r *http.Request, v *viewer) bool {
	if s.svc.WriteClock == nil {
		return false
	}
	if mutating(r.Method) {
		return true
	}
	if v.Account == nil || s.cfg.FreshFor <= 0 {
		return false
	}
	last, err := s.svc.WriteClock.LastWrite(r.Context(), v.Account.ID)
	if err != nil {
		// Unsure: reading from the primary is slower but right.
		s.log.WarnContext(r.Context(), "write clock: last write", "user_id", v.Account.ID, "err", err)
		return true
	}
	return !last.IsZero() && s.now().Sub(last) < s.cfg.FreshFor
}

// fresh prepares a request of a member who must read their own writes:
// the context reads from the primaries, past the caches
// (pinhole.WithFreshReads), and the viewer's own account, which identify
// may have read from a replica or a cache, is read again.
func (s *Server) fresh(ctx context.Context, v *viewer) context.Context {
	ctx = pinhole.WithFreshReads(ctx)
	if v.Account != nil {
		if a, err := s.svc.Identity.Account(ctx, v.Account.ID); err == nil {
			v.Account = a
		}
	}
	return ctx
}

// recordWrites wraps w so that a successful response to a mutating request
// by a member records their write before the status line goes out.
func (s *Server) recordWrites(w http.ResponseWriter, r *http.Request, v *viewer) http.ResponseWriter {
	if s.svc.WriteClock == nil || v.Account == nil || !mutating(r.Method) {
		return w
	}
	id := v.Account.ID
	return &wroteWriter{ResponseWriter: w, record: func() {
		if err := s.svc.WriteClock.Wrote(r.Context(), id, s.now()); err != nil {
			s.log.ErrorContext(r.Context(), "write clock: record write", "user_id", id, "err", err)
		}
	}}
}

// wroteWriter calls record once, before the first final status below 400
// is written.
type wroteWriter struct {
	http.ResponseWriter
	record func()
	done   bool
}

func (w *wroteWriter) check(code int) {
	if w.done || code < 200 { // informational responses are not the answer
		return
	}
	w.done = true
	if code < 400 {
		w.record()
	}
}

func (w *wroteWriter) WriteHeader(code int) {
	w.check(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *wroteWriter) Write(b []byte) (int, error) {
	w.check(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Flush sends an implicit 200, so it counts as the answer too.
func (w *wroteWriter) Flush() {
	w.check(http.StatusOK)
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *wroteWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
