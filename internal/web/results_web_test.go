package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/scopetest"
	"github.com/fosis/fosis/internal/web"
)

// TestResultsPages: the analyst sees every region's coverage (table, funnel
// chart with its legend, map of regions) and recomputes it (POST, then the
// page says so); the regional officer sees her region's communes only and
// is refused the computation; the indicators page draws a sparkline and
// lists the alerts. (TestTemplates renders both languages.)
func TestResultsPages(t *testing.T) {
	w := scopetest.New(t)
	rs := resultsWorld(t, w)
	s, err := web.New(web.Config{DB: w.DB, Registry: w.Registry, Targeting: w.Targeting, Programs: w.Programs, Users: w.Users,
		Delivery: w.Delivery, Results: rs})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: httptest.NewServer(s.Handler()), d: w.DB}
	t.Cleanup(f.srv.Close)
	as := func(user string) *client {
		c := f.client(t)
		if resp, body := c.do("POST", "/signin", url.Values{"username": {user}, "password": {scopetest.Password}, "next": {"/"}}); resp.StatusCode != 200 {
			t.Fatalf("sign-in as %s: %d\n%s", user, resp.StatusCode, body)
		}
		return c
	}
	analyst, rosa := as("analista"), as(scopetest.Officer)
	check := func(name string, c *client, method, path string, form url.Values, status int, want, not []string) {
		t.Helper()
		resp, body := c.do(method, path, form)
		if resp.StatusCode != status {
			t.Fatalf("%s: status %d, want %d\n%s", name, resp.StatusCode, status, body)
		}
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: no %q", name, s)
			}
		}
		for _, s := range not {
			if strings.Contains(body, s) {
				t.Errorf("%s: %q shown", name, s)
			}
		}
	}
	check("analyst funnel", analyst, "GET", "/results/funnel", nil, 200,
		[]string{"Cobertura", `id="funnel-chart"`, `id="funnel-legend"`, "Egreso exitoso", `id="area-13"`, `id="area-` + w.Other + `"`, "walk-otra", `id="funnel-compute"`, `id="nav-results"`}, nil)
	check("analyst recomputes", analyst, "POST", "/results/funnel/compute", url.Values{}, 200, []string{`id="funnel-done"`}, nil)
	check("rosa funnel", rosa, "GET", "/results/funnel", nil, 200,
		[]string{`id="funnel-table"`, "walk-propia", `id="area-` + w.OwnCommune + `"`}, []string{"walk-otra", `id="area-` + w.OtherCommune + `"`, `id="funnel-compute"`})
	check("rosa computes", rosa, "POST", "/results/funnel/compute", url.Values{}, 403, nil, nil)
	check("rosa indicators", rosa, "GET", "/results/indicators", nil, 200, []string{`<polyline points=`, `data-region="13"`}, []string{`data-region="` + w.Other + `"`, `data-region=""`})
	check("analyst indicators", analyst, "GET", "/results/indicators", nil, 200, []string{`data-region=""`, `data-region="` + w.Other + `"`, `id="alerts"`}, nil)
	check("analyst computes a bad month", analyst, "POST", "/results/indicators/compute", url.Values{"period": {"noviembre"}}, 400, []string{"AAAA-MM"}, nil)
	check("analyst computes", analyst, "POST", "/results/indicators/compute", url.Values{"period": {"2026-11"}}, 200, []string{`id="indicators-done"`}, nil)
	check("report", rosa, "GET", "/results/report.xlsx?line=puente", nil, 200, []string{"PK"}, nil)
	check("focalisation", rosa, "GET", "/results/focalisation?call=walk-propia", nil, 200, []string{`id="focal-brackets"`, "Focalización"}, nil)
	check("focalisation of another region's call", rosa, "GET", "/results/focalisation?call=walk-otra", nil, 404, nil, []string{`id="focal-brackets"`})
}
