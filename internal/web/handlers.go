package web

import (
	"context"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/observe"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
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
	s.fundsRoutes(pages)
	pages.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), "error", errorData{Message: "error.notfound"})
	})
	return pages
}

// securityHeaders sets the headers of every answer; hsts adds
// Strict-Transport-Security, for a site reached over HTTPS only
// (Config.SecureCookies): a year, this host only.
func securityHeaders(next http.Handler, hsts bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store") // pages carry personal data
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", p)
				http.Error(w, http.StatusText(fosis.HTTPStatus(fosis.EINTERNAL)), fosis.HTTPStatus(fosis.EINTERNAL))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// viewer is who is asking, in which language; it lives in the request context.
type viewer struct {
	sm   *scs.SessionManager
	p    *auth.Principal // nil when signed out
	name string
	lang string
}

type viewerKey struct{}

func viewerOf(ctx context.Context) *viewer {
	if v, ok := ctx.Value(viewerKey{}).(*viewer); ok {
		return v
	}
	return &viewer{lang: "es"}
}

// sessionsFor picks the session manager whose cookie is Secure when the
// request came over TLS (or always, with Config.SecureCookies).
func (s *Server) sessionsFor(r *http.Request) *scs.SessionManager {
	if r.TLS != nil || s.cfg.SecureCookies {
		return s.sessions[1]
	}
	return s.sessions[0]
}

// withSession loads the session and, if someone is signed in, their account:
// read at every request, so that a disabled account or a changed role or
// region takes effect at once. The principal goes into the context, where
// the slices find it and enforce its scope.
func (s *Server) withSession(next http.Handler) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm := s.sessionsFor(r)
		ctx := r.Context()
		v := &viewer{sm: sm, lang: validLang(sm.GetString(ctx, keyLang))}
		if v.lang == "" {
			v.lang = acceptLang(r)
		}
		id := sm.GetInt64(ctx, keyUser)
		if id != 0 {
			now := s.now().Unix()
			switch seen := sm.GetInt64(ctx, keySeen); {
			case now-seen >= int64(IdleTimeout/time.Second):
				sm.Remove(ctx, keyUser) // idle too long: signed out
				sm.Remove(ctx, keySeen)
				id = 0
			case now-seen >= int64(touchEvery/time.Second):
				sm.Put(ctx, keySeen, now)
			}
		}
		if id != 0 {
			// The account as read with the session (one query), or on its
			// own when the session row does not name it (a session written
			// before migration 00015).
			var u *auth.User
			var err error
			if slot, ok := ctx.Value(accountSlotKey{}).(*accountSlot); ok && slot.read && slot.u != nil && slot.u.ID == id {
				u = slot.u
			} else {
				u, err = s.cfg.Users.UserByID(ctx, id)
			}
			switch {
			case err == nil && u.Active && sm.GetString(ctx, keyStamp) == u.CredentialStamp():
				v.p, v.name = u.Principal(), u.DisplayName
				if v.name == "" {
					v.name = u.Username
				}
				ctx = auth.WithPrincipal(ctx, v.p)
			case err == nil || fosis.ErrorCode(err) == fosis.ENOTFOUND:
				sm.Remove(ctx, keyUser) // account gone or disabled, or a new password: signed out
			default:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, viewerKey{}, v)))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), accountSlotKey{}, &accountSlot{}))
		s.sessionsFor(r).LoadAndSave(inner).ServeHTTP(w, r)
	})
}

// requireUser sends visitors who are not signed in to the sign-in page,
// then back.
func (s *Server) requireUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if viewerOf(r.Context()).p == nil {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r)
	}
}

// errorData is the error page's content: a catalog key, and an optional
// argument shown in it (escaped like everything else).
type errorData struct {
	Message string
	Arg     string
	Detail  string // a keyed refusal said in the reader's language (fosis.Error.Key)
}

// fail renders an error from a slice. Not found and out of scope are the
// same error (the registry makes them so) and look the same here.
//
// A refusal that carries a catalog key (fosis.Error.Key) is also said in
// the reader's language under the generic heading; others show only the
// heading, as their English text may not be meant for every reader.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := fosis.ErrorCode(err)
	heading, ok := failHeadings[code]
	switch {
	case code == fosis.EUNAUTHORIZED:
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
		return
	case !ok:
		if !errors.Is(err, context.Canceled) {
			s.log.Error("request", "path", r.URL.Path, "err", err)
		}
		s.render(w, r, fosis.HTTPStatus(fosis.EINTERNAL), "error", errorData{Message: "error.internal"})
		return
	}
	detail := ""
	if e := (*fosis.Error)(nil); errors.As(err, &e) && e.Key != "" {
		detail = s.msgs.Say(viewerOf(r.Context()).lang, e.Phrase())
	}
	setRetryAfter(w, err)
	s.render(w, r, fosis.HTTPStatus(code), "error", errorData{Message: heading, Detail: detail})
}

// failHeadings is the error page's heading for each error code a refusal
// may carry; the status is fosis.HTTPStatus's. Anything else is an internal
// error, logged and not shown.
var failHeadings = map[string]string{
	fosis.ENOTFOUND:    "error.notfound",
	fosis.EFORBIDDEN:   "error.forbidden",
	fosis.EINVALID:     "error.invalid",
	fosis.ECONFLICT:    "error.conflict",
	fosis.EUNAVAILABLE: "error.unavailable",
	fosis.ELIMITED:     "error.limited",
}

// setRetryAfter says when to try again, for an error that knows
// (fosis.Error.RetryAfter: a sign-in lock).
func setRetryAfter(w http.ResponseWriter, err error) {
	if n := fosis.RetryAfter(err); n > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(n))
	}
}

// localPath returns next if it is a path on this site, else "/": the
// sign-in and language forms must not redirect elsewhere. Browsers drop
// tabs and line breaks from a URL and read a backslash as a slash, so
// "/<TAB>/host" or "/\\host" would leave the site: only printable ASCII
// without backslashes or spaces is kept, starting with a single "/"
// followed by a path character, with no empty, "." or ".." segment; and
// so again once and twice decoded (where spaces and other letters are
// fine), so that an encoded slash, backslash or control character does not
// slip through a later decoding.
func localPath(next string) string {
	s := next
	for i := range 3 {
		if !plainLocalPath(s, i > 0) {
			return "/"
		}
		u, err := url.PathUnescape(s)
		if err != nil {
			return "/"
		}
		s = u
	}
	return next
}

// plainLocalPath reports whether s, taken literally, is a path of this
// site (see localPath); decoded allows spaces and bytes beyond ASCII.
func plainLocalPath(s string, decoded bool) bool {
	if len(s) == 0 || s[0] != '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c == 0x7f || c == '\\' || !decoded && (c == ' ' || c > 0x7f) {
			return false
		}
	}
	p := s
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "/" {
		return true
	}
	for seg := range strings.SplitSeq(strings.TrimSuffix(p[1:], "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// signinData is the sign-in form's content.
type signinData struct {
	Username string
	Next     string
	Error    string // catalog key
}

// signinRefusals is what the sign-in form says for each refusal of
// Authenticate; its status is fosis.HTTPStatus's (401, 429 with
// Retry-After, 403).
var signinRefusals = map[string]string{
	fosis.EUNAUTHORIZED: "signin.failed",
	fosis.ELIMITED:      "signin.locked",
	fosis.EFORBIDDEN:    "signin.disabled",
}

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	if viewerOf(r.Context()).p != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", signinData{Next: localPath(r.URL.Query().Get("next"))})
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := viewerOf(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	data := signinData{Username: username, Next: localPath(r.PostFormValue("next"))}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	p, err := s.cfg.Users.Authenticate(ctx, username, password, ip)
	if err != nil {
		code := fosis.ErrorCode(err)
		if data.Error = signinRefusals[code]; data.Error == "" {
			s.fail(w, r, err)
			return
		}
		setRetryAfter(w, err)
		s.render(w, r, fosis.HTTPStatus(code), "signin", data)
		return
	}
	u, err := s.cfg.Users.UserByID(ctx, p.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A new token at sign-in: a token planted before it (session fixation)
	// is worth nothing after it.
	if err := v.sm.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	v.sm.Put(ctx, keyUser, u.ID)
	v.sm.Put(ctx, keySeen, s.now().Unix())
	v.sm.Put(ctx, keyStamp, u.CredentialStamp())
	if validLang(u.Language) != "" {
		v.sm.Put(ctx, keyLang, u.Language)
	}
	if err := s.store.deleteExpired(ctx); err != nil {
		s.log.Warn("delete expired sessions", "err", err)
	}
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if err := viewerOf(r.Context()).sm.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// setLang remembers the chosen language in the session, for signed-in users
// and visitors alike, and goes back to the page it was chosen on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	v := viewerOf(r.Context())
	if l := validLang(r.PostFormValue("lang")); l != "" {
		v.sm.Put(r.Context(), keyLang, l)
		// A signed-in user's choice is kept with the account, so the next
		// sign-in, on any device, opens in it. The session already has it, so
		// a failure here costs only that: it is logged, not shown.
		if v.p != nil {
			if err := s.cfg.Users.SetLanguage(r.Context(), v.p, l); err != nil {
				s.log.Warn("remember the language", "user", v.p.Username, "err", err)
			}
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// homeData is the home page's content: the user's dashboard, the search box
// and its outcome, and the communes of the user's territory for the commune
// picker (search box and picker only for roles that see the registry).
type homeData struct {
	Dash     dashboard
	Query    string
	NotFound bool
	// CheckDigit is the check digit the RUN searched for should have, when
	// its body is a RUN's and its digit is wrong ("" otherwise).
	CheckDigit string
	Regions    []communeGroup // empty for roles that do not see the registry
}

// communeGroup is one region's communes in the commune picker.
type communeGroup struct {
	Name     string
	Communes []geo.Commune
}

// newHomeData fills the commune picker with the communes of the regions the
// user sees, grouped by region, in code order.
func (s *Server) newHomeData(r *http.Request, query string, notFound bool) (homeData, error) {
	d := homeData{Query: query, NotFound: notFound}
	p := viewerOf(r.Context()).p
	var err error
	if d.Dash, err = s.newDashboard(r.Context(), p); err != nil {
		return d, err
	}
	if p == nil || !p.SeesRegistry() || s.cfg.Registry == nil {
		return d, nil
	}
	terr := s.cfg.Registry.Territory()
	for _, reg := range terr.Regions {
		if !p.SeesRegion(reg.Code) {
			continue
		}
		g := communeGroup{Name: reg.Name}
		for _, c := range terr.Communes {
			if c.RegionCode == reg.Code {
				g.Communes = append(g.Communes, c)
			}
		}
		d.Regions = append(d.Regions, g)
	}
	return d, nil
}

// homePage renders the home page with status.
func (s *Server) homePage(w http.ResponseWriter, r *http.Request, status int, query string, notFound bool) {
	d, err := s.newHomeData(r, query, notFound)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "home", d)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.homePage(w, r, http.StatusOK, "", false)
}

// search finds a household by a member's RUN (with or without dots and
// hyphen) or by its household id, and goes to its page; failing both, it
// searches persons by name and lists them. Households outside the user's
// territory are not found, exactly like missing ones.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if len(q) > 64 {
		s.homePage(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), q[:64], true)
		return
	}
	ctx := r.Context()
	var h *registry.HouseholdView
	var err error = fosis.Errorf(fosis.ENOTFOUND, "not a RUN")
	_, perr := rut.Parse(q)
	if perr == nil {
		h, err = s.cfg.Registry.HouseholdOfRUN(ctx, q)
	}
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		h, err = s.cfg.Registry.Household(ctx, q)
	}
	if up := strings.ToUpper(q); fosis.ErrorCode(err) == fosis.ENOTFOUND && up != q {
		h, err = s.cfg.Registry.Household(ctx, up) // "h0033334" is H0033334
	}
	if errors.Is(perr, rut.ErrCheckDigit) && err != nil && checkDigitOf(q) != "" {
		// A RUN whose check digit is wrong: say so, and which it should be.
		d, derr := s.newHomeData(r, q, true)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.CheckDigit = checkDigitOf(q)
		s.render(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), "home", d)
		return
	}
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/households/"+url.PathEscape(h.ID), http.StatusSeeOther)
		return
	case fosis.ENOTFOUND:
	default:
		s.fail(w, r, err)
		return
	}
	res, err := s.cfg.Registry.SearchNames(ctx, q, s.pageSize())
	switch {
	case fosis.ErrorCode(err) == fosis.EINVALID:
		s.homePage(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), q, true) // not a name either
	case err != nil:
		s.fail(w, r, err)
	case len(res.Matches) == 0:
		s.homePage(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), q, true)
	default:
		s.render(w, r, http.StatusOK, "search", searchData{Query: q, Results: res})
	}
}

// searchData is the name search's page: the query and its matches.
type searchData struct {
	Query   string
	Results *registry.NameResults
}

// pageSize is the number of rows of a listing page.
func (s *Server) pageSize() int {
	if s.cfg.PageSize > 0 {
		return s.cfg.PageSize
	}
	return 50
}

// householdData is the household page's content.
type householdData struct {
	H       *registry.HouseholdView
	Score   *targeting.ScoredHousehold // nil if never scored
	History []targeting.HouseholdResult
	Income  incomeTotals
	Changes *changesSection // change requests and history (changes.go); nil leaves them out
}

// incomeTotals are the household's monthly incomes by source, in pesos.
type incomeTotals struct{ Labor, Pension, Capital, Total int64 }

func (s *Server) household(w http.ResponseWriter, r *http.Request) {
	if asOf := r.URL.Query().Get("as_of"); asOf != "" {
		s.householdAsOf(w, r, asOf) // changes.go
		return
	}
	file, err := s.cfg.Registry.HouseholdFileByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.householdPage(r, file)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "household", d)
}

// householdPage gathers the household page's content for a household the
// registry has read with its score inputs.
func (s *Server) householdPage(r *http.Request, file *registry.HouseholdFile) (householdData, error) {
	ctx := r.Context()
	h := file.View()
	score, hist, err := s.cfg.Targeting.LatestOf(ctx, file, viewerOf(ctx).lang)
	if err != nil {
		return householdData{}, err
	}
	d := householdData{H: h, Score: score, History: hist}
	for _, m := range h.Members {
		d.Income.Labor += m.LaborCLP
		d.Income.Pension += m.PensionCLP
		d.Income.Capital += m.CapitalCLP
	}
	d.Income.Total = d.Income.Labor + d.Income.Pension + d.Income.Capital
	d.Changes, err = s.newChangesSection(r, file, h)
	return d, err
}

// communeData is the commune page's content: the filter and one page of the
// households that pass it, with their bracket in the latest run.
type communeData struct {
	Code, Name, RegionName string
	After                  int64 // the cursor this page starts after (0 on the first page)
	Page                   *registry.Page[registry.HouseholdView]
	Filter                 registry.ListFilter
	FilterQuery            template.URL // the filter as a query string ("" for none), for the paging links
	Errors                 map[string]string
	Run                    *targeting.Run  // the latest run; nil before the first
	Brackets               map[int64]uint8 // key → bracket in Run (0: not scored in it)
	Tenures                []string
	AllBrackets            []uint8
}

// Filtered reports whether a filter is applied.
func (d communeData) Filtered() bool { return !d.Filter.IsZero() }

// HasBracket reports whether the filter keeps bracket b.
func (d communeData) HasBracket(b uint8) bool { return slices.Contains(d.Filter.Brackets, int(b)) }

// communePicked is where the home page's commune picker submits: it goes to
// the chosen commune's page.
func (s *Server) communePicked(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	if code == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/communes/"+url.PathEscape(code), http.StatusSeeOther)
}

// commune lists a commune's households, a page at a time (keyset: ?after=
// is the next cursor of the page before). A commune outside the user's
// territory is not found, exactly like a code that is no commune.
func (s *Server) commune(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	var after int64
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			s.fail(w, r, fosis.Errorf(fosis.EINVALID, "after: not a cursor"))
			return
		}
		after = n
	}
	code := r.PathValue("code")
	d := communeData{Code: code, After: after, Tenures: registry.Tenure.Words[1:], AllBrackets: targeting.Brackets(),
		Page: &registry.Page[registry.HouseholdView]{Items: []registry.HouseholdView{}}}
	terr := s.cfg.Registry.Territory()
	ci, ok := terr.CommuneIndex(code)
	if ok {
		d.Name = terr.Communes[ci].Name
		d.RegionName = terr.Regions[terr.CommuneRegion(ci)].Name
	}
	run, err := s.cfg.Targeting.Run(ctx, "latest")
	switch fosis.ErrorCode(err) {
	case "":
		d.Run = run
	case fosis.ENOTFOUND: // no run yet: no bracket column, no bracket filter
	default:
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	d.Filter, err = registry.ParseListFilter(q)
	if err == nil && d.Run != nil && d.Filter.Run == 0 {
		d.Filter.Run = d.Run.ID
	}
	if err == nil && d.Filter.Run != 0 && (d.Run == nil || d.Filter.Run != d.Run.ID) {
		// Another run than the latest: its brackets, in the column too.
		if d.Run, err = s.cfg.Targeting.Run(ctx, strconv.FormatInt(d.Filter.Run, 10)); fosis.ErrorCode(err) == fosis.ENOTFOUND {
			err = &fosis.Error{Code: fosis.EINVALID, Message: "no such run", Fields: []fosis.FieldError{fosis.KeyedField("run", "registry.filter.no_run", "no such run")}}
		}
	}
	if err == nil {
		d.Page, err = s.cfg.Registry.ListCommune(ctx, code, d.Filter, after, s.pageSize())
	}
	// A bad filter: the page again, with what is wrong next to the field (a
	// commune out of scope is refused before the filter is looked at).
	if e, ok := err.(*fosis.Error); ok && e.Code == fosis.EINVALID && len(e.Fields) > 0 {
		d.Errors, status = map[string]string{}, fosis.HTTPStatus(fosis.EINVALID)
		for _, f := range e.Fields {
			d.Errors[f.Field] = s.msgs.Say(viewerOf(ctx).lang, f.Phrase())
		}
		d.Page = &registry.Page[registry.HouseholdView]{Items: []registry.HouseholdView{}}
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if fq := d.Filter.Query(); len(fq) > 0 && d.Errors == nil {
		d.FilterQuery = template.URL(fq.Encode()) // encoded by url.Values: safe in a link
	}
	if d.Run != nil && len(d.Page.Items) > 0 {
		d.Brackets = map[int64]uint8{}
		for _, h := range d.Page.Items {
			res, err := s.cfg.Targeting.Result(ctx, d.Run.ID, h.Key)
			switch fosis.ErrorCode(err) {
			case "":
				d.Brackets[h.Key] = res.Bracket
			case fosis.ENOTFOUND: // added after the run
			default:
				s.fail(w, r, err)
				return
			}
		}
	}
	s.render(w, r, status, "commune", d)
}
