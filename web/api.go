package web

import (
	"net/http"
)

// handlerFunc is a handler that returns its error for fail to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) h(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

func (s *Server) apiRoutes() {
	m := s.mux
	m.HandleFunc("POST /api/v1/apps", s.h(s.apiCreateApp))
	m.HandleFunc("GET /api/v1/apps/verify_credentials", s.h(s.apiVerifyApp))

	m.HandleFunc("POST /api/v1/accounts", s.h(s.apiSignup))
	m.HandleFunc("GET /api/v1/accounts/verify_credentials", s.h(s.apiVerifyCredentials))
	m.HandleFunc("PATCH /api/v1/accounts/update_credentials", s.h(s.apiUpdateCredentials))
	m.HandleFunc("GET /api/v1/accounts/lookup", s.h(s.apiLookup))
	m.HandleFunc("GET /api/v1/accounts/relationships", s.h(s.apiRelationships))
	m.HandleFunc("GET /api/v1/accounts/{id}", s.h(s.apiAccount))
	m.HandleFunc("GET /api/v1/accounts/{id}/statuses", s.h(s.apiAccountStatuses))
	m.HandleFunc("GET /api/v1/accounts/{id}/followers", s.h(s.apiFollowers))
	m.HandleFunc("GET /api/v1/accounts/{id}/following", s.h(s.apiFollowing))
	m.HandleFunc("POST /api/v1/accounts/{id}/follow", s.h(s.apiFollow))
	m.HandleFunc("POST /api/v1/accounts/{id}/unfollow", s.h(s.apiRelate(s.svc.Graph.Unfollow)))
	m.HandleFunc("POST /api/v1/accounts/{id}/block", s.h(s.apiRelate(s.svc.Graph.Block)))
	m.HandleFunc("POST /api/v1/accounts/{id}/unblock", s.h(s.apiRelate(s.svc.Graph.Unblock)))
	m.HandleFunc("GET /api/v1/follow_requests", s.h(s.apiFollowRequests))
	m.HandleFunc("POST /api/v1/follow_requests/{id}/authorize", s.h(s.apiRelate(s.svc.Graph.Authorize)))
	m.HandleFunc("POST /api/v1/follow_requests/{id}/reject", s.h(s.apiRelate(s.svc.Graph.Reject)))

	m.HandleFunc("POST /api/v2/media", s.h(s.apiUploadMedia))
	m.HandleFunc("POST /api/v1/media", s.h(s.apiUploadMedia))
	m.HandleFunc("GET /api/v1/media/{id}", s.h(s.apiMedia))
	m.HandleFunc("PUT /api/v1/media/{id}", s.h(s.apiUpdateMedia))

	m.HandleFunc("POST /api/v1/statuses", s.h(s.apiCreateStatus))
	m.HandleFunc("GET /api/v1/statuses/{id}", s.h(s.apiStatus))
	m.HandleFunc("DELETE /api/v1/statuses/{id}", s.h(s.apiDeleteStatus))
	m.HandleFunc("GET /api/v1/statuses/{id}/context", s.h(s.apiContext))
	m.HandleFunc("POST /api/v1/statuses/{id}/favourite", s.h(s.apiFavourite(true)))
	m.HandleFunc("POST /api/v1/statuses/{id}/unfavourite", s.h(s.apiFavourite(false)))
	m.HandleFunc("GET /api/v1/statuses/{id}/favourited_by", s.h(s.apiFavouritedBy))

	m.HandleFunc("GET /api/v1/timelines/home", s.h(s.apiHomeTimeline))
	s.notificationRoutes()
	s.discoveryRoutes()
	s.streamingRoutes()

	m.HandleFunc("GET /api/v1/instance", s.h(s.apiInstanceV1))
	m.HandleFunc("GET /api/v2/instance", s.h(s.apiInstanceV2))
	m.HandleFunc("GET /api/v1/custom_emojis", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, []any{}) })
	m.HandleFunc("/api/", s.h(func(w http.ResponseWriter, r *http.Request) error {
		return errNoRoute(r)
	}))
}
