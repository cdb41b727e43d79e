package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	mpart "mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/natid"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
	"github.com/fosis/fosis/internal/web"
)

type citizenUser struct {
	mockoidc.MockUser
	run string
}

func (u *citizenUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &struct {
		*mockoidc.IDTokenClaims
		RUN string `json:"run"`
	}{base, u.run}, nil
}

// TestPortal: a person signs in through a real OpenID Connect provider,
// sees their household and bracket, downloads their statement, and is a
// stranger to the staff pages; a forged callback is refused with a way to
// start again; someone not in the registry is told how to register.
func TestPortal(t *testing.T) {
	sys := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 60, 9)
	tgt := targeting.NewStore(d, reg, nil)
	if _, err := tgt.ScoreAll(sys, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil); err != nil {
		t.Fatal(err)
	}
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer srv.Close()
	cfg := m.Config()
	prov, err := portal.NewProvider(context.Background(), portal.OIDCConfig{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: srv.URL + "/portal/callback", IDClaim: "run"}, natid.Chile())
	if err != nil {
		t.Fatal(err)
	}
	prog := programs.NewStore(d, reg, tgt, nil)
	if _, err := prog.SeedCatalogue(sys); err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Config{DB: d, Registry: reg, Targeting: tgt, Users: auth.NewStore(d, time.Now), Programs: prog,
		Portal: portal.NewStore(d, reg, tgt, nil), PortalOIDC: prov, PortalOIDCName: "ClaveÚnica",
		PortalRate: web.PortalRate{ApplyPerPerson: 100, ApplyPerAddress: 100, StatementPerPerson: 1, StatementPerAddress: 100}})
	if err != nil {
		t.Fatal(err)
	}
	h = w.Handler()
	var run int64
	var hid, commune string
	if err := d.QueryRowContext(sys, `SELECT p.run, h.household_id, h.commune_code FROM persons p JOIN households h ON h.id = p.household WHERE p.relation = 'head' ORDER BY p.run LIMIT 1`).Scan(&run, &hid, &commune); err != nil {
		t.Fatal(err)
	}
	var scoring int64
	if err := d.QueryRowContext(sys, `SELECT MAX(id) FROM score_runs`).Scan(&scoring); err != nil {
		t.Fatal(err)
	}
	if _, err := prog.CreateCall(sys, programs.CallInput{Code: "todos-2026", Title: "Convocatoria abierta", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-12-31", Run: scoring, BudgetCLP: 575_000, Communes: map[string]int{commune: 1},
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "scored", NameES: "Con calificación", NameEN: "Scored", Expr: "scored"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := prog.SetStatus(sys, "todos-2026", programs.StatusOpen); err != nil {
		t.Fatal(err)
	}
	browser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar}
	}
	get := func(c *http.Client, path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept-Language", "es")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return res, b.String()
	}

	c := browser()
	if _, body := get(c, "/portal"); !strings.Contains(body, `id="portal-signin"`) || !strings.Contains(body, "Ingresar con ClaveÚnica") {
		t.Fatalf("the portal before signing in:\n%s", body)
	}
	m.QueueUser(&citizenUser{*mockoidc.DefaultUser(), rut.FormatDots(run)})
	res, body := get(c, "/portal/signin")
	if res.Request.URL.Path != "/portal" || !strings.Contains(body, hid) || !strings.Contains(body, `id="portal-bracket"`) || !strings.Contains(body, `id="portal-summary"`) {
		t.Fatalf("after signing in (%s): %s", res.Request.URL, body)
	}
	res, body = get(c, "/portal/statement.pdf")
	if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Errorf("the statement: %s %q", res.Header.Get("Content-Type"), body[:min(20, len(body))])
	}
	// One statement an hour for this person: the second is refused, saying when to try again.
	if res, body := get(c, "/portal/statement.pdf"); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "demasiados intentos") {
		t.Errorf("a second statement: %d, Retry-After %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	// The open call, applied to online with consent.
	if _, body := get(c, "/portal/calls"); !strings.Contains(body, `id="apply-todos-2026"`) {
		t.Fatalf("the open calls:\n%s", body)
	}
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Accept-Language", "es")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	if res, body := post("/portal/calls/todos-2026/apply", url.Values{"phone": {"12ab"}}); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `id="consent-err-todos-2026"`) || !strings.Contains(body, `id="phone-err-todos-2026"`) || !strings.Contains(body, `value="12ab"`) {
		t.Errorf("applying without consent: %d\n%s", res.StatusCode, body)
	}
	if res, body := post("/portal/calls/todos-2026/apply", url.Values{"consent": {"yes"}, "phone": {"+56 9 1234 5678"}}); res.Request.URL.Path != "/portal/applications" ||
		!strings.Contains(body, `id="applied"`) || !strings.Contains(body, "todos-2026") {
		t.Errorf("applying: %s\n%s", res.Request.URL, body)
	}
	// The application withdrawn while it waits for the selection.
	var appID int64
	if err := d.QueryRowContext(sys, `SELECT id FROM applications WHERE person_run = ? AND status = 'submitted'`, run).Scan(&appID); err != nil {
		t.Fatal(err)
	}
	if res, body := post(fmt.Sprintf("/portal/applications/%d/withdraw", appID), url.Values{}); res.Request.URL.Path != "/portal/applications" ||
		!strings.Contains(body, `id="withdrawn"`) || strings.Contains(body, fmt.Sprintf(`id="withdraw-%d"`, appID)) {
		t.Errorf("withdrawing: %s\n%s", res.Request.URL, body)
	}
	if res, body := post(fmt.Sprintf("/portal/applications/%d/withdraw", appID), url.Values{}); res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="withdraw-error"`) {
		t.Errorf("withdrawing again: %d\n%s", res.StatusCode, body)
	}
	// A correction with a supporting document; then its state on "my household".
	multipart := func(what, file string, data []byte) (*http.Response, string) {
		t.Helper()
		var b bytes.Buffer
		mw := mpart.NewWriter(&b)
		mw.WriteField("what", what)
		if file != "" {
			fw, _ := mw.CreateFormFile("evidence", file)
			fw.Write(data)
		}
		mw.Close()
		req, _ := http.NewRequest("POST", srv.URL+"/portal/correction", &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Accept-Language", "es")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	if _, body := get(c, "/portal/correction"); !strings.Contains(body, `id="correction-form"`) {
		t.Errorf("the correction form:\n%s", body)
	}
	if res, body := multipart("  ", "virus.exe", []byte("MZ\x90binary")); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `id="what-err"`) || !strings.Contains(body, "cuente qué dato") {
		t.Errorf("an empty correction: %d\n%s", res.StatusCode, body)
	}
	if res, body := multipart("Mi apellido es Díaz, no Díez.", "cedula.pdf", []byte("%PDF-1.4\n")); res.Request.URL.Path != "/portal" ||
		!strings.Contains(body, `id="corrected"`) || !strings.Contains(body, "Mi apellido es Díaz, no Díez.") || !strings.Contains(body, "En revisión") {
		t.Errorf("asking for a correction: %s\n%s", res.Request.URL, body)
	}
	if res, _ := get(c, "/search?q="+hid); res.Request.URL.Path != "/signin" {
		t.Errorf("a staff page with a citizen's session ended at %s, want the staff sign-in", res.Request.URL)
	}

	// A callback this browser did not start.
	res, body = get(browser(), "/portal/callback?state=forged&code=whatever")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `id="portal-error"`) || !strings.Contains(body, "vuelva a empezar") {
		t.Errorf("a forged callback: %d\n%s", res.StatusCode, body)
	}
	// Someone the registry does not know.
	c2 := browser()
	m.QueueUser(&citizenUser{*mockoidc.DefaultUser(), "1-9"})
	if _, body := get(c2, "/portal/signin"); !strings.Contains(body, `id="portal-register"`) {
		t.Errorf("a person not in the registry:\n%s", body)
	}
}
