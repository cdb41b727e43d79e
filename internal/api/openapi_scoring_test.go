package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/targeting"
)

// editedModel is the default model with another equivalence exponent, as a
// JSON model file.
func editedModel() string {
	m := targeting.DefaultModel()
	m.Version, m.Income.EquivalenceExponent = 2, 0.5
	return string(m.Canonical())
}

const yamlModel = "id: chile-rsh\nversion: 9\nkind: income\nname: RSH sin ajuste\nparams:\n  minimum_wage_clp: 529000\n  equivalence_exponent: 1\n"

const badModel = `{"id": "Bad Id", "version": 0, "kind": "income", "name": "x", "params": {"minimum_wage_clp": 529000, "equivalence_exponent": 3}}`

func init() {
	moreResponseCases = append(moreResponseCases, func(income, pmt *httptest.Server) []responseCase {
		const whatIf = "POST /api/v1/score/what-if"
		return []responseCase{
			{name: "run by region", srv: income, tok: "admin", route: "GET /api/v1/score/runs/{run}/regions", url: "/api/v1/score/runs/1/regions", status: 200},
			{name: "run by region, regional officer", srv: income, tok: "rm", route: "GET /api/v1/score/runs/{run}/regions", url: "/api/v1/score/runs/latest/regions", status: 200},
			{name: "run by commune", srv: income, tok: "admin", route: "GET /api/v1/score/runs/{run}/regions/{region}/communes", url: "/api/v1/score/runs/latest/regions/05/communes", status: 200},
			{name: "run by commune, regional officer", srv: income, tok: "rm", route: "GET /api/v1/score/runs/{run}/regions/{region}/communes", url: "/api/v1/score/runs/1/regions/13/communes", status: 200},
			{name: "another region's communes", srv: income, tok: "rm", route: "GET /api/v1/score/runs/{run}/regions/{region}/communes", url: "/api/v1/score/runs/1/regions/05/communes", status: 404},
			{name: "regions of no run", srv: income, tok: "admin", route: "GET /api/v1/score/runs/{run}/regions", url: "/api/v1/score/runs/9/regions", status: 404},
			{name: "diff", srv: pmt, tok: "admin", route: "GET /api/v1/score/diff", url: "/api/v1/score/diff?a=1&b=2", status: 200},
			{name: "diff, regional officer", srv: pmt, tok: "rm", route: "GET /api/v1/score/diff", url: "/api/v1/score/diff?a=1&b=2", status: 200},
			{name: "diff without b", srv: pmt, tok: "admin", route: "GET /api/v1/score/diff", url: "/api/v1/score/diff?a=1", status: 400},
			{name: "diff of no run", srv: pmt, tok: "admin", route: "GET /api/v1/score/diff", url: "/api/v1/score/diff?a=1&b=7", status: 404},
			{name: "moved", srv: pmt, tok: "admin", route: "GET /api/v1/score/diff/moved", url: "/api/v1/score/diff/moved?a=1&b=2&limit=5", status: 200},
			{name: "moved, regional officer", srv: pmt, tok: "rm", route: "GET /api/v1/score/diff/moved", url: "/api/v1/score/diff/moved?a=1&b=2", status: 200},
			{name: "moved, bad limit", srv: pmt, tok: "admin", route: "GET /api/v1/score/diff/moved", url: "/api/v1/score/diff/moved?a=1&b=2&limit=0", status: 400},
			{name: "moved, bad cursor", srv: pmt, tok: "admin", route: "GET /api/v1/score/diff/moved", url: "/api/v1/score/diff/moved?a=1&b=2&after=x", status: 400},
			{name: "what-if, JSON", srv: income, tok: "admin", route: whatIf, url: "/api/v1/score/what-if?as_of=2026-11-01", status: 200, body: editedModel(), contentType: "application/json"},
			{name: "what-if, YAML", srv: income, tok: "admin", route: whatIf, url: "/api/v1/score/what-if", status: 200, body: yamlModel, contentType: "application/yaml"},
			{name: "what-if, invalid model", srv: income, tok: "admin", route: whatIf, url: "/api/v1/score/what-if", status: 400, body: badModel, contentType: "application/json"},
			{name: "what-if, bad date", srv: income, tok: "admin", route: whatIf, url: "/api/v1/score/what-if?as_of=ayer", status: 400, body: yamlModel, contentType: "application/yaml"},
			{name: "what-if, regional officer", srv: income, tok: "rm", route: whatIf, url: "/api/v1/score/what-if", status: 403, body: yamlModel, contentType: "application/yaml"},
			{name: "what-if moved", srv: income, tok: "admin", route: "POST /api/v1/score/what-if/moved", url: "/api/v1/score/what-if/moved?as_of=2026-11-01", status: 200, body: editedModel(), contentType: "application/json"},
			{name: "what-if moved, invalid model", srv: income, tok: "admin", route: "POST /api/v1/score/what-if/moved", url: "/api/v1/score/what-if/moved", status: 400, body: badModel, contentType: "application/json"},
			{name: "what-if moved, regional officer", srv: income, tok: "rm", route: "POST /api/v1/score/what-if/moved", url: "/api/v1/score/what-if/moved", status: 403, body: yamlModel, contentType: "application/yaml"},
			{name: "what-if, cooperation officer", srv: income, tok: "coop", route: whatIf, url: "/api/v1/score/what-if", status: 403, body: yamlModel, contentType: "application/yaml"},
		}
	})
}

// TestScoringScope: a regional officer's answers hold region 13 and its
// communes only; an invalid model's problems come with their paths; a
// what-if stores no run.
func TestScoringScope(t *testing.T) {
	srv, _ := newServer(t, pmtModel(t))
	token = "rm"
	defer func() { token = "admin" }()

	// No other region's name, nor any of its communes', in the answers.
	cl := geo.Chile()
	for _, path := range []string{"/api/v1/score/runs/1/regions", "/api/v1/score/runs/2/regions/13/communes",
		"/api/v1/score/diff?a=1&b=2", "/api/v1/score/diff/moved?a=1&b=2&limit=1000"} {
		status, body, _ := fetch(t, srv.URL+path, "rm")
		if status != 200 {
			t.Errorf("%s: %d", path, status)
		}
		for _, r := range cl.Regions {
			if r.Code != "13" && strings.Contains(string(body), `"`+r.Name+`"`) {
				t.Errorf("%s names region %s", path, r.Name)
			}
		}
		for _, c := range cl.Communes {
			if c.RegionCode != "13" && strings.Contains(string(body), `"`+c.Code+`"`) {
				t.Errorf("%s has commune %s (%s)", path, c.Code, c.Name)
			}
		}
	}

	var regions struct{ Items []targeting.RegionBrackets }
	if get(t, srv.URL+"/api/v1/score/runs/1/regions", &regions) != 200 || len(regions.Items) != 1 || regions.Items[0].Code != "13" {
		t.Errorf("the regional officer's regions: %+v", regions.Items)
	}
	var diff targeting.RunDiff
	if get(t, srv.URL+"/api/v1/score/diff?a=1&b=2", &diff) != 200 || len(diff.ByRegion) != 1 || diff.ByRegion[0].Code != "13" ||
		diff.Total != diff.ByRegion[0].Moves {
		t.Errorf("the regional officer's diff: %+v", diff.ByRegion)
	}
	var moved targeting.MovedPage
	if get(t, srv.URL+"/api/v1/score/diff/moved?a=1&b=2&limit=1000", &moved) != 200 || int64(len(moved.Items)) != diff.Total.Up+diff.Total.Down {
		t.Errorf("the regional officer's moved households: %d, the diff counts %d", len(moved.Items), diff.Total.Up+diff.Total.Down)
	}
	for _, c := range moved.Items {
		if !strings.HasPrefix(c.CommuneCode, "13") {
			t.Errorf("household %s of commune %s listed for region 13", c.HouseholdID, c.CommuneCode)
		}
	}

	token = "admin"
	var runs struct{ Items []targeting.Run }
	get(t, srv.URL+"/api/v1/score/runs", &runs)
	status, body, _ := responseCase{srv: srv, tok: "admin", route: "POST /api/v1/score/what-if", url: "/api/v1/score/what-if",
		body: badModel, contentType: "application/json"}.fetch(t)
	for _, want := range []string{`"field":"id"`, `"field":"version"`, `"field":"params.equivalence_exponent"`} {
		if status != 400 || !strings.Contains(string(body), want) {
			t.Errorf("an invalid model: %d, no %s in %s", status, want, body)
		}
	}
	status, body, _ = responseCase{srv: srv, tok: "admin", route: "POST /api/v1/score/what-if", url: "/api/v1/score/what-if",
		body: editedModel(), contentType: "application/json"}.fetch(t)
	var w targeting.WhatIfResult
	if status != 200 || json.Unmarshal(body, &w) != nil || w.Total.Households != 400 || len(w.ByRegion) != 16 || w.Other.Version != 2 {
		t.Errorf("what-if: %d %s", status, body)
	}
	status, body, _ = responseCase{srv: srv, tok: "admin", route: "POST /api/v1/score/what-if/moved", url: "/api/v1/score/what-if/moved",
		body: editedModel(), contentType: "application/json"}.fetch(t)
	var wm struct {
		Households int
		Items      []targeting.Change
	}
	if status != 200 || json.Unmarshal(body, &wm) != nil || wm.Households != len(wm.Items) || int64(wm.Households) != w.Total.Up+w.Total.Down {
		t.Errorf("what-if moved: %d, %d listed, the what-if counts %d", status, len(wm.Items), w.Total.Up+w.Total.Down)
	}
	var after struct{ Items []targeting.Run }
	get(t, srv.URL+"/api/v1/score/runs", &after)
	if len(after.Items) != len(runs.Items) {
		t.Errorf("a what-if stored a run: %d runs, then %d", len(runs.Items), len(after.Items))
	}
}

func pmtModel(t *testing.T) *targeting.Model {
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			return m
		}
	}
	t.Fatal("no built-in pmt model")
	return nil
}
