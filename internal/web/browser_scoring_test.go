package web_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// browserSignIn signs user in on a fresh browser tab.
func browserSignIn(t *testing.T, f *fixture, user string) context.Context {
	t.Helper()
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#q")),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
	return ctx
}

// screenshot saves the page as FOSIS_SCREENSHOTS/name.png when that
// variable names a folder.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("FOSIS_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(dir+"/"+name+".png", png, 0o644)
}

// TestBrowserScoring: the analyst opens a run's map, follows a region to
// its communes' map, then runs a what-if with an edited model and reads the
// result table.
func TestBrowserScoring(t *testing.T) {
	f := newFixture(t)
	runID := latestRun(t, f)
	ctx := browserSignIn(t, f, "analista")
	err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/runs/%d", f.srv.URL, runID)),
		chromedp.Click(chromedp.CSS("#run-map-link")),
		chromedp.WaitVisible(chromedp.CSS("#map #area-13")),
	)
	if err != nil {
		t.Fatalf("the run's map: %v", err)
	}
	// The map's own style sheet loads under the CSP.
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`Array.from(document.styleSheets).some(s => (s.href || "").includes("scoring.css") && s.cssRules.length > 0)`)); err != nil || !ok {
		t.Errorf("scoring.css is not applied (%v)", err)
	}
	screenshot(t, ctx, "map-regions-es")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#map-table tr[data-code="05"] a`)),
		chromedp.WaitVisible(chromedp.CSS("#map #area-05201")),
	)
	if err != nil {
		t.Fatalf("a region's communes: %v", err)
	}
	screenshot(t, ctx, "map-communes-05-es")
	for _, region := range []string{"13", "12"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/runs/%d/map/%s", f.srv.URL, runID, region)),
			chromedp.WaitVisible(chromedp.CSS("#map"))); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "map-communes-"+region+"-es")
	}

	// The diff of the fixture's run and a second one, with the pmt model.
	second := secondRun(t, f)
	err = chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/runs"),
		chromedp.Click(chromedp.CSS("#runs-diff-link")),
		chromedp.WaitVisible(chromedp.CSS("#matrix")),
	)
	if err != nil {
		t.Fatalf("the diff page: %v", err)
	}
	if s := text(t, ctx, "#diff-summary-h"); !strings.Contains(s, fmt.Sprintf("%d → proceso %d", runID, second)) {
		t.Errorf("the diff compares %q, want run %d to %d", s, runID, second)
	}
	screenshot(t, ctx, "diff-es")

	// A what-if with the model's equivalence exponent changed in the form.
	exponent := chromedp.CSS(`[id="f-params.equivalence_exponent"]`)
	err = chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/runs"),
		chromedp.Click(chromedp.CSS("#runs-whatif-link")),
		chromedp.WaitVisible(exponent),
	)
	if err != nil {
		t.Fatalf("the what-if form: %v", err)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(exponent)); err != nil || v != "0.7" {
		t.Fatalf("the form's equivalence exponent: %q, %v", v, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(exponent, "0,4"),
		chromedp.Click(chromedp.CSS("#whatif-run")),
		chromedp.WaitVisible(chromedp.CSS("#whatif-result #moves")),
	)
	if err != nil {
		t.Fatalf("run the what-if: %v", err)
	}
	if s := text(t, ctx, "#whatif-summary"); !strings.Contains(s, "cambiarían de tramo") || !strings.Contains(s, "No se guardó nada") {
		t.Errorf("what-if summary %q", s)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#moves tbody tr")).map(r => r.dataset.region)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 16 {
		t.Errorf("the what-if's table has %d regions, want 16", len(rows))
	}
	screenshot(t, ctx, "whatif-es")

	// The regional officer of 13 (who reads English) gets their region's
	// communes on the map, and no what-if.
	ctx = browserSignIn(t, f, "rosa")
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/runs/%d", f.srv.URL, runID)),
		chromedp.Click(chromedp.CSS("#run-map-link")),
		chromedp.WaitVisible(chromedp.CSS("#map #area-13101")),
	)
	if err != nil {
		t.Fatalf("the regional officer's map: %v", err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#map path[id^=area-]").length`)); err != nil || n != 52 {
		t.Errorf("the regional officer's map has %d communes (%v), want region 13's 52", n, err)
	}
	screenshot(t, ctx, "map-communes-13-en-regional")
}
