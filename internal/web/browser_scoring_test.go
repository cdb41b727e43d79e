package web_test

import (
	"context"
	"fmt"
	"os"
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
// its communes' map.
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
}
