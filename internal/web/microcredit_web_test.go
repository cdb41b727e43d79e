package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/web"
)

// TestMicrocreditPages: an institution's user reports loans by CSV (a bad
// file is refused naming its rows, nothing stored), sees only its
// institution and cannot settle; the finance officer settles a month, sees
// the commitment in the envelope's movements and the execution report, and
// downloads them as XLSX; a regional officer is refused.
// microcreditFixture is a web application with a microcredit envelope, two
// institutions with agreements, a finance officer (fiona), the first
// institution's user (ines) and a regional officer (rosa).
func microcreditFixture(t *testing.T) (*fixture, *funds.Store) {
	ctx := context.Background()
	d, reg := registrytest.Imported(t, 20, 1)
	users := auth.NewStore(d, time.Now)
	made := map[string]*auth.User{}
	for _, nu := range []auth.NewUser{
		{Username: "fiona", DisplayName: "Fiona Finanzas", Role: auth.RoleFinance, Password: password},
		{Username: "ines", DisplayName: "Inés Institución", Role: auth.RoleInstitution, Password: password},
		{Username: "rosa", DisplayName: "Rosa Regional", Role: auth.RoleRegional, RegionCode: "13", Password: password},
	} {
		u, err := users.CreateUser(ctx, auth.System(), nu)
		if err != nil {
			t.Fatal(err)
		}
		made[nu.Username] = u
	}
	fs := funds.New(d)
	fs.Borrowers = func(_ context.Context, runs []int64) (map[int64]funds.Borrower, error) {
		out := map[int64]funds.Borrower{}
		for _, r := range runs {
			out[r] = funds.Borrower{Found: true, Scored: true, Bracket: 40}
		}
		return out, nil
	}
	sys := auth.WithPrincipal(ctx, auth.System())
	k := funds.Key{Year: 2026, Line: "microcredito", Region: "13"}
	if _, err := fs.Assign(sys, k, 10_000_000, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Allocate(sys, k, "MC-2026", 5_000_000, ""); err != nil {
		t.Fatal(err)
	}
	for i, c := range []string{"fundacion", "otra"} {
		if _, err := fs.CreateInstitution(sys, funds.Institution{Code: c, Name: "Institución " + c, Kind: funds.Foundation, TaxID: []string{"76.000.000-0", "76.000.001-9"}[i]}); err != nil {
			t.Fatal(err)
		}
		if _, err := fs.CreateAgreement(sys, funds.Agreement{Institution: c, Call: "MC-2026", StartsOn: "2026-01-01", EndsOn: "2026-12-31", Cap: 1_000_000,
			Bands: []funds.Band{{Min: 1, Max: 1_000_000, Subsidy: 20_000}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.AddInstitutionStaff(sys, "fundacion", made["ines"]); err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Config{DB: d, Users: users, Funds: fs, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: httptest.NewServer(w.Handler()), d: d}
	t.Cleanup(f.srv.Close)
	return f, fs
}

func TestMicrocreditPages(t *testing.T) {
	f, _ := microcreditFixture(t)
	signIn := func(user string) *client {
		c := f.client(t)
		if resp, body := c.do("POST", "/signin", url.Values{"username": {user}, "password": {password}, "next": {"/"}}); resp.StatusCode != 200 {
			t.Fatalf("sign-in as %s: %d\n%s", user, resp.StatusCode, body)
		}
		return c
	}
	has := func(body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("no %q in\n%s", w, body)
			}
		}
	}

	ines := signIn("ines")
	resp, body := ines.do("GET", "/funds/institutions", nil)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/funds/institutions/fundacion" {
		t.Fatalf("institution's list: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	has(body, `id="nav-microcredit"`, `id="mc-import"`)
	if strings.Contains(body, `id="mc-settle"`) {
		t.Error("an institution's user is offered to settle")
	}
	resp, body = ines.uploadCSV("/funds/institutions/fundacion/loans", "run;amount;placed_on;term_months;business_since\n1-9;300000;2026-03-05;12;2020-01-01\n"+rut.Format(12345678)+";abc;2026-03-06;12;2020-01-01\n")
	if resp.StatusCode != 400 {
		t.Fatalf("bad file: %d", resp.StatusCode)
	}
	has(body, `id="mc-problems"`, "fila 2, amount", "no se guardó nada")
	resp, body = ines.uploadCSV("/funds/institutions/fundacion/loans", "run;amount;placed_on;term_months;business_since\n1-9;300000;2026-03-05;12;2020-01-01\n"+rut.Format(12345678)+";400000;2026-03-06;12;2020-01-01\n")
	if resp.StatusCode != 200 {
		t.Fatalf("good file: %d\n%s", resp.StatusCode, body)
	}
	has(body, `id="mc-done"`, "1-9", "$20.000")
	if resp, _ := ines.do("GET", "/funds/institutions/otra", nil); resp.StatusCode != 404 {
		t.Errorf("another institution: %d", resp.StatusCode)
	}
	if resp, _ := ines.do("POST", "/funds/institutions/fundacion/settlements", url.Values{"month": {"2026-03"}}); resp.StatusCode != 403 {
		t.Errorf("an institution settles: %d", resp.StatusCode)
	}

	fiona := signIn("fiona")
	resp, body = fiona.do("POST", "/funds/institutions/fundacion/settlements", url.Values{"month": {"2026-03"}})
	if resp.StatusCode != 200 {
		t.Fatalf("settle: %d\n%s", resp.StatusCode, body)
	}
	has(body, `id="mc-done"`, "$40.000")
	resp, body = fiona.do("POST", "/funds/institutions/fundacion/settlements", url.Values{"month": {"2026-03"}})
	if resp.StatusCode != 409 {
		t.Fatalf("settle again: %d", resp.StatusCode)
	}
	has(body, "ya está liquidado")
	_, body = fiona.do("GET", "/funds/envelopes/MC-2026", nil)
	has(body, "microcredit fundacion 2026-03", "compromiso")
	_, body = fiona.do("GET", "/funds/execution?year=2026", nil)
	has(body, `id="ex-table"`, `id="ex-chart"`, "$40.000")
	for _, path := range []string{"/funds/execution?year=2026&format=xlsx", "/funds/envelopes/MC-2026?format=xlsx",
		"/funds/institutions/fundacion?format=xlsx&table=loans", "/funds/institutions/fundacion?format=xlsx&table=settlements"} {
		resp, body := fiona.do("GET", path, nil)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(body, "PK") {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	rosa := signIn("rosa")
	if resp, _ := rosa.do("GET", "/funds/institutions", nil); resp.StatusCode != 403 {
		t.Errorf("regional on institutions: %d", resp.StatusCode)
	}
	if resp, body := rosa.do("GET", "/funds/execution?year=2026", nil); resp.StatusCode != 200 || !strings.Contains(body, "microcredito") {
		t.Errorf("regional on her region's execution: %d", resp.StatusCode)
	}
}

// TestMicrocreditScreens loads the execution, envelope and institution
// pages in Chromium at 360 and 1366 px: none is wider than the window.
func TestMicrocreditScreens(t *testing.T) {
	if testing.Short() {
		t.Skip("a browser")
	}
	ctx := browserFor(t, 3*time.Minute)
	f, fs := microcreditFixture(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	if _, err := fs.ReportLoans(sys, "fundacion", []funds.LoanInput{{RUN: rut.Format(11_111_111), Amount: 300_000, PlacedOn: "2026-03-05", TermMonths: 12, BusinessSince: "2020-01-01"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Settle(sys, "fundacion", "2026-03"); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(f.srv.URL+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "fiona"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("nav #user")),
	)
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("FOSIS_SCREENSHOTS") // screenshots only when asked for
	for _, target := range []string{"/funds", "/funds/execution?year=2026", "/funds/envelopes/MC-2026", "/funds/institutions", "/funds/institutions/fundacion"} {
		checkScreen(t, ctx, f.srv.URL, target, "fiona", auth.RoleFinance, "", false, dir)
	}
}
