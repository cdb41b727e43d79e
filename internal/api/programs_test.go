package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

func init() { moreResponseChecks = append(moreResponseChecks, checkProgrammeResponses) }

// send makes a request with a JSON body (nil: none) and returns the status
// and the response body.
func send(t *testing.T, method, url, tok string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// checkProgrammeResponses walks a call's life through the API and checks
// every response (and request body) against the document.
func checkProgrammeResponses(t *testing.T, doc map[string]any, c *checker) []string {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 400, 11)
	ts := targeting.NewStore(d, reg, nil)
	out, err := ts.ScoreAll(ctx, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ps := programs.NewStore(d, reg, ts, nil)
	if _, err := ps.SeedCatalogue(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&api.Server{DB: d, Registry: reg, Targeting: ts, Programs: ps, Tokens: fakeTokens}).Handler())
	defer srv.Close()
	// The busiest commune and its heads of household.
	byCommune := map[string][]string{}
	for _, key := range out.Frame.Key {
		h, err := reg.HouseholdByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h.Members {
			if m.Relation == "head" {
				byCommune[h.CommuneCode] = append(byCommune[h.CommuneCode], m.RUN)
			}
		}
	}
	commune := ""
	for k, v := range byCommune {
		if len(v) > len(byCommune[commune]) || (len(v) == len(byCommune[commune]) && k < commune) {
			commune = k
		}
	}
	heads := byCommune[commune]

	var ok []string
	requestSchema := func(method, path string) map[string]any {
		op := obj(t, doc, "paths", path, strings.ToLower(method))
		return obj(t, op, "requestBody", "content", "application/json", "schema")
	}
	call := func(route, url string, body any, want int) []byte {
		t.Helper()
		method, path, _ := strings.Cut(route, " ")
		if body != nil && want == 200 { // bad requests are bad on purpose
			b, _ := json.Marshal(body)
			for _, e := range c.check(requestSchema(method, path), decodeJSON(t, b), "request") {
				t.Errorf("%s: %s", route, e)
			}
		}
		status, data := send(t, method, srv.URL+url, "admin", body)
		if status != want {
			t.Fatalf("%s %s: status %d, want %d: %s", method, url, status, want, data)
		}
		for _, e := range c.check(responseSchema(t, doc, method, path, status), decodeJSON(t, data), "$") {
			t.Errorf("%s (%d): %s", route, status, e)
		}
		if status == 200 {
			ok = append(ok, route)
		}
		return data
	}
	call("GET /api/v1/programs", "/api/v1/programs", nil, 200)
	call("GET /api/v1/programs/{code}", "/api/v1/programs/yo-trabajo", nil, 200)
	call("GET /api/v1/programs/{code}", "/api/v1/programs/nope", nil, 404)
	in := programs.CallInput{Code: "api-call", Title: "API call", Program: "yo-emprendo-semilla", OpensOn: "2026-11-01", ClosesOn: "2026-11-30",
		Run: out.Run.ID, BudgetCLP: 4 * 575_000, Communes: map[string]int{commune: 2},
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "tramo", NameES: "Tramo 60", NameEN: "Bracket 60", Expr: "scored && bracket <= 60"}},
			CooldownMonths: 24, Priorities: []programs.Rule{{ID: "head", NameES: "Jefatura", NameEN: "Head", Expr: `relation == "head"`}},
			Reserved: []programs.ReservedShare{{Rule: programs.Rule{ID: "p5", NameES: "5%", NameEN: "5%", Expr: "poorest5"}, Share: 0.5}}}}
	bad := in
	bad.BudgetCLP = 1
	call("POST /api/v1/calls", "/api/v1/calls", bad, 400)
	call("POST /api/v1/calls", "/api/v1/calls", in, 200)
	call("POST /api/v1/calls", "/api/v1/calls", in, 409)
	call("GET /api/v1/calls", "/api/v1/calls", nil, 200)
	call("GET /api/v1/calls/{code}", "/api/v1/calls/api-call", nil, 200)
	call("POST /api/v1/calls/{code}/status", "/api/v1/calls/api-call/status", api.StatusChange{Status: "selected"}, 400)
	call("POST /api/v1/calls/{code}/status", "/api/v1/calls/api-call/status", api.StatusChange{Status: "open"}, 200)
	// A CSV of applications into a second call: wrong rows refuse the file, the right one is stored whole.
	csvCall := in
	csvCall.Code = "csv-call"
	call("POST /api/v1/calls", "/api/v1/calls", csvCall, 200)
	call("POST /api/v1/calls/{code}/status", "/api/v1/calls/csv-call/status", api.StatusChange{Status: "open"}, 200)
	sendCSV := func(body string, want int) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/calls/csv-call/applications/import", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("CSV import: status %d, want %d: %s", resp.StatusCode, want, data)
		}
		for _, e := range c.check(responseSchema(t, doc, "POST", "/api/v1/calls/{code}/applications/import", want), decodeJSON(t, data), "$") {
			t.Errorf("CSV import (%d): %s", want, e)
		}
		if want == 200 {
			ok = append(ok, "POST /api/v1/calls/{code}/applications/import")
		}
	}
	sendCSV("run\n"+heads[0]+"\n12.345.678-4\n", 400)
	sendCSV("run\n"+heads[0]+"\n"+heads[1]+"\n", 200)
	if status, _ := send(t, "POST", srv.URL+"/api/v1/calls/csv-call/applications/import", "admin", map[string]string{"run": heads[2]}); status != 400 {
		t.Errorf("a JSON body to the CSV import: %d, want 400", status)
	}
	var ids []int64
	for _, run := range heads {
		var a programs.Application
		json.Unmarshal(call("POST /api/v1/calls/{code}/applications", "/api/v1/calls/api-call/applications", programs.ApplyInput{RUN: run}, 200), &a)
		ids = append(ids, a.ID)
	}
	call("POST /api/v1/calls/{code}/applications", "/api/v1/calls/api-call/applications", programs.ApplyInput{RUN: heads[0]}, 409)
	// Paged: every application once, in the order of the whole list.
	var whole api.ApplicationPage
	json.Unmarshal(call("GET /api/v1/calls/{code}/applications", "/api/v1/calls/api-call/applications?limit=1000", nil, 200), &whole)
	var walked []int64
	for next, pages := "", 0; ; pages++ {
		var pg api.ApplicationPage
		json.Unmarshal(call("GET /api/v1/calls/{code}/applications", "/api/v1/calls/api-call/applications?limit=2&after="+next, nil, 200), &pg)
		for _, a := range pg.Items {
			walked = append(walked, a.ID)
		}
		if pg.Next == "" || pages > len(ids) {
			break
		}
		next = pg.Next
	}
	if whole.Total != len(ids) || len(walked) != len(ids) {
		t.Errorf("pages walked %d applications, the call has %d (total %d)", len(walked), len(ids), whole.Total)
	}
	for i, a := range whole.Items {
		if i < len(walked) && walked[i] != a.ID {
			t.Errorf("page order differs from the whole list at %d", i)
		}
	}
	call("GET /api/v1/calls/{code}/applications", "/api/v1/calls/api-call/applications?after=999999", nil, 400)
	call("GET /api/v1/calls/{code}/applications", "/api/v1/calls/api-call/applications?limit=0", nil, 400)
	call("GET /api/v1/calls/{code}/preview", "/api/v1/calls/api-call/preview", nil, 200)
	call("POST /api/v1/calls/{code}/whatif", "/api/v1/calls/api-call/whatif", programs.WhatIfInput{Communes: map[string]int{commune: 4}}, 200)
	call("POST /api/v1/calls/{code}/selection", "/api/v1/calls/api-call/selection", nil, 409)
	call("POST /api/v1/calls/{code}/status", "/api/v1/calls/api-call/status", api.StatusChange{Status: "closed"}, 200)
	call("POST /api/v1/calls/{code}/selection", "/api/v1/calls/api-call/selection", nil, 200)
	call("GET /api/v1/calls/{code}/selection", "/api/v1/calls/api-call/selection?verify=true", nil, 200)
	call("POST /api/v1/calls/{code}/status", "/api/v1/calls/api-call/status", api.StatusChange{Status: "published"}, 200)
	var selPage api.ApplicationPage
	json.Unmarshal(call("GET /api/v1/calls/{code}/applications", "/api/v1/calls/api-call/applications?status=selected", nil, 200), &selPage)
	sel := selPage.Items
	if len(sel) != 2 {
		t.Fatalf("%d selected", len(sel))
	}
	for _, id := range ids {
		call("GET /api/v1/applications/{id}", fmt.Sprintf("/api/v1/applications/%d", id), nil, 200)
	}
	call("GET /api/v1/applications/{id}", "/api/v1/applications/x", nil, 400)
	var wr api.WithdrawResponse
	json.Unmarshal(call("POST /api/v1/applications/{id}/withdraw", fmt.Sprintf("/api/v1/applications/%d/withdraw", sel[0].ID), api.WithdrawRequest{Reason: "moved"}, 200), &wr)
	if wr.Promoted == nil {
		t.Errorf("no promotion from the waiting list")
	}
	call("POST /api/v1/applications/{id}/enroll", fmt.Sprintf("/api/v1/applications/%d/enroll", sel[1].ID), api.EnrollRequest{StartsOn: "2026-12-01"}, 200)
	call("POST /api/v1/applications/{id}/enroll", fmt.Sprintf("/api/v1/applications/%d/enroll", sel[1].ID), api.EnrollRequest{StartsOn: "2026-12-01"}, 409)
	// A read-only token cannot apply.
	if status, _ := send(t, "POST", srv.URL+"/api/v1/calls/api-call/applications", "rm", programs.ApplyInput{RUN: heads[1]}); status != 403 {
		t.Errorf("read-only token applying: status %d", status)
	}

	// The catalogue and the agencies.
	var cur programs.Program
	json.Unmarshal(call("GET /api/v1/programs/{code}", "/api/v1/programs/yo-trabajo", nil, 200), &cur)
	next := map[string]any{"code": cur.Code, "area": cur.Area, "unit": cur.Unit, "name_es": "Yo Trabajo (2027)", "name_en": "Yo Trabajo (2027)",
		"amount_clp": cur.AmountCLP + 10_000, "duration_months": cur.Months, "spec": cur.Spec}
	var saved programs.Program
	json.Unmarshal(call("POST /api/v1/programs", "/api/v1/programs", next, 200), &saved)
	if saved.Version != cur.Version+1 || saved.LineID != cur.LineID {
		t.Errorf("new version %d of line %d, want %d of %d", saved.Version, saved.LineID, cur.Version+1, cur.LineID)
	}
	next["area"] = "fishing"
	call("POST /api/v1/programs", "/api/v1/programs", next, 400)
	var vs api.ProgramVersions
	json.Unmarshal(call("GET /api/v1/programs/{code}/versions", "/api/v1/programs/yo-trabajo/versions", nil, 200), &vs)
	if len(vs.Items) != 2 || vs.Items[1].NameES != "Yo Trabajo (2027)" {
		t.Errorf("versions: %+v", vs.Items)
	}
	call("GET /api/v1/programs/{code}/versions", "/api/v1/programs/nope/versions", nil, 404)
	call("POST /api/v1/agencies", "/api/v1/agencies", api.NewAgency{Code: "ong-sur", Name: "ONG del Sur"}, 200)
	call("POST /api/v1/agencies", "/api/v1/agencies", api.NewAgency{Code: "ong-sur", Name: "Otra"}, 409)
	call("POST /api/v1/agencies/{code}/contracts", "/api/v1/agencies/ong-sur/contracts", programs.Contract{Line: "yo-trabajo",
		TenderCode: "LIC-2026-7", StartsOn: "2026-12-01", EndsOn: "2027-11-30", Families: 40, BudgetCLP: 40_000_000, Communes: []string{commune}}, 200)
	call("POST /api/v1/agencies/{code}/contracts", "/api/v1/agencies/nope/contracts", programs.Contract{Line: "yo-trabajo",
		TenderCode: "LIC-2026-8", StartsOn: "2026-12-01", EndsOn: "2027-11-30", Families: 40, BudgetCLP: 40_000_000, Communes: []string{commune}}, 404)
	staff, err := auth.NewStore(d, time.Now).CreateUser(ctx, auth.System(), auth.NewUser{Username: "ejecutora", Role: auth.RoleAgency, Password: auth.GeneratePassword()})
	if err != nil {
		t.Fatal(err)
	}
	call("POST /api/v1/agencies/{code}/staff", "/api/v1/agencies/ong-sur/staff", api.StaffMember{UserID: staff.ID}, 200)
	call("POST /api/v1/agencies/{code}/staff", "/api/v1/agencies/ong-sur/staff", api.StaffMember{}, 400)
	var al api.AgencyList
	json.Unmarshal(call("GET /api/v1/agencies", "/api/v1/agencies", nil, 200), &al)
	if len(al.Items) != 1 || len(al.Items[0].Contracts) != 1 {
		t.Errorf("agencies: %+v", al.Items)
	}
	if status, _ := send(t, "POST", srv.URL+"/api/v1/agencies", "rm", api.NewAgency{Code: "x", Name: "x"}); status != 403 {
		t.Errorf("a read-only token creating an agency: status %d", status)
	}
	return ok
}
