package web_test

import (
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/scopetest"
	"github.com/fosis/fosis/internal/web"
)

// TestResultsScreens opens the results pages in Chromium as the analyst and
// the regional officer, at 1366 and 360 px: no page is wider than the
// window (the funnel chart, the map and the sparklines shrink; tables
// scroll inside their frame), with axe-core when it is installed.
func TestResultsScreens(t *testing.T) {
	if testing.Short() {
		t.Skip("opens pages in a browser")
	}
	axeSrc, _ := axeSource()
	w := scopetest.New(t)
	rs := resultsWorld(t, w)
	s, err := web.New(web.Config{DB: w.DB, Registry: w.Registry, Targeting: w.Targeting, Programs: w.Programs, Users: w.Users,
		Delivery: w.Delivery, Results: rs})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	dir := os.Getenv("FOSIS_SCREENSHOTS") // screenshots only when asked for
	for _, u := range []struct {
		user string
		role auth.Role
	}{{"analista", auth.RoleAnalyst}, {scopetest.Officer, auth.RoleRegional}} {
		t.Run(u.user, func(t *testing.T) {
			// A browser of its own per user (its clock starts after the
			// world is built).
			ctx := browserFor(t, 3*time.Minute)
			injectAxe(t, ctx, axeSrc)
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(1366, 900),
				chromedp.Navigate(srv.URL+"/signin"),
				chromedp.WaitVisible(chromedp.CSS("#username")),
				chromedp.SendKeys(chromedp.CSS("#username"), u.user),
				chromedp.SendKeys(chromedp.CSS("#password"), scopetest.Password),
				chromedp.Click(chromedp.CSS("#signin")),
				chromedp.WaitVisible(chromedp.CSS("nav #user")),
			); err != nil {
				t.Fatalf("sign in: %v", err)
			}
			for _, target := range []string{"/results/funnel", "/results/funnel?by=call", "/results/funnel?region=13", "/results/focalisation?call=walk-propia", "/results/indicators"} {
				checkScreen(t, ctx, srv.URL, target, u.user, u.role, "", axeSrc != "", dir)
			}
		})
	}
}
