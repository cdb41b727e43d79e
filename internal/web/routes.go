package web

import (
	"net/http"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/observe"
)

// csp allows only the binary's own scripts, styles and images (Bootstrap's
// form controls use data: SVG images): no inline script or style, no
// framing, forms post only here.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler returns the web application: the static files, and the pages
// behind security headers, CSRF protection and the session.
func (s *Server) Handler() http.Handler {
	pages := s.pageRoutes()

	// Every state-changing request (any method but GET, HEAD, OPTIONS) from
	// another origin is refused: browsers say where a request comes from
	// (Sec-Fetch-Site, Origin). SameSite=Lax cookies back this up.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, fosis.HTTPStatus(fosis.EFORBIDDEN), "error", errorData{Message: "error.crossorigin"})
	}))

	mux := http.NewServeMux()
	mux.Handle("GET /static/{hash}/{name...}", s.assets)
	mux.Handle("/", s.withSession(csrf.Handler(pages)))
	return s.recoverer(securityHeaders(mux, s.cfg.SecureCookies))
}

// routeMux is the pages' mux. It remembers the patterns registered on it, so
// that the scope walk (scope_walk_test.go) visits every page, including the
// ones added later.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

// HandleFunc registers h for pattern, like http.ServeMux's.
func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		observe.Route(r) // the metrics count the page by its pattern
		h(w, r)
	})
}

// pageRoutes registers every page.
func (s *Server) pageRoutes() *routeMux {
	pages := &routeMux{ServeMux: http.NewServeMux()}
	pages.HandleFunc("GET /{$}", s.requireUser(s.home))
	pages.HandleFunc("GET /signin", s.signinForm)
	pages.HandleFunc("POST /signin", s.signin)
	pages.HandleFunc("POST /signout", s.signout)
	pages.HandleFunc("POST /lang", s.setLang)
	pages.HandleFunc("GET /search", s.requireUser(s.search))
	pages.HandleFunc("GET /households/{id}", s.requireUser(s.household))
	pages.HandleFunc("GET /communes", s.requireUser(s.communePicked))
	pages.HandleFunc("GET /communes/{code}", s.requireUser(s.commune))
	pages.HandleFunc("GET /runs", s.requireUser(s.runs))
	pages.HandleFunc("GET /runs/{id}", s.requireUser(s.run))
	s.scoringRoutes(pages)
	pages.HandleFunc("GET /admin/users", s.requireUser(s.users))
	pages.HandleFunc("POST /admin/users", s.requireUser(s.createUser))
	pages.HandleFunc("POST /admin/users/{id}/active", s.requireUser(s.setActive))
	pages.HandleFunc("POST /admin/users/{id}/role", s.requireUser(s.setRole))
	pages.HandleFunc("POST /admin/users/{id}/password", s.requireUser(s.resetPassword))
	pages.HandleFunc("GET /admin/tokens", s.requireUser(s.tokens))
	pages.HandleFunc("POST /admin/tokens/{id}/revoke", s.requireUser(s.revokeToken))
	pages.HandleFunc("GET /audit", s.requireUser(s.auditList))
	pages.HandleFunc("POST /audit/verify", s.requireUser(s.auditVerify))
	s.importRoutes(pages)
	s.programRoutes(pages)
	s.programEditRoutes(pages)
	s.changesRoutes(pages)
	s.cooperationRoutes(pages)
	s.casesRoutes(pages)
	s.directoryRoutes(pages)
	s.trainingRoutes(pages)
	s.fundsRoutes(pages)
	s.portalRoutes(pages)
	s.fundsPaymentRoutes(pages)
	s.microcreditRoutes(pages)
	s.resultsRoutes(pages)
	s.fundsParticipantRoutes(pages) // funds_participants.go
	pages.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), "error", errorData{Message: "error.notfound"})
	})
	return pages
}

// securityHeaders sets the headers of every answer; hsts adds
// Strict-Transport-Security, for a site reached over HTTPS only
