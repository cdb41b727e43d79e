package web_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/platform/rut"
)

const chromium = "/usr/bin/chromium"

// browser starts Debian's Chromium headless (never a downloaded browser) and
// returns a tab's context.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 5*time.Minute)
}

// browserFor is browser for a test that may take longer than five minutes.
func browserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
		// Bootstrap scrolls smoothly unless motion is reduced: a click on an
		// element below the fold then lands where it was before the scroll.
		chromedp.Flag("force-prefers-reduced-motion", true))
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelA)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	return bctx
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestBrowser drives a real browser through the staff's first minutes: sign
// in, search a household by RUN written with dots, read its bracket and the
// explanation of its score, switch to English; then a regional officer tries
// a household of another region and gets what a missing one gives.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	signIn := func(user string) {
		t.Helper()
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
	}
	signIn("analista")
	err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#q"), rut.FormatDots(f.inRM.run)),
		chromedp.Click(chromedp.CSS("#search")),
		chromedp.WaitVisible(chromedp.CSS("#bracket")),
	)
	if err != nil {
		t.Fatalf("search by RUN: %v", err)
	}
	if got := text(t, ctx, "#household-id"); got != "Hogar "+f.inRM.id {
		t.Errorf("household page title %q, want Hogar %s", got, f.inRM.id)
	}
	if b := text(t, ctx, "#bracket"); !strings.HasSuffix(b, "%") {
		t.Errorf("bracket %q", b)
	}
	if s := text(t, ctx, "#summary"); !strings.Contains(s, "percentil") {
		t.Errorf("Spanish explanation %q", s)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil && os.Getenv("FOSIS_SCREENSHOTS") != "" {
		os.WriteFile(os.Getenv("FOSIS_SCREENSHOTS")+"/household-es.png", png, 0o644)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[name=lang][value=en]`)),
		// Wait for the new page, not the old one still on screen.
		chromedp.WaitVisible(chromedp.CSS(`html[lang=en] #bracket`)),
	)
	if err != nil {
		t.Fatalf("switch to English: %v", err)
	}
	if got := text(t, ctx, "#household-id"); got != "Household "+f.inRM.id {
		t.Errorf("after the language switch the title is %q", got)
	}
	if s := text(t, ctx, "#summary"); !strings.Contains(s, "percentile") {
		t.Errorf("English explanation %q", s)
	}

	// The run's page draws its bracket chart without any script.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/runs/1"), chromedp.WaitVisible(chromedp.CSS("svg"))); err != nil {
		t.Fatalf("run page: %v", err)
	}
	if dir := os.Getenv("FOSIS_SCREENSHOTS"); dir != "" {
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(dir+"/run-en.png", png, 0o644)
		}
	}

	// A fresh browser profile for the regional officer of region 13.
	ctx = browser(t)
	signIn("rosa")
	err = chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/households/"+f.outRM.id), chromedp.WaitVisible(chromedp.CSS("#error")))
	if err != nil {
		t.Fatalf("another region's household: %v", err)
	}
	outside := text(t, ctx, "#error")
	err = chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/households/NO-SUCH-ID"), chromedp.WaitVisible(chromedp.CSS("#error")))
	if err != nil {
		t.Fatal(err)
	}
	if missing := text(t, ctx, "#error"); strings.ReplaceAll(outside, f.outRM.id, "NO-SUCH-ID") != missing {
		t.Errorf("another region's household shows %q, a missing one %q: they must look the same", outside, missing)
	}
}
