package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
	"github.com/fosis/fosis/internal/web"
)

// trainingFixture serves the pages with two Yo Emprendo Semilla cases in
// intervention, both of the counsellor "consejera" of ong-1 (coordinated by
// "coordina"), in one commune; "otra" counsels for ong-1 without cases.
type trainingFixture struct {
	srv     *httptest.Server
	st      *delivery.Store
	cases   []int64
	commune string
}

func newTrainingFixture(t testing.TB) *trainingFixture {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 60, 5)
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
	if err := st.AddCounsellor(ctx, "consejera", "ong-1", "coordina", 10); err != nil {
		t.Fatal(err)
	}
	f := &trainingFixture{st: st}
	// Two households of the busiest commune.
	if err := d.QueryRowContext(ctx, `SELECT commune_code FROM households GROUP BY commune_code ORDER BY count(*) DESC, commune_code LIMIT 1`).Scan(&f.commune); err != nil {
		t.Fatal(err)
	}
	rows, err := d.QueryContext(ctx, `SELECT household_id FROM households WHERE commune_code = ? ORDER BY id LIMIT 2`, f.commune)
	if err != nil {
		t.Fatal(err)
	}
	var hh []string
	for rows.Next() {
		var h string
		rows.Scan(&h)
		hh = append(hh, h)
	}
	rows.Close()
	if len(hh) < 2 {
		t.Fatalf("households in %s: %v", f.commune, hh)
	}
	for _, h := range hh {
		c, err := st.Open(ctx, delivery.OpenInput{Line: "yo-emprendo-semilla", HouseholdID: h, Agency: "ong-1"})
		if err != nil || c.Counsellor != "consejera" {
			t.Fatalf("open: %+v, %v", c, err)
		}
		m, _ := st.CaseMethodology(ctx, c.ID)
		var marks []delivery.Mark
		for _, dm := range m.Dimensions {
			for _, cd := range dm.Conditions {
				marks = append(marks, delivery.Mark{Condition: cd.Code, Status: delivery.NotMet})
			}
		}
		st.Transition(ctx, c.ID, delivery.StateOpen, delivery.StateDiagnosis, "", "")
		if err := st.RecordDiagnosis(ctx, c.ID, delivery.PhaseEntry, marks); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Transition(ctx, c.ID, delivery.StateDiagnosis, delivery.StateIntervention, "", ""); err != nil {
			t.Fatal(err)
		}
		f.cases = append(f.cases, c.ID)
	}
	if err := st.AddCounsellor(ctx, "otra", "ong-1", "", 1); err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Config{DB: d, Registry: reg, Targeting: ts, Programs: prog, Users: users, Delivery: st})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(w.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *trainingFixture) client(t testing.TB, user string) *client {
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: f.srv.URL, http: &http.Client{Jar: jar}}
	if resp, _ := c.do("POST", "/signin", url.Values{"username": {user}, "password": {password}, "next": {"/courses"}}); resp.StatusCode != 200 {
		t.Fatalf("sign in as %s: %d", user, resp.StatusCode)
	}
	return c
}

// course creates a course through the page as the coordinator, with two
// sessions and every active case of the commune enrolled; it returns its
// id and its sessions' ids.
func (f *trainingFixture) course(t *testing.T, coord *client) (string, []string) {
	t.Helper()
	resp, body := coord.do("POST", "/courses", url.Values{"training": {"yo-emprendo-semilla/training"}, "title": {""}, "commune": {f.commune},
		"starts_on": {"2026-10-01"}, "ends_on": {"2026-12-20"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="course-error"`) || !strings.Contains(body, `id="c-title"`) {
		t.Fatalf("a course without a title: %d", resp.StatusCode)
	}
	resp, body = coord.do("POST", "/courses", url.Values{"training": {"yo-emprendo-semilla/training"}, "title": {"Gestión del negocio"}, "commune": {f.commune},
		"starts_on": {"2026-10-01"}, "ends_on": {"2026-12-20"}})
	m := regexp.MustCompile(`/courses/(\d+)\?saved=course`).FindStringSubmatch(resp.Request.URL.String())
	if resp.StatusCode != 200 || m == nil || !strings.Contains(body, `id="course-saved"`) {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Request.URL)
	}
	k := m[1]
	for _, day := range []string{"2026-10-01", "2026-10-08"} {
		if resp, _ := coord.do("POST", "/courses/"+k+"/sessions", url.Values{"date": {day}, "minutes": {"180"}, "topic": {"Costos"}}); resp.StatusCode != 200 {
			t.Fatalf("session: %d", resp.StatusCode)
		}
	}
	resp, body = coord.do("POST", "/courses/"+k+"/participants", url.Values{"all": {"1"}})
	if resp.StatusCode != 200 || strings.Count(body, `href="/cases/`) != 2 {
		t.Fatalf("enrol: %d", resp.StatusCode)
	}
	return k, regexp.MustCompile(`href="/course-sessions/(\d+)/attendance"`).FindAllString(body, -1)
}

// TestTrainingPages: the coordinator creates a course (a bad one first),
// adds sessions and enrols the commune's cases; the counsellor takes the
// attendance; the case file shows the training in progress, and the seed
// capital's goods are refused, naming what they wait for; another
// counsellor finds the course missing.
func TestTrainingPages(t *testing.T) {
	f := newTrainingFixture(t)
	coord, cons := f.client(t, "coordina"), f.client(t, "consejera")
	k, links := f.course(t, coord)
	if len(links) != 2 {
		t.Fatalf("attendance links: %v", links)
	}
	first := regexp.MustCompile(`\d+`).FindString(links[0])
	resp, body := cons.do("GET", "/course-sessions/"+first+"/attendance", nil)
	if resp.StatusCode != 200 || strings.Count(body, `name="present"`) != 2 {
		t.Fatalf("attendance form: %d", resp.StatusCode)
	}
	one, two := fmt.Sprint(f.cases[0]), fmt.Sprint(f.cases[1])
	resp, body = cons.do("POST", "/course-sessions/"+first+"/attendance", url.Values{"version": {"0"}, "case": {one, two}, "present": {one}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="course-saved"`) || !strings.Contains(body, "1 de 2 presentes") {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	resp, body = cons.do("POST", "/course-sessions/"+first+"/attendance", url.Values{"version": {"0"}, "case": {one, two}})
	if resp.StatusCode != 409 || !strings.Contains(body, "recárguela") {
		t.Fatalf("a second save from the same version: %d", resp.StatusCode)
	}
	resp, body = cons.do("GET", "/cases/"+one, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="progress-training"`) || !strings.Contains(body, "3 de 22 horas") || !strings.Contains(body, "en curso") {
		t.Fatalf("case file: %d", resp.StatusCode)
	}
	resp, body = cons.do("POST", "/cases/"+one+"/goods", url.Values{"component": {"capital"}, "item": {"Horno"}, "quantity": {"1"}, "unit_cost_clp": {"400.000"},
		"received_on": {"2026-12-01"}, "received_by": {"María"}})
	if resp.StatusCode != 409 || !strings.Contains(body, "aún no puede avanzar") || !strings.Contains(body, "no está aprobada") {
		t.Fatalf("goods before the gate: %d", resp.StatusCode)
	}
	if resp, _ := f.client(t, "otra").do("GET", "/courses/"+k, nil); resp.StatusCode != 404 {
		t.Errorf("another counsellor: %d", resp.StatusCode)
	}
	if resp, body := cons.do("GET", "/courses", nil); resp.StatusCode != 200 || !strings.Contains(body, "Gestión del negocio") || strings.Contains(body, `id="course-form"`) {
		t.Errorf("the counsellor's list of courses: %d", resp.StatusCode)
	}
}

// TestBrowserAttendanceAtPhoneWidth: the counsellor takes a session's
// attendance on a phone: no sideways scrolling at 360 px, every target at
// least 44 px high, one tap per participant.
func TestBrowserAttendanceAtPhoneWidth(t *testing.T) {
	ctx := browser(t)
	f := newTrainingFixture(t)
	_, links := f.course(t, f.client(t, "coordina"))
	target := strings.TrimPrefix(strings.TrimSuffix(links[0], `"`), `href="`)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(f.srv.URL+"/signin?next="+target),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "consejera"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#attendance-form")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="present-%d"]`, f.cases[1]))),
	)
	if err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || wide {
		t.Errorf("the form scrolls sideways at 360 px (%v)", err)
	}
	small, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll("#attendance-form .btn")).filter(b => b.getBoundingClientRect().height < 44).length`))
	if err != nil || small != 0 {
		t.Errorf("%d targets are under 44 px high (%v)", small, err)
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#attendance-save")), chromedp.WaitVisible(chromedp.CSS("#course-saved")))
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if got := text(t, ctx, "#course-sessions"); !strings.Contains(got, "1 de 2 presentes") {
		t.Errorf("sessions: %q", got)
	}
}
