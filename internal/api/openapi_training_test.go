package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

func init() {
	moreResponseMarks = append(moreResponseMarks, checkTrainingResponses)
	elsewhere = append(elsewhere, "/api/v1/courses", "/api/v1/course-sessions", "/api/v1/attendance", "/api/v1/progress", "/api/v1/goods", "/api/v1/plan-actions")
}

// checkTrainingResponses takes a Yo Emprendo Semilla participant through
// the API: a course, its sessions and attendance (a CSV too), the gate
// refusing the seed capital's goods before the training is passed, the
// business plan approved, goods delivered, an action done; every request
// and 200 response is checked against the document.
func checkTrainingResponses(t *testing.T, c *checker, ok200 map[string]bool) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 30, 7)
	tgt := targeting.NewStore(d, reg, nil)
	prog := programs.NewStore(d, reg, tgt, nil)
	if _, err := prog.SeedCatalogue(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := prog.CreateAgency(ctx, "ong-1", "ONG Uno"); err != nil {
		t.Fatal(err)
	}
	st := delivery.NewStore(d, prog, reg, nil, nil)
	user := func(name string, role auth.Role) *auth.Principal {
		var id int64
		err := d.Transact(ctx, func(tx *db.Tx) error {
			var err error
			id, err = tx.InsertID(ctx, `INSERT INTO users (username, role, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)`, name, string(role), tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return &auth.Principal{UserID: id, Username: name, Role: role}
	}
	ana, coord := user("ana", auth.RoleCounsellor), user("coord", auth.RoleAgency)
	if err := st.AddCounsellor(ctx, "ana", "ong-1", "", 0); err != nil {
		t.Fatal(err)
	}
	if err := prog.AddStaff(ctx, coord.UserID, "ong-1"); err != nil {
		t.Fatal(err)
	}
	var hh string
	if err := d.QueryRowContext(ctx, `SELECT household_id FROM households ORDER BY id LIMIT 1`).Scan(&hh); err != nil {
		t.Fatal(err)
	}
	cs, err := st.Open(ctx, delivery.OpenInput{Line: "yo-emprendo-semilla", HouseholdID: hh, Agency: "ong-1"})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := st.CaseMethodology(ctx, cs.ID)
	var marks []delivery.Mark
	for _, dm := range m.Dimensions {
		for _, cd := range dm.Conditions {
			marks = append(marks, delivery.Mark{Condition: cd.Code, Status: delivery.NotMet})
		}
	}
	st.Transition(ctx, cs.ID, delivery.StateOpen, delivery.StateDiagnosis, "", "")
	if err := st.RecordDiagnosis(ctx, cs.ID, delivery.PhaseEntry, marks); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Transition(ctx, cs.ID, delivery.StateDiagnosis, delivery.StateIntervention, "", ""); err != nil {
		t.Fatal(err)
	}
	tokens := tokenMap{"ana": {ana, []string{"read", "write"}}, "coord": {coord, []string{"read", "write"}},
		"nacional": {&auth.Principal{Username: "nacional", Role: auth.RoleAnalyst}, []string{"read", "write"}}}
	srv := httptest.NewServer((&api.Server{DB: d, Tokens: tokens, Delivery: st}).Handler())
	defer srv.Close()
	doc := c.doc
	call := func(tok, route, url, ct, body string, status int) []byte {
		t.Helper()
		method, path, _ := strings.Cut(route, " ")
		if body != "" && status == 200 && ct == "application/json" {
			op := obj(t, doc, "paths", path, strings.ToLower(method))
			for _, e := range c.check(obj(t, op, "requestBody", "content", "application/json", "schema"), decodeJSON(t, []byte(body)), "body") {
				t.Errorf("%s: request %s", route, e)
			}
		}
		req, _ := http.NewRequest(method, srv.URL+url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, status, out)
		}
		for _, e := range c.check(responseSchema(t, doc, method, path, status), decodeJSON(t, out), "$") {
			t.Errorf("%s: %s", route, e)
		}
		if status == 200 {
			ok200[method+" "+normalise(path)] = true
		}
		return out
	}
	const js = "application/json"
	id := fmt.Sprint(cs.ID)
	call("ana", "POST /api/v1/courses", "/api/v1/courses", js, `{"program": "yo-emprendo-semilla", "commune": "`+cs.Commune+`", "title": "x", "starts_on": "2026-10-01", "ends_on": "2026-12-01"}`, 403)
	out := call("coord", "POST /api/v1/courses", "/api/v1/courses", js, `{"program": "yo-emprendo-semilla", "commune": "`+cs.Commune+`", "title": "Gestión", "starts_on": "2026-10-01", "ends_on": "2026-12-20"}`, 200)
	var k delivery.Course
	json.Unmarshal(out, &k)
	kid := fmt.Sprint(k.ID)
	var first delivery.CourseSession
	for i := range 10 {
		out = call("coord", "POST /api/v1/courses/{id}/sessions", "/api/v1/courses/"+kid+"/sessions", js, fmt.Sprintf(`{"date": "2026-10-%02d", "minutes": 180, "topic": "Módulo %d"}`, i+1, i+1), 200)
		if i == 0 {
			json.Unmarshal(out, &first)
		}
	}
	call("coord", "POST /api/v1/courses/{id}/participants", "/api/v1/courses/"+kid+"/participants", js, `{"cases": [`+id+`]}`, 200)
	call("coord", "POST /api/v1/courses/{id}/participants", "/api/v1/courses/"+kid+"/participants", js, `{"cases": [999999]}`, 400)
	call("ana", "POST /api/v1/course-sessions/{id}/attendance", fmt.Sprintf("/api/v1/course-sessions/%d/attendance", first.ID), js, `{"version": 0, "marks": [{"case_id": `+id+`, "present": true}]}`, 200)
	call("ana", "POST /api/v1/course-sessions/{id}/attendance", fmt.Sprintf("/api/v1/course-sessions/%d/attendance", first.ID), js, `{"version": 0, "marks": [{"case_id": `+id+`, "present": false}]}`, 409)
	csv := "course,session,case,present,minutes\n"
	for n := 2; n <= 9; n++ {
		csv += fmt.Sprintf("%s,%d,%s,si,\n", kid, n, id)
	}
	call("coord", "POST /api/v1/attendance/import", "/api/v1/attendance/import", "text/csv", csv, 200)
	call("coord", "POST /api/v1/attendance/import", "/api/v1/attendance/import", "text/csv", strings.Replace(csv, ",si,", ",quizás,", 1), 400)
	call("ana", "GET /api/v1/courses", "/api/v1/courses?program=yo-emprendo-semilla", "", "", 200)
	call("ana", "GET /api/v1/courses/{id}", "/api/v1/courses/"+kid, "", "", 200)
	good := `{"case_id": ` + id + `, "item": "Horno", "quantity": 1, "unit_cost_clp": 400000, "received_on": "2026-12-01", "received_by": "María"}`
	call("ana", "POST /api/v1/goods", "/api/v1/goods", js, good, 409) // the plan is not approved
	out = call("ana", "POST /api/v1/cases/{id}/plans", "/api/v1/cases/"+id+"/plans", js,
		`{"kind": "business", "goal": "Amasandería", "actions": [{"action": "Cotizar", "who": "María", "by": "2026-11-15"}], "budget": [{"item": "Horno", "amount_clp": 400000}]}`, 200)
	var p delivery.Plan
	json.Unmarshal(out, &p)
	call("nacional", "POST /api/v1/plans/{id}/decision", fmt.Sprintf("/api/v1/plans/%d/decision", p.ID), js, `{"approve": true}`, 200)
	call("ana", "POST /api/v1/goods", "/api/v1/goods", js, good, 200)
	call("ana", "GET /api/v1/goods", "/api/v1/goods?case="+id, "", "", 200)
	call("ana", "GET /api/v1/progress/{id}", "/api/v1/progress/"+id, "", "", 200)
	call("ana", "POST /api/v1/plan-actions/{id}/done", fmt.Sprintf("/api/v1/plan-actions/%d/done", p.ID), js, `{"index": 0}`, 200)
	call("ana", "POST /api/v1/plan-actions/{id}/done", fmt.Sprintf("/api/v1/plan-actions/%d/done", p.ID), js, `{"index": 0}`, 409)
	for _, rt := range api.Routes() {
		for _, pre := range []string{"/api/v1/courses", "/api/v1/course-sessions", "/api/v1/attendance", "/api/v1/progress", "/api/v1/goods", "/api/v1/plan-actions"} {
			if strings.HasPrefix(rt.Pattern, pre) && !ok200[rt.Method+" "+normalise(rt.Pattern)] {
				t.Errorf("%s %s: no real 200 was checked", rt.Method, rt.Pattern)
			}
		}
	}
}
