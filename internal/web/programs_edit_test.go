package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
)

var programTextarea = regexp.MustCompile(`(?s)<textarea[^>]*id="program"[^>]*>(.*?)</textarea>`)

// TestProgramEditing: an analyst stores a new version of a programme from
// its page (the line keeps its code; calls keep their version), a broken
// rule is explained and nothing is stored; a regional officer sees the
// programme without the editor and cannot post one.
func TestProgramEditing(t *testing.T) {
	f := newProgrammesFixture(t)
	c := f.client(t)
	c.signIn("analista")
	resp, body := c.do("GET", "/programs", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/programs/yo-trabajo"`) || !strings.Contains(body, `href="/agencies"`) {
		t.Fatalf("catalogue: %d", resp.StatusCode)
	}
	resp, body = c.do("GET", "/programs/yo-trabajo", nil)
	m := programTextarea.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("programme page: %d", resp.StatusCode)
	}
	var in map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &in); err != nil {
		t.Fatalf("the editor's text is not JSON: %v", err)
	}
	in["name_es"], in["amount_clp"] = "Yo Trabajo 2027", 320000
	edited, _ := json.Marshal(in)
	resp, body = c.do("POST", "/programs/yo-trabajo", url.Values{"program": {string(edited)}})
	if resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.RawQuery, "saved=2") || !strings.Contains(body, `id="program-saved"`) ||
		!strings.Contains(body, "Yo Trabajo 2027") {
		t.Fatalf("save: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	p, err := f.ps.Program(auth.WithPrincipal(context.Background(), auth.System()), "yo-trabajo", 0)
	if err != nil || p.Version != 2 || p.AmountCLP != 320000 {
		t.Fatalf("stored: %+v, %v", p, err)
	}
	spec := in["spec"].(map[string]any)
	spec["rules"] = []any{map[string]any{"id": "x", "name_es": "X", "name_en": "X", "expr": "age >="}}
	broken, _ := json.Marshal(in)
	resp, body = c.do("POST", "/programs/yo-trabajo", url.Values{"program": {string(broken)}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="program-json-errors"`) || !strings.Contains(body, "en la línea 1, columna") {
		t.Errorf("a broken rule: %d\n%s", resp.StatusCode, body)
	}
	in["code"] = "otro"
	renamed, _ := json.Marshal(in)
	if resp, _ := c.do("POST", "/programs/yo-trabajo", url.Values{"program": {string(renamed)}}); resp.StatusCode != 400 {
		t.Errorf("a changed code: %d", resp.StatusCode)
	}
	if resp, body := c.do("POST", "/programs/yo-trabajo", url.Values{"program": {"{not json"}}); resp.StatusCode != 400 || !strings.Contains(body, "{not json</textarea>") {
		t.Errorf("not JSON: %d (the text must be kept)\n%s", resp.StatusCode, programTextarea.FindString(body))
	}
	if p, _ := f.ps.Program(auth.WithPrincipal(context.Background(), auth.System()), "yo-trabajo", 0); p.Version != 2 {
		t.Errorf("a refused edit stored version %d", p.Version)
	}
	if resp, _ := c.do("GET", "/programs/nope", nil); resp.StatusCode != 404 {
		t.Errorf("unknown programme: %d", resp.StatusCode)
	}

	rosa := f.client(t)
	rosa.signIn("rosa")
	if resp, body := rosa.do("GET", "/programs/yo-trabajo", nil); resp.StatusCode != 200 || strings.Contains(body, `id="program-form"`) {
		t.Errorf("regional officer's programme page: %d", resp.StatusCode)
	}
	if resp, _ := rosa.do("POST", "/programs/yo-trabajo", url.Values{"program": {string(edited)}}); resp.StatusCode != 403 {
		t.Errorf("regional officer saving: %d, want 403", resp.StatusCode)
	}
}

// TestAgencyPages: an analyst creates an agency and gives it a contract;
// a duplicate code and bad numbers are explained; a regional officer sees
// no forms and cannot post them.
func TestAgencyPages(t *testing.T) {
	f := newProgrammesFixture(t)
	c := f.client(t)
	c.signIn("analista")
	if resp, body := c.do("GET", "/agencies", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="agencies-empty"`) || !strings.Contains(body, `id="agency-form"`) {
		t.Fatalf("empty agencies page: %d", resp.StatusCode)
	}
	resp, body := c.do("POST", "/agencies", url.Values{"code": {"ong-sur"}, "name": {"ONG del Sur"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="agencies-done"`) || !strings.Contains(body, `id="agency-ong-sur"`) {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	if resp, body := c.do("POST", "/agencies", url.Values{"code": {"ong-sur"}, "name": {"Otra"}}); resp.StatusCode != 409 || !strings.Contains(body, `id="agencies-error"`) {
		t.Errorf("duplicate: %d", resp.StatusCode)
	}
	contract := url.Values{"program": {"yo-trabajo"}, "tender_code": {"LIC-2026-7"}, "starts_on": {"2026-12-01"}, "ends_on": {"2027-11-30"},
		"families": {"40"}, "budget_clp": {"40000000"}, "communes": {f.commune}}
	resp, body = c.do("POST", "/agencies/ong-sur/contracts", contract)
	if resp.StatusCode != 200 || !strings.Contains(body, "<td>LIC-2026-7</td>") || !strings.Contains(body, "<td>"+f.commune+"</td>") {
		t.Fatalf("contract: %d\n%s", resp.StatusCode, body)
	}
	bad := url.Values{}
	for k, v := range contract {
		bad[k] = v
	}
	bad.Set("budget_clp", "40.000.000")
	if resp, body := c.do("POST", "/agencies/ong-sur/contracts", bad); resp.StatusCode != 400 || !strings.Contains(body, `value="40.000.000"`) {
		t.Errorf("bad budget: %d (the typed values must be kept)", resp.StatusCode)
	}
	if resp, _ := c.do("POST", "/agencies/nope/contracts", contract); resp.StatusCode != 404 {
		t.Errorf("unknown agency: %d", resp.StatusCode)
	}
	// Staff: an account with the agency role, by username.
	users := auth.NewStore(f.d, time.Now)
	if _, err := users.CreateUser(auth.WithPrincipal(context.Background(), auth.System()), auth.System(),
		auth.NewUser{Username: "elena", Role: auth.RoleAgency, Password: password}); err != nil {
		t.Fatal(err)
	}
	if resp, body := c.do("POST", "/agencies/ong-sur/staff", url.Values{"username": {"elena"}}); resp.StatusCode != 200 || !strings.Contains(body, `id="agencies-done"`) {
		t.Errorf("staff: %d", resp.StatusCode)
	}
	var agency string
	f.d.QueryRowContext(context.Background(), `SELECT a.code FROM agency_staff s JOIN agencies a ON a.id = s.agency JOIN users u ON u.id = s.user_id WHERE u.username = 'elena'`).Scan(&agency)
	if agency != "ong-sur" {
		t.Errorf("elena's agency: %q", agency)
	}
	if resp, body := c.do("POST", "/agencies/ong-sur/staff", url.Values{"username": {"rosa"}}); resp.StatusCode != 400 || !strings.Contains(body, `id="agencies-error"`) {
		t.Errorf("a regional officer as staff: %d", resp.StatusCode)
	}
	if resp, _ := c.do("POST", "/agencies/ong-sur/staff", url.Values{"username": {"nadie"}}); resp.StatusCode != 404 {
		t.Errorf("an unknown username: %d", resp.StatusCode)
	}
	rosa := f.client(t)
	rosa.signIn("rosa")
	if resp, body := rosa.do("GET", "/agencies", nil); strings.Contains(body, `id="agency-form"`) || strings.Contains(body, `id="contract-form-`) {
		t.Errorf("regional officer's agencies page shows forms: %d", resp.StatusCode)
	}
	if resp, _ := rosa.do("POST", "/agencies", url.Values{"code": {"x"}, "name": {"x"}}); resp.StatusCode != 403 {
		t.Errorf("regional officer creating an agency: %d, want 403", resp.StatusCode)
	}
	if resp, _ := rosa.do("POST", "/agencies/ong-sur/staff", url.Values{"username": {"elena"}}); resp.StatusCode != 403 {
		t.Errorf("regional officer assigning staff: %d, want 403", resp.StatusCode)
	}
}

// TestApplicationImportPage: a CSV of applications with one bad row stores
// nothing and lists the row; the corrected file stores every applicant.
func TestApplicationImportPage(t *testing.T) {
	f := newProgrammesFixture(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	in := programs.CallInput{Code: "csv-call", Title: "CSV", Program: "yo-emprendo-semilla", OpensOn: "2026-11-01", ClosesOn: "2026-11-30",
		Run: f.run, BudgetCLP: 10 * 575_000, Communes: map[string]int{f.commune: 5},
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "tramo", NameES: "Tramo 60", NameEN: "Bracket 60", Expr: "scored && bracket <= 60"}}}}
	if _, err := f.ps.CreateCall(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SetStatus(ctx, "csv-call", programs.StatusOpen); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.signIn("analista")
	if _, body := c.do("GET", "/calls/csv-call", nil); !strings.Contains(body, `id="import-form"`) {
		t.Fatal("the open call has no import form")
	}
	good := "run\n" + strings.Join(f.heads[:3], "\n") + "\n"
	resp, body := c.uploadCSV("/calls/csv-call/import", good+"12.345.678-4\n")
	if resp.StatusCode != 400 || !strings.Contains(body, `id="import-report"`) || !strings.Contains(body, "<code>run</code>") {
		t.Fatalf("a bad row: %d\n%s", resp.StatusCode, body)
	}
	if apps, _ := f.ps.Applications(ctx, "csv-call", ""); len(apps) != 0 {
		t.Fatalf("a refused import stored %d applications", len(apps))
	}
	resp, body = c.uploadCSV("/calls/csv-call/import", good)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="import-report"`) {
		t.Fatalf("the corrected file: %d", resp.StatusCode)
	}
	if apps, _ := f.ps.Applications(ctx, "csv-call", ""); len(apps) != 3 {
		t.Errorf("%d applications stored, want 3", len(apps))
	}
}

// uploadCSV posts data as the multipart form's "file".
func (c *client) uploadCSV(path, data string) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "postulaciones.csv")
	fw.Write([]byte(data))
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
