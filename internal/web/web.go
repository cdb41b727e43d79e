// Package web is fosis's server-rendered web application: html/template
// pages in Spanish and English over the slices, with server-side sessions,
// CSRF protection and strict security headers. Handlers parse the request,
// call a slice as the signed-in user (the slice enforces the user's scope)
// and render a page.
//
// To add a page: write templates/<page>.html (defining "title" and
// "content"; it is rendered inside templates/layout.html), add a handler and
// its route in (*Server).Handler, put every text in the catalogs,
// i18n/es/<feature>.json and i18n/en/<feature>.json, and use it with
// {{t "key"}}, and add a case to the template test with representative data
// (TestTemplates fails for a page without one).
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/knowledge"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/jobs"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/targeting"
)

// Config is what New needs. DB keeps the sessions.
type Config struct {
	DB        *db.DB
	Registry  *registry.Store
	Targeting *targeting.Store
	Programs  *programs.Store
	Users     *auth.Store
	Log       *slog.Logger
	// SecureCookies marks the session cookie Secure on every request, for
	// deployments behind a TLS-terminating proxy; it is always Secure on
	// requests that arrive over TLS.
	SecureCookies bool
	// PageSize is the number of rows of a listing page (50 if zero).
	PageSize int
	// Jobs runs imports in the background.
	Jobs *jobs.Tracker
	// UploadDir is where uploaded extracts wait for their import (the
	// system's temporary folder if empty); MaxUpload bounds an upload, in
	// bytes (4 GiB if zero).
	UploadDir string
	MaxUpload int64
	// Clock is the time (time.Now if nil), for tests of the idle timeout.
	Clock func() time.Time

	// Cooperation serves /cooperation and Knowledge /knowledge (nil: those
	// pages answer 404).
	Cooperation *cooperation.Store
	Knowledge   *knowledge.Store

	// Delivery serves /cases and /sessions (nil: those pages answer 404).
	Delivery *delivery.Store
	// Funds serves /funds, the budget execution (nil: it answers 404).
	Funds *funds.Store

	// Portal serves the citizen portal (/portal) and PortalOIDC signs
	// people in to it (nil: the portal says it is not available);
	// PortalOIDCName is the provider's name people know (ClaveÚnica).
	Portal         *portal.Store
	PortalOIDC     *portal.Provider
	PortalOIDCName string
	// PortalRate limits how often a person, and an address, may apply and
	// download statements in the portal (zero: the defaults, portal_limits.go).
	PortalRate PortalRate
	// Results serves /results/…: coverage, focalisation and indicators
	// (nil: those pages answer 404).
	Results *results.Store
}

// Server is the web application.
type Server struct {
	cfg      Config
	log      *slog.Logger
	msgs     catalog
	assets   *assets
	pages    map[string]map[string]*template.Template // lang → page → template
	store    *sessionStore
	sessions [2]*scs.SessionManager // plain, secure
	now      func() time.Time
	limits   rateLimiter // the portal's, per person and per address
}

//go:embed templates
var templateFS embed.FS

// pageNames lists the pages: every templates/<page>.html but the layout,
// each rendered inside layout.html.
func pageNames() ([]string, error) {
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".html"); ok && !e.IsDir() && name != "layout" {
			names = append(names, name)
		}
	}
	return names, nil
}

// pageEnums are the registry's code words the pages show, by the name
// templates give them: {{code "zone" .Zone}} shows the catalog message
// code.zone.<word> (TestCatalogs requires one for every word).
var pageEnums = map[string]registry.Enum{
	"zone":       registry.Zone,
	"tenure":     registry.Tenure,
	"condition":  registry.Condition,
	"water":      registry.Water,
	"sanitation": registry.Sanitation,
	"relation":   registry.Relation,
	"sex":        registry.Sex,
}

// New parses the templates and catalogs (an error here is a bug in them).
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, log: cfg.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.msgs, err = loadCatalog(); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	names, err := pageNames()
	if err != nil {
		return nil, err
	}
	if s.pages, err = s.parsePages(names, true); err != nil {
		return nil, err
	}
	s.now = cfg.Clock
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.Jobs == nil {
		s.cfg.Jobs = jobs.New(50, nil, s.log)
	}
	s.store = &sessionStore{rows: auth.NewSessions(cfg.DB, time.Now), users: cfg.Users}
	s.sessions[0], s.sessions[1] = newSessions(s.store, s.log)
	return s, nil
}

// parsePages parses every page, each with the layout and the partials, once
// per language; resolve writes the static calls in (resolveStatic).
func (s *Server) parsePages(names []string, resolve bool) (map[string]map[string]*template.Template, error) {
	shared, err := fs.Glob(templateFS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]map[string]*template.Template{}
	for _, lang := range Languages {
		pages[lang] = map[string]*template.Template{}
		for _, page := range names {
			t := template.New("layout.html").Funcs(s.funcs(lang))
			for _, file := range append(append([]string{"templates/layout.html"}, shared...), "templates/"+page+".html") {
				b, err := fs.ReadFile(templateFS, file)
				if err != nil {
					return nil, err
				}
				src := string(b)
				if resolve {
					src = s.resolveStatic(lang, src)
				}
				into := t // the layout is t itself; the others are associated with it
				if file != "templates/layout.html" {
					into = t.New(path.Base(file))
				}
				if _, err := into.Parse(src); err != nil {
					return nil, fmt.Errorf("%s: %w", file, err)
				}
			}
			pages[lang][page] = t
		}
	}
	return pages, nil
}

// staticCall is a template action that calls t with a literal key and
// nothing else ({{t "nav.search"}}), or asset with a literal name.
var staticCall = regexp.MustCompile(`\{\{(t|asset) "([A-Za-z0-9_./-]+)"\}\}`)

// resolveStatic writes into a template's source, for one language, what its
// static calls would print: the message of {{t "key"}}, HTML-escaped, and
// the URL of {{asset "name"}}. Each page is parsed once per language, so
// the result is the same page, but a page view no longer makes a function
// call and an escaper call for each of the tens of fixed labels on a page
// (they were most of the time html/template spent on the household page).
// A message that holds template delimiters, or a key the catalog lacks
// (TestCatalogs fails on those), is left as a call.
func (s *Server) resolveStatic(lang, src string) string {
	return staticCall.ReplaceAllStringFunc(src, func(call string) string {
		m := staticCall.FindStringSubmatch(call)
		switch m[1] {
		case "t":
			msg, ok := s.msgs[lang][m[2]]
			if !ok || strings.Contains(msg, "{{") || strings.Contains(msg, "}}") {
				return call
			}
			return html.EscapeString(msg)
		default:
			u, err := s.assets.url(m[2])
			if err != nil {
				return call // executing the call reports the missing file
			}
			return html.EscapeString(u)
		}
	})
}

// funcs are the template functions, bound to one language.
func (s *Server) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":            func(key string, args ...any) string { return s.msgs.T(lang, key, args...) },
		"say":          func(v any) string { return s.msgs.sayAny(lang, v) }, // a slice's message: a field problem, a report row, an error
		"asset":        s.assets.url,
		"code":         func(enum, word string) (string, error) { return s.codeLabel(lang, enum, word) },
		"memberRows":   func(ms []registry.PersonView) (template.HTML, error) { return s.memberRows(lang, ms) },
		"dwellingList": func(h *registry.HouseholdView) (template.HTML, error) { return s.dwellingList(lang, h) },
		"int64":        func(f float64) int64 { return int64(math.Round(f)) }, // to the peso, as the explanation rounds
		"clp":          func(n int64) string { return "$" + groupDigits(lang, n) },
		"dec":          func(f float64) string { return decimal(lang, f) },
		"date":         func(t time.Time) string { return t.Format("2006-01-02 15:04") },
		"datetz": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		"num":  func(n int64) string { return groupDigits(lang, n) },
		"numi": func(n int) string { return groupDigits(lang, int64(n)) },
		"add": func(xs ...int64) int64 {
			var sum int64
			for _, x := range xs {
				sum += x
			}
			return sum
		},
	}
}

// codeLabel is the label of a registry code word in lang (the template
// function code).
func (s *Server) codeLabel(lang, enum, word string) (string, error) {
	if _, ok := pageEnums[enum]; !ok {
		return "", fmt.Errorf("code: %q is not in pageEnums", enum)
	}
	key := "code." + enum + "." + word
	if msg := s.msgs.T(lang, key); msg != key {
		return msg, nil
	}
	return word, nil // a word no catalog knows: shown as stored
}

// page is what every template receives.
type page struct {
	Lang   string
	User   *auth.Principal // nil when signed out
	Name   string          // the user's display name
	Path   string          // the current path and query, for the language switch
	Status int
	Data   any
}

// bufPool keeps the buffers pages are rendered into, so that a page view
// does not grow a new buffer to the page's size (tens of kilobytes).
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuf returns b to the pool, unless a rare huge page made it too big to
// keep.
func putBuf(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	bufPool.Put(b)
}

// render executes a page into a buffer first, so that a template error is a
// clean 500 and not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	v := viewerOf(r.Context())
	p := page{Lang: v.lang, User: v.p, Name: v.name, Path: r.URL.RequestURI(), Status: status, Data: data}
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	if err := s.pages[p.Lang][name].Execute(buf, p); err != nil {
		s.log.Error("template", "page", name, "err", err)
		http.Error(w, http.StatusText(fosis.HTTPStatus(fosis.EINTERNAL)), fosis.HTTPStatus(fosis.EINTERNAL))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
