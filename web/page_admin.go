package web

import (
	"net/http"
	"strconv"

	"github.com/pinhole/pinhole"
)

func (s *Server) adminPageRoutes() {
	s.mux.HandleFunc("GET /admin/dead-letters", s.pageDeadLetters)
	s.mux.HandleFunc("POST /admin/dead-letters/{seq}/retry", s.postRetryDeadLetter)
}

// requireAdmin answers 404 to everyone but admins: the admin pages' very
// existence is nobody else's business.
func requireAdmin(r *http.Request) error {
	if me := viewerOf(r).Account; me == nil || !me.Admin {
		return pinhole.Errorf(pinhole.ENOTFOUND, "Page not found.")
	}
	return nil
}

func (s *Server) pageDeadLetters(w http.ResponseWriter, r *http.Request) {
	if err := requireAdmin(r); err != nil {
		s.fail(w, r, err)
		return
	}
	dead, err := s.svc.DeadLetters.ListDeadLetters(r.Context(), 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	notice := ""
	if r.URL.Query().Get("retried") != "" {
		notice = "Handed back to its consumer."
	}
	s.renderPage(w, r, http.StatusOK, "admin", pageData{Title: "Dead letters", Data: dead, Notice: notice})
}

func (s *Server) postRetryDeadLetter(w http.ResponseWriter, r *http.Request) {
	if err := requireAdmin(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		s.fail(w, r, pinhole.Errorf(pinhole.ENOTFOUND, "No such dead letter."))
		return
	}
	if err := s.svc.DeadLetters.RetryDeadLetter(r.Context(), seq); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/dead-letters?retried=1", http.StatusSeeOther)
}
