package web_test

import (
	"context"
	"fmt"
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
// page per kind of address) in Chromium, at 360 and 1366 px: no page is
// wider than the window; at 1366 px the navigation of the analyst and the
// administrator is one line; and axe-core finds no serious or critical
// accessibility problem. It saves a screenshot of every page at both widths
// in $FOSIS_SCREENSHOTS (or a temporary folder).
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
		Cooperation: w.Cooperation, Knowledge: w.Knowledge, Jobs: w.Jobs, PageSize: 5, UploadDir: t.TempDir(), MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	dir := os.Getenv("FOSIS_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}

	if axeSrc != "" {
		// Every page the tab loads gets axe-core before its own scripts
		// (a script DevTools adds is not subject to the page's CSP).
		err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: axeSrc})
			return err
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
	// axe-core checks a kind of page once, as the first role that reaches
	// it (and every role's home page): what it checks is the template's.
	axed := map[string]bool{}
	// Every role's home page is walked (each role has its own menu); a
	// kind of page another role has walked already is not walked again.
	seen := map[string]bool{}
	start, pages := time.Now(), 0
	for _, u := range screenUsers {
		t.Run(u.user, func(t *testing.T) {
			began := time.Now()
			err := chromedp.Do(ctx,
				chromedp.EmulateViewport(1366, 900),
				chromedp.Navigate(srv.URL+"/signin"),
				chromedp.WaitVisible(chromedp.CSS("#username")),
				chromedp.SendKeys(chromedp.CSS("#username"), u.user),
				chromedp.SendKeys(chromedp.CSS("#password"), scopetest.Password),
				chromedp.Click(chromedp.CSS("#signin")),
				chromedp.WaitVisible(chromedp.CSS("nav #user")),
			)
			if err != nil {
				t.Fatalf("sign in as %s: %v", u.user, err)
			}
			limit := 80 // pages a role may reach; FOSIS_SCREENS_MAX makes a quicker walk
			if m, err := strconv.Atoi(os.Getenv("FOSIS_SCREENS_MAX")); err == nil {
				limit = m
			}
			queue, n := []string{"/"}, 0
			for ; len(queue) > 0 && n < limit; n++ {
				target := queue[0]
				queue = queue[1:]
				sh := pageShape(target)
				axe := axeSrc != "" && (!axed[sh] || target == "/")
				axed[sh], seen[sh] = true, true
				links := checkScreen(t, ctx, srv.URL, target, u.user, u.role, axe, dir)
				for _, l := range links {
					if sh := pageShape(l); !seen[sh] && !slices.Contains(queue, l) {
						seen[sh] = true
						queue = append(queue, l)
					}
				}
			}
			pages += n
			t.Logf("%s (%s): %d pages in %s", u.user, u.role, n, time.Since(began).Round(100*time.Millisecond))
			// Sign out (the button may sit in the collapsed menu).
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/signout"]').submit()`),
				chromedp.WaitVisible(chromedp.CSS("#username"))); err != nil {
				t.Fatalf("sign out %s: %v", u.user, err)
			}
		})
	}
	t.Logf("%d pages at %d widths in %s; screenshots in %s", pages, len(screenWidths), time.Since(start).Round(time.Second), dir)
}

// screenCheck is what the page says about its width.
type screenCheck struct {
	Path        string   `json:"path"`
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Wide        []string `json:"wide"`
	NavHeight   int      `json:"navHeight"`
	Links       []string `json:"links"`
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
		links: Array.from(document.querySelectorAll('a[href]'), a => new URL(a.getAttribute('href'), location.href).href)};
})()`

// axeJS runs axe-core on the page and keeps the serious and critical
// violations.
const axeJS = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
	.filter(v => v.impact === 'serious' || v.impact === 'critical')
	.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' [' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ') + (v.nodes.length > 4 ? ' …' : '') + ']'))`

// checkScreen loads one page at each width, checks it and returns the
// same-origin page links it has.
func checkScreen(t *testing.T, ctx context.Context, base, target, user string, role auth.Role, axe bool, dir string) []string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(screenWidths[0], 900), chromedp.Navigate(base+target)); err != nil {
		if strings.Contains(err.Error(), "ERR_ABORTED") { // a download, not a page
			return nil
		}
		t.Errorf("%s %s: %v", user, target, err)
		return nil
	}
	var links []string
	for i, width := range screenWidths {
		if i > 0 {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
				t.Fatal(err)
			}
		}
		c, err := chromedp.Run(ctx, chromedp.Evaluate[screenCheck](screenJS))
		if err != nil {
			t.Errorf("%s %s at %d px: %v", user, target, width, err)
			return nil
		}
		if strings.HasPrefix(c.Path, "/signin") {
			t.Fatalf("%s %s: signed out", user, target)
		}
		if c.ScrollWidth > c.InnerWidth {
			t.Errorf("%s %s at %d px: the page is %d px wide; too wide: %s", user, c.Path, width, c.ScrollWidth, strings.Join(c.Wide, ", "))
		}
		if width >= 1366 && (role == auth.RoleAdmin || role == auth.RoleAnalyst) && c.NavHeight > 64 {
			t.Errorf("%s %s at %d px: the navigation is %d px high: it takes more than one line", user, c.Path, width, c.NavHeight)
		}
		shot := chromedp.CaptureScreenshot() // the window; the whole page when asked for screenshots
		if os.Getenv("FOSIS_SCREENSHOTS") != "" {
			shot = chromedp.FullScreenshot(100)
		}
		if png, err := chromedp.Run(ctx, shot); err == nil {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s-%d.png", user, screenFile(c.Path), width)), png, 0o644)
		}
		if i == 0 {
			links = c.Links
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
	return out
}

// skipScreen says which links are not pages: downloads, the API, static
// files.
func skipScreen(path string) bool {
	for _, ext := range []string{".csv", ".xml", ".xlsx", ".json", ".png", ".svg", ".ico", ".js", ".css"} {
		if strings.HasSuffix(path, ext) {
			return true
		}
	}
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/static/") || path == "/signout" || path == "/lang"
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
