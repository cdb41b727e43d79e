package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/jobs"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
	"github.com/fosis/fosis/internal/web"
)

const password = "correct horse battery staple"

// pageSize is the fixture's listing page size: small, so that a commune's
// households take several pages.
const pageSize = 5

// fixture is a served web application over 300 synthetic households, scored,
// with an analyst ("analista"), a regional officer of region 13 ("rosa"), an
// administrator ("adela") and an auditor ("otilia").
type fixture struct {
	srv  *httptest.Server
	d    *db.DB
	jobs *jobs.Tracker
	// skew moves the web application's clock forward (for the idle timeout).
	skew atomic.Int64
	// inRM and outRM are a household id and a member's RUN (body) in
	// region 13 and outside it.
	inRM, outRM struct {
		id  string
		run int64
	}
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 300, 5)
	ts := targeting.NewStore(d, reg, nil)
	if _, err := ts.ScoreAll(ctx, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil); err != nil {
		t.Fatal(err)
	}
	users := auth.NewStore(d, time.Now)
	for _, nu := range []auth.NewUser{
		{Username: "analista", DisplayName: "Andrés Analista", Role: auth.RoleAnalyst, Password: password},
		{Username: "rosa", DisplayName: "Rosa Regional", Role: auth.RoleRegional, RegionCode: "13", Password: password, Language: "en"},
		{Username: "adela", DisplayName: "Adela Admin", Role: auth.RoleAdmin, Password: password},
		{Username: "otilia", DisplayName: "Otilia Auditora", Role: auth.RoleAuditor, Password: password},
	} {
		if _, err := users.CreateUser(ctx, auth.System(), nu); err != nil {
			t.Fatal(err)
		}
	}
	tracker := jobs.New(10, nil, nil)
	f := &fixture{d: d, jobs: tracker}
	w, err := web.New(web.Config{DB: d, Registry: reg, Targeting: ts, Users: users, PageSize: pageSize, Jobs: tracker,
		UploadDir: t.TempDir(), MaxUpload: 1 << 20, Clock: func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(w.Handler())
	t.Cleanup(tracker.Wait)
	t.Cleanup(f.srv.Close)
	q := `SELECT h.household_id, p.run FROM persons p JOIN households h ON h.id = p.household
		JOIN communes c ON c.code = h.commune_code WHERE c.region_code %s '13' ORDER BY p.run LIMIT 1`
	for _, x := range []struct {
		op  string
		out *struct {
			id  string
			run int64
		}
	}{{"=", &f.inRM}, {"<>", &f.outRM}} {
		if err := d.QueryRowContext(ctx, strings.Replace(q, "%s", x.op, 1)).Scan(&x.out.id, &x.out.run); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// client is a browser: it keeps cookies, follows redirects and sends the
// headers a browser sends on same-origin requests.
type client struct {
	t    testing.TB
	base string
	http *http.Client
}

func (f *fixture) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: f.srv.URL, http: &http.Client{Jar: jar}}
}

func (c *client) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) signIn(user string) {
	c.t.Helper()
	resp, body := c.do("POST", "/signin", url.Values{"username": {user}, "password": {password}, "next": {"/"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="q"`) {
		c.t.Fatalf("sign-in as %s: %d\n%s", user, resp.StatusCode, body)
	}
}

func (c *client) cookie() string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "fosis_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	resp, body := c.do("GET", "/signin", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /signin: %d", resp.StatusCode)
	}
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'", "style-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows something unsafe: %q", csp)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	// The static files the page links to: fingerprinted, cached for a year.
	links := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(links) != 4 { // Bootstrap, app.css, the favicon, htmx
		t.Fatalf("want 4 static links in the page, got %v", links)
	}
	for _, l := range links {
		resp, _ := c.do("GET", l[1], nil)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d, Cache-Control %q", l[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		stale := regexp.MustCompile(`/static/[0-9a-f]+/`).ReplaceAllString(l[1], "/static/000000000000/")
		if resp, _ := c.do("GET", stale, nil); resp.StatusCode != 404 {
			t.Errorf("GET %s (old fingerprint): %d, want 404", stale, resp.StatusCode)
		}
	}
	if resp, _ := c.do("GET", "/static/x/../../web.go", nil); resp.StatusCode == 200 {
		t.Errorf("path traversal served a file")
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)

	// Signed out, every page leads to the sign-in form, then back.
	resp, body := c.do("GET", "/households/"+f.inRM.id, nil)
	if resp.Request.URL.Path != "/signin" || !strings.Contains(body, `name="next" value="/households/`+f.inRM.id+`"`) {
		t.Fatalf("signed out: landed on %s", resp.Request.URL)
	}

	resp, body = c.do("POST", "/signin", url.Values{"username": {"analista"}, "password": {"wrong password!"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Usuario o contraseña incorrectos.") {
		t.Errorf("wrong password: %d\n%s", resp.StatusCode, body)
	}

	c.do("POST", "/lang", url.Values{"lang": {"es"}, "next": {"/signin"}}) // a session before sign-in
	before := c.cookie()
	if before == "" {
		t.Fatal("no session cookie after choosing a language")
	}
	resp, body = c.do("POST", "/signin", url.Values{"username": {"analista"}, "password": {password}, "next": {"/households/" + f.inRM.id}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/households/"+f.inRM.id || !strings.Contains(body, "Andrés Analista") {
		t.Fatalf("sign-in: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	after := c.cookie()
	if after == "" || after == before {
		t.Errorf("session token not renewed at sign-in (fixation): before %q after %q", before, after)
	}
	// The fixed token from before sign-in is worth nothing.
	fixed := &client{t: t, base: f.srv.URL, http: &http.Client{}}
	resp, _ = fixed.do("GET", "/", nil, "Cookie", "fosis_session="+before)
	if resp.Request.URL.Path != "/signin" {
		t.Errorf("the pre-sign-in token reached %s", resp.Request.URL.Path)
	}

	// The cookie's attributes.
	resp, _ = c.do("POST", "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	if resp.StatusCode != 200 {
		t.Fatalf("language switch: %d", resp.StatusCode)
	}
	sc := resp.Request.Response.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if _, body := c.do("GET", "/", nil); !strings.Contains(body, "Sign out") {
		t.Errorf("language switch to English not remembered:\n%s", body)
	}
	// It is remembered with the account: a new session (another device)
	// opens in English without choosing again.
	other := f.client(t)
	if _, body := other.do("GET", "/signin", nil); !strings.Contains(body, "Iniciar sesión") {
		t.Errorf("a new visitor's sign-in page is not in Spanish")
	}
	other.signIn("analista")
	if _, body := other.do("GET", "/", nil); !strings.Contains(body, "Sign out") {
		t.Errorf("the language chosen in another session was not remembered with the account")
	}

	resp, _ = c.do("POST", "/signout", url.Values{})
	if resp.Request.URL.Path != "/signin" {
		t.Errorf("sign-out landed on %s", resp.Request.URL.Path)
	}
	if resp, _ := c.do("GET", "/", nil); resp.Request.URL.Path != "/signin" {
		t.Errorf("after sign-out, / reached %s", resp.Request.URL.Path)
	}
	if resp, _ := fixed.do("GET", "/", nil, "Cookie", "fosis_session="+after); resp.Request.URL.Path != "/signin" {
		t.Errorf("the signed-out token still works")
	}
}

// TestIdleTimeout: a sign-in ends after web.IdleTimeout without a request,
// each request keeps it alive, and page views within a minute of each other
// do not write the session back to the database.
func TestIdleTimeout(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	stored := func() string { // the session row as stored, expiry included
		var data []byte
		var expiry any
		f.d.QueryRowContext(context.Background(), `SELECT data, expiry FROM sessions`).Scan(&data, &expiry)
		return fmt.Sprint(data, expiry)
	}
	before := stored()
	for range 3 {
		if resp, _ := c.do("GET", "/", nil); resp.Request.URL.Path != "/" {
			t.Fatalf("signed out at once: %s", resp.Request.URL)
		}
	}
	if stored() != before {
		t.Error("page views within a minute wrote the session")
	}
	step := web.IdleTimeout - time.Minute
	for i := range 3 { // each request within the timeout keeps the sign-in
		f.skew.Add(int64(step))
		if resp, _ := c.do("GET", "/", nil); resp.Request.URL.Path != "/" {
			t.Fatalf("signed out after %d idle periods of %s", i+1, step)
		}
	}
	if stored() == before {
		t.Error("the last-seen time was never written")
	}
	f.skew.Add(int64(web.IdleTimeout + time.Second))
	if resp, _ := c.do("GET", "/", nil); resp.Request.URL.Path != "/signin" {
		t.Errorf("still signed in after %s idle: %s", web.IdleTimeout, resp.Request.URL)
	}
	if resp, _ := c.do("GET", "/", nil); resp.Request.URL.Path != "/signin" {
		t.Errorf("the idle sign-in came back: %s", resp.Request.URL)
	}
}

func TestCrossOriginRefused(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
	} {
		resp, _ := c.do("POST", "/signout", url.Values{}, h...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site sign-out %v: %d, want 403", h, resp.StatusCode)
		}
		resp, _ = c.do("POST", "/signin", url.Values{"username": {"analista"}, "password": {password}}, h...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site sign-in %v: %d, want 403", h, resp.StatusCode)
		}
	}
	if resp, _ := c.do("GET", "/", nil); resp.Request.URL.Path != "/" {
		t.Errorf("the refused sign-out signed the user out")
	}
}

func TestSearchAndHousehold(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	for _, q := range []string{rut.FormatDots(f.inRM.run), rut.Format(f.inRM.run), strings.ReplaceAll(rut.Format(f.inRM.run), "-", ""), f.inRM.id} {
		resp, body := c.do("GET", "/search?q="+url.QueryEscape(q), nil)
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/households/"+f.inRM.id {
			t.Errorf("search %q: %d at %s", q, resp.StatusCode, resp.Request.URL)
			continue
		}
		for _, want := range []string{`id="bracket"`, `id="summary"`, `id="history"`, rut.FormatDots(f.inRM.run)} {
			if !strings.Contains(body, want) {
				t.Errorf("household page lacks %q", want)
			}
		}
	}
	if resp, body := c.do("GET", "/search?q=H9999999", nil); resp.StatusCode != 404 || !strings.Contains(body, `id="search-none"`) {
		t.Errorf("search for a missing household: %d", resp.StatusCode)
	}
	// SQL metacharacters are only text.
	if resp, _ := c.do("GET", "/search?q="+url.QueryEscape("' OR 1=1 --"), nil); resp.StatusCode != 404 {
		t.Errorf("SQL metacharacters: %d", resp.StatusCode)
	}
	// By name: a list of the people who match, each linked to their household.
	given, paternal := f.name(t, f.inRM.run)
	q := strings.ToUpper(paternal) + " " + strings.Fields(given)[0]
	resp, body := c.do("GET", "/search?q="+url.QueryEscape(q), nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="search-results"`) || !strings.Contains(body, `href="/households/`+f.inRM.id+`"`) {
		t.Errorf("search by name %q: %d\n%s", q, resp.StatusCode, body)
	}
}

// name returns the given names and first surname of the person with run.
func (f *fixture) name(t *testing.T, run int64) (given, paternal string) {
	t.Helper()
	err := f.d.QueryRowContext(context.Background(), `SELECT given_names, paternal_surname FROM persons WHERE run = ?`, run).Scan(&given, &paternal)
	if err != nil {
		t.Fatal(err)
	}
	return given, paternal
}

func TestXSSInert(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	payload := `"><script>alert(1)</script><img src=x onerror=alert(1)>`
	for _, path := range []string{"/search?q=" + url.QueryEscape(payload), "/households/" + url.PathEscape(payload)} {
		resp, body := c.do("GET", path, nil)
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: payload rendered as markup:\n%s", path, body)
		}
	}
	if _, body := c.do("GET", "/search?q="+url.QueryEscape(payload), nil); !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the search box does not echo the payload escaped")
	}
}

// TestScope: for a regional officer, a household of another region looks
// exactly like one that does not exist, by id and by a member's RUN.
func TestScope(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("rosa")
	if resp, body := c.do("GET", "/households/"+f.inRM.id, nil); resp.StatusCode != 200 || !strings.Contains(body, `id="bracket"`) {
		t.Fatalf("own region's household: %d", resp.StatusCode)
	}
	respOut, bodyOut := c.do("GET", "/households/"+f.outRM.id, nil)
	respNone, bodyNone := c.do("GET", "/households/H9999999", nil)
	// The pages differ only in the path they echo (the language switch's "next").
	if respOut.StatusCode != 404 || respNone.StatusCode != 404 ||
		strings.ReplaceAll(bodyOut, f.outRM.id, "X") != strings.ReplaceAll(bodyNone, "H9999999", "X") {
		t.Errorf("another region's household (%d) differs from a missing one (%d)", respOut.StatusCode, respNone.StatusCode)
	}
	missingRUN := int64(1)
	for ; ; missingRUN++ {
		var n int
		f.d.QueryRowContext(context.Background(), `SELECT count(*) FROM persons WHERE run = ?`, missingRUN).Scan(&n)
		if n == 0 {
			break
		}
	}
	qOut, qNone := rut.FormatDots(f.outRM.run), rut.FormatDots(missingRUN)
	respOut, bodyOut = c.do("GET", "/search?q="+url.QueryEscape(qOut), nil)
	respNone, bodyNone = c.do("GET", "/search?q="+url.QueryEscape(qNone), nil)
	if respOut.StatusCode != 404 || respNone.StatusCode != 404 || strings.ReplaceAll(bodyOut, qOut, "Q") != strings.ReplaceAll(bodyNone, qNone, "Q") {
		t.Errorf("search for another region's RUN (%d) differs from a missing RUN (%d)", respOut.StatusCode, respNone.StatusCode)
	}
	if strings.Contains(bodyOut, f.outRM.id) {
		t.Errorf("the other region's household id leaked")
	}
	// By name, the other region's person is not among the matches.
	given, paternal := f.name(t, f.outRM.run)
	_, body := c.do("GET", "/search?q="+url.QueryEscape(paternal+" "+given), nil)
	if strings.Contains(body, f.outRM.id) || strings.Contains(body, rut.Format(f.outRM.run)) || strings.Contains(body, rut.FormatDots(f.outRM.run)) {
		t.Errorf("a name search shows the other region's person")
	}
}

var (
	householdLink = regexp.MustCompile(`href="/households/([^"]+)"`)
	nextLink      = regexp.MustCompile(`id="next-page" href="([^"]+)"`)
	communeOption = regexp.MustCompile(`<option value="([0-9]+)">`)
)

// TestCommunePages walks every page of the region 13 commune with the most
// households: each household once, as many as the total says.
func TestCommunePages(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	var code string
	var n int
	err := f.d.QueryRowContext(context.Background(), `SELECT h.commune_code, count(*) FROM households h
		JOIN communes c ON c.code = h.commune_code WHERE c.region_code = '13'
		GROUP BY h.commune_code ORDER BY count(*) DESC, h.commune_code LIMIT 1`).Scan(&code, &n)
	if err != nil {
		t.Fatal(err)
	}
	if n <= pageSize {
		t.Fatalf("commune %s has %d households: too few to take several pages of %d", code, n, pageSize)
	}

	// The household page links to its commune; the home page's picker leads there.
	var hid string
	f.d.QueryRowContext(context.Background(), `SELECT household_id FROM households WHERE commune_code = ? LIMIT 1`, code).Scan(&hid)
	if _, body := c.do("GET", "/households/"+hid, nil); !strings.Contains(body, `href="/communes/`+code+`"`) {
		t.Errorf("household page does not link to its commune %s", code)
	}
	resp, body := c.do("GET", "/communes?code="+code, nil)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/communes/"+code {
		t.Fatalf("commune picker: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if want := fmt.Sprintf("Hogares inscritos: %d", n); !strings.Contains(body, want) {
		t.Errorf("commune page lacks %q", want)
	}
	if strings.Contains(body, `id="first-page"`) {
		t.Errorf("the first page links to the first page")
	}

	seen := map[string]bool{}
	pages := 0
	for {
		pages++
		if pages > n {
			t.Fatal("the pages do not end")
		}
		for _, m := range householdLink.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Errorf("household %s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		next := nextLink.FindStringSubmatch(body)
		if next == nil {
			break
		}
		resp, body = c.do("GET", html.UnescapeString(next[1]), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", next[1], resp.StatusCode)
		}
		if !strings.Contains(body, `id="first-page" href="/communes/`+code+`"`) {
			t.Errorf("page %d lacks the first-page link", pages+1)
		}
	}
	if len(seen) != n || pages != (n+pageSize-1)/pageSize {
		t.Errorf("walked %d households in %d pages, want %d in %d", len(seen), pages, n, (n+pageSize-1)/pageSize)
	}
	var inCommune int
	for id := range seen {
		var cc string
		f.d.QueryRowContext(context.Background(), `SELECT commune_code FROM households WHERE household_id = ?`, id).Scan(&cc)
		if cc == code {
			inCommune++
		}
	}
	if inCommune != n {
		t.Errorf("%d of %d listed households are in commune %s", inCommune, n, code)
	}

	// A commune with no households has a helpful empty page; a bad cursor is refused.
	terr := geo.Chile()
	for _, cm := range terr.Communes {
		var k int
		f.d.QueryRowContext(context.Background(), `SELECT count(*) FROM households WHERE commune_code = ?`, cm.Code).Scan(&k)
		if k == 0 {
			if resp, body := c.do("GET", "/communes/"+cm.Code, nil); resp.StatusCode != 200 || !strings.Contains(body, `id="commune-empty"`) {
				t.Errorf("empty commune %s: %d", cm.Code, resp.StatusCode)
			}
			break
		}
	}
	if resp, _ := c.do("GET", "/communes/"+code+"?after=x", nil); resp.StatusCode != 400 {
		t.Errorf("bad cursor: %d, want 400", resp.StatusCode)
	}

	// A national role's picker offers every commune.
	_, body = c.do("GET", "/", nil)
	if got := len(communeOption.FindAllStringSubmatch(body, -1)); got != len(terr.Communes) {
		t.Errorf("the analyst's picker has %d communes, want %d", got, len(terr.Communes))
	}
}

// TestCommuneFilters: each filter lists exactly the households the database
// says pass it, the paging links keep the filter, and a bad filter is
// explained next to its field.
func TestCommuneFilters(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	ctx := context.Background()
	var code string
	var runID int64
	f.d.QueryRowContext(ctx, `SELECT commune_code FROM households GROUP BY commune_code ORDER BY count(*) DESC, commune_code LIMIT 1`).Scan(&code)
	f.d.QueryRowContext(ctx, `SELECT max(id) FROM score_runs`).Scan(&runID)
	for _, tt := range []struct{ query, where string }{
		{"zone=rural", `h.zone = 'rural'`},
		{"female_head=1&min_members=3", `h.members >= 3 AND EXISTS (SELECT 1 FROM persons p WHERE p.household = h.id AND p.relation = 'head' AND p.sex = 'F')`},
		{"bracket=40&bracket=50", fmt.Sprintf(`EXISTS (SELECT 1 FROM score_results r WHERE r.run = %d AND r.household = h.id AND r.bracket <= 50)`, runID)},
	} {
		t.Run(tt.query, func(t *testing.T) {
			want := map[string]bool{}
			rows, err := f.d.QueryContext(ctx, `SELECT h.household_id FROM households h WHERE h.commune_code = ? AND `+tt.where, code)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
				want[id] = true
			}
			rows.Close()
			got := map[string]bool{}
			resp, body := c.do("GET", "/communes/"+code+"?"+tt.query, nil)
			for pages := 1; ; pages++ {
				if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf("%d", len(want))) {
					t.Fatalf("page %d: %d", pages, resp.StatusCode)
				}
				for _, m := range householdLink.FindAllStringSubmatch(body, -1) {
					got[m[1]] = true
				}
				next := nextLink.FindStringSubmatch(body)
				if next == nil {
					break
				}
				link := html.UnescapeString(next[1])
				for _, kv := range strings.Split(tt.query, "&") {
					if !strings.Contains(link, kv) {
						t.Fatalf("the next page %s loses %s", link, kv)
					}
				}
				resp, body = c.do("GET", link, nil)
			}
			if len(want) == 0 || len(got) != len(want) {
				t.Errorf("listed %d households, the database has %d", len(got), len(want))
			}
			for id := range got {
				if !want[id] {
					t.Errorf("household %s does not pass the filter", id)
				}
			}
		})
	}
	resp, body := c.do("GET", "/communes/"+code+"?min_members=9&max_members=2&zone=campo", nil)
	if resp.StatusCode != 400 || !strings.Contains(body, `id="max_members-error"`) || !strings.Contains(body, `id="zone-error"`) ||
		!strings.Contains(body, `id="filter-error"`) || strings.Contains(body, `id="households"`) {
		t.Errorf("bad filter: %d\n%s", resp.StatusCode, body)
	}
	// Every filter error in the page's language (issue 20: "is not a whole
	// number" on a Spanish page).
	resp, body = c.do("GET", "/communes/"+code+"?min_members=dos&max_members=2&zone=campo&female_head=si&bracket=x&run=0", nil)
	if resp.StatusCode != 400 || !strings.Contains(body, `id="min_members-error">no es un número entero: escriba solo dígitos<`) {
		t.Errorf("bad filter in Spanish: %d\n%s", resp.StatusCode, body)
	}
	web.CheckOneLanguage(t, "es", "commune with a bad filter", body)
	resp, body = c.do("GET", "/communes/"+code+"?min_members=9&max_members=2&zone=campo&bracket=45", nil)
	if resp.StatusCode != 400 || !strings.Contains(body, `«campo» no es una zona válida`) || !strings.Contains(body, `id="max_members-error">es menor que`) {
		t.Errorf("bad filter values in Spanish: %d\n%s", resp.StatusCode, body)
	}
	web.CheckOneLanguage(t, "es", "commune with bad filter values", body)
	if resp, body := c.do("GET", "/communes/"+code+"?min_members=50", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="commune-none"`) {
		t.Errorf("a filter nothing passes: %d", resp.StatusCode)
	}
}

// TestCommuneScope: for a regional officer, another region's commune looks
// exactly like a code that is no commune, and the picker offers only their
// region's communes.
func TestCommuneScope(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("rosa")
	terr := geo.Chile()
	var own, other string
	want := map[string]bool{}
	for _, cm := range terr.Communes {
		if cm.RegionCode == "13" {
			want[cm.Code] = true
			own = cm.Code
		} else if other == "" {
			other = cm.Code
		}
	}
	if resp, body := c.do("GET", "/communes/"+own, nil); resp.StatusCode != 200 || !strings.Contains(body, `id="commune-total"`) {
		t.Errorf("own region's commune %s: %d", own, resp.StatusCode)
	}
	respOut, bodyOut := c.do("GET", "/communes/"+other, nil)
	respNone, bodyNone := c.do("GET", "/communes/99999", nil)
	if respOut.StatusCode != 404 || respNone.StatusCode != 404 ||
		strings.ReplaceAll(bodyOut, other, "X") != strings.ReplaceAll(bodyNone, "99999", "X") {
		t.Errorf("another region's commune (%d) differs from a missing one (%d)", respOut.StatusCode, respNone.StatusCode)
	}
	if resp, _ := c.do("GET", "/communes?code="+other, nil); resp.StatusCode != 404 {
		t.Errorf("picking another region's commune by hand: %d, want 404", resp.StatusCode)
	}
	// Filters do not open another region's commune, valid or not.
	for _, q := range []string{"?zone=rural", "?zone=nope", "?bracket=40"} {
		if resp, _ := c.do("GET", "/communes/"+other+q, nil); resp.StatusCode != 404 {
			t.Errorf("another region's commune with %s: %d, want 404", q, resp.StatusCode)
		}
	}

	_, body := c.do("GET", "/", nil)
	got := map[string]bool{}
	for _, m := range communeOption.FindAllStringSubmatch(body, -1) {
		got[m[1]] = true
		if !want[m[1]] {
			t.Errorf("the picker offers commune %s, outside region 13", m[1])
		}
	}
	if len(got) != len(want) || strings.Count(body, "<optgroup") != 1 {
		t.Errorf("the picker offers %d communes in %d groups, want region 13's %d in 1", len(got), strings.Count(body, "<optgroup"), len(want))
	}
}

var (
	runLink     = regexp.MustCompile(`href="/runs/([0-9]+)"`)
	regionRow   = regexp.MustCompile(`<tr data-region="([0-9]+)">`)
	bracketCell = regexp.MustCompile(`<span class="fosis-n[^"]*">([0-9.,]+)</span>`)
)

// TestRunPages: the runs list links to the fixture's run; on its page the
// analyst sees every region, and the table's numbers add up to the run's
// households; a regional officer sees only region 13; an unknown run is not
// found.
func TestRunPages(t *testing.T) {
	f := newFixture(t)
	var runID, households int64
	if err := f.d.QueryRowContext(context.Background(), `SELECT id, households FROM score_runs ORDER BY id DESC LIMIT 1`).Scan(&runID, &households); err != nil {
		t.Fatal(err)
	}
	regions := func(body string) []string {
		var codes []string
		for _, m := range regionRow.FindAllStringSubmatch(body, -1) {
			codes = append(codes, m[1])
		}
		return codes
	}
	page := fmt.Sprintf("/runs/%d", runID)

	t.Run("analyst", func(t *testing.T) {
		c := f.client(t)
		c.signIn("analista")
		_, home := c.do("GET", "/", nil)
		if !strings.Contains(home, `href="/runs" id="nav-runs"`) {
			t.Error("the navigation lacks the runs link")
		}
		resp, body := c.do("GET", "/runs", nil)
		if m := runLink.FindStringSubmatch(body); resp.StatusCode != 200 || m == nil || m[1] != fmt.Sprint(runID) {
			t.Fatalf("GET /runs: %d, first run link %v, want run %d", resp.StatusCode, m, runID)
		}
		resp, body = c.do("GET", page, nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `id="chart"`) || !strings.Contains(body, `id="distribution"`) {
			t.Fatalf("GET %s: %d\n%s", page, resp.StatusCode, body)
		}
		var want []string
		for _, r := range geo.Chile().Regions {
			want = append(want, r.Code)
		}
		if got := regions(body); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("the analyst sees regions %v, want %v", got, want)
		}
		var sum int64
		for _, m := range bracketCell.FindAllStringSubmatch(body, -1) {
			var n int64
			fmt.Sscan(strings.NewReplacer(".", "", ",", "").Replace(m[1]), &n)
			sum += n
		}
		if sum != households {
			t.Errorf("the table's numbers add up to %d, the run has %d households", sum, households)
		}
	})
	t.Run("regional", func(t *testing.T) {
		c := f.client(t)
		c.signIn("rosa")
		resp, body := c.do("GET", page, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", page, resp.StatusCode)
		}
		if got := regions(body); len(got) != 1 || got[0] != "13" {
			t.Errorf("the regional officer of 13 sees regions %v", got)
		}
		if strings.Contains(body, "Valparaíso") {
			t.Error("another region's name leaked")
		}
	})
	t.Run("unknown", func(t *testing.T) {
		c := f.client(t)
		c.signIn("analista")
		resp, body := c.do("GET", fmt.Sprintf("/runs/%d", runID+100), nil)
		if resp.StatusCode != 404 || !strings.Contains(body, `id="error"`) {
			t.Errorf("unknown run: %d, want the 404 page", resp.StatusCode)
		}
	})
}

var dashHouseholds = regexp.MustCompile(`id="dash-households">([0-9.,]+)<`)

// TestDashboard: the analyst's home shows the national number of households
// and the latest run; the regional officer's shows their region's (smaller,
// and what the registry counts under their principal), labelled with its
// name; the administrator sees the newest audit entries; a cooperation
// officer gets the card of modules to come and no search box nor picker.
func TestDashboard(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	households := func(t *testing.T, body string) int64 {
		t.Helper()
		m := dashHouseholds.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the home page has no household count:\n%s", body)
		}
		var n int64
		fmt.Sscan(strings.NewReplacer(".", "", ",", "").Replace(m[1]), &n)
		return n
	}
	var national, runID int64
	if err := f.d.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM households), (SELECT max(id) FROM score_runs)`).Scan(&national, &runID); err != nil {
		t.Fatal(err)
	}

	a := f.client(t)
	a.signIn("analista")
	_, body := a.do("GET", "/", nil)
	if got := households(t, body); got != national {
		t.Errorf("the analyst sees %d households, the registry has %d", got, national)
	}
	if !strings.Contains(body, fmt.Sprintf(`href="/runs/%d" id="dash-run-link"`, runID)) || !strings.Contains(body, `id="dash-share40"`) {
		t.Errorf("the analyst's dashboard lacks the latest run:\n%s", body)
	}
	if strings.Contains(body, `id="dash-audit"`) {
		t.Error("the analyst sees the audit entries")
	}

	r := f.client(t)
	r.signIn("rosa")
	_, body = r.do("GET", "/", nil)
	reg := registry.NewStore(f.d, geo.Chile(), nil)
	rosa := auth.WithPrincipal(ctx, &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"})
	want, _, err := reg.Count(rosa)
	if err != nil {
		t.Fatal(err)
	}
	if got := households(t, body); got != want || got >= national {
		t.Errorf("the regional officer sees %d households, want %d (fewer than the national %d)", got, want, national)
	}
	var regionName string
	for _, g := range geo.Chile().Regions {
		if g.Code == "13" {
			regionName = g.Name
		}
	}
	if !strings.Contains(body, "Social registry · "+regionName+"<") || strings.Contains(body, "whole country") {
		t.Errorf("the regional officer's count is not labelled with the region:\n%s", body)
	}

	ad := f.client(t)
	ad.signIn("adela")
	_, body = ad.do("GET", "/", nil)
	if !strings.Contains(body, `id="dash-audit"`) || !strings.Contains(body, "user.create") || !strings.Contains(body, `href="/audit" id="dash-audit-link"`) {
		t.Errorf("the administrator's dashboard lacks the audit entries:\n%s", body)
	}

	users := auth.NewStore(f.d, time.Now)
	if _, err := users.CreateUser(auth.WithPrincipal(ctx, auth.System()), auth.System(),
		auth.NewUser{Username: "coop", DisplayName: "Cora Cooperación", Role: auth.RoleCooperation, Password: password}); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	resp, body := c.do("POST", "/signin", url.Values{"username": {"coop"}, "password": {password}, "next": {"/"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="dash-modules"`) || !strings.Contains(body, "cooperación internacional") {
		t.Fatalf("the cooperation officer's home: %d\n%s", resp.StatusCode, body)
	}
	for _, no := range []string{`id="q"`, `id="search"`, `id="commune"`, `id="dash-households"`, `id="dash-audit"`} {
		if strings.Contains(body, no) {
			t.Errorf("the cooperation officer's home has %s", no)
		}
	}
}

// TestFailStatuses: every error code a slice returns becomes its own page
// and status, not an internal error; a lost sign-in goes to the sign-in
// page.
func TestFailStatuses(t *testing.T) {
	for _, c := range []struct {
		code   string
		status int
		want   string
	}{
		{fosis.ENOTFOUND, 404, "no existe"},
		{fosis.EFORBIDDEN, 403, "Su rol"},
		{fosis.EINVALID, 400, "no es válida"},
		{fosis.ECONFLICT, 409, "choca con el estado actual"},
		{fosis.EUNAVAILABLE, 503, "está ocupado"},
		{fosis.ELIMITED, 429, "Demasiados intentos"},
		{fosis.EUNAUTHORIZED, 303, ""},
		{fosis.EINTERNAL, 500, "error interno"},
	} {
		rec := httptest.NewRecorder()
		web.FailForTest(rec, httptest.NewRequest("GET", "/calls/x", nil), fosis.Errorf(c.code, "boom"))
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", c.code, rec.Code, c.status, c.want, rec.Body.String())
		}
	}
}

// TestSessionAccountRow: the session row names its account (read with it
// in one query); a row that does not (written before migration 00015)
// still signs its user in, and signing out clears it.
func TestSessionAccountRow(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	ctx := context.Background()
	var uid sql.NullInt64
	var want int64
	if err := f.d.QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'analista'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if err := f.d.QueryRowContext(ctx, `SELECT user_id FROM sessions WHERE token = ?`, c.cookie()).Scan(&uid); err != nil || !uid.Valid || uid.Int64 != want {
		t.Fatalf("the session row names account %v (%v), want %d", uid, err, want)
	}
	if _, err := f.d.ExecContext(ctx, `UPDATE sessions SET user_id = NULL WHERE token = ?`, c.cookie()); err != nil {
		t.Fatal(err)
	}
	if resp, body := c.do("GET", "/households/"+f.inRM.id, nil); resp.StatusCode != 200 || !strings.Contains(body, `id="user"`) {
		t.Fatalf("a session row without its account: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	// The account disabled: the next page view is signed out, with the
	// account read in the same query as the session.
	if _, err := f.d.ExecContext(ctx, `UPDATE sessions SET user_id = ? WHERE token = ?`, want, c.cookie()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.ExecContext(ctx, `UPDATE users SET active = 0 WHERE id = ?`, want); err != nil {
		t.Fatal(err)
	}
	if resp, _ := c.do("GET", "/households/"+f.inRM.id, nil); resp.Request.URL.Path != "/signin" {
		t.Fatalf("a disabled account's session still shows pages (%d at %s)", resp.StatusCode, resp.Request.URL)
	}
	if err := f.d.QueryRowContext(ctx, `SELECT user_id FROM sessions WHERE token = ?`, c.cookie()).Scan(&uid); err != nil || uid.Valid {
		t.Errorf("after the account was disabled the session row still names %v (%v)", uid, err)
	}
}
