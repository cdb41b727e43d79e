package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

// changeTokens: two regional officers of region 13 (maker and checker), one
// of region 5, an analyst, an auditor and a read-only token.
var changeTokens = tokenMap{
	"maker":    {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}, []string{"read", "write"}},
	"checker":  {&auth.Principal{Username: "raul", Role: auth.RoleRegional, RegionCode: "13"}, []string{"read", "write"}},
	"rm5":      {&auth.Principal{Username: "vale", Role: auth.RoleRegional, RegionCode: "05"}, []string{"read", "write"}},
	"analyst":  {&auth.Principal{Username: "ana", Role: auth.RoleAnalyst}, []string{"read", "write"}},
	"auditor":  {&auth.Principal{Username: "otilia", Role: auth.RoleAuditor}, []string{"read", "write"}},
	"readonly": {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}, []string{"read"}},
}

func init() { moreResponseMarks = append(moreResponseMarks, checkChangeResponses) }

// call makes one request and decodes the answer with json.Number.
func call(t *testing.T, method, url, tok string, body any) (int, any, []byte) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("%s %s: content type %q", method, url, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, decodeJSON(t, buf.Bytes()), buf.Bytes()
}

// checkChangeResponses walks maker-checker through the API and checks every
// answer against the document.
func checkChangeResponses(t *testing.T, c *checker, ok200 map[string]bool) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 120, 3)
	srv := httptest.NewServer((&api.Server{DB: d, Registry: reg, Targeting: targeting.NewStore(d, reg, nil), Tokens: changeTokens}).Handler())
	defer srv.Close()
	var id string
	var rooms int
	if err := d.QueryRowContext(ctx, `SELECT h.household_id, h.rooms FROM households h JOIN communes c ON c.code = h.commune_code
		WHERE c.region_code = '13' ORDER BY h.id LIMIT 1`).Scan(&id, &rooms); err != nil {
		t.Fatal(err)
	}
	next := strconv.Itoa((rooms + 1) % 51)
	var member int64
	if err := d.QueryRowContext(ctx, `SELECT p.run FROM persons p JOIN households h ON h.id = p.household
		WHERE h.household_id = ? AND p.relation <> 'head' ORDER BY p.run LIMIT 1`, id).Scan(&member); err != nil {
		t.Fatal(err)
	}
	free := int64(1)
	for ; ; free++ {
		var n int
		d.QueryRowContext(ctx, `SELECT count(*) FROM persons WHERE run = ?`, free).Scan(&n)
		if n == 0 {
			break
		}
	}
	members := map[string]any{"kind": "update", "reason": "a birth; the spouse found work", "changes": map[string]any{
		"members": []any{map[string]any{"run": rut.Format(member), "field": "schooling_years", "to": "30"}},
		"add": []any{map[string]any{"run": rut.FormatDots(free), "given_names": "Benjamín", "paternal_surname": "Soto", "relation": "grandchild", "sex": "M", "birth_date": "2026-10-01",
			"schooling_years": "0", "in_school": "0", "employed": "0", "labor_income_clp": "0", "pension_income_clp": "0",
			"capital_income_clp": "0", "health_plan": "fonasa_a", "disability": "none", "dependency": "none", "indigenous": "0", "pregnant": "0"}}}}
	submit := map[string]any{"kind": "update", "reason": "built a room", "changes": map[string]any{
		"household": []any{map[string]any{"field": "rooms", "to": next}}}}
	var lastID string
	tests := []struct {
		name, tok, method, route, url string
		body                          any
		status                        int
		check                         func(t *testing.T, v map[string]any)
	}{
		{"no requests yet", "maker", "GET", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes", nil, 200,
			func(t *testing.T, v map[string]any) {
				if len(v["items"].([]any)) != 0 {
					t.Errorf("items: %v", v["items"])
				}
			}},
		{"invalid value", "maker", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes",
			map[string]any{"kind": "update", "reason": "r", "changes": map[string]any{"household": []any{map[string]any{"field": "rooms", "to": "99"}}}}, 400,
			func(t *testing.T, v map[string]any) {
				f := v["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)
				if f["field"] != "household[0].to" || f["message"] != "must be between 0 and 50" {
					t.Errorf("field error %v", f)
				}
			}},
		{"unknown body field", "maker", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes",
			`{"kind":"update","reason":"r","evidance":"x","changes":{}}`, 400, nil},
		{"read-only token", "readonly", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes", submit, 403, nil},
		{"auditor", "auditor", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes", submit, 403, nil},
		{"another region's household", "rm5", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes", submit, 404, nil},
		{"submit", "maker", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes", submit, 200,
			func(t *testing.T, v map[string]any) {
				lastID = string(v["id"].(json.Number))
				h := v["changes"].(map[string]any)["household"].([]any)[0].(map[string]any)
				if v["state"] != "submitted" || v["maker"] != "rosa" || h["from"] != strconv.Itoa(rooms) || v["decided_at"] != nil {
					t.Errorf("submitted: %v", v)
				}
			}},
		{"queue", "checker", "GET", "/api/v1/changes", "/api/v1/changes?state=submitted&limit=10", nil, 200,
			func(t *testing.T, v map[string]any) {
				if v["total"] != json.Number("1") {
					t.Errorf("queue: %v", v)
				}
			}},
		{"another region's queue", "rm5", "GET", "/api/v1/changes", "/api/v1/changes", nil, 200,
			func(t *testing.T, v map[string]any) {
				if v["total"] != json.Number("0") {
					t.Errorf("region 5's queue: %v", v)
				}
			}},
		{"bad state", "checker", "GET", "/api/v1/changes", "/api/v1/changes?state=pending", nil, 400, nil},
		{"one request", "auditor", "GET", "/api/v1/changes/{change}", "/api/v1/changes/{last}", nil, 200, nil},
		{"another region's request", "rm5", "GET", "/api/v1/changes/{change}", "/api/v1/changes/{last}", nil, 404, nil},
		{"maker approving", "maker", "POST", "/api/v1/changes/{change}/approve", "/api/v1/changes/{last}/approve", nil, 403, nil},
		{"reject without a comment", "checker", "POST", "/api/v1/changes/{change}/reject", "/api/v1/changes/{last}/reject", map[string]any{}, 400, nil},
		{"approve", "checker", "POST", "/api/v1/changes/{change}/approve", "/api/v1/changes/{last}/approve", map[string]any{"comment": "visto"}, 200,
			func(t *testing.T, v map[string]any) {
				if v["state"] != "approved" || v["checker"] != "raul" || v["decided_at"] == nil {
					t.Errorf("approved: %v", v)
				}
			}},
		{"approve twice", "analyst", "POST", "/api/v1/changes/{change}/approve", "/api/v1/changes/{last}/approve", nil, 409, nil},
		{"the household changed", "maker", "GET", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes", nil, 200,
			func(t *testing.T, v map[string]any) {
				if len(v["items"].([]any)) != 1 {
					t.Errorf("items: %v", v["items"])
				}
			}},
		{"versions", "maker", "GET", "/api/v1/households/{id}/versions", "/api/v1/households/" + id + "/versions", nil, 200,
			func(t *testing.T, v map[string]any) {
				if items := v["items"].([]any); len(items) != 2 || items[0].(map[string]any)["source"] != "change" {
					t.Errorf("versions: %v", items)
				}
			}},
		{"as of today", "maker", "GET", "/api/v1/households/{id}/as-of/{date}", "/api/v1/households/" + id + "/as-of/" + time.Now().UTC().Format(time.DateOnly), nil, 200,
			func(t *testing.T, v map[string]any) {
				if h := v["household"].(map[string]any); string(h["rooms"].(json.Number)) != next {
					t.Errorf("as of today: rooms %v, want %s", h["rooms"], next)
				}
			}},
		{"as of a date before the import", "maker", "GET", "/api/v1/households/{id}/as-of/{date}", "/api/v1/households/" + id + "/as-of/2000-01-01", nil, 404, nil},
		{"as of a bad date", "maker", "GET", "/api/v1/households/{id}/as-of/{date}", "/api/v1/households/" + id + "/as-of/2000-02-30", nil, 400, nil},
		{"resubmit", "maker", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes",
			map[string]any{"kind": "rectify", "reason": "typo", "evidence": "acta", "changes": map[string]any{"household": []any{map[string]any{"field": "rooms", "to": strconv.Itoa(rooms)}}}}, 200,
			func(t *testing.T, v map[string]any) { lastID = string(v["id"].(json.Number)) }},
		{"withdraw by another", "checker", "POST", "/api/v1/changes/{change}/withdraw", "/api/v1/changes/{last}/withdraw", nil, 403, nil},
		{"withdraw", "maker", "POST", "/api/v1/changes/{change}/withdraw", "/api/v1/changes/{last}/withdraw", nil, 200, nil},
		{"submit again", "maker", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes",
			map[string]any{"kind": "rectify", "reason": "typo", "evidence": "acta", "changes": map[string]any{"household": []any{map[string]any{"field": "rooms", "to": strconv.Itoa(rooms)}}}}, 200,
			func(t *testing.T, v map[string]any) { lastID = string(v["id"].(json.Number)) }},
		{"reject", "analyst", "POST", "/api/v1/changes/{change}/reject", "/api/v1/changes/{last}/reject", map[string]any{"comment": "sin respaldo"}, 200, nil},
		{"members joining and changing", "analyst", "POST", "/api/v1/households/{id}/changes", "/api/v1/households/" + id + "/changes", members, 200,
			func(t *testing.T, v map[string]any) {
				ch := v["changes"].(map[string]any)
				if len(ch["members"].([]any)) != 1 || len(ch["add"].([]any)) != 1 {
					t.Errorf("changes: %v", ch)
				}
			}},
		{"rejected ones", "analyst", "GET", "/api/v1/changes", "/api/v1/changes?state=rejected", nil, 200, nil},
		{"no such request", "analyst", "GET", "/api/v1/changes/{change}", "/api/v1/changes/abc", nil, 404, nil},
	}
	for _, tt := range tests {
		t.Run("changes: "+tt.name, func(t *testing.T) {
			url := strings.ReplaceAll(tt.url, "{last}", lastID)
			if m, ok := tt.body.(map[string]any); ok {
				// The request body matches the document too.
				op := obj(t, c.doc, "paths", tt.route, strings.ToLower(tt.method))
				schema := obj(t, op, "requestBody", "content", "application/json", "schema")
				j, _ := json.Marshal(m)
				for _, e := range c.check(schema, decodeJSON(t, j), "body") {
					t.Error(e)
				}
			}
			status, v, body := call(t, tt.method, srv.URL+url, tt.tok, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			for _, e := range c.check(responseSchema(t, c.doc, tt.method, tt.route, status), v, "$") {
				t.Error(e)
			}
			if status == 200 {
				ok200[tt.method+" "+normalise(tt.route)] = true
			}
			if tt.check != nil {
				tt.check(t, v.(map[string]any))
			}
		})
	}
	// A conflict: approving a request whose value changed underneath.
	a := map[string]any{"kind": "update", "reason": "a", "changes": map[string]any{"household": []any{map[string]any{"field": "water", "to": "truck"}}}}
	b := map[string]any{"kind": "update", "reason": "b", "changes": map[string]any{"household": []any{map[string]any{"field": "water", "to": "river"}}}}
	_, va, _ := call(t, "POST", srv.URL+"/api/v1/households/"+id+"/changes", "maker", a)
	_, vb, _ := call(t, "POST", srv.URL+"/api/v1/households/"+id+"/changes", "maker", b)
	ida, idb := string(va.(map[string]any)["id"].(json.Number)), string(vb.(map[string]any)["id"].(json.Number))
	if status, _, body := call(t, "POST", srv.URL+"/api/v1/changes/"+ida+"/approve", "checker", nil); status != 200 {
		t.Fatalf("approve a: %d %s", status, body)
	}
	status, v, body := call(t, "POST", srv.URL+"/api/v1/changes/"+idb+"/approve", "checker", nil)
	if status != 409 || !strings.Contains(string(body), `"field":"household[0].to"`) || !strings.Contains(string(body), "it is now truck") {
		t.Errorf("approving a stale request: %d %s", status, body)
	}
	for _, e := range c.check(responseSchema(t, c.doc, "POST", "/api/v1/changes/{change}/approve", status), v, "$") {
		t.Error(e)
	}
	if h, err := reg.Household(ctx, id); err != nil || h.Water != "truck" {
		t.Errorf("after the conflict: %+v, %v", h, err)
	}
}
