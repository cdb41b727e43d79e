package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

// decodeJSON decodes with numbers kept as json.Number, so that the schema
// walker can tell integers from other numbers.
func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding JSON: %v", err)
	}
	return v
}

// openAPIDoc returns a fresh copy of the embedded document.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	doc, ok := decodeJSON(t, api.OpenAPI).(map[string]any)
	if !ok {
		t.Fatal("openapi.json is not a JSON object")
	}
	return doc
}

// obj follows keys through nested objects and fails the test if one is missing.
func obj(t *testing.T, v any, keys ...string) map[string]any {
	t.Helper()
	for i, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s is not an object", strings.Join(keys[:i], "."))
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("%s is missing", strings.Join(keys[:i+1], "."))
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object", strings.Join(keys, "."))
	}
	return m
}

// resolve follows a local reference ("#/components/schemas/Run").
func resolve(doc map[string]any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("%q is not a reference inside the document", ref)
	}
	var v any = doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q: %q is inside a non-object", ref, tok)
		}
		if v, ok = m[tok]; !ok {
			return nil, fmt.Errorf("%q: no %q", ref, tok)
		}
	}
	return v, nil
}

// deref resolves v if it is a reference object, and returns it otherwise.
func deref(t *testing.T, doc map[string]any, v map[string]any) map[string]any {
	t.Helper()
	ref, ok := v["$ref"].(string)
	if !ok {
		return v
	}
	r, err := resolve(doc, ref)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := r.(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object", ref)
	}
	return m
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// operation is one documented method and path.
type operation struct {
	method, path string
	op           map[string]any
}

func operations(t *testing.T, doc map[string]any) []operation {
	t.Helper()
	var ops []operation
	for path, item := range obj(t, doc, "paths") {
		for _, m := range httpMethods {
			if op, ok := item.(map[string]any)[m]; ok {
				ops = append(ops, operation{strings.ToUpper(m), path, op.(map[string]any)})
			}
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.path+" "+a.method, b.path+" "+b.method) })
	return ops
}

var pathParam = regexp.MustCompile(`\{([^}]*)\}`)

// normalise drops parameter names, which the document and the mux may spell
// differently: "/api/v1/score/runs/{run}" → "/api/v1/score/runs/{}".
func normalise(path string) string { return pathParam.ReplaceAllString(path, "{}") }

func TestOpenAPIDocument(t *testing.T) {
	doc := openAPIDoc(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi is %q, want 3.1.x", v)
	}
	info := obj(t, doc, "info")
	if info["title"] != "fosis API" || info["version"] != "1" {
		t.Errorf("info: title %q, version %q", info["title"], info["version"])
	}
	if _, ok := obj(t, doc, "components", "securitySchemes")["bearer"]; !ok {
		t.Error("no bearer security scheme")
	}

	// Every $ref resolves, and every component is used by some $ref.
	used := map[string]bool{}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := resolve(doc, ref); err != nil {
					t.Errorf("%s: %v", at, err)
				}
				used[ref] = true
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "#")
	for kind, m := range obj(t, doc, "components") {
		if kind == "securitySchemes" {
			continue // used by name in security requirements
		}
		for name := range m.(map[string]any) {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				t.Errorf("%s is never used", ref)
			}
		}
	}

	// Every operation: a unique id, its path parameters declared, a 200,
	// and the token errors unless it is public.
	ids := map[string]bool{}
	for _, o := range operations(t, doc) {
		at := o.method + " " + o.path
		id, _ := o.op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q missing or repeated", at, id)
		}
		ids[id] = true
		var inPath, declared []string
		for _, m := range pathParam.FindAllStringSubmatch(o.path, -1) {
			inPath = append(inPath, m[1])
		}
		params, _ := o.op["parameters"].([]any)
		for _, p := range params {
			if p := deref(t, doc, p.(map[string]any)); p["in"] == "path" {
				declared = append(declared, p["name"].(string))
				if p["required"] != true {
					t.Errorf("%s: path parameter %s is not required", at, p["name"])
				}
			}
		}
		if diff := cmp.Diff(inPath, declared); diff != "" {
			t.Errorf("%s: path parameters (-in the path +declared):\n%s", at, diff)
		}
		responses := obj(t, o.op, "responses")
		want := []string{"500"}
		_, accepted := responses["202"] // an operation that starts a background job
		_, created := responses["201"]  // one that creates a record
		if !accepted && !created {
			want = append(want, "200")
		}
		if !isPublic(o.op) {
			want = append(want, "401", "403")
		}
		for _, status := range want {
			if _, ok := responses[status]; !ok {
				t.Errorf("%s: no %s response", at, status)
			}
		}
		for status, r := range responses {
			if status[0] == '2' || (o.path == "/healthz" || o.path == "/readyz") && status == "503" {
				continue
			}
			schema := obj(t, deref(t, doc, r.(map[string]any)), "content", "application/json", "schema")
			if schema["$ref"] != "#/components/schemas/ErrorBody" {
				t.Errorf("%s: the %s response is not an ErrorBody", at, status)
			}
		}
	}
}

// moreResponseChecks are added by modules' own test files (from init): each
// serves its routes, checks real responses (and request bodies) against
// the document with c, and returns the routes ("GET /api/v1/…" as the
// document spells them) it checked with a 200.
var moreResponseChecks []func(t *testing.T, doc map[string]any, c *checker) []string

// isPublic reports whether an operation overrides the global security
// requirement with an empty one.
func isPublic(op map[string]any) bool {
	sec, ok := op["security"].([]any)
	return ok && len(sec) == 0
}

// TestOpenAPIRoutes checks that the document describes exactly the routes
// Handler registers, and marks public exactly the public ones.
func TestOpenAPIRoutes(t *testing.T) {
	var documented, public []string
	for _, o := range operations(t, openAPIDoc(t)) {
		documented = append(documented, o.method+" "+normalise(o.path))
		if isPublic(o.op) {
			public = append(public, o.method+" "+normalise(o.path))
		}
	}
	var routes, publicRoutes []string
	for _, r := range api.Routes() {
		routes = append(routes, r.Method+" "+normalise(r.Pattern))
		if r.Public {
			publicRoutes = append(publicRoutes, r.Method+" "+normalise(r.Pattern))
		}
	}
	slices.Sort(routes)
	slices.Sort(publicRoutes)
	slices.Sort(documented)
	slices.Sort(public)
	if diff := cmp.Diff(routes, documented); diff != "" {
		t.Errorf("routes (-registered +documented):\n%s", diff)
	}
	if diff := cmp.Diff(publicRoutes, public); diff != "" {
		t.Errorf("public routes (-registered +documented):\n%s", diff)
	}
}

// TestOpenAPIServed checks that the document is served as is, without a
// token (it needs no database, so the server has none).
func TestOpenAPIServed(t *testing.T) {
	srv := httptest.NewServer((&api.Server{Tokens: fakeTokens}).Handler())
	defer srv.Close()
	for _, tok := range []string{"", "wrong", "admin"} {
		status, body, header := fetch(t, srv.URL+"/api/v1/openapi.json", tok)
		if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); status != 200 || mt != "application/json" {
			t.Errorf("token %q: status %d, content type %q", tok, status, header.Get("Content-Type"))
		}
		if !bytes.Equal(body, api.OpenAPI) {
			t.Errorf("token %q: the served document differs from openapi.json", tok)
		}
	}
	// Other methods on it are not public: they meet the token check.
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/openapi.json", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("POST without a token: status %d, want 401", resp.StatusCode)
	}
}

func fetch(t *testing.T, url, tok string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header
}

// responseCase is a request whose response TestOpenAPIMatchesResponses
// checks against the document: route is the method and path as the
// document spells them; a non-empty body is sent with the route's method
// and contentType.
type responseCase struct {
	name, tok, route, url string
	srv                   *httptest.Server
	status                int
	body, contentType     string
}

// moreResponseCases are the cases of feature test files, which append to it
// from init (openapi_<feature>_test.go), given the servers over the registry
// scored with the income model (run 1), and with the income then the pmt
// model (runs 1 and 2).
var moreResponseCases []func(income, pmt *httptest.Server) []responseCase

func (rc responseCase) fetch(t *testing.T) (int, []byte, http.Header) {
	t.Helper()
	if rc.body == "" {
		return fetch(t, rc.srv.URL+rc.url, rc.tok)
	}
	method, _, _ := strings.Cut(rc.route, " ")
	req, _ := http.NewRequest(method, rc.srv.URL+rc.url, strings.NewReader(rc.body))
	req.Header.Set("Content-Type", rc.contentType)
	if rc.tok != "" {
		req.Header.Set("Authorization", "Bearer "+rc.tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header
}

// post uploads files (form field → content) as multipart/form-data.
func post(t *testing.T, url, tok string, files map[string]string) (int, []byte, http.Header) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range []string{"households", "persons"} {
		if data, ok := files[name]; ok {
			fw, _ := mw.CreateFormFile(name, name+".csv")
			fw.Write([]byte(data))
		}
	}
	mw.Close()
	req, _ := http.NewRequest("POST", url, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body, resp.Header
}

// postJSON posts body (nothing if empty) as JSON.
func postJSON(t *testing.T, url, tok, body string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// responseSchema is the JSON schema the document gives for one status of
// one operation.
func responseSchema(t *testing.T, doc map[string]any, method, path string, status int) map[string]any {
	t.Helper()
	op := obj(t, doc, "paths", path, strings.ToLower(method))
	r := obj(t, op, "responses", strconv.Itoa(status))
	return obj(t, deref(t, doc, r), "content", "application/json", "schema")
}

// TestOpenAPIMatchesResponses fetches real responses from a scored registry
// and checks each against the schema the document gives for its route and
// status. Two registries are served: one scored with the default income
// model, one scored again with a pmt model, so that both kinds of
// explanation are checked.
func TestOpenAPIMatchesResponses(t *testing.T) {
	var pmt *targeting.Model
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			pmt = m
		}
	}
	if pmt == nil {
		t.Fatal("no built-in pmt model")
	}
	income, reg := newServer(t)
	pmtSrv, _, pmtJobs := newServerJobs(t, pmt)
	f, err := reg.LoadFrame(auth.WithPrincipal(context.Background(), auth.System()), true)
	if err != nil {
		t.Fatal(err)
	}
	terr := reg.Territory()
	someID := f.ExtID[f.Len()/2]
	// A household with means-test upgrades, one in region 13 and one out of it.
	var upgradedID, inRM, outOfRM string
	for i, id := range f.ExtID {
		switch rm := terr.Regions[f.Region[i]].Code == "13"; {
		case rm && inRM == "":
			inRM = id
		case !rm && outOfRM == "":
			outOfRM = id
		}
		if upgradedID != "" {
			continue
		}
		var h api.HouseholdResponse
		if _, body, _ := fetch(t, income.URL+"/api/v1/households/"+id, "admin"); json.Unmarshal(body, &h) == nil &&
			h.Score != nil && len(h.Score.Explanation.Upgrades) > 0 {
			upgradedID = id
		}
	}
	if upgradedID == "" || inRM == "" || outOfRM == "" {
		t.Fatalf("the test data lacks a household with upgrades (%q), in region 13 (%q) or out of it (%q)", upgradedID, inRM, outOfRM)
	}
	var h api.HouseholdResponse
	_, body, _ := fetch(t, income.URL+"/api/v1/households/"+someID, "admin")
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	commune, run := h.Household.CommuneCode, h.Household.Members[0].RUN
	surname := url.QueryEscape(h.Household.Members[0].Paternal + " " + h.Household.Members[0].GivenNames)

	tests := []struct {
		name   string
		srv    *httptest.Server
		tok    string
		route  string // method and path as the document spells them
		url    string
		status int
	}{
		{"health", income, "", "GET /healthz", "/healthz", 200},
		{"ready", income, "", "GET /readyz", "/readyz", 200},
		{"openapi", income, "", "GET /api/v1/openapi.json", "/api/v1/openapi.json", 200},
		{"household, income model", income, "admin", "GET /api/v1/households/{id}", "/api/v1/households/" + someID + "?lang=en", 200},
		{"household with upgrades", income, "admin", "GET /api/v1/households/{id}", "/api/v1/households/" + upgradedID, 200},
		{"household, pmt model", pmtSrv, "admin", "GET /api/v1/households/{id}", "/api/v1/households/" + someID, 200},
		{"household, regional officer", income, "rm", "GET /api/v1/households/{id}", "/api/v1/households/" + inRM, 200},
		{"sensitive data", income, "admin", "GET /api/v1/households/{id}/sensitive", "/api/v1/households/" + someID + "/sensitive", 200},
		{"sensitive data, regional officer", income, "rm", "GET /api/v1/households/{id}/sensitive", "/api/v1/households/" + inRM + "/sensitive", 200},
		{"sensitive data of another region", income, "rm", "GET /api/v1/households/{id}/sensitive", "/api/v1/households/" + outOfRM + "/sensitive", 404},
		{"sensitive data, role without the need", income, "coop", "GET /api/v1/households/{id}/sensitive", "/api/v1/households/" + someID + "/sensitive", 403},
		{"household by RUN", income, "admin", "GET /api/v1/persons/{run}/household", "/api/v1/persons/" + run + "/household?lang=es", 200},
		{"household by RUN, pmt model", pmtSrv, "admin", "GET /api/v1/persons/{run}/household", "/api/v1/persons/" + run + "/household", 200},
		{"persons by name", income, "admin", "GET /api/v1/persons", "/api/v1/persons?name=" + surname, 200},
		{"persons by name, regional officer", income, "rm", "GET /api/v1/persons", "/api/v1/persons?name=" + surname + "&limit=1", 200},
		{"persons by name, no word", income, "admin", "GET /api/v1/persons", "/api/v1/persons?name=a", 400},
		{"persons by name, bad limit", income, "admin", "GET /api/v1/persons", "/api/v1/persons?name=perez&limit=201", 400},
		{"commune, first page", income, "admin", "GET /api/v1/communes/{code}/households", "/api/v1/communes/" + commune + "/households?limit=2", 200},
		{"commune, filtered", income, "admin", "GET /api/v1/communes/{code}/households", "/api/v1/communes/" + commune + "/households?zone=urban&bracket=40,50&female_head=1&limit=3", 200},
		{"commune, bad filter", income, "admin", "GET /api/v1/communes/{code}/households", "/api/v1/communes/" + commune + "/households?zone=x&min_members=y", 400},
		{"commune, last page", income, "admin", "GET /api/v1/communes/{code}/households", "/api/v1/communes/" + commune + "/households?limit=500", 200},
		{"territory", income, "admin", "GET /api/v1/territory", "/api/v1/territory", 200},
		{"runs", pmtSrv, "admin", "GET /api/v1/score/runs", "/api/v1/score/runs", 200},
		{"run by id", pmtSrv, "admin", "GET /api/v1/score/runs/{run}", "/api/v1/score/runs/1", 200},
		{"latest run", pmtSrv, "admin", "GET /api/v1/score/runs/{run}", "/api/v1/score/runs/latest", 200},

		{"no such household", income, "admin", "GET /api/v1/households/{id}", "/api/v1/households/nope", 404},
		{"another region's household", income, "rm", "GET /api/v1/households/{id}", "/api/v1/households/" + outOfRM, 404},
		{"role without registry access", income, "coop", "GET /api/v1/households/{id}", "/api/v1/households/" + someID, 403},
		{"bad RUN", income, "admin", "GET /api/v1/persons/{run}/household", "/api/v1/persons/12.345.678-4/household", 400},
		{"bad limit", income, "admin", "GET /api/v1/communes/{code}/households", "/api/v1/communes/13101/households?limit=0", 400},
		{"unknown commune", income, "admin", "GET /api/v1/communes/{code}/households", "/api/v1/communes/99999/households", 404},
		{"no token", income, "", "GET /api/v1/territory", "/api/v1/territory", 401},
		{"bad run id", income, "admin", "GET /api/v1/score/runs/{run}", "/api/v1/score/runs/abc", 400},
		{"no such run", income, "admin", "GET /api/v1/score/runs/{run}", "/api/v1/score/runs/999", 404},
	}
	doc := openAPIDoc(t)
	c := &checker{doc: doc, visited: map[string]bool{}}
	ok200 := map[string]bool{}
	// checkResponse checks one real response against the document: its
	// media type, and a JSON body against the schema.
	checkResponse := func(t *testing.T, route string, wantStatus, status int, body []byte, header http.Header) {
		t.Helper()
		if status != wantStatus {
			t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
		}
		method, path, _ := strings.Cut(route, " ")
		op := obj(t, doc, "paths", path, strings.ToLower(method))
		content := obj(t, deref(t, doc, obj(t, op, "responses", strconv.Itoa(status))), "content")
		mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
		if _, ok := content[mt]; !ok {
			t.Errorf("content type %q is not documented for %s %d", header.Get("Content-Type"), route, status)
		}
		if mt == "application/json" {
			for _, e := range c.check(responseSchema(t, doc, method, path, status), decodeJSON(t, body), "$") {
				t.Error(e)
			}
		}
		if status >= 200 && status < 300 {
			ok200[method+" "+normalise(path)] = true
		}
	}
	cases := make([]responseCase, 0, len(tests))
	for _, tt := range tests {
		cases = append(cases, responseCase{name: tt.name, srv: tt.srv, tok: tt.tok, route: tt.route, url: tt.url, status: tt.status})
	}
	for _, more := range moreResponseCases {
		cases = append(cases, more(income, pmtSrv)...)
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			status, body, header := tt.fetch(t)
			checkResponse(t, tt.route, tt.status, status, body, header)
		})
	}
	// Imports: uploads (multipart), jobs, CSV reports.
	extract := registrytest.Extract(t, 30, 77)
	bad := map[string]string{"households": strings.Replace(extract["households"], ",urban,", ",urbano,", 1), "persons": extract["persons"]}
	status, body, header := post(t, pmtSrv.URL+"/api/v1/imports", "admin", bad)
	checkResponse(t, "POST /api/v1/imports", 202, status, body, header)
	var job struct{ ID string }
	json.Unmarshal(body, &job)
	pmtJobs.Wait()
	status, body, header = fetch(t, pmtSrv.URL+"/api/v1/jobs/"+job.ID, "admin")
	checkResponse(t, "GET /api/v1/jobs/{id}", 200, status, body, header)
	var done struct {
		Result struct {
			ID       int64
			Problems int
		}
	}
	if json.Unmarshal(body, &done); done.Result.Problems == 0 {
		t.Fatalf("the import found no problem: %s", body)
	}
	importID := strconv.FormatInt(done.Result.ID, 10)
	for _, tt := range []struct {
		name, tok, route, url string
		files                 map[string]string // POST these as multipart
		status                int
	}{
		{"imports", "admin", "GET /api/v1/imports", "/api/v1/imports?limit=1", nil, 200},
		{"import problems", "admin", "GET /api/v1/imports/{id}/problems", "/api/v1/imports/" + importID + "/problems", nil, 200},
		{"problems of a clean import", "admin", "GET /api/v1/imports/{id}/problems", "/api/v1/imports/1/problems", nil, 404},
		{"problems, bad id", "admin", "GET /api/v1/imports/{id}/problems", "/api/v1/imports/x/problems", nil, 400},
		{"imports, regional officer", "rm", "GET /api/v1/imports", "/api/v1/imports", nil, 403},
		{"imports, bad cursor", "admin", "GET /api/v1/imports", "/api/v1/imports?before=0", nil, 400},
		{"another user's job", "coop", "GET /api/v1/jobs/{id}", "/api/v1/jobs/" + job.ID, nil, 404},
		{"import, one file", "admin", "POST /api/v1/imports", "/api/v1/imports", map[string]string{"persons": extract["persons"]}, 400},
		{"import, read-only token", "rm", "POST /api/v1/imports", "/api/v1/imports", extract, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var body []byte
			var header http.Header
			if tt.files != nil {
				status, body, header = post(t, pmtSrv.URL+tt.url, tt.tok, tt.files)
			} else {
				status, body, header = fetch(t, pmtSrv.URL+tt.url, tt.tok)
			}
			checkResponse(t, tt.route, tt.status, status, body, header)
			if tt.name == "import problems" && !strings.HasPrefix(string(body), "file,line,column,value,reason,household_id\n") {
				t.Errorf("report:\n%s", body)
			}
		})
	}
	// Administration: users, tokens, the audit trail, with real accounts.
	adm, tok, ids := newAdminServer(t)
	for _, tt := range []struct {
		name, tok, route, url, body string // a body is POSTed as JSON
		status                      int
	}{
		{"users", tok["admin"], "GET /api/v1/users", "/api/v1/users", "", 200},
		{"users, auditor", tok["auditor"], "GET /api/v1/users", "/api/v1/users", "", 200},
		{"users, analyst", tok["analyst"], "GET /api/v1/users", "/api/v1/users", "", 403},
		{"create user", tok["admin"], "POST /api/v1/users", "/api/v1/users", `{"username":"rosa","display_name":"Rosa","role":"regional","region_code":"13","language":"en"}`, 201},
		{"create user, taken", tok["admin"], "POST /api/v1/users", "/api/v1/users", `{"username":"rosa","role":"analyst"}`, 409},
		{"create user, invalid", tok["admin"], "POST /api/v1/users", "/api/v1/users", `{"username":"X","role":"jefe"}`, 400},
		{"create user, unknown field", tok["admin"], "POST /api/v1/users", "/api/v1/users", `{"username":"luis","role":"analyst","admin":true}`, 400},
		{"create user, not JSON", tok["admin"], "POST /api/v1/users", "/api/v1/users", `username=luis`, 400},
		{"create user, analyst", tok["analyst"], "POST /api/v1/users", "/api/v1/users", `{"username":"luis","role":"analyst"}`, 403},
		{"disable", tok["admin"], "POST /api/v1/users/{id}/active", "/api/v1/users/" + ids["auditor"] + "/active", `{"active":false}`, 200},
		{"enable", tok["admin"], "POST /api/v1/users/{id}/active", "/api/v1/users/" + ids["auditor"] + "/active", `{"active":true}`, 200},
		{"disable oneself", tok["admin"], "POST /api/v1/users/{id}/active", "/api/v1/users/" + ids["admin"] + "/active", `{"active":false}`, 409},
		{"active missing", tok["admin"], "POST /api/v1/users/{id}/active", "/api/v1/users/" + ids["auditor"] + "/active", `{}`, 400},
		{"no such user", tok["admin"], "POST /api/v1/users/{id}/active", "/api/v1/users/999/active", `{"active":true}`, 404},
		{"role", tok["admin"], "POST /api/v1/users/{id}/role", "/api/v1/users/" + ids["analyst"] + "/role", `{"role":"regional","region_code":"05"}`, 200},
		{"role without region", tok["admin"], "POST /api/v1/users/{id}/role", "/api/v1/users/" + ids["analyst"] + "/role", `{"role":"regional"}`, 400},
		{"password", tok["admin"], "POST /api/v1/users/{id}/password", "/api/v1/users/" + ids["auditor"] + "/password", "", 200},
		{"password, bad id", tok["admin"], "POST /api/v1/users/{id}/password", "/api/v1/users/x/password", "", 400},
		{"tokens", tok["admin"], "GET /api/v1/tokens", "/api/v1/tokens", "", 200},
		{"own tokens", tok["analyst"], "GET /api/v1/tokens", "/api/v1/tokens", "", 200},
		{"revoke", tok["admin"], "POST /api/v1/tokens/{id}/revoke", "/api/v1/tokens/" + ids["spare-token"] + "/revoke", "", 200},
		{"revoke, no such token", tok["admin"], "POST /api/v1/tokens/{id}/revoke", "/api/v1/tokens/999/revoke", "", 404},
		{"audit", tok["admin"], "GET /api/v1/audit", "/api/v1/audit?limit=3&action=user.create", "", 200},
		{"audit, bad date", tok["auditor"], "GET /api/v1/audit", "/api/v1/audit?from=ayer", "", 400},
		{"audit, analyst", tok["analyst"], "GET /api/v1/audit", "/api/v1/audit", "", 403},
		{"verify", tok["admin"], "POST /api/v1/audit/verify", "/api/v1/audit/verify", "", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var body []byte
			var header http.Header
			if method, _, _ := strings.Cut(tt.route, " "); method == "POST" {
				status, body, header = postJSON(t, adm.URL+tt.url, tt.tok, tt.body)
				if _, path, _ := strings.Cut(tt.route, " "); tt.body != "" && status < 300 {
					// A body the server took matches the documented request.
					op := obj(t, doc, "paths", path, "post")
					for _, e := range c.check(obj(t, op, "requestBody", "content", "application/json", "schema"), decodeJSON(t, []byte(tt.body)), "request") {
						t.Error(e)
					}
				}
			} else {
				status, body, header = fetch(t, adm.URL+tt.url, tt.tok)
			}
			checkResponse(t, tt.route, tt.status, status, body, header)
		})
	}
	// Modules check their own routes in their own test files.
	for _, more := range moreResponseChecks {
		for _, route := range more(t, doc, c) {
			method, path, _ := strings.Cut(route, " ")
			ok200[method+" "+normalise(path)] = true
		}
	}
	// Feature test files that mark what they checked themselves.
	for _, more := range moreResponseMarks {
		more(t, c, ok200)
	}
	// Every route was checked against a real 200, and every component
	// schema was met by a real value.
	for _, r := range api.Routes() {
		if !ok200[r.Method+" "+normalise(r.Pattern)] && !checkedElsewhere(r.Pattern) {
			t.Errorf("%s %s: no real 200 response was checked", r.Method, r.Pattern)
		}
	}
	for name := range obj(t, doc, "components", "schemas") {
		if !c.visited[name] && !checkedElsewhere(name) {
			t.Errorf("schema %s was never matched by a real value", name)
		}
	}

	t.Run("the walker catches mismatches", func(t *testing.T) {
		_, body, _ := fetch(t, income.URL+"/api/v1/households/"+upgradedID, "admin")
		schemas := func(d map[string]any, name string) map[string]any { return obj(t, d, "components", "schemas", name) }
		props := func(d map[string]any, name string) map[string]any { return obj(t, schemas(d, name), "properties") }
		mismatches := []struct {
			name string
			doc  func(d map[string]any)
			body func(b map[string]any)
			want []string // each must be in some error; none: no error at all
		}{
			{name: "the real schema"},
			{"a renamed field", func(d map[string]any) {
				p, s := props(d, "HouseholdView"), schemas(d, "HouseholdView")
				p["householdId"] = p["household_id"]
				delete(p, "household_id")
				req := s["required"].([]any)
				req[slices.Index(req, any("household_id"))] = "householdId"
			}, nil, []string{"$.household.household_id: not declared", "$.household.householdId: required but missing"}},
			{"a wrong type", func(d map[string]any) {
				props(d, "PersonView")["age"] = map[string]any{"type": "string"}
			}, nil, []string{"$.household.members[0].age: is integer, want string"}},
			{"a nested field left out", func(d map[string]any) {
				delete(props(d, "Explanation"), "rank")
			}, nil, []string{"$.score.explanation.rank: not declared"}},
			{"a required nested field", func(d map[string]any) {
				s := schemas(d, "UpgradeExplanation")
				s["required"] = append(s["required"].([]any), "since")
				props(d, "UpgradeExplanation")["since"] = map[string]any{"type": "string"}
			}, nil, []string{"$.score.explanation.upgrades[0].since: required but missing"}},
			{"a narrower enum", func(d map[string]any) {
				props(d, "Explanation")["kind"].(map[string]any)["enum"] = []any{"pmt"}
			}, nil, []string{"$.score.explanation.kind: \"income\" is not one of"}},
			{"a bad date", nil, func(b map[string]any) {
				b["household"].(map[string]any)["registered_on"] = "01-02-2020"
			}, []string{"$.household.registered_on: not a date"}},
			{"null where not allowed", func(d map[string]any) {
				props(d, "HouseholdResponse")["score"] = map[string]any{"$ref": "#/components/schemas/ScoredHousehold"}
			}, func(b map[string]any) { b["score"] = nil }, []string{"$.score: is null, want object"}},
			{"an undeclared field in the response", nil, func(b map[string]any) {
				b["score"].(map[string]any)["run"].(map[string]any)["extra"] = json.Number("1")
			}, []string{"$.score.run.extra: not declared"}},
		}
		for _, mm := range mismatches {
			t.Run(mm.name, func(t *testing.T) {
				d, b := openAPIDoc(t), decodeJSON(t, body).(map[string]any)
				if mm.doc != nil {
					mm.doc(d)
				}
				if mm.body != nil {
					mm.body(b)
				}
				errs := (&checker{doc: d, visited: map[string]bool{}}).check(responseSchema(t, d, "GET", "/api/v1/households/{id}", 200), b, "$")
				if len(mm.want) == 0 && len(errs) > 0 {
					t.Errorf("errors for a matching response:\n%s", strings.Join(errs, "\n"))
				}
				for _, w := range mm.want {
					if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, w) }) {
						t.Errorf("no error %q among:\n%s", w, strings.Join(errs, "\n"))
					}
				}
			})
		}
	})
}

// moreResponseMarks are feature test files' checks of real responses
// against the document, appended from init: each serves its own data, calls
// its routes, checks every response with c and marks ok200 with the
// "METHOD normalised-path" of each 200 it checked.
var moreResponseMarks []func(t *testing.T, c *checker, ok200 map[string]bool)

// elsewhere lists prefixes of route patterns and schema names whose real
// responses a module's own test file checks (appended from its init; e.g.
// openapi_cooperation_test.go), so this test leaves their coverage to it.
var elsewhere []string

func checkedElsewhere(name string) bool {
	return slices.ContainsFunc(elsewhere, func(p string) bool { return strings.HasPrefix(name, p) })
}

// checker checks decoded JSON against the document's schemas: the subset of
// JSON Schema the document uses ($ref, oneOf, anyOf, type, enum, format
// date and date-time, pattern, properties, required, items,
// additionalProperties). It is stricter than JSON Schema on purpose: an
// object schema that lists properties is closed unless it says
// additionalProperties, so a field the handlers write but the document does
// not declare is an error.
type checker struct {
	doc     map[string]any
	visited map[string]bool // component schemas that some value matched
}

func (c *checker) check(schema map[string]any, v any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		r, err := resolve(c.doc, ref)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		s, ok := r.(map[string]any)
		if !ok {
			return []string{at + ": " + ref + " is not a schema"}
		}
		errs := c.check(s, v, at)
		if name, ok := strings.CutPrefix(ref, "#/components/schemas/"); ok && len(errs) == 0 {
			c.visited[name] = true
		}
		return errs
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		branches, ok := schema[kw].([]any)
		if !ok {
			continue
		}
		var matched []*checker
		var first []string
		for _, b := range branches {
			sub := &checker{doc: c.doc, visited: map[string]bool{}}
			if errs := sub.check(b.(map[string]any), v, at); len(errs) == 0 {
				matched = append(matched, sub)
			} else if first == nil {
				first = errs
			}
		}
		if len(matched) == 0 || kw == "oneOf" && len(matched) > 1 {
			return append([]string{fmt.Sprintf("%s: matches %d branches of %s", at, len(matched), kw)}, first...)
		}
		for name := range matched[0].visited {
			c.visited[name] = true
		}
	}

	got := jsonType(v)
	if want, ok := schema["type"]; ok {
		var types []string
		switch w := want.(type) {
		case string:
			types = []string{w}
		case []any:
			for _, x := range w {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
			return []string{fmt.Sprintf("%s: is %s, want %s", at, got, strings.Join(types, " or "))}
		}
	}
	var errs []string
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		errs = append(errs, fmt.Sprintf("%s: %q is not one of %v", at, fmt.Sprint(v), enum))
	}
	switch v := v.(type) {
	case string:
		layout := map[string]string{"date": time.DateOnly, "date-time": time.RFC3339Nano}[fmt.Sprint(schema["format"])]
		if _, err := time.Parse(layout, v); layout != "" && err != nil {
			errs = append(errs, fmt.Sprintf("%s: not a %s: %q", at, schema["format"], v))
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			errs = append(errs, fmt.Sprintf("%s: %q does not match %s", at, v, p))
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, x := range v {
				errs = append(errs, c.check(items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case map[string]any:
		props, closed := schema["properties"].(map[string]any)
		extra, _ := schema["additionalProperties"].(map[string]any)
		if ap, ok := schema["additionalProperties"]; ok && ap != false {
			closed = false
		}
		for _, k := range sortedKeys(v) {
			switch p, ok := props[k].(map[string]any); {
			case ok:
				errs = append(errs, c.check(p, v[k], at+"."+k)...)
			case extra != nil:
				errs = append(errs, c.check(extra, v[k], at+"."+k)...)
			case closed:
				errs = append(errs, at+"."+k+": not declared in the schema")
			}
		}
		req, _ := schema["required"].([]any)
		for _, k := range req {
			if _, ok := v[k.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s.%s: required but missing", at, k))
			}
		}
	}
	return errs
}

// jsonType names v's JSON Schema type; a number is an integer when it has no
// fraction or exponent, as encoding/json writes Go integers.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
