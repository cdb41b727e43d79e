package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// tableCounts counts the rows of the scoring tables and the audit trail.
func tableCounts(t *testing.T, f *fixture) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"score_models", "score_runs", "score_results", "audit_log"} {
		var n int64
		if err := f.d.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// postModelFile sends a model as an uploaded file to the what-if form.
func (c *client) postModelFile(name, content, asOf string) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("as_of", asOf)
	mw.WriteField("model", "ignored when a file is sent")
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/whatif", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var textarea = regexp.MustCompile(`(?s)<textarea[^>]*name="model"[^>]*>(.*?)</textarea>`)

// TestWhatIf: the analyst edits the active model and sees who moves, by
// region, with nothing written but one audit entry; an invalid model comes
// back with every problem and its path; an uploaded YAML file works; a
// regional officer is refused.
func TestWhatIf(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	_, runs := c.do("GET", "/runs", nil)
	if !strings.Contains(runs, `href="/whatif" id="runs-whatif-link"`) {
		t.Error("the runs page does not offer the what-if")
	}
	resp, body := c.do("GET", "/whatif", nil)
	m := textarea.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(m[1], `&#34;id&#34;: &#34;chile-rsh&#34;`) {
		t.Fatalf("GET /whatif: %d, textarea %v", resp.StatusCode, m)
	}
	model := html.UnescapeString(m[1])
	edited := strings.Replace(model, `"equivalence_exponent": 0.7`, `"equivalence_exponent": 0.5`, 1)
	if edited == model {
		t.Fatal("the active model has no equivalence_exponent of 0.7 to edit")
	}
	before := tableCounts(t, f)
	resp, body = c.do("POST", "/whatif", url.Values{"model": {edited}, "as_of": {"2026-11-01"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="whatif-result"`) || !strings.Contains(body, `id="matrix"`) {
		t.Fatalf("POST /whatif: %d\n%s", resp.StatusCode, body)
	}
	if n := len(regionRow2.FindAllString(body, -1)); n != 16 {
		t.Errorf("the result has %d regions, want 16", n)
	}
	after := tableCounts(t, f)
	before["audit_log"]++
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("a what-if changed the tables (-want +got):\n%s", diff)
	}

	// The households that would move, as CSV: one audit entry more, nothing else.
	resp, text := c.do("POST", "/whatif/moved.csv", url.Values{"model": {edited}, "as_of": {"2026-11-01"}})
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || err != nil || len(rows) < 2 ||
		strings.Join(rows[0], ",") != "household_id,commune_code,from_bracket,to_bracket" {
		t.Fatalf("what-if CSV: %d %s, %d rows, %v", resp.StatusCode, resp.Header.Get("Content-Type"), len(rows), err)
	}
	for _, r := range rows[1:] {
		if r[2] == r[3] {
			t.Errorf("household %s keeps bracket %s but is listed", r[0], r[2])
		}
	}
	before["audit_log"]++
	if diff := cmp.Diff(before, tableCounts(t, f)); diff != "" {
		t.Errorf("the what-if CSV changed the tables (-want +got):\n%s", diff)
	}

	bad := strings.Replace(edited, `"equivalence_exponent": 0.5`, `"equivalence_exponent": 3`, 1)
	bad = strings.Replace(bad, `"minor": `, `"minor": -`, 1)
	resp, body = c.do("POST", "/whatif", url.Values{"model": {bad}, "as_of": {"2026-11-01"}})
	for _, want := range []string{`id="whatif-problems"`, "Exponente de equivalencia (0 a 1): debe estar entre 0 y 1", "Menor de edad: "} {
		if resp.StatusCode != 400 || !strings.Contains(body, want) {
			t.Errorf("an invalid model: %d, page lacks %q", resp.StatusCode, want)
		}
	}
	if m := textarea.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != bad {
		t.Error("the invalid model is not given back for correction")
	}
	for _, path := range []string{"/whatif", "/whatif/moved.csv"} {
		resp, body = c.do("POST", path, url.Values{"model": {"{ not json"}, "as_of": {"2026-11-01"}})
		if resp.StatusCode != 400 || !strings.Contains(body, `id="whatif-detail"`) {
			t.Errorf("%s, a syntax error: %d", path, resp.StatusCode)
		}
	}
	yaml := "id: chile-rsh\nversion: 9\nkind: income\nname: RSH sin ajuste\nparams:\n  minimum_wage_clp: 529000\n  equivalence_exponent: 1\n"
	resp, body = c.postModelFile("rsh.yaml", yaml, "2026-11-01")
	if resp.StatusCode != 200 || !strings.Contains(body, "RSH sin ajuste (versión 9)") {
		t.Errorf("an uploaded YAML model: %d\n%s", resp.StatusCode, body)
	}
	if diff := cmp.Diff(before["score_runs"], tableCounts(t, f)["score_runs"]); diff != "" {
		t.Errorf("runs written: %s", diff)
	}

	r := f.client(t)
	r.signIn("rosa")
	if _, runs := r.do("GET", "/runs", nil); strings.Contains(runs, `href="/whatif"`) {
		t.Error("the regional officer is offered the what-if")
	}
	for _, path := range []string{"GET /whatif", "POST /whatif", "POST /whatif/moved.csv"} {
		method, p, _ := strings.Cut(path, " ")
		resp, _ := r.do(method, p, url.Values{"model": {edited}, "as_of": {"2026-11-01"}})
		if resp.StatusCode != 403 {
			t.Errorf("regional officer %s: %d, want 403", path, resp.StatusCode)
		}
	}
}
