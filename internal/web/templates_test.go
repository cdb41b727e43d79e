package web

import (
	"bytes"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// TestCatalogs checks that both languages have the same keys, that every
// {{t "key"}} in the templates exists, and that the keys templates build
// (role.<role>, home.role.<role>) exist for every role.
func TestCatalogs(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range Languages {
		for _, b := range Languages {
			for k := range c[a] {
				if _, ok := c[b][k]; !ok {
					t.Errorf("key %q is in %s.json but not in %s.json", k, a, b)
				}
			}
		}
	}
	used := map[string]bool{}
	re := regexp.MustCompile(`\bt "([^"]+)"`)
	err = fs.WalkDir(templateFS, "templates", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, name)
		for _, m := range re.FindAllSubmatch(b, -1) {
			used[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys in the templates: is the pattern still right?", len(used))
	}
	for _, r := range auth.Roles {
		used["role."+string(r)], used["home.role."+string(r)] = true, true
	}
	for _, key := range []string{"error.notfound", "error.forbidden", "error.invalid", "error.internal", "error.crossorigin",
		"signin.failed", "signin.locked", "signin.disabled"} { // keys the handlers pass
		used[key] = true
	}
	for k := range used {
		for _, lang := range Languages {
			if _, ok := c[lang][k]; !ok {
				t.Errorf("template key %q is missing from %s.json", k, lang)
			}
		}
	}
}

// TestTemplates executes every page in both languages with representative
// data, signed in and out.
func TestTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := &registry.HouseholdView{Key: 7, ID: "H0000007", CommuneCode: "13101", CommuneName: "Santiago", RegionCode: "13",
		RegionName: "Metropolitana de Santiago", Zone: "urban", Tenure: "owned", Rooms: 2, Floor: "wood", Walls: "brick",
		Roof: "zinc", Water: "network", Sanitation: "sewer", VehicleCLP: 3500000, RegisteredOn: "2024-03-01",
		UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), MemberCount: 2,
		Members: []registry.PersonView{
			{RUN: "12.345.678-5", Relation: "head", Sex: "F", Age: 41, Schooling: 12, Employed: true, LaborCLP: 650000},
			{RUN: "23.456.789-K", Relation: "child", Sex: "M", Age: 9, Schooling: 3, InSchool: true},
		}}
	res := &targeting.HouseholdResult{Run: 2, Value: 325000, Percentile: 37.5, Bracket: 40, Poorest5: true}
	scored := &targeting.ScoredHousehold{Run: &targeting.Run{ID: 2, ModelName: "RSH", ModelVersion: 1, AsOf: "2026-11-01"},
		Result: res, Explanation: targeting.Explanation{Kind: targeting.KindIncome}, Stale: true, Summary: "Ingreso por persona bajo."}
	pmt := *scored
	pmt.Explanation.Kind = targeting.KindPMT
	hist := []targeting.HouseholdResult{*res, {Run: 1, Value: 300000, Percentile: 35, Bracket: 40}}
	cases := []struct {
		page string
		data any
		want string
	}{
		{"signin", signinData{Next: "/"}, `name="password"`},
		{"signin", signinData{Username: "ana", Error: "signin.failed"}, `id="signin-error"`},
		{"home", homeData{}, `id="q"`},
		{"home", homeData{Query: "x", NotFound: true}, `id="search-none"`},
		{"household", householdData{H: h, Score: scored, History: hist, Income: incomeTotals{Labor: 650000, Total: 650000}}, "Ingreso por persona bajo."},
		{"household", householdData{H: h, Score: &pmt, History: hist}, `id="bracket"`},
		{"household", householdData{H: h}, `id="score-none"`},
		{"error", errorData{Message: "error.notfound"}, `id="error"`},
	}
	users := []*auth.Principal{nil, {Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}, {Username: "ana", Role: auth.RoleAnalyst}}
	for _, lang := range Languages {
		for _, c := range cases {
			for _, u := range users {
				if c.page == "home" && u == nil {
					continue // home is only for signed-in users
				}
				var buf bytes.Buffer
				err := s.pages[lang][c.page].Execute(&buf, page{Lang: lang, User: u, Name: "Ana", Path: "/x?y=1", Data: c.data})
				if err != nil {
					t.Errorf("%s %s: %v", lang, c.page, err)
					continue
				}
				out := buf.String()
				if !strings.Contains(out, c.want) {
					t.Errorf("%s %s: output lacks %q", lang, c.page, c.want)
				}
				if strings.Contains(out, "style=") || strings.Contains(out, "<script>") {
					t.Errorf("%s %s: inline style or script (the CSP forbids them)", lang, c.page)
				}
				if k := regexp.MustCompile(`\b(role|home|signin|score|search|error|household)\.[a-z_]+\b`).FindString(out); k != "" && !slices.Contains([]string{"household.title"}, k) {
					t.Errorf("%s %s: untranslated key %q in the output", lang, c.page, k)
				}
			}
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{{"es", 0, "0"}, {"es", 999, "999"}, {"es", 1000, "1.000"}, {"en", 1234567, "1,234,567"}, {"es", -1234567, "-1.234.567"}} {
		if got := groupDigits(c.lang, c.n); got != c.want {
			t.Errorf("groupDigits(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}
