package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/scopetest"
	"github.com/fosis/fosis/internal/web"
)

// TestPaymentScreens opens the payments, payment runs and contracts pages
// in Chromium as a finance officer and as a regional officer, at 360 and
// 1366 px: no page is wider than the window, and axe-core (when present)
// finds no serious or critical problem.
func TestPaymentScreens(t *testing.T) {
	if testing.Short() {
		t.Skip("opens pages in a browser")
	}
	axeSrc, _ := axeSource()
	ctx := browserFor(t, 5*time.Minute)
	injectAxe(t, ctx, axeSrc)
	w := scopetest.New(t)
	fundsWorld(t, w)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	if _, err := w.Users.CreateUser(sys, auth.System(), auth.NewUser{Username: "fiona", DisplayName: "Fiona Finanzas", Role: auth.RoleFinance,
		Password: scopetest.Password}); err != nil {
		t.Fatal(err)
	}
	fs := funds.New(w.DB)
	fs.AgencyOf = w.Programs.AgencyOf
	s, err := web.New(web.Config{DB: w.DB, Registry: w.Registry, Targeting: w.Targeting, Programs: w.Programs, Users: w.Users,
		Cooperation: w.Cooperation, Knowledge: w.Knowledge, Delivery: w.Delivery, Funds: fs, Jobs: w.Jobs, PageSize: 5, UploadDir: t.TempDir(), MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	dir := os.Getenv("FOSIS_SCREENSHOTS") // screenshots only when asked for
	for _, u := range []struct {
		user  string
		role  auth.Role
		pages []string
	}{
		{"fiona", auth.RoleFinance, []string{"/funds", "/funds/payments", "/funds/payruns", "/funds/payruns/1", "/funds/contracts", "/funds/contracts/13"}},
		{scopetest.Officer, auth.RoleRegional, []string{"/funds/contracts", "/funds/contracts/13"}},
	} {
		t.Run(u.user, func(t *testing.T) {
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
			for _, p := range u.pages {
				checkScreen(t, ctx, srv.URL, p, u.user, u.role, "", axeSrc != "", dir)
			}
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/signout"]').submit()`),
				chromedp.WaitVisible(chromedp.CSS("#username"))); err != nil {
				t.Fatal(err)
			}
		})
	}
}
