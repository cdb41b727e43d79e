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
	elsewhere = append(elsewhere, "/api/v1/services", "/api/v1/referrals", "Service", "Referral")
}

// TestDirectoryAPI: an analyst adds and imports services; a counsellor
// refers her case, moves the referral and satisfies its condition; every
// request and response is checked against the document, and every route
// answered a real 200.
func TestDirectoryAPI(t *testing.T) {
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
	var anaID int64
	err := d.Transact(ctx, func(tx *db.Tx) error {
		var err error
		anaID, err = tx.InsertID(ctx, `INSERT INTO users (username, role, password_hash, created_at, updated_at) VALUES ('ana', 'counsellor', 'x', ?, ?)`, tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddCounsellor(ctx, "ana", "ong-1", "", 0); err != nil {
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
	m, _ := st.Methodology(ctx, "puente", 1)
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
	tokens := tokenMap{"ana": {&auth.Principal{UserID: anaID, Username: "ana", Role: auth.RoleCounsellor}, []string{"read", "write"}},
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
	commune := c.Commune
	call("ana", "POST /api/v1/services", "/api/v1/services", js, []byte(`{"commune": "`+commune+`", "institution": "CESFAM", "service": "Inscripción"}`), 403)
	call("nacional", "POST /api/v1/services", "/api/v1/services", js, []byte(`{"commune": "99999", "institution": "", "service": "", "dimensions": ["magia"]}`), 400)
	out := call("nacional", "POST /api/v1/services", "/api/v1/services", js,
		[]byte(`{"commune": "`+commune+`", "institution": "CESFAM", "service": "Inscripción", "dimensions": ["salud"], "requirements": "Cédula", "contact": "+56 2 2345 6789"}`), 200)
	var v delivery.Service
	json.Unmarshal(out, &v)
	call("nacional", "POST /api/v1/services/{id}", fmt.Sprintf("/api/v1/services/%d", v.ID), js,
		[]byte(`{"commune": "`+commune+`", "institution": "CESFAM", "service": "Inscripción", "dimensions": ["salud", "identificacion"], "active": true}`), 200)
	call("nacional", "POST /api/v1/services/{id}", "/api/v1/services/99999", js, []byte(`{"commune": "`+commune+`", "institution": "X", "service": "Y"}`), 404)
	csv := "commune,institution,service,dimensions,requirements,contact,active\n" + commune + ",OMIL,Bolsa de empleo,trabajo|ingresos,,,1\n"
	call("nacional", "POST /api/v1/services/import", "/api/v1/services/import", "text/csv", []byte(csv), 200)
	call("nacional", "POST /api/v1/services/import", "/api/v1/services/import", "text/csv", []byte(strings.Replace(csv, ",1\n", ",quizás\n", 1)), 400)
	call("ana", "GET /api/v1/services", "/api/v1/services?commune="+commune+"&dimension=salud&limit=10", "", nil, 200)
	call("ana", "GET /api/v1/services", "/api/v1/services?dimension=magia", "", nil, 400)
	out = call("ana", "POST /api/v1/referrals", "/api/v1/referrals", js, []byte(fmt.Sprintf(`{"case_id": %d, "service_id": %d, "condition": "SA1", "reason": "Sin inscripción"}`, c.ID, v.ID)), 200)
	var x delivery.Referral
	json.Unmarshal(out, &x)
	call("ana", "POST /api/v1/referrals", "/api/v1/referrals", js, []byte(fmt.Sprintf(`{"case_id": 99999, "service_id": %d}`, v.ID)), 404)
	call("ana", "GET /api/v1/referrals", fmt.Sprintf("/api/v1/referrals?case=%d", c.ID), "", nil, 200)
	call("ana", "GET /api/v1/referrals", "/api/v1/referrals", "", nil, 400)
	tr := fmt.Sprintf("/api/v1/referrals/%d/transitions", x.ID)
	call("ana", "POST /api/v1/referrals/{id}/transitions", tr, js, []byte(`{"from": "sent", "to": "resolved"}`), 409)
	call("ana", "POST /api/v1/referrals/{id}/transitions", tr, js, []byte(`{"from": "sent", "to": "attended"}`), 200)
	call("ana", "POST /api/v1/referrals/{id}/transitions", tr, js, []byte(`{"from": "attended", "to": "resolved"}`), 400)
	call("ana", "POST /api/v1/referrals/{id}/satisfy", fmt.Sprintf("/api/v1/referrals/%d/satisfy", x.ID), "", nil, 409)
	call("ana", "POST /api/v1/referrals/{id}/transitions", tr, js, []byte(`{"from": "attended", "to": "resolved", "outcome": "Inscritos en el CESFAM"}`), 200)
	call("ana", "POST /api/v1/referrals/{id}/satisfy", fmt.Sprintf("/api/v1/referrals/%d/satisfy", x.ID), "", nil, 200)
	call("ana", "POST /api/v1/referrals/{id}/satisfy", fmt.Sprintf("/api/v1/referrals/%d/satisfy", x.ID), "", nil, 409)
	for _, rt := range api.Routes() {
		if strings.HasPrefix(rt.Pattern, "/api/v1/services") || strings.HasPrefix(rt.Pattern, "/api/v1/referrals") {
			if !ok200[rt.Method+" "+normalise(rt.Pattern)] {
				t.Errorf("%s %s: no real 200 was checked", rt.Method, rt.Pattern)
			}
		}
	}
	for _, name := range []string{"Service", "ServiceList", "ServiceImport", "Referral", "ReferralList"} {
		if !ch.visited[name] {
			t.Errorf("schema %s was never matched by a real value", name)
		}
	}
}
