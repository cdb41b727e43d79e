package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/scopetest"
	"github.com/fosis/fosis/internal/web"
)

// screenWidths are the widths every page is checked at: a small phone and
// the commonest office laptop.
var screenWidths = []int64{1366, 360}

// screenUsers are the scope-walk world's accounts, one per role, plus the
// roles the world lacks (created here).
var screenUsers = []struct {
	user string
	role auth.Role
	lang string
}{
	{"adela", auth.RoleAdmin, ""}, {"analista", auth.RoleAnalyst, ""}, {scopetest.Officer, auth.RoleRegional, "en"},
	{"otilia", auth.RoleAuditor, ""}, {"elena", auth.RoleAgency, ""}, {"carla", auth.RoleCooperation, ""},
	{"carmen", auth.RoleCounsellor, ""}, {"paula", auth.RoleCounterpart, "en"}, {"felipe", auth.RoleFinancer, ""},
}

// TestScreens walks every page each role reaches from its home page (one
// page per kind of address), in Spanish and in English, in Chromium, at 360
// and 1366 px, over a server with every slice's store and the scope walk's
// world (cases, sessions, plans, referrals, courses, money, contracts,
// payment runs, results): no page is wider than the window; at 1366 px the
// navigation of the analyst and the administrator is one line; no page says
// a phrase of the other language's catalog; and axe-core finds no serious
// or critical accessibility problem. A page no link leads to is then
// visited as the first role it answers: every page of the web application
// is walked in both languages, or said in screensSkipped why not. It saves a
// screenshot of every page at both widths in $FOSIS_SCREENSHOTS when set.
//
// On PostgreSQL it walks in Spanish only: the pages are the same templates
// over the same data (the stores' answers are checked on both engines by
// the slices' own tests and the scope walk); the walk there shows that the
// pages render over PostgreSQL's answers.
func TestScreens(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every page in a browser")
	}
	axeSrc, why := axeSource()
	t.Run("axe-core", func(t *testing.T) {
		if axeSrc == "" {
			if os.Getenv("CI") == "true" {
				t.Fatal(why)
			}
			t.Skip(why)
		}
	})
	ctx := browserFor(t, 15*time.Minute)
	w := scopetest.New(t)
	fundsWorld(t, w)
	rs := resultsWorld(t, w)
	fs := scopetest.FundParticipants(t, w)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	for _, u := range screenUsers {
		if _, err := w.Users.UserByUsername(sys, u.user); err == nil {
			continue
		}
		if _, err := w.Users.CreateUser(sys, auth.System(), auth.NewUser{Username: u.user, DisplayName: strings.ToUpper(u.user[:1]) + u.user[1:],
			Role: u.role, Password: scopetest.Password, Language: u.lang}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := web.New(web.Config{DB: w.DB, Registry: w.Registry, Targeting: w.Targeting, Programs: w.Programs, Users: w.Users,
		Cooperation: w.Cooperation, Knowledge: w.Knowledge, Delivery: w.Delivery, Funds: fs, Results: rs,
		Jobs: w.Jobs, PageSize: 5, UploadDir: t.TempDir(), MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	injectAxe(t, ctx, axeSrc)
	sw := &screenWalk{ctx: ctx, base: srv.URL, dir: os.Getenv("FOSIS_SCREENSHOTS"), axe: axeSrc != "",
		axed: map[string]bool{}, seen: map[string]bool{}, walked: map[string]map[string]bool{}, mux: http.NewServeMux()}
	patterns := s.PagePatterns()
	for _, p := range patterns {
		sw.mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	langs := []string{"es", "en"}
	if os.Getenv("FOSIS_TEST_DB") == "postgres" {
		langs = langs[:1]
	}
	start := time.Now()
	for _, lang := range langs {
		perRole := lang == langs[0]
		for _, u := range screenUsers {
			t.Run(lang+"/"+u.user, func(t *testing.T) { sw.walkAs(t, u.user, u.role, lang, perRole, []string{"/"}) })
		}
		// The pages no link of any role's walk led to, each as the first
		// role it answers.
		seeds := screenSeeds(t, w, srv.URL, patterns, sw.walked[lang])
		for _, u := range screenUsers {
			if len(seeds[u.user]) > 0 {
				t.Run(lang+"/"+u.user+"/unlinked", func(t *testing.T) { sw.walkAs(t, u.user, u.role, lang, perRole, seeds[u.user]) })
			}
		}
	}
	for _, p := range patterns {
		if !strings.HasPrefix(p, "GET ") || screensSkipped[p] != "" {
			continue
		}
		for _, lang := range langs {
			if !sw.walked[lang][p] {
				t.Errorf("the page %q was not walked in %s: no role's walk reached it and no role answers its scope-walk address (fill it in scopeWalkPages, or add it to screensSkipped with why)", p, lang)
			}
		}
	}
	t.Logf("%d pages at %d widths in %s", sw.pages, len(screenWidths), time.Since(start).Round(time.Second))
}

// screensSkipped are the pages the browser walk does not visit, and why.
var screensSkipped = map[string]string{
	"GET /signin":                       "the sign-in form: the walk signs in through it and checks the pages behind it",
	"GET /portal/signin":                "sends a person to the OpenID Connect provider",
	"GET /portal/callback":              "finishes a person's sign-in with the provider's answer",
	"GET /portal/statement.pdf":         "a download",
	"GET /funds/receipts/{id}/file":     "a download",
	"GET /programs/{code}/version.json": "a download",
	"GET /runs/diff/moved.csv":          "a download",
	"GET /cooperation/iati.xml":         "a download",
	"GET /cooperation/segib.csv":        "a download",
	"GET /cooperation/segib.xlsx":       "a download",
	"GET /results/report.xlsx":          "a download",
	"GET /results/report.pdf":           "a download",
	"GET /portal/evidence/{code}":       "a download (a person's evidence for a correction, for staff)",
	"GET /sessions/{id}/notes":          "a session's notes are confidential: the walk's accounts are refused them (403), and the scope walk reads them",
	"GET /funds/institutions/{code}":    "the scope walk's world has no microcredit institution: TestMicrocreditScreens (microcredit_web_test.go) walks its page",
}

// screenWalk is the state of the browser walk.
type screenWalk struct {
	ctx       context.Context
	base, dir string
	axe       bool
	axed      map[string]bool            // kinds of page axe-core has checked (in any language)
	seen      map[string]bool            // language + kind of page: walked or queued
	walked    map[string]map[string]bool // language → page pattern → walked
	mux       *http.ServeMux             // the application's page patterns
	pages     int
}

// walkAs signs in as user, switches to lang and walks from queue every
// kind of page not walked yet in lang (by this role, when perRole: in the
// first language every role walks every kind of page it reaches, as its
// menus, buttons and data differ — but for the national roles, which read
// the same pages, the administrator with more buttons; in the second,
// each kind of page once).
func (sw *screenWalk) walkAs(t *testing.T, user string, role auth.Role, lang string, perRole bool, queue []string) {
	began := time.Now()
	ctx := sw.ctx
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(sw.base+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), scopetest.Password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("nav #user")),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
	// The language buttons may sit in the collapsed menu.
	cur, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if err != nil {
		t.Fatal(err)
	}
	if cur != lang {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/lang"] button[value="`+lang+`"]').click()`),
			chromedp.WaitReady(chromedp.CSS(`html[lang="`+lang+`"] nav #user`))); err != nil {
			t.Fatalf("%s: switch to %s: %v", user, lang, err)
		}
	}
	limit := 150 // pages a role may reach; FOSIS_SCREENS_MAX makes a quicker walk
	if m, err := strconv.Atoi(os.Getenv("FOSIS_SCREENS_MAX")); err == nil {
		limit = m
	}
	key := func(target string) string {
		if perRole {
			who := user
			if role == auth.RoleAdmin || role == auth.RoleAnalyst || role == auth.RoleAuditor {
				who = "national"
			}
			return lang + " " + who + " " + pageShape(target)
		}
		return lang + " " + pageShape(target)
	}
	for _, q := range queue {
		sw.seen[key(q)] = true
	}
	n := 0
	for ; len(queue) > 0 && n < limit; n++ {
		target := queue[0]
		queue = queue[1:]
		sh := pageShape(target)
		// axe-core checks a kind of page once, as the first role that
		// reaches it (and every role's home page, in the first language):
		// what it checks is the template's.
		axe := sw.axe && (!sw.axed[sh] || target == "/" && perRole)
		if os.Getenv("FOSIS_SCREENS_LOG") != "" {
			t.Logf("%s %s %s", lang, user, target)
		}
		sw.axed[sh] = true
		links, path := checkScreen(t, ctx, sw.base, target, user, role, lang, axe, sw.dir)
		sw.mark(lang, target)
		if path != "" {
			sw.mark(lang, path)
		}
		for _, l := range links {
			if k := key(l); !sw.seen[k] {
				sw.seen[k] = true
				queue = append(queue, l)
			}
		}
	}
	sw.pages += n
	t.Logf("%s (%s) in %s: %d pages in %s", user, role, lang, n, time.Since(began).Round(100*time.Millisecond))
	// Sign out (the button may sit in the collapsed menu).
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/signout"]').submit()`),
		chromedp.WaitVisible(chromedp.CSS("#username"))); err != nil {
		t.Fatalf("sign out %s: %v", user, err)
	}
}

// mark records the page pattern target is a page of as walked in lang.
func (sw *screenWalk) mark(lang, target string) {
	r, err := http.NewRequest("GET", sw.base+target, nil)
	if err != nil {
		return
	}
	if _, p := sw.mux.Handler(r); p != "" && p != "/" {
		if sw.walked[lang] == nil {
			sw.walked[lang] = map[string]bool{}
		}
		sw.walked[lang][p] = true
	}
}

// screenSeeds gives each GET page no walk has reached an address (its
// scope-walk row's, filled with the officer's region's values) and the
// first role, in screenUsers' order, it answers with a page: the roles'
// addresses to walk.
func screenSeeds(t *testing.T, w *scopetest.World, base string, patterns []string, walked map[string]bool) map[string][]string {
	t.Helper()
	clients := map[string]*http.Client{}
	signIn := func(user string) *http.Client {
		if c, ok := clients[user]; ok {
			return c
		}
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(url.Values{"username": {user}, "password": {scopetest.Password}, "next": {"/"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path == "/signin" {
			t.Fatalf("sign in as %s: refused", user)
		}
		clients[user] = c
		return c
	}
	out := map[string][]string{}
	for _, p := range patterns {
		if !strings.HasPrefix(p, "GET ") || walked[p] || screensSkipped[p] != "" {
			continue
		}
		rows, ok := scopeWalkPages[p]
		if !ok {
			continue // the scope walk says it is not in its table
		}
	seed:
		for _, tpl := range walkTemplates(t, p, rows[0]) {
			target := ownValue.ReplaceAllStringFunc(tpl.Target, func(m string) string {
				kind, i, _ := strings.Cut(m[1:len(m)-1], ":")
				n, _ := strconv.Atoi(i)
				if own := w.Values[kind].Own; n < len(own) {
					return url.QueryEscape(own[n])
				}
				return m
			})
			var got []string
			for _, u := range screenUsers {
				resp, err := signIn(u.user).Get(base + target)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && resp.Request.URL.Path != "/signin" {
					out[u.user] = append(out[u.user], target)
					break seed
				}
				got = append(got, fmt.Sprintf("%s %d", u.user, resp.StatusCode))
			}
			t.Logf("%s: no role is shown %s (%s)", p, target, strings.Join(got, ", "))
		}
	}
	return out
}

var ownValue = regexp.MustCompile(`\{[a-z-]+(:\d+)?\}`)

// screenCheck is what the page says about its width.
type screenCheck struct {
	Path        string   `json:"path"`
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Wide        []string `json:"wide"`
	NavHeight   int      `json:"navHeight"`
	Links       []string `json:"links"`
	Lang        string   `json:"lang"`
	Text        string   `json:"text"`
}

const screenJS = `(() => {
	const iw = window.innerWidth, wide = [];
	for (const e of document.body.querySelectorAll('*')) {
		const r = e.getBoundingClientRect();
		if (r.width > 0 && r.right > iw + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > iw + 1 && wide.length)) {
			let p = e, hidden = false;
			for (; p; p = p.parentElement) { const cs = getComputedStyle(p); if (cs.overflowX === 'auto' || cs.overflowX === 'hidden' || cs.overflowX === 'scroll') { hidden = p !== e; break; } }
			if (!hidden) wide.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' right=' + Math.round(r.right));
		}
		if (wide.length >= 6) break;
	}
	const nav = document.querySelector('nav.navbar');
	return {path: location.pathname + location.search, scrollWidth: document.scrollingElement.scrollWidth, innerWidth: iw, wide: wide,
		navHeight: nav ? Math.round(nav.getBoundingClientRect().height) : 0,
		links: Array.from(document.querySelectorAll('a[href]'), a => new URL(a.getAttribute('href'), location.href).href),
		lang: document.documentElement.lang, text: pageText()};
})()`

// pageTextJS is the text a reader reads on the page, as onelang_test.go's
// visibleText takes it (the text and the attributes people read), but for
// what is marked as said in another language (the language buttons, the
// Spanish and English names of a bilingual form) or as not to be
// translated (the JSON of the power users' editors).
const pageTextJS = `function pageText() {
	const lang = document.documentElement.lang, out = [document.title];
	const own = e => { const l = e.closest('[lang]'); return (!l || l.lang === lang) && !e.closest('[translate="no"]'); };
	const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = tw.nextNode(); n; n = tw.nextNode()) {
		const p = n.parentElement;
		if (p && !p.closest('script,style,template') && own(p)) out.push(n.nodeValue);
	}
	for (const e of document.body.querySelectorAll('[title],[placeholder],[aria-label],[alt],[value],[label]')) {
		if (!own(e)) continue;
		for (const a of ['title', 'placeholder', 'aria-label', 'alt', 'value', 'label']) if (e.hasAttribute(a)) out.push(e.getAttribute(a));
	}
	return out.join('\n');
}`

// axeJS runs axe-core on the page and keeps the serious and critical
// violations.
const axeJS = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
	.filter(v => v.impact === 'serious' || v.impact === 'critical')
	.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' [' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ') + (v.nodes.length > 4 ? ' …' : '') + ']'))`

// checkScreen loads one page at each width, checks it and returns the
// same-origin page links it has.
func checkScreen(t *testing.T, ctx context.Context, base, target, user string, role auth.Role, lang string, axe bool, dir string) ([]string, string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(screenWidths[0], 900), chromedp.Navigate(base+target)); err != nil {
		if strings.Contains(err.Error(), "ERR_ABORTED") { // a download, not a page
			return nil, ""
		}
		t.Errorf("%s %s: %v", user, target, err)
		return nil, ""
	}
	var path string
	var links []string
	for i, width := range screenWidths {
		if i > 0 {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
				t.Fatal(err)
			}
		}
		c, err := chromedp.Run(ctx, chromedp.Evaluate[screenCheck](pageTextJS+";"+screenJS))
		if err != nil {
			t.Errorf("%s %s at %d px: %v", user, target, width, err)
			return nil, ""
		}
		path = c.Path
		if strings.HasPrefix(c.Path, "/signin") {
			t.Fatalf("%s %s: signed out", user, target)
		}
		if c.ScrollWidth > c.InnerWidth {
			t.Errorf("%s %s at %d px: the page is %d px wide; too wide: %s", user, c.Path, width, c.ScrollWidth, strings.Join(c.Wide, ", "))
		}
		if width >= 1366 && (role == auth.RoleAdmin || role == auth.RoleAnalyst) && c.NavHeight > 64 {
			t.Errorf("%s %s at %d px: the navigation is %d px high: it takes more than one line", user, c.Path, width, c.NavHeight)
		}
		if dir != "" { // the whole page, when asked for screenshots
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s-%s-%d.png", lang, user, screenFile(c.Path), width)), png, 0o644)
			}
		}
		if i == 0 {
			links = c.Links
			if lang != "" && c.Lang != lang {
				t.Errorf("%s %s: the page is in %q, not %s", user, c.Path, c.Lang, lang)
			}
			if ps := web.OtherLanguage(c.Lang, c.Text); len(ps) > 0 {
				t.Errorf("%s %s in %s: the page says %q, which is not %s (say it from the catalogs)", user, c.Path, c.Lang, ps, c.Lang)
			}
			if axe {
				v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeJS, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Errorf("%s %s: axe-core: %v", user, c.Path, err)
				}
				for _, s := range v {
					t.Errorf("%s %s: axe-core: %s", user, c.Path, s)
				}
			}
		}
	}
	var out []string
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil || !strings.HasPrefix(l, base+"/") || skipScreen(u.Path) {
			continue
		}
		u.Fragment = ""
		out = append(out, u.RequestURI())
	}
	return out, path
}

// skipScreen says which links are not pages: downloads, the API, static
// files.
func skipScreen(path string) bool {
	for _, ext := range []string{".csv", ".xml", ".xlsx", ".pdf", ".json", ".png", ".svg", ".ico", ".js", ".css"} {
		if strings.HasSuffix(path, ext) {
			return true
		}
	}
	return strings.HasSuffix(path, "/file") || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/static/") || path == "/signout" || path == "/lang"
}

var shapeWord = regexp.MustCompile(`^[a-z]+$`)

// pageShape is what a link is a page of: its path with the values of its
// parameters blanked (a segment with a digit, or any segment after a
// collection's name), and the names of its query parameters. The walk
// visits one page of each shape.
func pageShape(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, s := range segs {
		keep := shapeWord.MatchString(s) && (i == 0 || slices.Contains([]string{"new", "map", "diff", "preview", "whatif", "changes", "partners", "jobs", "problems", "tokens", "users"}, s))
		if !keep {
			segs[i] = "*"
		}
	}
	keys := make([]string, 0, len(u.Query()))
	for k := range u.Query() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(segs, "/") + "?" + strings.Join(keys, "&")
}

var screenName = regexp.MustCompile(`[^a-zA-Z0-9]+`)

func screenFile(path string) string {
	s := strings.Trim(screenName.ReplaceAllString(path, "_"), "_")
	if s == "" {
		s = "home"
	}
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// axeSource reads axe-core (an npm dev dependency in testdata, installed
// by .ci/run), or says why it cannot.
func axeSource() (string, string) {
	b, err := os.ReadFile(filepath.Join("testdata", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		return "", fmt.Sprintf("axe-core is not installed (%v), so the pages' accessibility is not checked: run npm ci in internal/web/testdata (.ci/run does it; under CI=true its absence fails)", err)
	}
	return string(b), ""
}

// injectAxe gives every page the tab loads axe-core (its source, if any)
// before the page's own scripts (a script DevTools adds is not subject to
// the page's CSP).
func injectAxe(t *testing.T, ctx context.Context, axeSrc string) {
	t.Helper()
	if axeSrc == "" {
		return
	}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: axeSrc})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
}
