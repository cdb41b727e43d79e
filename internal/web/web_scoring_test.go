package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/geo"
)

var mapArea = regexp.MustCompile(`<path id="area-([0-9]+)"`)

// latestRun returns the fixture's newest run id.
func latestRun(t *testing.T, f *fixture) int64 {
	t.Helper()
	var id int64
	if err := f.d.QueryRowContext(context.Background(), `SELECT max(id) FROM score_runs`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// otherRegionNames are the names of every region but 13 and of their
// communes, which must not appear on region 13's officer's pages.
func otherRegionNames() []string {
	cl := geo.Chile()
	var names []string
	for _, r := range cl.Regions {
		if r.Code != "13" {
			names = append(names, r.Name)
		}
	}
	for _, c := range cl.Communes {
		if c.RegionCode != "13" && !strings.Contains(c.Name, "Santiago") {
			names = append(names, ">"+c.Name+"<", "<title>"+c.Name+":")
		}
	}
	return names
}

// TestRunMap: the analyst's map has the 16 regions, each linking to its
// communes' map, with a table giving the same numbers; a regional officer
// is sent to their region's communes and finds nothing of another region;
// a bad bracket is refused.
func TestRunMap(t *testing.T) {
	f := newFixture(t)
	runID := latestRun(t, f)
	areas := func(body string) []string {
		var codes []string
		for _, m := range mapArea.FindAllStringSubmatch(body, -1) {
			codes = append(codes, m[1])
		}
		return codes
	}
	t.Run("analyst", func(t *testing.T) {
		c := f.client(t)
		c.signIn("analista")
		_, run := c.do("GET", fmt.Sprintf("/runs/%d", runID), nil)
		if !strings.Contains(run, fmt.Sprintf(`href="/runs/%d/map" id="run-map-link"`, runID)) {
			t.Error("the run page does not link to its map")
		}
		resp, body := c.do("GET", fmt.Sprintf("/runs/%d/map", runID), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("map: %d\n%s", resp.StatusCode, body)
		}
		var want []string
		for _, r := range geo.Chile().Regions {
			want = append(want, r.Code)
		}
		if got := areas(body); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("the map draws regions %v, want %v", got, want)
		}
		if !strings.Contains(body, fmt.Sprintf(`<a href="/runs/%d/map/13?bracket=40" data-code="13">`, runID)) ||
			!strings.Contains(body, `<tr data-code="13">`) || !strings.Contains(body, "Zona sin demarcar") {
			t.Error("the map lacks a region's link, its table row or the undemarcated zone")
		}
		resp, body = c.do("GET", fmt.Sprintf("/runs/%d/map/05?bracket=60", runID), nil)
		if resp.StatusCode != 200 || len(areas(body)) != 38 || !strings.Contains(body, `id="area-05201"`) || !strings.Contains(body, `<option value="60" selected>`) {
			t.Errorf("Valparaíso's map: %d, %d communes", resp.StatusCode, len(areas(body)))
		}
		for _, bad := range []string{"/map?bracket=45", "/map/99", "/map/5"} {
			resp, _ := c.do("GET", fmt.Sprintf("/runs/%d%s", runID, bad), nil)
			if resp.StatusCode != 400 && resp.StatusCode != 404 {
				t.Errorf("%s: %d, want 400 or 404", bad, resp.StatusCode)
			}
		}
	})
	t.Run("regional", func(t *testing.T) {
		c := f.client(t)
		c.signIn("rosa")
		resp, body := c.do("GET", fmt.Sprintf("/runs/%d/map", runID), nil)
		if resp.StatusCode != 200 || resp.Request.URL.Path != fmt.Sprintf("/runs/%d/map/13", runID) {
			t.Fatalf("the regional officer's map: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		got := areas(body)
		if len(got) != 52 {
			t.Errorf("region 13's map has %d communes, want 52", len(got))
		}
		for _, code := range got {
			if !strings.HasPrefix(code, "13") {
				t.Errorf("commune %s on region 13's map", code)
			}
		}
		for _, name := range otherRegionNames() {
			if strings.Contains(body, name) {
				t.Errorf("another region's %q is on region 13's map", name)
			}
		}
		if strings.Contains(body, `id="map-national"`) || strings.Contains(body, "Zona sin demarcar") {
			t.Error("the regional officer is offered the national map")
		}
		resp, _ = c.do("GET", fmt.Sprintf("/runs/%d/map/05", runID), nil)
		if resp.StatusCode != 404 {
			t.Errorf("another region's map: %d, want 404", resp.StatusCode)
		}
	})
}
