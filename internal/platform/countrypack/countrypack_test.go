package countrypack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/platform/geo"
)

// TestChile: the built-in pack is valid and its territory is the one fosis
// has always compiled in.
func TestChile(t *testing.T) {
	p := Chile()
	if p.Code != "CL" || p.ID.Name != "RUN" || p.Currency.Format(1234567) != "$1.234.567" {
		t.Errorf("Chile: %s, %s, %s", p.Code, p.ID.Name, p.Currency.Format(1234567))
	}
	tr, err := p.Territory()
	if err != nil {
		t.Fatal(err)
	}
	want := geo.Chile()
	if len(tr.Communes) != 346 || len(tr.Provinces) != len(want.Provinces) || len(tr.Regions) != len(want.Regions) {
		t.Errorf("territory: %d regions, %d provinces, %d communes", len(tr.Regions), len(tr.Provinces), len(tr.Communes))
	}
	if diff := cmp.Diff(want.Communes, tr.Communes); diff != "" {
		t.Errorf("communes differ from the compiled-in territory (-want +got):\n%s", diff)
	}
	if got := p.LevelName("commune", "es", true); got != "comunas" {
		t.Errorf("LevelName = %q", got)
	}
	if k, err := p.ID.Parse("12.345.678-5"); err != nil || k != 12345678 {
		t.Errorf("RUN: %d, %v", k, err)
	}
}

// TestFictionalCountry: a two-level country with another ID, currency and
// words, and department boundaries.
func TestFictionalCountry(t *testing.T) {
	p, err := LoadDir("testdata/valdoria")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p.Territory()
	if err != nil {
		t.Fatal(err)
	}
	if tr.Country != "XV" || len(tr.Regions) != 3 || len(tr.Communes) != 8 || tr.Provinces[0].Code != "01" {
		t.Errorf("territory: %+v", tr)
	}
	if got := p.Currency.Format(1234567); got != "V$1,234,567.00" {
		t.Errorf("currency: %s", got)
	}
	if p.LevelName("municipality", "en", true) != "municipalities" || p.TermName("health_plan", "public", "es") != "Seguro público" {
		t.Errorf("words: %q %q", p.LevelName("municipality", "en", true), p.TermName("health_plan", "public", "es"))
	}
	if !strings.Contains(p.Overrides["es"]["home.module.counterpart"], "IISV") || len(p.Shapes["department"]) == 0 || len(p.Digest) != 64 {
		t.Errorf("overrides %v, shapes %d bytes, digest %q", p.Overrides, len(p.Shapes["department"]), p.Digest)
	}
}

// TestProblems: a broken pack says every problem with its file and line.
func TestProblems(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata/valdoria", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	base := fstest.MapFS{}
	for _, name := range []string{"pack.json", "territory.csv", "terms/es.json", "terms/en.json", "boundaries/departments.geojson"} {
		base[name] = &fstest.MapFile{Data: []byte(read(name))}
	}
	with := func(name, from, to string) fstest.MapFS {
		fs := fstest.MapFS{}
		for k, v := range base {
			fs[k] = v
		}
		if from == "" {
			delete(fs, name)
			return fs
		}
		if !strings.Contains(string(base[name].Data), from) {
			t.Fatalf("%s has no %q", name, from)
		}
		fs[name] = &fstest.MapFile{Data: []byte(strings.Replace(string(base[name].Data), from, to, 1))}
		return fs
	}
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want []string
	}{
		{"a misspelt field", with("pack.json", `"version"`, `"versoin"`), []string{`pack.json:4: unknown field "versoin" (misspelt?)`}},
		{"bad JSON", with("pack.json", `"format": 1,`, `"format": 1`), []string{"pack.json:3: not valid JSON"}},
		{"an unknown ID algorithm", with("pack.json", `"algorithm": "luhn"`, `"algorithm": "crc"`), []string{`pack.json:8: national_id: algorithm: "crc" is not one of`}},
		{"one level", with("pack.json", `    {"key": "department", "names": {"es": ["departamento", "departamentos"], "en": ["department", "departments"]}},`+"\n", ""),
			[]string{"pack.json:10: levels: 1 levels: a territory has 2 to 4"}},
		{"a currency code", with("pack.json", `"XTS"`, `"xts"`), []string{`pack.json:7: currency: code "xts" is not an ISO 4217 code`}},
		{"brackets", with("pack.json", `[20, 40, 60, 80, 100]`, `[20, 40, 60, 80]`), []string{"scorecard: brackets [20 40 60 80]"}},
		{"a name missing in English", with("pack.json", `"en": "Cash transfers"`, `"en": ""`), []string{`programme_areas[1] "cash_transfer": no name in "en"`}},
		{"a territory header", with("territory.csv", "municipality_name", "muni_name"), []string{"territory.csv:1: the header is"}},
		{"a unit under two parents", with("territory.csv", "02,Valle Central,0203,Ferrán", "03,Sierra Alta,0102,Ferrán"),
			[]string{`territory.csv:7: municipality 0102 is "Ferrán" under "03" here but "Caleta Rosa" under "01" on line 3`}},
		{"a boundary of no department", with("boundaries/departments.geojson", `"code": "03"`, `"code": "09"`), []string{`boundaries/departments.geojson:`, `feature 3: "09" is not a department`}},
		{"a missing terms file", with("terms/en.json", "", ""), []string{"terms/en.json: missing from the pack"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.fs)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Load = %v, want problems", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems:\n%s\nwant one with %q", err, w)
				}
			}
		})
	}
}
