package web

import (
	"net/http"
	"strings"
)

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

// OtherLanguage returns the phrases of the other language that text, read
// on a page in lang, contains (the browser walk's check of one language per
// page; see onelang_test.go).
func OtherLanguage(lang, text string) []string {
	phrases, err := distinctivePhrases()
	if err != nil {
		panic(err)
	}
	text = strings.ToLower(strings.Join(strings.Fields(text), " "))
	var out []string
	for _, p := range phrases[lang] {
		if strings.Contains(text, p) {
			out = append(out, p)
		}
	}
	return out
}
