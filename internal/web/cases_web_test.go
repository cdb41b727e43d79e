package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
	"github.com/fosis/fosis/internal/web"
)

// casesFixture serves the pages with a case of Puente assigned to the
// counsellor "consejera" of agency ong-1 (supervised by "coordina"), and a
// second counsellor "otra" of the same agency without cases.
type casesFixture struct {
	d      *db.DB
	srv    *httptest.Server
	caseID int64
}

func newCasesFixture(t testing.TB) *casesFixture {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 40, 5)
	ts := targeting.NewStore(d, reg, nil)
	prog := programs.NewStore(d, reg, ts, nil)
	if _, err := prog.SeedCatalogue(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := prog.CreateAgency(ctx, "ong-1", "ONG Uno"); err != nil {
		t.Fatal(err)
	}
	users := auth.NewStore(d, time.Now)
	for _, nu := range []auth.NewUser{
		{Username: "consejera", DisplayName: "Carmen Consejera", Role: auth.RoleCounsellor, Password: password},
		{Username: "otra", DisplayName: "Otra Consejera", Role: auth.RoleCounsellor, Password: password},
		{Username: "coordina", DisplayName: "Coordinadora", Role: auth.RoleAgency, Password: password},
	} {
		u, err := users.CreateUser(ctx, auth.System(), nu)
		if err != nil {
			t.Fatal(err)
		}
		if nu.Role == auth.RoleAgency {
			if err := prog.AddStaff(ctx, u.ID, "ong-1"); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := delivery.NewStore(d, prog, reg, nil, nil)
	if err := st.AddCounsellor(ctx, "consejera", "ong-1", "coordina", 1); err != nil {
		t.Fatal(err)
	}
	if err := st.AddCounsellor(ctx, "otra", "ong-1", "", 1); err != nil {
		t.Fatal(err)
	}
	var hh string
	if err := d.QueryRowContext(ctx, `SELECT household_id FROM households ORDER BY id LIMIT 1`).Scan(&hh); err != nil {
		t.Fatal(err)
	}
	c, err := st.Open(ctx, delivery.OpenInput{Line: "puente", HouseholdID: hh, Agency: "ong-1"})
	if err != nil || c.Counsellor != "consejera" {
		t.Fatalf("open: %+v, %v", c, err)
	}
	w, err := web.New(web.Config{DB: d, Registry: reg, Targeting: ts, Programs: prog, Users: users, Delivery: st})
	if err != nil {
		t.Fatal(err)
	}
	f := &casesFixture{d: d, srv: httptest.NewServer(w.Handler()), caseID: c.ID}
	t.Cleanup(f.srv.Close)
	return f
}

func (f *casesFixture) client(t testing.TB, user string) *client {
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: f.srv.URL, http: &http.Client{Jar: jar}}
	resp, body := c.do("POST", "/signin", url.Values{"username": {user}, "password": {password}, "next": {"/cases"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="nav-cases"`) {
		t.Fatalf("sign in as %s: %d", user, resp.StatusCode)
	}
	return c
}

// TestCasePages: the counsellor lists her case, opens it, moves it, records
// a session (a bad one first: sent back with what was typed), and reads the
// notes (audited); another counsellor of the agency gets "not found".
func TestCasePages(t *testing.T) {
	f := newCasesFixture(t)
	c := f.client(t, "consejera")
	id := fmt.Sprint(f.caseID)
	if resp, body := c.do("GET", "/cases", nil); resp.StatusCode != 200 || !strings.Contains(body, `href="/cases/`+id+`"`) {
		t.Fatalf("list: %d", resp.StatusCode)
	}
	if resp, body := c.do("GET", "/cases?state=closing", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="cases-none"`) {
		t.Fatalf("filtered list: %d", resp.StatusCode)
	}
	resp, body := c.do("POST", "/cases/"+id+"/move", url.Values{"from": {"open"}, "to": {"in_diagnosis"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="move-in_intervention"`) {
		t.Fatalf("move: %d", resp.StatusCode)
	}
	resp, body = c.do("POST", "/cases/"+id+"/move", url.Values{"from": {"open"}, "to": {"in_diagnosis"}})
	if resp.StatusCode != 409 || !strings.Contains(body, `id="case-error"`) || !strings.Contains(body, "ya no está abierto") {
		t.Fatalf("move again: %d %s", resp.StatusCode, body[strings.Index(body, "<main"):])
	}
	// The entry diagnosis, on its form: one mark missing is refused by the
	// gate; all marked, the intervention starts.
	if resp, body := c.do("GET", "/cases/"+id+"/diagnosis?phase=entry", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="s-SA1-met"`) {
		t.Fatalf("diagnosis form: %d", resp.StatusCode)
	}
	marks := url.Values{"phase": {"entry"}}
	for _, code := range []string{"ID1", "ID2", "ID3", "ID4", "SA1", "SA2", "SA3", "SA4", "ED1", "ED2", "ED3", "ED4", "DF1", "DF2", "DF3", "DF4",
		"HA1", "HA2", "HA3", "HA4", "HA5", "TR1", "TR2", "TR3", "IN1", "IN2"} {
		marks.Set("s_"+code, "not_met")
	}
	marks.Set("e_SA1", "sin inscripción en el CESFAM")
	if resp, _ := c.do("POST", "/cases/"+id+"/diagnosis", marks); resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.Path, "/cases/"+id) {
		t.Fatalf("diagnosis: %d", resp.StatusCode)
	}
	if resp, body := c.do("POST", "/cases/"+id+"/move", url.Values{"from": {"in_diagnosis"}, "to": {"in_intervention"}}); resp.StatusCode != 409 || !strings.Contains(body, "las 1 condiciones") {
		t.Fatalf("the gate: %d", resp.StatusCode)
	}
	marks.Set("s_IN3", "met")
	if resp, _ := c.do("POST", "/cases/"+id+"/diagnosis", marks); resp.StatusCode != 200 {
		t.Fatalf("diagnosis again: %d", resp.StatusCode)
	}
	if resp, body := c.do("POST", "/cases/"+id+"/move", url.Values{"from": {"in_diagnosis"}, "to": {"in_intervention"}}); resp.StatusCode != 200 || !strings.Contains(body, `id="move-closing"`) {
		t.Fatalf("move to the intervention: %d", resp.StatusCode)
	}
	form := url.Values{"component": {"home"}, "kind": {"home"}, "status": {"held"}, "date": {"2026-02-31"}, "minutes": {"45"},
		"attendees": {"María\nPedro"}, "dimensions": {"salud", "trabajo"}, "notes": {"Hablamos del consultorio"}}
	resp, body = c.do("POST", "/cases/"+id+"/sessions", form)
	if resp.StatusCode != 400 || !strings.Contains(body, `id="session-error"`) || !strings.Contains(body, "Hablamos del consultorio") || !strings.Contains(body, "is-invalid") {
		t.Fatalf("bad session: %d", resp.StatusCode)
	}
	form.Set("date", "2026-02-20")
	resp, body = c.do("POST", "/cases/"+id+"/sessions", form)
	if resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.String(), "saved=1") || !strings.Contains(body, `id="session-saved"`) {
		t.Fatalf("session: %d %s", resp.StatusCode, resp.Request.URL)
	}
	i := strings.Index(body, `href="/sessions/`)
	if i < 0 {
		t.Fatal("no link to the notes")
	}
	notes := body[i+6 : i+strings.Index(body[i:], `">`)]
	resp, body = c.do("GET", notes, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Hablamos del consultorio") {
		t.Fatalf("notes: %d", resp.StatusCode)
	}
	other := f.client(t, "otra")
	if resp, _ := other.do("GET", "/cases/"+id, nil); resp.StatusCode != 404 {
		t.Errorf("another counsellor reads the case: %d", resp.StatusCode)
	}
	if resp, _ := other.do("GET", notes, nil); resp.StatusCode != 404 {
		t.Errorf("another counsellor reads the notes: %d", resp.StatusCode)
	}
	if resp, body := f.client(t, "coordina").do("GET", notes, nil); resp.StatusCode != 200 || !strings.Contains(body, "Hablamos del consultorio") {
		t.Errorf("the supervisor reads the notes: %d", resp.StatusCode)
	}
	if resp, body := f.client(t, "coordina").do("GET", "/cases/work", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="caseloads"`) || !strings.Contains(body, "1 de 1 casos") {
		t.Errorf("the coordinator's work page: %d", resp.StatusCode)
	}
	log, err := audit.List(context.Background(), f.d, audit.Filter{Action: "session.notes_read"})
	if err != nil || len(log) != 2 {
		t.Errorf("audited reads: %d, %v", len(log), err)
	}
}

// TestBrowserSessionAtPhoneWidth: a counsellor records a session on a
// phone (360 px): the form fits without sideways scrolling, what she types
// survives a reload (a dropped connection), and the draft is forgotten once
// the session is saved.
func TestBrowserSessionAtPhoneWidth(t *testing.T) {
	ctx := browser(t)
	f := newCasesFixture(t)
	id := fmt.Sprint(f.caseID)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(f.srv.URL+"/signin?next=/cases/"+id+"/sessions/new"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "consejera"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#session-form")),
		chromedp.SendKeys(chromedp.CSS("#s-notes"), "La familia pidió hora en el consultorio"),
		chromedp.Click(chromedp.CSS(`label[for="dim-salud"]`)),
		chromedp.Click(chromedp.CSS(`label[for="kind-remote"]`)),
	)
	if err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || wide {
		t.Errorf("the form scrolls sideways at 360 px (%v)", err)
	}
	small, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll("#session-form .btn, #session-form .form-control-lg")).filter(b => b.getBoundingClientRect().height < 44).length`))
	if err != nil || small != 0 {
		t.Errorf("%d targets are under 44 px high (%v)", small, err)
	}
	// The connection drops: the page is loaded again and the draft is back.
	err = chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#draft-restored")))
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	notes, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#s-notes")))
	remote, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("kind-remote").checked && document.getElementById("dim-salud").checked`))
	if notes != "La familia pidió hora en el consultorio" || !remote {
		t.Errorf("after a reload: notes %q, choices kept %v", notes, remote)
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#session-save")), chromedp.WaitVisible(chromedp.CSS("#session-saved")))
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	left, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`localStorage.getItem("fosis.session.`+id+`") !== null`))
	if err != nil || left {
		t.Errorf("the draft is still kept after saving (%v)", err)
	}
	if got := text(t, ctx, "#sessions"); !strings.Contains(got, "A distancia") {
		t.Errorf("sessions: %q", got)
	}
}
