package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
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

// secondRun scores the fixture's registry again with the built-in pmt model
// and returns the new run's id.
func secondRun(t *testing.T, f *fixture) int64 {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	ts := targeting.NewStore(f.d, registry.NewStore(f.d, geo.Chile(), nil), nil)
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			out, err := ts.ScoreAll(ctx, m, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "pmt", nil)
			if err != nil {
				t.Fatal(err)
			}
			return out.Run.ID
		}
	}
	t.Fatal("no built-in pmt model")
	return 0
}

var (
	movedRow   = regexp.MustCompile(`<tr data-household="([^"]+)">`)
	nextPage   = regexp.MustCompile(`<a href="([^"]+)" id="diff-next">`)
	regionRow2 = regexp.MustCompile(`<tr data-region="([0-9]+)">`)
)

// TestRunDiff: the diff page picks the two newest runs; the households it
// lists page after page are the CSV's rows; a regional officer's page, list
// and CSV hold region 13 only.
func TestRunDiff(t *testing.T) {
	f := newFixture(t)
	a := latestRun(t, f)
	b := secondRun(t, f)
	check := func(t *testing.T, user string, national bool) {
		c := f.client(t)
		c.signIn(user)
		_, runs := c.do("GET", "/runs", nil)
		if !strings.Contains(runs, `href="/runs/diff" id="runs-diff-link"`) {
			t.Error("the runs page does not link to the diff")
		}
		resp, body := c.do("GET", "/runs/diff", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>`, a)) || !strings.Contains(body, `id="matrix"`) {
			t.Fatalf("GET /runs/diff: %d\n%s", resp.StatusCode, body)
		}
		regions := regionRow2.FindAllStringSubmatch(body, -1)
		if national && len(regions) != 16 || !national && (len(regions) != 1 || regions[0][1] != "13") {
			t.Errorf("%s sees %d regions", user, len(regions))
		}
		var listed []string
		for page := 0; page < 100; page++ {
			for _, m := range movedRow.FindAllStringSubmatch(body, -1) {
				listed = append(listed, m[1])
			}
			m := nextPage.FindStringSubmatch(body)
			if m == nil {
				break
			}
			_, body = c.do("GET", strings.ReplaceAll(m[1], "&amp;", "&"), nil)
		}
		resp, text := c.do("GET", fmt.Sprintf("/runs/diff/moved.csv?a=%d&b=%d", a, b), nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "household_id,commune_code,from_bracket,to_bracket" {
			t.Fatalf("CSV: %v, %d rows", err, len(rows))
		}
		var ids []string
		for _, r := range rows[1:] {
			ids = append(ids, r[0])
			if !national && !strings.HasPrefix(r[1], "13") {
				t.Errorf("household %s of commune %s in region 13's CSV", r[0], r[1])
			}
			if r[2] == r[3] {
				t.Errorf("household %s kept bracket %s but is listed", r[0], r[2])
			}
		}
		if strings.Join(ids, " ") != strings.Join(listed, " ") {
			t.Errorf("the pages list %d households, the CSV %d", len(listed), len(ids))
		}
		if !national {
			for _, name := range otherRegionNames() {
				if strings.Contains(body, name) {
					t.Errorf("another region's %q is on region 13's diff", name)
				}
			}
		}
	}
	t.Run("analyst", func(t *testing.T) { check(t, "analista", true) })
	t.Run("regional", func(t *testing.T) { check(t, "rosa", false) })
	t.Run("bad", func(t *testing.T) {
		c := f.client(t)
		c.signIn("analista")
		for path, want := range map[string]int{
			"/runs/diff?a=x&b=2":                               400,
			fmt.Sprintf("/runs/diff?a=%d&b=%d", a, b+50):       404,
			fmt.Sprintf("/runs/diff?a=%d&b=%d&after=zz", a, b): 400,
			"/runs/diff/moved.csv":                             400,
		} {
			if resp, _ := c.do("GET", path, nil); resp.StatusCode != want {
				t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
			}
		}
	})
}
