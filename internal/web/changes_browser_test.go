package web_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserChangeRequest drives two browsers through maker-checker: a
// regional officer submits a change to a household's rooms, an analyst
// approves it from the queue, the household shows the new value, and its
// history shows the old one.
func TestBrowserChangeRequest(t *testing.T) {
	maker := browser(t)
	f := newFixture(t)
	f.ageHistory(t, 3) // imported three days ago
	id := f.inRM.id
	rooms := f.roomsOf(t, id)
	next := (rooms + 1) % 51
	signIn := func(ctx context.Context, user string) {
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
	signIn(maker, "rosa")
	err := chromedp.Do(maker,
		chromedp.Navigate(f.srv.URL+"/households/"+id),
		chromedp.WaitVisible(chromedp.CSS("#new-change")),
		chromedp.Click(chromedp.CSS("#new-change")),
		chromedp.WaitVisible(chromedp.CSS("#change-form")),
		chromedp.SetValue(chromedp.CSS("#target0"), "h:rooms"),
		chromedp.SendKeys(chromedp.CSS("#value0"), fmt.Sprint(next)),
		chromedp.SendKeys(chromedp.CSS("#reason"), "built a room"),
		chromedp.Click(chromedp.CSS("#submit-change")),
		chromedp.WaitVisible(chromedp.CSS("#change-submitted")),
	)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if got := text(t, maker, "#change-requests tbody tr td:nth-child(3)"); got != "Pending" {
		t.Errorf("the request's state %q, want Pending", got)
	}
	if got := text(t, maker, "#rooms"); got != fmt.Sprint(rooms) {
		t.Errorf("before approval the page shows %s rooms, want %d", got, rooms)
	}

	checker := browser(t) // another profile: another user
	signIn(checker, "analista")
	err = chromedp.Do(checker,
		chromedp.Navigate(f.srv.URL+"/changes"),
		chromedp.WaitVisible(chromedp.CSS(`button[id^="approve-"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[id^="comment-"]`), "permiso de edificación visto"),
		chromedp.Click(chromedp.CSS(`button[id^="approve-"]`)),
		chromedp.WaitVisible(chromedp.CSS("#change-decided")),
		chromedp.Navigate(f.srv.URL+"/households/"+id),
		chromedp.WaitVisible(chromedp.CSS("#version-list")),
	)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if got := text(t, checker, "#rooms"); got != fmt.Sprint(next) {
		t.Errorf("after approval the page shows %s rooms, want %d", got, next)
	}
	if got := text(t, checker, "#change-requests tbody tr td:nth-child(3)"); got != "Aprobada" {
		t.Errorf("the request's state %q, want Aprobada", got)
	}
	// The history: the import's version, three days ago, had the old value.
	err = chromedp.Do(checker,
		chromedp.Click(chromedp.CSS("#version-list tbody tr:last-child a")),
		chromedp.WaitVisible(chromedp.CSS("#as-of-banner")),
	)
	if err != nil {
		t.Fatalf("open the old version: %v", err)
	}
	if got := text(t, checker, "#rooms"); got != fmt.Sprint(rooms) {
		t.Errorf("the old version shows %s rooms, want %d", got, rooms)
	}
	if b := text(t, checker, "#as-of-banner"); !strings.Contains(b, time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)) {
		t.Errorf("banner %q does not name the date", b)
	}
	if dir := os.Getenv("FOSIS_SCREENSHOTS"); dir != "" {
		if png, err := chromedp.Run(checker, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(dir+"/household-as-of.png", png, 0o644)
		}
	}
}
