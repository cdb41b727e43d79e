package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCountryPackCheck: a valid pack is summarised; a broken one exits with
// every problem named by file and line, its word overrides checked against
// the catalogs.
func TestCountryPackCheck(t *testing.T) {
	src := filepath.Join("..", "platform", "countrypack", "testdata", "valdoria")
	if out := mustRun(t, "country-pack", "check", src); !strings.Contains(out, "country pack XV 1.0 (Republic of Valdoria), format 1: valid") ||
		!strings.Contains(out, "3 departments, 8 municipalities") || !strings.Contains(out, "V$1,234,567.00") {
		t.Errorf("check:\n%s", out)
	}
	if out := mustRun(t, "country-pack", "check", "--chile"); !strings.Contains(out, "16 regions, 56 provinces, 346 communes") {
		t.Errorf("check --chile:\n%s", out)
	}
	bad := t.TempDir()
	for _, name := range []string{"pack.json", "territory.csv", "terms/es.json", "terms/en.json", "boundaries/departments.geojson"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		switch name {
		case "pack.json":
			s = strings.Replace(s, `"luhn"`, `"crc"`, 1)
		case "terms/en.json":
			s = strings.Replace(s, "home.module.counterpart", "home.module.nothing", 1)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(bad, name)), 0o755)
		if err := os.WriteFile(filepath.Join(bad, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errs := runCLI(t, "country-pack", "check", bad)
	if code == 0 || !strings.Contains(errs, `pack.json:8: national_id: algorithm: "crc"`) {
		t.Errorf("a bad ID algorithm: exit %d, %s", code, errs)
	}
	os.WriteFile(filepath.Join(bad, "pack.json"), mustRead(t, filepath.Join(src, "pack.json")), 0o644)
	code, _, errs = runCLI(t, "country-pack", "check", bad)
	if code == 0 || !strings.Contains(errs, `en: "home.module.nothing" is not a key of the catalogs`) {
		t.Errorf("an unknown word override: exit %d, %s", code, errs)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
