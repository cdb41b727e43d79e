package cli

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/registry"
)

// headsOfBusiestCommune reads a generated extract and returns the commune
// with the most households and the RUNs of their heads.
func headsOfBusiestCommune(t *testing.T, dir string) (string, []string) {
	t.Helper()
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows[1:]
	}
	commune := map[string]string{}
	count := map[string]int{}
	for _, r := range read("households.csv") {
		commune[r[0]] = r[1]
		count[r[1]]++
	}
	best := ""
	for c, n := range count {
		if n > count[best] || (n == count[best] && c < best) {
			best = c
		}
	}
	var heads []string
	rel, hh := slices.Index(registry.PersonColumns, "relation"), slices.Index(registry.PersonColumns, "household_id")
	for _, r := range read("persons.csv") {
		if r[rel] == "head" && commune[r[hh]] == best {
			heads = append(heads, r[0])
		}
	}
	return best, heads
}

// TestCallsCommandLine walks a call's life on the command line: seed the
// catalogue, create a call from a file, open it, import applications (a bad
// file first: nothing imported, exit 2), close, select, verify, publish,
// withdraw (promotion), enrol, and an application's trace.
func TestCallsCommandLine(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	extract := filepath.Join(dir, "extract")
	mustRun(t, "registry", "generate", "--households", "600", "--seed", "5", "--out", extract)
	mustRun(t, "--db", dsn, "registry", "import", extract)
	mustRun(t, "--db", dsn, "score", "--as-of", "2026-11-01")
	if out := mustRun(t, "--db", dsn, "programs", "list"); !strings.Contains(out, "no programmes yet") {
		t.Fatalf("empty catalogue:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "programs", "seed"); !strings.Contains(out, "14 programme line(s) added") {
		t.Fatalf("seed:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "programs", "list"); !strings.Contains(out, "Yo Trabajo Jóvenes") || !strings.Contains(out, "habitabilidad") {
		t.Fatalf("catalogue:\n%s", out)
	}
	commune, heads := headsOfBusiestCommune(t, extract)
	if len(heads) < 6 {
		t.Fatalf("only %d heads in %s", len(heads), commune)
	}
	callFile := filepath.Join(dir, "call.json")
	os.WriteFile(callFile, []byte(fmt.Sprintf(`{"code": "semilla-test", "title": "Semilla test", "program": "yo-emprendo-semilla",
		"opens_on": "2026-11-01", "closes_on": "2026-11-30", "run": 1, "budget_clp": 1150000, "communes": {%q: 2},
		"spec": {"rules": [{"id": "adult", "name_es": "Mayor de edad", "name_en": "Adult", "expr": "age >= 18"},
		                   {"id": "tramo", "name_es": "Tramo 60", "name_en": "Bracket 60", "expr": "scored && bracket <= 60"}],
		         "cooldown_months": 24}}`, commune)), 0o644)
	// A call whose quotas exceed its budget is refused, and nothing is stored.
	over := filepath.Join(dir, "over.json")
	data, _ := os.ReadFile(callFile)
	os.WriteFile(over, []byte(strings.Replace(string(data), `"budget_clp": 1150000`, `"budget_clp": 1000000`, 1)), 0o644)
	if code, _, errs := runCLI(t, "--db", dsn, "calls", "create", over); code != ExitError || !strings.Contains(errs, "more than the budget envelope") {
		t.Fatalf("over budget: exit %d %s", code, errs)
	}
	mustRun(t, "--db", dsn, "calls", "create", callFile)
	mustRun(t, "--db", dsn, "calls", "open", "semilla-test")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("run\n"+heads[0]+"\nnot-a-run\n"), 0o644)
	code, out, errs := runCLI(t, "--db", dsn, "calls", "import", "semilla-test", bad)
	if code != ExitRejected || !strings.Contains(out, "bad.csv line 3") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("bad import: exit %d\n%s\n%s", code, out, errs)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("run\n"+strings.Join(heads, "\n")+"\n"), 0o644)
	out = mustRun(t, "--db", dsn, "calls", "import", "semilla-test", good)
	if !strings.Contains(out, fmt.Sprintf("%d application(s) imported", len(heads))) {
		t.Fatalf("import:\n%s", out)
	}
	out = mustRun(t, "--db", dsn, "calls", "preview", "semilla-test")
	if !strings.Contains(out, "eligible") || !strings.Contains(out, "REGION") {
		t.Fatalf("preview:\n%s", out)
	}
	whatif := filepath.Join(dir, "whatif.json")
	os.WriteFile(whatif, []byte(fmt.Sprintf(`{"communes": {%q: 1}}`, commune)), 0o644)
	if out := mustRun(t, "--db", dsn, "calls", "whatif", "semilla-test", whatif); !strings.Contains(out, "selected: 2 → 1") {
		t.Fatalf("what-if:\n%s", out)
	}
	mustRun(t, "--db", dsn, "calls", "close", "semilla-test")
	out = mustRun(t, "--db", dsn, "calls", "select", "semilla-test")
	if !strings.Contains(out, "2 commune") {
		t.Fatalf("select:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "calls", "verify", "semilla-test"); !strings.Contains(out, "re-runs to the same") {
		t.Fatalf("verify:\n%s", out)
	}
	mustRun(t, "--db", dsn, "calls", "publish", "semilla-test")
	out = mustRun(t, "--db", dsn, "calls", "applications", "semilla-test", "--status", "selected")
	ids := regexp.MustCompile(`(?m)^(\d+)\s+\d+\s+selected`).FindAllStringSubmatch(out, -1)
	if len(ids) != 2 {
		t.Fatalf("selected list:\n%s", out)
	}
	out = mustRun(t, "--db", dsn, "calls", "withdraw", ids[0][1], "--reason", "moved")
	if !strings.Contains(out, "promoted from the waiting list") {
		t.Fatalf("withdraw:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "calls", "enroll", ids[1][1]); !strings.Contains(out, "enrolled") {
		t.Fatalf("enroll:\n%s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "calls", "enroll", ids[1][1]); code != ExitError || !strings.Contains(errs, "only a selected application") {
		t.Fatalf("enrol twice: %d %s", code, errs)
	}
	out = mustRun(t, "--db", dsn, "calls", "applications", "semilla-test", "--status", "ineligible")
	inel := regexp.MustCompile(`(?m)^(\d+)\s`).FindStringSubmatch(out)
	if inel == nil {
		t.Fatalf("no ineligible applicant in the fixture:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "calls", "trace", inel[1]); !strings.Contains(out, "eligible: no — failed rules:") || !strings.Contains(out, "Tramo 60 / Bracket 60") {
		t.Fatalf("trace:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "calls", "list"); !strings.Contains(out, "semilla-test  published") {
		t.Fatalf("list:\n%s", out)
	}

	// An agency, its contract and its staff.
	if out := mustRun(t, "--db", dsn, "programs", "agency", "list"); !strings.Contains(out, "no agencies yet") {
		t.Fatalf("empty agencies:\n%s", out)
	}
	mustRun(t, "--db", dsn, "programs", "agency", "create", "ong-1", "ONG Uno")
	contract := filepath.Join(dir, "contract.json")
	os.WriteFile(contract, []byte(fmt.Sprintf(`{"program": "yo-emprendo-semilla", "tender_code": "T-2027-1", "starts_on": "2027-01-01",
		"ends_on": "2027-12-31", "families": 30, "budget_clp": 17250000, "communes": [%q]}`, commune)), 0o644)
	if out := mustRun(t, "--db", dsn, "programs", "agency", "contract", "ong-1", contract); !strings.Contains(out, "30 families in 1 commune(s)") {
		t.Fatalf("contract:\n%s", out)
	}
	mustRun(t, "--db", dsn, "users", "add", "elena", "--role", "agency")
	mustRun(t, "--db", dsn, "programs", "agency", "staff", "elena", "ong-1")
	if out := mustRun(t, "--db", dsn, "programs", "agency", "list"); !strings.Contains(out, "T-2027-1  yo-emprendo-semilla  2027-01-01–2027-12-31  30 families") {
		t.Fatalf("agencies:\n%s", out)
	}
	// A programme edited from a file is a new version of its line.
	prog := filepath.Join(dir, "prog.json")
	out = mustRun(t, "--db", dsn, "programs", "show", "yo-trabajo")
	if !strings.Contains(out, `"expr": "age >= 18"`) {
		t.Errorf("programs show escapes the rules:\n%s", out)
	}
	os.WriteFile(prog, []byte(strings.Replace(out, `"name_es": "Yo Trabajo"`, `"name_es": "Yo Trabajo 2027"`, 1)), 0o644)
	if out := mustRun(t, "--db", dsn, "programs", "save", prog); !strings.Contains(out, "programme yo-trabajo version 2 stored") {
		t.Fatalf("save:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "programs", "show", "yo-trabajo", "--history"); strings.Count(out, `"version":`) != 2 || !strings.Contains(out, "Yo Trabajo 2027") {
		t.Fatalf("history:\n%s", out)
	}
}
