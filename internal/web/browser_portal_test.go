package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/natid"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
	"github.com/fosis/fosis/internal/web"
)

// TestPortalScreens signs a person in to the portal in Chromium through a
// real OpenID Connect provider (mockoidc) and opens every portal page at
// 1366 and 360 px: none is wider than the window, and axe-core (when
// installed) finds no WCAG violation, the correction form with its errors
// included; and the apply flow is done with the keyboard only.
func TestPortalScreens(t *testing.T) {
	if testing.Short() {
		t.Skip("opens pages in a browser")
	}
	axeSrc, _ := axeSource()
	sys := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 40, 5)
	tgt := targeting.NewStore(d, reg, nil)
	if _, err := tgt.ScoreAll(sys, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil); err != nil {
		t.Fatal(err)
	}
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
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
	var run int64
	var commune string
	if err := d.QueryRowContext(sys, `SELECT p.run, h.commune_code FROM persons p JOIN households h ON h.id = p.household WHERE p.relation = 'head' ORDER BY p.run LIMIT 1`).Scan(&run, &commune); err != nil {
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
	w, err := web.New(web.Config{DB: d, Registry: reg, Targeting: tgt, Users: auth.NewStore(d, time.Now), Programs: prog,
		Delivery: delivery.NewStore(d, prog, reg, nil, nil),
		Portal:   portal.NewStore(d, reg, tgt, nil), PortalOIDC: prov, PortalOIDCName: "ClaveÚnica"})
	if err != nil {
		t.Fatal(err)
	}
	h = w.Handler()
	dir := os.Getenv("FOSIS_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	ctx := browserFor(t, 3*time.Minute)
	if axeSrc != "" {
		if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: axeSrc})
			return err
		})); err != nil {
			t.Fatal(err)
		}
	}
	checkScreen(t, ctx, srv.URL, "/portal", "persona", auth.RoleCitizen, "", axeSrc != "", dir)
	m.QueueUser(&citizenUser{*mockoidc.DefaultUser(), rut.FormatDots(run)})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(srv.URL+"/portal/signin"),
		chromedp.WaitVisible(chromedp.CSS("#portal-bracket"))); err != nil {
		t.Fatalf("signing in: %v", err)
	}
	for _, target := range []string{"/portal", "/portal/correction", "/portal/calls", "/portal/applications", "/portal/programme"} {
		checkScreen(t, ctx, srv.URL, target, "persona", auth.RoleCitizen, "", axeSrc != "", dir)
	}
	// The correction form with its errors, and "my household" after asking.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(srv.URL+"/portal/correction"),
		chromedp.WaitVisible(chromedp.CSS("#correction-submit")), chromedp.Click(chromedp.CSS("#correction-submit")),
		chromedp.WaitVisible(chromedp.CSS("#what-err"))); err != nil {
		t.Fatalf("an empty correction: %v", err)
	}
	if axeSrc != "" {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Errorf("the correction form's errors: axe-core: %v", err)
		}
		for _, s := range v {
			t.Errorf("the correction form's errors: axe-core: %s", s)
		}
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#what"), "Mi apellido es Díaz."), chromedp.Click(chromedp.CSS("#correction-submit")),
		chromedp.WaitVisible(chromedp.CSS("#corrected"))); err != nil {
		t.Fatalf("asking for a correction: %v", err)
	}
	checkScreen(t, ctx, srv.URL, "/portal?corrected=1", "persona", auth.RoleCitizen, "", axeSrc != "", dir)

	// The apply flow with the keyboard only: Tab to the consent, Space,
	// Tab to the phone, type, Tab to the button, Enter.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800), chromedp.Navigate(srv.URL+"/portal/calls"),
		chromedp.WaitVisible(chromedp.CSS("#submit-todos-2026"))); err != nil {
		t.Fatal(err)
	}
	tabTo := func(id string) {
		t.Helper()
		for range 60 {
			focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
			if err != nil {
				t.Fatal(err)
			}
			if focused == id {
				return
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("Tab never reaches #%s", id)
	}
	tabTo("consent-todos-2026")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(" ")); err != nil {
		t.Fatal(err)
	}
	tabTo("phone-todos-2026")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("+56 9 1234 5678")); err != nil {
		t.Fatal(err)
	}
	tabTo("submit-todos-2026")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS("#applied"))); err != nil {
		t.Fatalf("applying with the keyboard: %v", err)
	}
}
