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

// TestCasesTrainingCommandLine: a Yo Emprendo Semilla case in
// intervention, a course with its sessions, the case enrolled, attendance
// imported (a bad file refused, the good one twice), the progress shown,
// and the seed capital's goods refused while the plan waits.
func TestCasesTrainingCommandLine(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	extract := filepath.Join(dir, "extract")
	mustRun(t, "registry", "generate", "--households", "40", "--seed", "5", "--out", extract)
	mustRun(t, "--db", dsn, "registry", "import", extract)
	mustRun(t, "--db", dsn, "programs", "seed")
	mustRun(t, "--db", dsn, "cases", "seed")
	mustRun(t, "--db", dsn, "programs", "agency", "create", "ong-1", "ONG Uno")
	f, err := os.Open(filepath.Join(extract, "households.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "--db", dsn, "cases", "open", "yo-emprendo-semilla", rows[1][0], "--agency", "ong-1", "--on", "2026-06-01")
	id := regexp.MustCompile(`case (\d+) opened`).FindStringSubmatch(out)[1]
	commune := regexp.MustCompile(`(?m)^\s*` + id + `\s+\S+\s+\d+\s+\S+\s+(\d+)`).FindStringSubmatch(mustRun(t, "--db", dsn, "cases", "list"))
	if commune == nil {
		t.Fatal("no commune in the list")
	}
	mustRun(t, "--db", dsn, "cases", "move", id, "open", "in_diagnosis")
	out = mustRun(t, "--db", dsn, "cases", "course-new", "yo-emprendo-semilla", commune[1], "Gestión del negocio", "--agency", "ong-1", "--from", "2026-10-01", "--to", "2026-12-20")
	m := regexp.MustCompile(`course (\d+) created: yo-emprendo-semilla training, ong-1 .*pass rule hours 22, 75% attendance`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("course-new: %s", out)
	}
	k := m[1]
	for _, day := range []string{"2026-10-01", "2026-10-08"} {
		mustRun(t, "--db", dsn, "cases", "course-session", k, day, "180", "--topic", "Costos")
	}
	if out := mustRun(t, "--db", dsn, "cases", "course-enrol", k); !strings.Contains(out, "1 cases enrolled") {
		t.Fatalf("enrol: %s", out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("course;session;case;present;minutes\n"+k+";1;"+id+";si;\n"+k+";7;"+id+";si;\n"+k+";2;"+id+";quizás;\n"), 0o644)
	if code, _, errs := runCLI(t, "--db", dsn, "cases", "attendance", bad); code != ExitError || !strings.Contains(errs, "line 3 session") || !strings.Contains(errs, "line 4 present") {
		t.Fatalf("bad file: %d %s", code, errs)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("course,session,case,present,minutes\n"+k+",1,"+id+",1,\n"+k+",2,"+id+",0,\n"), 0o644)
	if out := mustRun(t, "--db", dsn, "cases", "attendance", good); !strings.Contains(out, "2 rows, 2 added, 0 changed, 0 unchanged") {
		t.Fatalf("attendance: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "cases", "attendance", good); !strings.Contains(out, "2 rows, 0 added, 0 changed, 2 unchanged") {
		t.Fatalf("attendance again: %s", out)
	}
	out = mustRun(t, "--db", dsn, "cases", "progress", id)
	if !regexp.MustCompile(`training\s+training\s+in_progress\s+3/22 hours, 50% of 75%`).MatchString(out) || !regexp.MustCompile(`capital\s+deliveries\s+pending\s+0/1 deliveries\s+training, plan`).MatchString(out) {
		t.Fatalf("progress:\n%s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "cases", "deliver", id, "Horno", "--cost", "400000", "--on", "2026-06-10", "--by", "María"); code != ExitError || !strings.Contains(errs, "in intervention or closing") {
		t.Fatalf("deliver in diagnosis: %d %s", code, errs)
	}
	if out := mustRun(t, "--db", dsn, "cases", "courses", "--program", "yo-emprendo-semilla"); !strings.Contains(out, "Gestión del negocio") {
		t.Fatalf("courses: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "cases", "goods", id); !strings.Contains(out, "RECEIVED") {
		t.Fatalf("goods: %s", out)
	}
}
