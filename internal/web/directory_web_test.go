package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
	"github.com/fosis/fosis/internal/web"
)

// directoryFixture serves the pages with a Puente case of counsellor
// "consejera" (agency ong-1, coordinated by "coordina") and a national
// analyst "nacional" who edits the directory.
type directoryFixture struct {
	st      *delivery.Store
	srv     *httptest.Server
	caseID  int64
	commune string
}

func newDirectoryFixture(t *testing.T) *directoryFixture {
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
		{Username: "coordina", DisplayName: "Coordinadora", Role: auth.RoleAgency, Password: password},
		{Username: "nacional", DisplayName: "Nadia Nacional", Role: auth.RoleAnalyst, Password: password},
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
	if err := st.AddCounsellor(ctx, "consejera", "ong-1", "coordina", 5); err != nil {
		t.Fatal(err)
	}
	var hh string
	if err := d.QueryRowContext(ctx, `SELECT household_id FROM households ORDER BY id LIMIT 1`).Scan(&hh); err != nil {
		t.Fatal(err)
	}
	c, err := st.Open(ctx, delivery.OpenInput{Line: "puente", HouseholdID: hh, Agency: "ong-1"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Config{DB: d, Registry: reg, Targeting: ts, Programs: prog, Users: users, Delivery: st})
	if err != nil {
		t.Fatal(err)
	}
	f := &directoryFixture{st: st, srv: httptest.NewServer(w.Handler()), caseID: c.ID, commune: c.Commune}
	t.Cleanup(f.srv.Close)
	return f
}

func (f *directoryFixture) client(t *testing.T, user string) *client {
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: f.srv.URL, http: &http.Client{Jar: jar}}
	if resp, _ := c.do("POST", "/signin", url.Values{"username": {user}, "password": {password}, "next": {"/"}}); resp.StatusCode != 200 {
		t.Fatalf("sign in as %s: %d", user, resp.StatusCode)
	}
	return c
}

// TestDirectoryPages: the analyst adds a service (every problem named next
// to its field first); the counsellor finds it, refers her case, records
// the referral attended and resolved, satisfying the condition; she drafts
// the family plan on its form (adding a row without a script, every problem
// at once) and sends it for approval; the coordinator approves it from the
// page. Their home pages show their work.
func TestDirectoryPages(t *testing.T) {
	f := newDirectoryFixture(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	id := fmt.Sprint(f.caseID)
	nacional := f.client(t, "nacional")
	resp, body := nacional.do("POST", "/services", url.Values{"commune": {"99999"}, "institution": {""}, "service": {""}, "dimensions": {"salud"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="v-commune-error"`) || !strings.Contains(body, `id="v-institution-error"`) || !strings.Contains(body, `id="v-service-error"`) {
		t.Fatalf("bad service: %d", resp.StatusCode)
	}
	resp, body = nacional.do("POST", "/services", url.Values{"commune": {f.commune}, "institution": {"CESFAM Norte"}, "service": {"Inscripción"},
		"dimensions": {"salud"}, "requirements": {"Cédula de identidad"}, "contact": {"+56 2 2345 6789"}, "active": {"1"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="service-saved"`) || !strings.Contains(body, "CESFAM Norte — Inscripción") {
		t.Fatalf("service: %d %s", resp.StatusCode, resp.Request.URL)
	}
	svc := regexp.MustCompile(`id="edit-(\d+)"`).FindStringSubmatch(body)
	if svc == nil {
		t.Fatal("no edit link for the analyst")
	}

	// The directory from a CSV, on the page: a bad file names each row in
	// the reader's language and imports nothing; the good one imports.
	upload := func(cl *client, csv string) (*http.Response, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "directorio.csv")
		fw.Write([]byte(csv))
		mw.Close()
		req, _ := http.NewRequest("POST", f.srv.URL+"/services/import", &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := cl.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, string(out)
	}
	header := "commune;institution;service;dimensions;requirements;contact;active\n"
	resp, body = upload(nacional, header+"99999;OMIL;Bolsa;trabajo;;;1\n"+f.commune+";OMIL;Bolsa;trabajo;;;quizás\n")
	if resp.StatusCode != 400 || !strings.Contains(body, `id="import-problems"`) || !strings.Contains(body, "línea 2, columna commune") || !strings.Contains(body, "línea 3, columna active") {
		t.Fatalf("bad import: %d", resp.StatusCode)
	}
	resp, body = upload(nacional, header+f.commune+";OMIL;Bolsa de empleo;trabajo|ingresos;;;1\n")
	if resp.StatusCode != 200 || !strings.Contains(body, `id="services-imported"`) || !strings.Contains(body, "OMIL — Bolsa de empleo") {
		t.Fatalf("import: %d %s", resp.StatusCode, resp.Request.URL)
	}

	c := f.client(t, "consejera")
	if resp, body := c.do("GET", "/services?dimension=salud", nil); resp.StatusCode != 200 || !strings.Contains(body, "CESFAM Norte") || strings.Contains(body, `id="service-new"`) || strings.Contains(body, `id="edit-`) {
		t.Fatalf("the counsellor's directory: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/services/"+svc[1]+"/edit", nil); resp.StatusCode != 403 {
		t.Errorf("the counsellor edits a service: %d", resp.StatusCode)
	}
	if resp, body := c.do("GET", "/cases/"+id+"/referrals/new?condition=SA1", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="svc-`+svc[1]+`"`) {
		t.Fatalf("referral form: %d", resp.StatusCode)
	}
	if resp, body := c.do("POST", "/cases/"+id+"/referrals", url.Values{"condition": {"SA1"}, "sent_on": {"2999-01-01"}}); resp.StatusCode != 400 || !strings.Contains(body, `id="r-service-error"`) || !strings.Contains(body, `id="r-sent-error"`) {
		t.Fatalf("bad referral: %d", resp.StatusCode)
	}
	resp, body = c.do("POST", "/cases/"+id+"/referrals", url.Values{"service_id": {svc[1]}, "condition": {"SA1"}, "reason": {"Sin inscripción"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="referral-saved"`) {
		t.Fatalf("referral: %d", resp.StatusCode)
	}
	ref := regexp.MustCompile(`id="move-referral-(\d+)"`).FindStringSubmatch(body)
	if ref == nil {
		t.Fatal("no move form for the referral")
	}
	// Into the intervention (the entry diagnosis: nothing met).
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
	if _, err := f.st.Transition(sys, f.caseID, delivery.StateDiagnosis, delivery.StateIntervention, "", ""); err != nil {
		t.Fatal(err)
	}
	if resp, body := c.do("POST", "/referrals/"+ref[1]+"/move", url.Values{"from": {"sent"}, "to": {"resolved"}}); resp.StatusCode != 409 || !strings.Contains(body, `id="case-error"`) {
		t.Fatalf("sent → resolved: %d", resp.StatusCode)
	}
	if resp, _ := c.do("POST", "/referrals/"+ref[1]+"/move", url.Values{"from": {"sent"}, "to": {"attended"}}); resp.StatusCode != 200 {
		t.Fatalf("attended: %d", resp.StatusCode)
	}
	resp, body = c.do("POST", "/referrals/"+ref[1]+"/move", url.Values{"from": {"attended"}, "to": {"resolved"}, "outcome": {"Familia inscrita"}, "satisfy": {"1"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="satisfied-`+ref[1]+`"`) {
		t.Fatalf("resolved and satisfied: %d", resp.StatusCode)
	}
	if dx, _ := f.st.Diagnosis(sys, f.caseID); dx.Exit["SA1"].Status != delivery.Met {
		t.Errorf("exit mark: %+v", dx.Exit["SA1"])
	}

	if resp, body := c.do("GET", "/cases/"+id, nil); resp.StatusCode != 200 || !strings.Contains(body, `id="refer-SA2"`) || strings.Contains(body, `id="refer-SA1"`) {
		t.Errorf("the unmet conditions to refer: %d", resp.StatusCode)
	}

	// The plan form: a row per unmet condition, a row added server-side,
	// every problem at once, then sent for approval.
	resp, body = c.do("GET", "/cases/"+id+"/plan", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="action-25"`) || strings.Contains(body, `id="budget-0"`) {
		t.Fatalf("plan form: %d", resp.StatusCode)
	}
	form := url.Values{"kind": {"family"}, "goal": {"Salud y documentos al día"}, "actions": {"2"}, "budget": {"0"},
		"a_cond_0": {"SA1"}, "a_action_0": {"Ir al CESFAM"}, "a_who_0": {""}, "a_by_0": {"mañana"},
		"a_cond_1": {"ID2"}, "a_action_1": {"Sacar la cédula"}, "a_who_1": {"María"}, "a_by_1": {"2027-02-01"}}
	form.Set("op", "add-action")
	if resp, body := c.do("POST", "/cases/"+id+"/plan", form); resp.StatusCode != 200 || !strings.Contains(body, `id="action-2"`) || !strings.Contains(body, "Sacar la cédula") {
		t.Fatalf("add a row: %d", resp.StatusCode)
	}
	form.Set("op", "save")
	resp, body = c.do("POST", "/cases/"+id+"/plan", form)
	if resp.StatusCode != 400 || !strings.Contains(body, `id="action-0-error"`) || !strings.Contains(body, `id="action-0-by-error"`) || strings.Contains(body, `id="action-1-error"`) {
		t.Fatalf("bad plan: %d", resp.StatusCode)
	}
	form.Set("a_who_0", "María")
	form.Set("a_by_0", "2027-01-15")
	resp, body = c.do("POST", "/cases/"+id+"/plan", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="plan-saved"`) || !strings.Contains(body, `id="plan-waiting"`) {
		t.Fatalf("plan: %d %s", resp.StatusCode, resp.Request.URL)
	}
	coord := f.client(t, "coordina")
	resp, body = coord.do("GET", "/cases/"+id+"/plan", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="plan-approve"`) {
		t.Fatalf("the coordinator's plan page: %d", resp.StatusCode)
	}
	plans, _ := f.st.Plans(sys, f.caseID)
	resp, body = coord.do("POST", fmt.Sprintf("/plans/%d/decision", plans[0].ID), url.Values{"approve": {"1"}, "back": {"plan"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="plan-decided"`) || !strings.Contains(resp.Request.URL.String(), "decided=approved") {
		t.Fatalf("approve: %d", resp.StatusCode)
	}

	// Home pages.
	if resp, body := c.do("GET", "/", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="work-caseload"`) || !strings.Contains(body, `id="work-active">1<`) || strings.Contains(body, "aún no") {
		t.Errorf("the counsellor's home: %d", resp.StatusCode)
	}
	if resp, body := coord.do("GET", "/", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="work-loads"`) || !strings.Contains(body, `id="work-open">1<`) {
		t.Errorf("the agency's home: %d", resp.StatusCode)
	}
}
