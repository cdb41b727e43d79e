package api_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/scopetest"
)

func init() { moreResponseMarks = append(moreResponseMarks, checkResultsResponses) }

// resultsWorld computes the coverage of the scope walk's calls and an
// indicator over its cases (one in each region) for this month.
func resultsWorld(t *testing.T, w *scopetest.World) *results.Store {
	t.Helper()
	rs := results.NewStore(w.DB, w.Programs, w.Delivery, w.Registry, w.Targeting, nil, nil)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	if _, err := rs.ComputeFunnel(ctx); err != nil {
		t.Fatal(err)
	}
	month := time.Now().UTC().Format("2006-01")
	if _, err := rs.SaveIndicator(ctx, results.Indicator{Line: "puente", Version: 1, Code: "walk", NameES: "Sesiones", NameEN: "Sessions",
		Numerator: "sessions_held", Denominator: "true", Unit: results.UnitRatio, Targets: []results.Target{{Period: month, Target: 5}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.ComputeIndicators(ctx, month); err != nil {
		t.Fatal(err)
	}
	return rs
}

// checkResultsResponses calls every results route over the scope walk's
// world and checks each request and 200 response against the document; a
// regional officer is refused the computations and the open data, and
// finds another region's call missing.
func checkResultsResponses(t *testing.T, c *checker, ok200 map[string]bool) {
	w := scopetest.New(t)
	rs := resultsWorld(t, w)
	tokens := tokenMap{
		"adm": {&auth.Principal{Username: "adela", Role: auth.RoleAdmin}, []string{"read", "write"}},
		"r13": {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: scopetest.Own}, []string{"read", "write"}},
	}
	srv := httptest.NewServer((&api.Server{DB: w.DB, Tokens: tokens, Results: rs}).Handler())
	defer srv.Close()
	doc := openAPIDoc(t)
	check := func(route, path, method, url, tok, body string, want int) []byte {
		t.Helper()
		var status int
		var b []byte
		if method == "POST" {
			status, b, _ = postJSON(t, srv.URL+url, tok, body)
		} else {
			status, b, _ = fetch(t, srv.URL+url, tok)
		}
		if status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, url, status, b, want)
		}
		if want != 200 {
			return b
		}
		if body != "" {
			op := obj(t, doc, "paths", path, "post")
			for _, e := range c.check(obj(t, op, "requestBody", "content", "application/json", "schema"), decodeJSON(t, []byte(body)), "request") {
				t.Errorf("%s: %s", route, e)
			}
		}
		if strings.Contains(url, "format=csv") {
			return b
		}
		for _, e := range c.check(responseSchema(t, doc, method, path, 200), decodeJSON(t, b), "$") {
			t.Errorf("%s: %s", route, e)
		}
		ok200[method+" "+normalise(path)] = true
		return b
	}
	month := time.Now().UTC().Format("2006-01")
	check("compute funnel", "/api/v1/results/funnel/compute", "POST", "/api/v1/results/funnel/compute", "adm", "", 200)
	check("regional computes", "/api/v1/results/funnel/compute", "POST", "/api/v1/results/funnel/compute", "r13", "", 403)
	check("funnel", "/api/v1/results/funnel", "GET", "/api/v1/results/funnel?by=commune", "adm", "", 200)
	if b := check("funnel of rosa", "/api/v1/results/funnel", "GET", "/api/v1/results/funnel", "r13", "", 200); strings.Contains(string(b), "walk-otra") {
		t.Errorf("rosa's funnel names another region's call: %s", b)
	}
	check("bad grouping", "/api/v1/results/funnel", "GET", "/api/v1/results/funnel?by=street", "adm", "", 400)
	check("focalisation", "/api/v1/results/focalisation/{call}", "GET", "/api/v1/results/focalisation/walk-propia", "r13", "", 200)
	check("focalisation of another region", "/api/v1/results/focalisation/{call}", "GET", "/api/v1/results/focalisation/walk-otra", "r13", "", 404)
	check("open data", "/api/v1/results/opendata", "GET", "/api/v1/results/opendata", "adm", "", 200)
	if b := check("open data as CSV", "/api/v1/results/opendata", "GET", "/api/v1/results/opendata?format=csv", "adm", "", 200); !strings.HasPrefix(string(b), "period,stage,") {
		t.Errorf("CSV: %.200s", b)
	}
	check("open data format", "/api/v1/results/opendata", "GET", "/api/v1/results/opendata?format=xml", "adm", "", 400)
	check("open data of rosa", "/api/v1/results/opendata", "GET", "/api/v1/results/opendata", "r13", "", 403)
	body := `{"program": "puente", "program_version": 1, "code": "graduation", "name_es": "Egreso", "name_en": "Graduation", "numerator": "graduated", "denominator": "closed", "unit": "percent", "tolerance": 5, "targets": [{"period": "` + month + `", "target": 60}, {"period": "` + month + `", "region": "13", "target": 80}]}`
	check("declare", "/api/v1/results/indicators", "POST", "/api/v1/results/indicators", "adm", body, 200)
	if b := check("declare a typo", "/api/v1/results/indicators", "POST", "/api/v1/results/indicators", "adm", strings.Replace(body, `"closed"`, `"clossed"`, 1), 400); !strings.Contains(string(b), "line 1, column 1") {
		t.Errorf("typo: %s", b)
	}
	check("regional declares", "/api/v1/results/indicators", "POST", "/api/v1/results/indicators", "r13", body, 403)
	check("indicators", "/api/v1/results/indicators", "GET", "/api/v1/results/indicators", "r13", "", 200)
	check("compute", "/api/v1/results/indicators/compute", "POST", "/api/v1/results/indicators/compute", "adm", `{"period": "`+month+`"}`, 200)
	check("compute a bad month", "/api/v1/results/indicators/compute", "POST", "/api/v1/results/indicators/compute", "adm", `{"period": "2026-13"}`, 400)
	b := check("values", "/api/v1/results/indicators/values", "GET", "/api/v1/results/indicators/values?period="+month, "adm", "", 200)
	if !strings.Contains(string(b), `"region":""`) {
		t.Errorf("values: no national value: %s", b)
	}
	if b := check("values of rosa", "/api/v1/results/indicators/values", "GET", "/api/v1/results/indicators/values", "r13", "", 200); strings.Contains(string(b), `"region":"`+w.Other+`"`) || strings.Contains(string(b), `"region":""`) {
		t.Errorf("rosa's values: %s", b)
	}
	vs, _ := rs.Values(auth.WithPrincipal(context.Background(), auth.System()), results.ValueFilter{})
	id := strconv.FormatInt(vs[0].Indicator, 10)
	check("history", "/api/v1/results/indicators/{id}/history", "GET", "/api/v1/results/indicators/"+id+"/history?region=13", "r13", "", 200)
	check("history of another region", "/api/v1/results/indicators/{id}/history", "GET", "/api/v1/results/indicators/"+id+"/history?region="+w.Other, "r13", "", 404)
	check("alerts", "/api/v1/results/alerts", "GET", "/api/v1/results/alerts", "r13", "", 200)
}
