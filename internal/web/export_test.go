package web

// PagePatterns lists the patterns of every page, as registered by Handler,
// for the scope walk in package web_test.
func (s *Server) PagePatterns() []string { return s.pageRoutes().patterns }
