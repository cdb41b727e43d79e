package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestCasesCommandLine: open a case for a household, register a counsellor,
// move the case, import sessions (a bad file first: nothing imported, every
// bad row named), import the good file twice (the second adds nothing),
// list and show.
func TestCasesCommandLine(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	extract := filepath.Join(dir, "extract")
	mustRun(t, "registry", "generate", "--households", "60", "--seed", "5", "--out", extract)
	mustRun(t, "--db", dsn, "registry", "import", extract)
	mustRun(t, "--db", dsn, "programs", "seed")
	if out := mustRun(t, "--db", dsn, "cases", "seed"); !strings.Contains(out, "13 methodologies added") {
		t.Fatalf("seed: %s", out)
	}
	mustRun(t, "--db", dsn, "programs", "agency", "create", "ong-1", "ONG Uno")
	mustRun(t, "--db", dsn, "users", "add", "rosa", "--role", "counsellor")
	if code, _, errs := runCLI(t, "--db", dsn, "cases", "counsellor", "rosa", "ong-9"); code != ExitError || !strings.Contains(errs, `no executing agency "ong-9"`) {
		t.Fatalf("unknown agency: %d %s", code, errs)
	}
	mustRun(t, "--db", dsn, "cases", "counsellor", "rosa", "ong-1", "--caseload", "40")
	f, err := os.Open(filepath.Join(extract, "households.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "--db", dsn, "cases", "open", "puente", rows[1][0], "--agency", "ong-1", "--on", "2026-06-01")
	m := regexp.MustCompile(`case (\d+) opened: puente version 1, household \S+, counsellor rosa`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("open: %s", out)
	}
	id := m[1]
	if code, _, errs := runCLI(t, "--db", dsn, "cases", "move", id, "open", "in_intervention"); code != ExitError || !strings.Contains(errs, "cannot go from open to in_intervention") {
		t.Fatalf("skipping a state: %d %s", code, errs)
	}
	if out := mustRun(t, "--db", dsn, "cases", "move", id, "open", "in_diagnosis"); !strings.Contains(out, "is in_diagnosis") {
		t.Fatalf("move: %s", out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("case;ref;date;component;kind;status;minutes;attendees;dimensions;notes\n"+
		id+";A1;2026-06-10;home;home;held;45;Rosa|Juan;salud;\n"+
		id+";A2;2026-06-31;home;home;held;45;;;\n"+
		"999;A3;2026-06-10;home;home;held;45;;;\n"), 0o644)
	code, _, errs := runCLI(t, "--db", dsn, "cases", "import", bad)
	if code != ExitError || !strings.Contains(errs, "nothing was imported; 2 row(s) have problems") || !strings.Contains(errs, "line 3 date") || !strings.Contains(errs, "line 4 case") {
		t.Fatalf("bad file: %d %s", code, errs)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("case,ref,date,component,kind,status,minutes,attendees,dimensions,notes\n"+
		id+",A1,2026-06-10,home,home,held,45,Rosa|Juan,salud,\n"+
		id+",A2,2026-07-10,group,group,held,90,Rosa,,\n"), 0o644)
	if out := mustRun(t, "--db", dsn, "cases", "import", good); !strings.Contains(out, "2 rows, 2 sessions added, 0 already imported") {
		t.Fatalf("import: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "cases", "import", good); !strings.Contains(out, "2 rows, 0 sessions added, 2 already imported") {
		t.Fatalf("import again: %s", out)
	}
	out = mustRun(t, "--db", dsn, "cases", "list", "--counsellor", "rosa")
	if !strings.Contains(out, "in_diagnosis") || !strings.Contains(out, "2026-07-10") {
		t.Fatalf("list:\n%s", out)
	}
	out = mustRun(t, "--db", dsn, "cases", "show", id)
	if !strings.Contains(out, `"has_notes": false`) || strings.Count(out, `"kind": "session"`) != 1 || !strings.Contains(out, "2 imported from good.csv, 2026-06-10 to 2026-07-10") {
		t.Fatalf("show:\n%s", out)
	}
}
