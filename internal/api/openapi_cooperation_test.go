package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/knowledge"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

func init() {
	elsewhere = append(elsewhere, "/api/v1/cooperation/", "Coop", "/api/v1/knowledge", "Knowledge")
}

// coopServer serves a cooperation store with the organisations and
// professionals of a triangular project with Paraguay, and tokens for an
// officer, counterparts of Paraguay and Guatemala, and a financer.
func coopServer(t *testing.T) (*httptest.Server, *cooperation.Store) {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d := dbtest.Open(t)
	s := cooperation.NewStore(d, nil, time.Now)
	for _, o := range []cooperation.Org{
		{Name: "FOSIS", Country: "CL", IATIRef: "CL-RUT-60109000-3", Technical: true, Reporting: true},
		{Name: "MDS Paraguay", Country: "PY", Technical: true},
		{Name: "MIDES Guatemala", Country: "GT", Technical: true},
		{Name: "GIZ", Country: "DE", IATIRef: "XM-DAC-5-7", Financial: true},
	} {
		if _, err := s.SaveOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []cooperation.Staff{
		{Name: "Ana Rojas", Level: cooperation.LevelDirector, Programs: []cooperation.Program{{Name: "Puente", Role: "designed"}}, Avail: []cooperation.Availability{{From: "2026-01", To: "2028-12", Share: 50}}},
		{Name: "Luis Soto", Level: cooperation.LevelProfessional, Programs: []cooperation.Program{{Name: "Yo Emprendo", Role: "ran"}}, Avail: []cooperation.Availability{{From: "2026-01", To: "2028-12", Share: 20}}},
	} {
		if _, err := s.SaveStaff(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	user := func(name string, role auth.Role, org string) *auth.Principal {
		var id int64
		err := d.Transact(ctx, func(tx *db.Tx) error {
			var err error
			id, err = tx.InsertID(ctx, `INSERT INTO users (username, role, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)`, name, string(role), tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.LinkMember(ctx, id, org); err != nil {
			t.Fatal(err)
		}
		return &auth.Principal{UserID: id, Username: name, Role: role}
	}
	tokens := tokenMap{
		"officer":   {&auth.Principal{Username: "carla", Role: auth.RoleCooperation}, []string{"read", "write"}},
		"reader":    {&auth.Principal{Username: "carla", Role: auth.RoleCooperation}, []string{"read"}},
		"py":        {user("contraparte.py", auth.RoleCounterpart, "MDS Paraguay"), []string{"read", "write"}},
		"gt":        {user("contraparte.gt", auth.RoleCounterpart, "MIDES Guatemala"), []string{"read", "write"}},
		"giz":       {user("giz", auth.RoleFinancer, "GIZ"), []string{"read", "write"}},
		"registrar": {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}, []string{"read"}},
	}
	srv := httptest.NewServer((&api.Server{DB: d, Tokens: tokens, Cooperation: s}).Handler())
	t.Cleanup(srv.Close)
	return srv, s
}

const coopDesign = `{"summary": "Acompañamiento psicosocial", "objectives": ["Diseñar el programa con el equipo paraguayo"],
 "start": "2026-03-01", "end": "2027-12-31", "drafted": "2026-01-25",
 "stages": [{"stage": "request", "start": "2026-03-01", "end": "2026-04-30"}, {"stage": "planning", "start": "2026-05-01", "end": "2026-07-31"},
  {"stage": "execution", "start": "2026-08-01", "end": "2027-09-30"}, {"stage": "systematization", "start": "2027-10-01", "end": "2027-12-31"}],
 "results": [{"title": "Programa diseñado", "type": 1, "indicators": [{"title": "Manual aprobado", "baseline_year": 2026, "baseline": 0, "target": 1}]}],
 "activities": [{"title": "Misión de diagnóstico", "stage": "request", "start": "2026-03-10", "end": "2026-03-20"}],
 "team": [{"key": "c1", "side": "chile", "staff_id": 1, "name": "Ana Rojas", "level": "director", "mirror": "p1", "share": 30, "from": "2026-03", "to": "2027-12"},
  {"key": "c2", "side": "chile", "staff_id": 2, "name": "Luis Soto", "level": "professional", "share": 10, "from": "2026-03", "to": "2027-12"},
  {"key": "p1", "side": "partner", "name": "Carmen Benítez", "institution": "MDS Paraguay", "level": "director"}],
 "budget": [{"org": "MDS Paraguay", "year": 2026, "category": "office", "kind": "in_kind", "valuation": "market rent", "amount": 5000},
  {"org": "FOSIS", "year": 2026, "category": "experts", "kind": "in_kind", "valuation": "salary cost", "amount": 30000},
  {"org": "GIZ", "year": 2026, "category": "travel", "kind": "cash", "amount": 18000}]}`

// TestCooperationAPI takes a triangular request to an initiated project
// through the API and checks every request body and every response, 200s
// and errors, against the OpenAPI document; then that each cooperation route
// answered a real 200 and each Coop schema met a real value.
func TestCooperationAPI(t *testing.T) {
	srv, _ := coopServer(t)
	doc := openAPIDoc(t)
	c := &checker{doc: doc, visited: map[string]bool{}}
	ok200 := map[string]bool{}
	call := func(t *testing.T, tok, route, url, body string, status int) []byte {
		t.Helper()
		method, path, _ := strings.Cut(route, " ")
		if body != "" && status == 200 {
			op := obj(t, doc, "paths", path, strings.ToLower(method))
			schema := obj(t, op, "requestBody", "content", "application/json", "schema")
			for _, e := range c.check(schema, decodeJSON(t, []byte(body)), "body") {
				t.Errorf("%s: request %s", route, e)
			}
		}
		req, _ := http.NewRequest(method, srv.URL+url, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, status, b)
		}
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if resp.StatusCode == 200 && (strings.HasSuffix(path, "/iati") || strings.HasSuffix(path, "/segib")) {
			op := obj(t, doc, "paths", path, strings.ToLower(method))
			if _, ok := obj(t, op, "responses", "200", "content")[mt]; !ok {
				t.Errorf("%s: content type %q is not documented", route, mt)
			}
		} else {
			if mt != "application/json" {
				t.Errorf("%s: content type %q", route, mt)
			}
			for _, e := range c.check(responseSchema(t, doc, method, path, resp.StatusCode), decodeJSON(t, b), "$") {
				t.Errorf("%s: %s", route, e)
			}
		}
		if status == 200 {
			ok200[method+" "+normalise(path)] = true
		}
		return b
	}
	P := "POST /api/v1/cooperation/projects/{code}/"
	u := "/api/v1/cooperation/projects/CSS-PY-01/"
	steps := []struct {
		name, tok, route, url, body string
		status                      int
	}{
		{"organisation", "officer", "POST /api/v1/cooperation/orgs", "/api/v1/cooperation/orgs",
			`{"name": "AGCI", "country": "CL", "iati_ref": "", "type": 10, "strategic": true, "technical": true, "financial": false, "agency": true, "reporting": false}`, 200},
		{"organisation without a role", "officer", "POST /api/v1/cooperation/orgs", "/api/v1/cooperation/orgs", `{"name": "Sin rol", "country": "CL"}`, 400},
		{"professional", "officer", "POST /api/v1/cooperation/staff", "/api/v1/cooperation/staff",
			`{"name": "Marcela Pino", "position": "Profesional", "level": "professional", "programs": [{"name": "Yo Emprendo", "role": "ran"}], "availability": [{"from": "2026-01", "to": "2027-12", "share": 30}]}`, 200},
		{"overlapping availability", "officer", "POST /api/v1/cooperation/staff", "/api/v1/cooperation/staff",
			`{"name": "X", "level": "professional", "availability": [{"from": "2026-01", "to": "2026-12", "share": 30}, {"from": "2026-06", "to": "2027-12", "share": 10}]}`, 400},
		{"staff", "officer", "GET /api/v1/cooperation/staff", "/api/v1/cooperation/staff", "", 200},
		{"staff for a counterpart", "py", "GET /api/v1/cooperation/staff", "/api/v1/cooperation/staff", "", 403},
		{"link an account", "officer", "POST /api/v1/cooperation/members", "/api/v1/cooperation/members", `{"user_id": 1, "org": "MDS Paraguay"}`, 200},
		{"link to an unknown organisation", "officer", "POST /api/v1/cooperation/members", "/api/v1/cooperation/members", `{"user_id": 1, "org": "Nadie"}`, 404},
		{"request", "officer", "POST /api/v1/cooperation/projects", "/api/v1/cooperation/projects",
			`{"code": "CSS-PY-01", "title": "Acompañamiento psicosocial", "partner_country": "PY", "requesting_org": "MDS Paraguay", "channel": "financer", "triangular_asker": "GIZ", "problem": "Familias sin acompañamiento", "segib_sector": "Otros servicios y políticas sociales", "public": true, "requested_on": "2026-01-10"}`, 200},
		{"request for Guatemala", "officer", "POST /api/v1/cooperation/projects", "/api/v1/cooperation/projects",
			`{"code": "CSS-GT-01", "title": "Solicitud", "partner_country": "GT", "requesting_org": "MIDES Guatemala", "channel": "direct", "requested_on": "2026-02-01"}`, 200},
		{"request from the wrong country", "officer", "POST /api/v1/cooperation/projects", "/api/v1/cooperation/projects",
			`{"code": "CSS-X", "title": "x", "partner_country": "PY", "requesting_org": "MIDES Guatemala", "channel": "direct", "requested_on": "2026-02-01"}`, 400},
		{"read-only token", "reader", "POST /api/v1/cooperation/projects", "/api/v1/cooperation/projects", `{"code": "CSS-Y"}`, 403},
		{"design before feasibility", "officer", P + "designs", u + "designs", coopDesign, 409},
		{"feasibility", "officer", P + "feasibility", u + "feasibility", `{"criteria": [{"name": "alignment", "met": true}, {"name": "commitment", "met": true}, {"name": "staff", "met": true}], "decision": "approve", "decided_on": "2026-01-20", "decided_by": "Comité"}`, 200},
		{"design", "officer", P + "designs", u + "designs", coopDesign, 200},
		{"review", "officer", P + "review", u + "review", `{"decision": "approve", "decided_on": "2026-02-10", "directors": "Dirección ejecutiva", "financers": "GIZ", "financer_decisions": [{"org": "GIZ", "decision": "approve"}]}`, 200},
		{"agreement", "officer", P + "agreement", u + "agreement", `{"kind": "trilateral", "effective_on": "2026-02-15", "deadlines": "2027-12", "resources": "según presupuesto", "startup_financing": 5000,
			"parties": [{"org": "MDS Paraguay", "commitment": "Equipo y oficinas", "required": true}, {"org": "FOSIS", "commitment": "Expertos", "required": true}, {"org": "GIZ", "commitment": "Pasajes", "required": true}]}`, 200},
		{"FOSIS signs", "officer", P + "signatures", u + "signatures", `{"org": "FOSIS", "by": "Director", "on": "2026-02-20"}`, 200},
		{"start too early", "officer", P + "transitions", u + "transitions", `{"to": "start", "on": "2026-03-01"}`, 409},
		{"counterpart signs for GIZ", "py", P + "signatures", u + "signatures", `{"org": "GIZ", "by": "X", "on": "2026-02-20"}`, 403},
		{"counterpart signs for its ministry", "py", P + "signatures", u + "signatures", `{"org": "MDS Paraguay", "by": "Ministra", "on": "2026-02-21", "place": "Asunción"}`, 200},
		{"GIZ signs", "officer", P + "signatures", u + "signatures", `{"org": "GIZ", "by": "Directora", "on": "2026-02-22"}`, 200},
		{"start", "officer", P + "transitions", u + "transitions", `{"to": "start", "on": "2026-03-01"}`, 200},
		{"amendment", "officer", "POST /api/v1/cooperation/projects/{code}/amendments", u + "amendments", `{"on": "2026-03-05", "reason": "AGCI se suma para financiar la pasantía en Chile", "add": [{"org": "AGCI", "commitment": "Pasajes de la pasantía", "iati_role": 3}]}`, 200},
		{"amendment without reason", "officer", "POST /api/v1/cooperation/projects/{code}/amendments", u + "amendments", `{"on": "2026-03-05", "reason": "", "add": []}`, 400},
		{"amendment withdrawn", "officer", "POST /api/v1/cooperation/projects/{code}/amendments/{number}/withdrawal", u + "amendments/1/withdrawal", `{"on": "2026-03-06", "reason": "se redacta de nuevo"}`, 200},
		{"amendment again", "officer", "POST /api/v1/cooperation/projects/{code}/amendments", u + "amendments", `{"on": "2026-03-07", "reason": "AGCI se suma para financiar la pasantía en Chile", "add": [{"org": "AGCI", "commitment": "Pasajes de la pasantía", "iati_role": 3}]}`, 200},
		{"counterpart signs the amendment for GIZ", "py", "POST /api/v1/cooperation/projects/{code}/amendments/{number}/signatures", u + "amendments/2/signatures", `{"org": "GIZ", "by": "X", "on": "2026-03-08"}`, 403},
		{"amendment signed by Paraguay", "py", "POST /api/v1/cooperation/projects/{code}/amendments/{number}/signatures", u + "amendments/2/signatures", `{"org": "MDS Paraguay", "by": "Ministra", "on": "2026-03-08"}`, 200},
		{"amendment signed by FOSIS", "officer", "POST /api/v1/cooperation/projects/{code}/amendments/{number}/signatures", u + "amendments/2/signatures", `{"org": "FOSIS", "by": "Director", "on": "2026-03-08"}`, 200},
		{"amendment signed by GIZ", "officer", "POST /api/v1/cooperation/projects/{code}/amendments/{number}/signatures", u + "amendments/2/signatures", `{"org": "GIZ", "by": "Directora", "on": "2026-03-08"}`, 200},
		{"amendment signed by AGCI", "officer", "POST /api/v1/cooperation/projects/{code}/amendments/{number}/signatures", u + "amendments/2/signatures", `{"org": "AGCI", "by": "Director", "on": "2026-03-09"}`, 200},
		{"amendment number", "officer", "POST /api/v1/cooperation/projects/{code}/amendments/{number}/signatures", u + "amendments/x/signatures", `{"org": "FOSIS", "by": "Director", "on": "2026-03-09"}`, 400},
		{"bad transition", "officer", P + "transitions", u + "transitions", `{"to": "fly", "on": "2026-03-01"}`, 400},
		{"event", "officer", P + "events", u + "events", `{"kind": "expert_visit", "mode": "on_site", "start": "2026-04-01", "end": "2026-04-05", "place": "Asunción", "report": "Diagnóstico compartido",
			"participants": [{"side": "chile", "name": "Ana Rojas", "institution": "FOSIS"}, {"side": "partner", "name": "Carmen Benítez", "institution": "MDS Paraguay"}]}`, 200},
		{"execution", "officer", P + "execution", u + "execution", `{"org": "GIZ", "year": 2026, "category": "travel", "kind": "cash", "amount": 17000, "on": "2026-10-31"}`, 200},
		{"financer writes", "giz", P + "execution", u + "execution", `{"org": "GIZ", "year": 2026, "category": "travel", "kind": "cash", "amount": 1, "on": "2026-10-31"}`, 403},
		{"document", "officer", P + "documents", u + "documents", `{"title": "Convenio trilateral", "category": "A09", "url": "https://fosis.example/convenio.pdf", "format": "application/pdf", "language": "es", "date": "2026-02-22"}`, 200},
		{"document without address", "officer", P + "documents", u + "documents", `{"title": "x", "category": "A09", "url": "", "format": "application/pdf", "language": "es", "date": "2026-02-22"}`, 400},
		{"systematization", "officer", "PUT /api/v1/cooperation/projects/{code}/systematization", u + "systematization",
			`{"lessons": "El equipo espejo, con pares en cada nivel de decisión, acelera la adaptación", "challenge": "", "solution": "", "results": "", "sustainability": "", "replicability": "", "findings": "", "management_response": ""}`, 200},
		{"systematization said in one word", "officer", "PUT /api/v1/cooperation/projects/{code}/systematization", u + "systematization",
			`{"lessons": "x", "challenge": "", "solution": "", "results": "", "sustainability": "", "replicability": "", "findings": "", "management_response": ""}`, 400},
		{"project", "py", "GET /api/v1/cooperation/projects/{code}", "/api/v1/cooperation/projects/css-py-01", "", 200},
		{"another country's project", "gt", "GET /api/v1/cooperation/projects/{code}", "/api/v1/cooperation/projects/CSS-PY-01", "", 404},
		{"a missing project", "officer", "GET /api/v1/cooperation/projects/{code}", "/api/v1/cooperation/projects/NOPE", "", 404},
		{"role without cooperation", "registrar", "GET /api/v1/cooperation/projects", "/api/v1/cooperation/projects", "", 403},
		{"no token", "", "GET /api/v1/cooperation/projects", "/api/v1/cooperation/projects", "", 401},
		{"pipeline", "officer", "GET /api/v1/cooperation/projects", "/api/v1/cooperation/projects", "", 200},
		{"orgs", "giz", "GET /api/v1/cooperation/orgs", "/api/v1/cooperation/orgs", "", 200},
		{"iati", "giz", "GET /api/v1/cooperation/iati", "/api/v1/cooperation/iati", "", 200},
		{"segib csv", "officer", "GET /api/v1/cooperation/segib", "/api/v1/cooperation/segib?lang=en", "", 200},
		{"segib xlsx", "officer", "GET /api/v1/cooperation/segib", "/api/v1/cooperation/segib?format=xlsx&year=2026", "", 200},
		{"segib pdf", "officer", "GET /api/v1/cooperation/segib", "/api/v1/cooperation/segib?format=pdf", "", 400},
	}
	bodies := map[string][]byte{}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) { bodies[st.name] = call(t, st.tok, st.route, st.url, st.body, st.status) })
	}
	var v cooperation.View
	if err := json.Unmarshal(bodies["project"], &v); err != nil || v.Project.Step != cooperation.StepExecuting || v.Project.Modality != cooperation.Triangular {
		t.Errorf("project as the counterpart sees it: %+v, %v", v.Project, err)
	}
	var list api.CoopProjectList
	if err := json.Unmarshal(bodies["pipeline"], &list); err != nil || len(list.Projects) != 2 {
		t.Errorf("pipeline: %s", bodies["pipeline"])
	}
	if x := bodies["iati"]; !bytes.Contains(x, []byte(`<collaboration-type code="8">`)) || !bytes.Contains(x, []byte("CL-RUT-60109000-3-CSS-PY-01")) {
		t.Errorf("IATI file:\n%s", x)
	}
	if !strings.HasPrefix(string(bodies["segib csv"]), "Code,Title,Modality") || !bytes.HasPrefix(bodies["segib xlsx"], []byte("PK")) {
		t.Errorf("SEGIB files: %q…", bodies["segib csv"][:40])
	}
	for _, r := range api.Routes() {
		if strings.HasPrefix(r.Pattern, "/api/v1/cooperation/") && !ok200[r.Method+" "+normalise(r.Pattern)] {
			t.Errorf("%s %s: no real 200 response was checked", r.Method, r.Pattern)
		}
	}
	for name := range obj(t, doc, "components", "schemas") {
		if strings.HasPrefix(name, "Coop") && !c.visited[name] {
			t.Errorf("schema %s was never matched by a real value", name)
		}
	}
}

// TestKnowledgeAPI searches the catalogue, reads an item, exports a
// program's package from one server and imports it into another fresh one,
// checking every body and response against the OpenAPI document.
func TestKnowledgeAPI(t *testing.T) {
	doc := openAPIDoc(t)
	c := &checker{doc: doc, visited: map[string]bool{}}
	ok200 := map[string]bool{}
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	newKServer := func() (*httptest.Server, *knowledge.Store) {
		d := dbtest.Open(t)
		coop := cooperation.NewStore(d, nil, time.Now)
		if _, err := coop.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		k := knowledge.NewStore(d, coop)
		srv := httptest.NewServer((&api.Server{DB: d, Tokens: fakeTokens, Knowledge: k}).Handler())
		t.Cleanup(srv.Close)
		return srv, k
	}
	a, _ := newKServer()
	b, _ := newKServer()
	call := func(t *testing.T, srv *httptest.Server, tok, route, url string, body []byte, status int) []byte {
		t.Helper()
		method, path, _ := strings.Cut(route, " ")
		if body != nil && status == 200 {
			op := obj(t, doc, "paths", path, strings.ToLower(method))
			for _, e := range c.check(obj(t, op, "requestBody", "content", "application/json", "schema"), decodeJSON(t, body), "body") {
				t.Errorf("%s: request %s", route, e)
			}
		}
		req, _ := http.NewRequest(method, srv.URL+url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
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
	// The catalogue is written through the store (the API reads, exports
	// and imports).
	pkgBody := func() []byte {
		k := knowledge.NewStore(dbtest.Open(t), nil)
		for _, it := range knowledge.Catalogue() {
			if _, err := k.Save(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		b, err := k.Export(ctx, "psychosocial-support")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}()
	call(t, a, "admin", "POST /api/v1/knowledge/packages", "/api/v1/knowledge/packages", pkgBody, 200)
	call(t, a, "admin", "POST /api/v1/knowledge/{slug}/projects", "/api/v1/knowledge/psychosocial-support/projects", []byte(`{"project": "CSS-PY-01"}`), 200)
	call(t, a, "admin", "POST /api/v1/knowledge/{slug}/projects", "/api/v1/knowledge/psychosocial-support/projects", []byte(`{"project": "NOPE"}`), 404)
	call(t, a, "admin", "POST /api/v1/knowledge", "/api/v1/knowledge", []byte(`{"slug": "mirrored-teams", "kind": "methodology", "title_es": "Equipos espejo", "title_en": "Mirrored teams",
		"summary_es": "Pares en cada nivel de decisión", "summary_en": "Pairs at every level of decision-making"}`), 200)
	call(t, a, "admin", "POST /api/v1/knowledge", "/api/v1/knowledge", []byte(`{"slug": "Bad Slug", "kind": "methodology", "title_es": "x", "title_en": "x"}`), 400)
	call(t, a, "rm", "POST /api/v1/knowledge", "/api/v1/knowledge", []byte(`{"slug": "x", "kind": "methodology", "title_es": "x", "title_en": "x"}`), 403)
	call(t, a, "admin", "GET /api/v1/knowledge", "/api/v1/knowledge?q=acompa%C3%B1amiento+familias&lang=es", nil, 200)
	call(t, a, "admin", "GET /api/v1/knowledge", "/api/v1/knowledge?kind=program", nil, 200)
	call(t, a, "admin", "GET /api/v1/knowledge", "/api/v1/knowledge?q=de", nil, 400)
	call(t, a, "admin", "GET /api/v1/knowledge/{slug}", "/api/v1/knowledge/psychosocial-support", nil, 200)
	call(t, a, "admin", "GET /api/v1/knowledge/{slug}", "/api/v1/knowledge/nope", nil, 404)
	call(t, a, "rm", "GET /api/v1/knowledge", "/api/v1/knowledge", nil, 403)
	// An imported draft must be published before it travels again.
	call(t, a, "admin", "GET /api/v1/knowledge/{slug}/package", "/api/v1/knowledge/psychosocial-support/package", nil, 409)
	call(t, a, "admin", "POST /api/v1/knowledge/packages", "/api/v1/knowledge/packages", pkgBody, 409)
	call(t, b, "admin", "POST /api/v1/knowledge/packages", "/api/v1/knowledge/packages", bytes.Replace(pkgBody, []byte("Puente"), []byte("Otro"), 1), 400)
	// Publish on a: the same design saved as published, then exported and
	// imported into b.
	var e knowledge.Entry
	json.Unmarshal(call(t, a, "admin", "GET /api/v1/knowledge/{slug}", "/api/v1/knowledge/psychosocial-support", nil, 200), &e)
	e.Item.Status, e.Item.Source = "published", ""
	d2 := dbtest.Open(t)
	k2 := knowledge.NewStore(d2, nil)
	if _, err := k2.Save(ctx, *e.Item); err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer((&api.Server{DB: d2, Tokens: fakeTokens, Knowledge: k2}).Handler())
	t.Cleanup(srv2.Close)
	pkg := call(t, srv2, "admin", "GET /api/v1/knowledge/{slug}/package", "/api/v1/knowledge/psychosocial-support/package", nil, 200)
	var got knowledge.Entry
	json.Unmarshal(call(t, b, "admin", "POST /api/v1/knowledge/packages", "/api/v1/knowledge/packages", pkg, 200), &got)
	if got.Item.Status != "draft" || got.Item.Design == nil || len(got.Item.Design.Components) != 2 {
		t.Errorf("imported: %+v", got.Item)
	}
	for _, r := range api.Routes() {
		if strings.HasPrefix(r.Pattern, "/api/v1/knowledge") && !ok200[r.Method+" "+normalise(r.Pattern)] {
			t.Errorf("%s %s: no real 200 response was checked", r.Method, r.Pattern)
		}
	}
	for name := range obj(t, doc, "components", "schemas") {
		if strings.HasPrefix(name, "Knowledge") && !c.visited[name] {
			t.Errorf("schema %s was never matched by a real value", name)
		}
	}
}
