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

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

func init() {
	elsewhere = append(elsewhere, "/api/v1/cases", "/api/v1/sessions", "/api/v1/plans", "Case", "Methodology", "Session", "Plan")
}

// TestDeliveryAPI walks a case through the API as its counsellor — the
// file, a session, the entry diagnosis, the transitions, the notes, an
// import — and checks every request and response against the document;
// then that every cases route answered a real 200.
func TestDeliveryAPI(t *testing.T) {
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
	ana, otra := user("ana", auth.RoleCounsellor), user("otra", auth.RoleCounsellor)
	for _, u := range []string{"ana", "otra"} {
		if err := st.AddCounsellor(ctx, u, "ong-1", "", 0); err != nil {
			t.Fatal(err)
		}
	}
	var hh string
	if err := d.QueryRowContext(ctx, `SELECT household_id FROM households ORDER BY id LIMIT 1`).Scan(&hh); err != nil {
		t.Fatal(err)
	}
	c, err := st.Open(ctx, delivery.OpenInput{Line: "puente", HouseholdID: hh, Agency: "ong-1"})
	if err != nil || c.Counsellor != "ana" {
		t.Fatalf("open: %+v, %v", c, err)
	}
	tokens := tokenMap{"ana": {ana, []string{"read", "write"}}, "otra": {otra, []string{"read", "write"}},
		"nacional": {&auth.Principal{Username: "nacional", Role: auth.RoleAnalyst}, []string{"read", "write"}}}
	srv := httptest.NewServer((&api.Server{DB: d, Tokens: tokens, Delivery: st}).Handler())
	t.Cleanup(srv.Close)

	doc := openAPIDoc(t)
	ch := &checker{doc: doc, visited: map[string]bool{}}
	ok200 := map[string]bool{}
	call := func(tok, route, url, ct string, body []byte, status int) []byte {
		t.Helper()
		method, path, _ := strings.Cut(route, " ")
		if body != nil && status == 200 && ct == "application/json" {
			op := obj(t, doc, "paths", path, strings.ToLower(method))
			for _, e := range ch.check(obj(t, op, "requestBody", "content", "application/json", "schema"), decodeJSON(t, body), "body") {
				t.Errorf("%s: request %s", route, e)
			}
		}
		req, _ := http.NewRequest(method, srv.URL+url, bytes.NewReader(body))
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
		for _, e := range ch.check(responseSchema(t, doc, method, path, status), decodeJSON(t, out), "$") {
			t.Errorf("%s: %s", route, e)
		}
		if status == 200 {
			ok200[method+" "+normalise(path)] = true
		}
		return out
	}
	const js = "application/json"
	id := fmt.Sprint(c.ID)
	call("ana", "GET /api/v1/cases", "/api/v1/cases?state=open&limit=5", "", nil, 200)
	call("otra", "GET /api/v1/cases/{id}", "/api/v1/cases/"+id, "", nil, 404)
	call("ana", "POST /api/v1/cases/{id}/transitions", "/api/v1/cases/"+id+"/transitions", js, []byte(`{"from": "open", "to": "in_diagnosis"}`), 200)
	call("ana", "POST /api/v1/cases/{id}/transitions", "/api/v1/cases/"+id+"/transitions", js, []byte(`{"from": "open", "to": "in_diagnosis"}`), 409)
	var marks []delivery.Mark
	m, _ := st.Methodology(ctx, "puente", 1)
	for _, dm := range m.Dimensions {
		for _, cd := range dm.Conditions {
			marks = append(marks, delivery.Mark{Condition: cd.Code, Status: delivery.NotMet, Evidence: "visita"})
		}
	}
	body, _ := json.Marshal(map[string]any{"phase": "entry", "marks": marks})
	call("ana", "POST /api/v1/cases/{id}/diagnosis", "/api/v1/cases/"+id+"/diagnosis", js, body, 200)
	call("ana", "POST /api/v1/cases/{id}/diagnosis", "/api/v1/cases/"+id+"/diagnosis", js, []byte(`{"phase": "exit", "marks": []}`), 409)
	out := call("ana", "POST /api/v1/cases/{id}/sessions", "/api/v1/cases/"+id+"/sessions", js,
		[]byte(`{"component": "home", "kind": "home", "date": "2026-12-01", "minutes": 45, "attendees": ["María"], "dimensions": ["salud"], "notes": "Reservado"}`), 200)
	call("ana", "POST /api/v1/cases/{id}/sessions", "/api/v1/cases/"+id+"/sessions", js, []byte(`{"component": "home", "kind": "party", "date": "2026-12-01", "minutes": 45}`), 400)
	var sess delivery.Session
	json.Unmarshal(out, &sess)
	call("ana", "GET /api/v1/sessions/{id}/notes", fmt.Sprintf("/api/v1/sessions/%d/notes", sess.ID), "", nil, 200)
	call("otra", "GET /api/v1/sessions/{id}/notes", fmt.Sprintf("/api/v1/sessions/%d/notes", sess.ID), "", nil, 404)
	csv := "case,ref,date,component,kind,status,minutes,attendees,dimensions,notes\n" + id + ",G1,2026-11-20,group,group,held,90,María|Pedro,,\n"
	call("ana", "POST /api/v1/sessions/import", "/api/v1/sessions/import", "text/csv", []byte(csv), 200)
	call("ana", "POST /api/v1/sessions/import", "/api/v1/sessions/import", "text/csv", []byte(strings.Replace(csv, "2026-11-20", "2026-11-31", 1)), 400)
	call("ana", "GET /api/v1/cases/alerts", "/api/v1/cases/alerts?days=1&limit=10", "", nil, 200)
	call("ana", "GET /api/v1/cases/alerts", "/api/v1/cases/alerts?days=0", "", nil, 400)
	call("ana", "GET /api/v1/cases/agenda", "/api/v1/cases/agenda?days=7", "", nil, 200)
	plan := []byte(`{"kind": "family", "goal": "Inscribir a la familia en el CESFAM", "actions": [{"condition": "SA1", "action": "Ir al CESFAM", "who": "María", "by": "2027-01-15"}]}`)
	call("ana", "POST /api/v1/cases/{id}/plans", "/api/v1/cases/"+id+"/plans", js, plan, 409) // still in diagnosis
	call("ana", "POST /api/v1/cases/{id}/transitions", "/api/v1/cases/"+id+"/transitions", js, []byte(`{"from": "in_diagnosis", "to": "in_intervention"}`), 200)
	call("ana", "POST /api/v1/cases/{id}/plans", "/api/v1/cases/"+id+"/plans", js, []byte(`{"kind": "family", "goal": "x", "budget": [{"item": "Cama", "amount_clp": 90000}]}`), 400)
	out = call("ana", "POST /api/v1/cases/{id}/plans", "/api/v1/cases/"+id+"/plans", js, plan, 200)
	var p delivery.Plan
	json.Unmarshal(out, &p)
	call("ana", "POST /api/v1/plans/{id}/decision", fmt.Sprintf("/api/v1/plans/%d/decision", p.ID), js, []byte(`{"approve": true}`), 403)
	call("nacional", "POST /api/v1/plans/{id}/decision", fmt.Sprintf("/api/v1/plans/%d/decision", p.ID), js, []byte(`{"approve": true, "comment": "ok"}`), 200)
	call("nacional", "POST /api/v1/plans/{id}/decision", fmt.Sprintf("/api/v1/plans/%d/decision", p.ID), js, []byte(`{"approve": false}`), 409)
	call("ana", "GET /api/v1/cases/{id}", "/api/v1/cases/"+id, "", nil, 200)
	for _, rt := range api.Routes() {
		if strings.HasPrefix(rt.Pattern, "/api/v1/cases") || strings.HasPrefix(rt.Pattern, "/api/v1/sessions") || strings.HasPrefix(rt.Pattern, "/api/v1/plans") {
			if !ok200[rt.Method+" "+normalise(rt.Pattern)] {
				t.Errorf("%s %s: no real 200 was checked", rt.Method, rt.Pattern)
			}
		}
	}
}
