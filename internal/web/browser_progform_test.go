package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/platform/auth"
)

// TestBrowserProgramForm: at 360 px, an analyst adds a "commune in" rule to
// a programme with the rule builder (no JavaScript: the row comes back from
// the server), saves the version, and the page is no wider than the
// window; axe-core (when installed) finds no serious problem in the form,
// nor in the new-call form with a reserved share added, nor in the
// what-if's model form.
func TestBrowserProgramForm(t *testing.T) {
	ctx := browser(t)
	f := newProgrammesFixture(t)
	axeSrc, _ := axeSource()
	if axeSrc != "" {
		err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: axeSrc})
			return err
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 800),
		chromedp.Navigate(f.srv.URL+"/programs/yo-trabajo"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "analista"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#program-form")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	fits := func(what string) {
		t.Helper()
		c, err := chromedp.Run(ctx, chromedp.Evaluate[screenCheck](pageTextJS+";"+screenJS))
		if err != nil {
			t.Fatal(err)
		}
		if c.ScrollWidth > c.InnerWidth {
			t.Errorf("%s at 360 px: the page is %d px wide: %s", what, c.ScrollWidth, strings.Join(c.Wide, ", "))
		}
	}
	fits("the programme page")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#rules-new-kind"), "commune_in"),
		chromedp.Click(chromedp.CSS("#rules-add")), chromedp.WaitVisible(chromedp.CSS("#rules-3-list"))); err != nil {
		t.Fatalf("add a rule: %v", err)
	}
	fits("the form with a new rule")
	if axeSrc != "" {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Errorf("axe-core: %v", err)
		}
		for _, s := range v {
			t.Errorf("axe-core: %s", s)
		}
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#rules-3-list"), f.commune),
		chromedp.Click(chromedp.CSS("#program-save")), chromedp.WaitVisible(chromedp.CSS("#program-saved"))); err != nil {
		t.Fatalf("save: %v", err)
	}
	if s := text(t, ctx, "#rules-3 .rule-cel code"); s != `commune in ["`+f.commune+`"]` {
		t.Errorf("the saved rule writes %q", s)
	}
	// The new-call form, with a reserved share from the builder.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/calls/new"), chromedp.WaitVisible(chromedp.CSS("#call-form")),
		chromedp.SetValue(chromedp.CSS("#reserved-new-kind"), "sex"), chromedp.Click(chromedp.CSS("#reserved-add")),
		chromedp.WaitVisible(chromedp.CSS("#reserved-0-share"))); err != nil {
		t.Fatalf("the new-call form: %v", err)
	}
	fits("the new-call form")
	if axeSrc != "" {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Errorf("axe-core: %v", err)
		}
		for _, s := range v {
			t.Errorf("axe-core, new call: %s", s)
		}
	}
	// The what-if's model form.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/whatif"), chromedp.WaitVisible(chromedp.CSS(`[id="f-params.equivalence_exponent"]`))); err != nil {
		t.Fatalf("the what-if form: %v", err)
	}
	fits("the what-if form")
	if axeSrc != "" {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Errorf("axe-core: %v", err)
		}
		for _, s := range v {
			t.Errorf("axe-core, what-if: %s", s)
		}
	}
	p, err := f.ps.Program(auth.WithPrincipal(context.Background(), auth.System()), "yo-trabajo", 0)
	if err != nil || p.Version != 2 || len(p.Spec.Rules) != 4 || p.Spec.Rules[3].ID != "communes" || !strings.HasPrefix(p.Spec.Rules[3].NameES, "Vivir en ") {
		t.Errorf("stored: %+v, %v", p, err)
	}
}
