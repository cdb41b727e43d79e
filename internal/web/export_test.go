package web

import "net/http"

// PagePatterns lists the patterns of every page, as registered by Handler,
// for the scope walk in package web_test.
func (s *Server) PagePatterns() []string { return s.pageRoutes().patterns }

// FailForTest renders err as a page would, for a visitor, in Spanish.
func FailForTest(w http.ResponseWriter, r *http.Request, err error) {
	s, e := New(Config{})
	if e != nil {
		panic(e)
	}
	s.fail(w, r, err)
}

// LocalPath is localPath, for the open-redirect table test.
var LocalPath = localPath
