package web

func (s *Server) pageRoutes() {
	m := s.mux
	m.HandleFunc("GET /login", s.pageLogin)
	m.HandleFunc("POST /login", s.postLogin)
	m.HandleFunc("GET /signup", s.pageSignup)
	m.HandleFunc("POST /signup", s.postSignup)
	m.HandleFunc("POST /logout", s.postLogout)
	m.HandleFunc("GET /avatars/{id}", s.handleAvatar)
	s.adminPageRoutes()
	s.appPageRoutes()
}
