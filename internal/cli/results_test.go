package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestResultsCommands runs the demo (which declares indicators and computes
// the funnel and six months of them), then every results command.
func TestResultsCommands(t *testing.T) {
	dsn := dbtest.DSN(t)
	out := mustRun(t, "--db", dsn, "demo", "--no-serve", "--households", "400")
	if !strings.Contains(out, "results: the coverage funnel and 3 indicators computed") {
		t.Fatalf("demo output:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "results", "funnel", "--by", "call"); !strings.Contains(out, "eligible") || !strings.Contains(out, "total") {
		t.Errorf("funnel:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "results", "funnel", "--stored", "--json", "--by", "line"); !strings.Contains(out, `"rows"`) {
		t.Errorf("funnel --json:\n%s", out)
	}
	dir := t.TempDir()
	if out := mustRun(t, "--db", dsn, "results", "opendata", "--out", dir); !strings.Contains(out, "coverage.csv") {
		t.Errorf("opendata: %s", out)
	}
	for _, name := range []string{"coverage.csv", "coverage.json"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if out := mustRun(t, "--db", dsn, "results", "indicators", "list"); !strings.Contains(out, "graduation") {
		t.Errorf("indicators list:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "results", "indicators", "compute", "--period", "2026-11"); !strings.Contains(out, "2026-11: 3 indicators") {
		t.Errorf("compute:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "results", "indicators", "show", "--period", "2026-11"); !strings.Contains(out, "national") {
		t.Errorf("show:\n%s", out)
	}
	mustRun(t, "--db", dsn, "results", "alerts")
	if code, _, errs := runCLI(t, "--db", dsn, "results", "indicators", "compute", "--period", "noviembre"); code == 0 || !strings.Contains(errs, "use a month as YYYY-MM") {
		t.Errorf("bad period: exit %d %s", code, errs)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"program": "puente", "program_version": 1, "code": "x", "name_es": "x", "name_en": "x", "unit": "percent", "numerator": "graduated", "denominator": "clossed"}]`), 0o644)
	if code, _, errs := runCLI(t, "--db", dsn, "results", "indicators", "declare", bad); code == 0 || !strings.Contains(errs, "line 1, column 1: undeclared reference to 'clossed'") {
		t.Errorf("bad declaration: exit %d %s", code, errs)
	}
	if out := mustRun(t, "--db", dsn, "results", "report", "--line", "puente", "--out", filepath.Join(dir, "puente.xlsx"), "--lang", "en"); !strings.Contains(out, "puente.xlsx") {
		t.Errorf("report: %s", out)
	}
	fu := filepath.Join(dir, "followup.csv")
	if out := mustRun(t, "--db", dsn, "results", "followup", "--run", "1", "--out", fu); !strings.Contains(out, "households with labour income") {
		t.Errorf("followup: %s", out)
	}
	if code, out, errs := runCLI(t, "--db", dsn, "results", "impact", "--followup", fu); code != 0 && !strings.Contains(errs, "observations") || code == 0 && !strings.Contains(out, "robust 95% interval") {
		t.Errorf("impact: exit %d\n%s\n%s", code, out, errs)
	}
	if out := mustRun(t, "--db", dsn, "results", "focalisation", "--call", "semilla-publicada"); !strings.Contains(out, "percentile") {
		t.Errorf("focalisation:\n%s", out)
	}
}
