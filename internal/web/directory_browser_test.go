package web_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
)

// TestBrowserDirectoryAtPhoneWidth: on a phone (360 px) the counsellor's
// home, the directory, the referral form, the case file with its referrals
// and the plan form fit without sideways scrolling, and the plan form adds
// a row without a script of its own (the server draws it).
func TestBrowserDirectoryAtPhoneWidth(t *testing.T) {
	ctx := browser(t)
	f := newDirectoryFixture(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	v, err := f.st.SaveService(sys, delivery.Service{Commune: f.commune, Institution: "Centro de Salud Familiar Doctor Alejandro del Río", Name: "Inscripción en atención primaria y control de niño sano",
		Dimensions: []string{"salud", "identificacion", "educacion"}, Requirements: "Cédula de identidad de cada integrante y comprobante de domicilio", Contact: "+56 2 2345 6789 · some@cesfam-ejemplo.cl", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := f.st.CaseMethodology(sys, f.caseID)
	var marks []delivery.Mark
	for _, dm := range m.Dimensions {
		for _, cd := range dm.Conditions {
			marks = append(marks, delivery.Mark{Condition: cd.Code, Status: delivery.NotMet})
		}
	}
	f.st.Transition(sys, f.caseID, delivery.StateOpen, delivery.StateDiagnosis, "", "")
	if err := f.st.RecordDiagnosis(sys, f.caseID, delivery.PhaseEntry, marks); err != nil {
		t.Fatal(err)
	}
	f.st.Transition(sys, f.caseID, delivery.StateDiagnosis, delivery.StateIntervention, "", "")
	if _, err := f.st.Refer(sys, f.caseID, delivery.ReferralInput{ServiceID: v.ID, Condition: "SA1", Reason: "Sin inscripción en el consultorio"}); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(f.caseID)
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(f.srv.URL+"/signin?next=/"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "consejera"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#home-work")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, p := range []struct{ path, wait string }{
		{"/", "#work-caseload"}, {"/services", "#services-list"}, {"/cases/" + id + "/referrals/new", "#referral-form"},
		{"/cases/" + id, "#referrals"}, {"/cases/" + id + "/plan", "#plan-form"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil || wide {
			t.Errorf("%s scrolls sideways at 360 px (%v)", p.path, err)
		}
		if dir := os.Getenv("FOSIS_SCREENSHOTS"); dir != "" {
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(fmt.Sprintf("%s/directory-%d.png", dir, len(p.path)), png, 0o644)
			}
		}
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#plan-form .plan-row").length`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#add-action")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#action-%d", rows)))); err != nil {
		t.Errorf("add a row: %v", err)
	}
}
