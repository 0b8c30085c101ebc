package web

func (s *Server) appPageRoutes() {}
