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

// TestServicesCommandLine: a directory file with bad rows is refused whole,
// naming every row and field; the good file imports, and again changes
// nothing; a case is referred to a service and its referral moved.
func TestServicesCommandLine(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	extract := filepath.Join(dir, "extract")
	mustRun(t, "registry", "generate", "--households", "40", "--seed", "5", "--out", extract)
	mustRun(t, "--db", dsn, "registry", "import", extract)
	mustRun(t, "--db", dsn, "programs", "seed")
	mustRun(t, "--db", dsn, "cases", "seed")
	f, err := os.Open(filepath.Join(extract, "households.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	hh, commune := rows[1][0], rows[1][1]
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("commune;institution;service;dimensions;requirements;contact;active\n"+
		commune+";CESFAM;Inscripción;salud;;;1\n"+
		"99999;OMIL;Bolsa;trabajo;;;1\n"+
		commune+";;Cédula;magia;;;tal vez\n"), 0o644)
	code, _, errs := runCLI(t, "--db", dsn, "services", "import", bad)
	if code != ExitError || !strings.Contains(errs, "line 3 commune") || !strings.Contains(errs, "line 4 active") || !strings.Contains(errs, "nothing was imported; 2 row(s) have problems") {
		t.Fatalf("bad file: %d %s", code, errs)
	}
	good := filepath.Join(dir, "directorio.csv")
	os.WriteFile(good, []byte("commune,institution,service,dimensions,requirements,contact,active\n"+
		commune+",CESFAM,Inscripción,salud,Cédula,+56 2 2345 6789,sí\n"+
		commune+",Registro Civil,Cédula de identidad,identificacion,,registrocivil.cl,\n"), 0o644)
	if out := mustRun(t, "--db", dsn, "services", "import", good); !strings.Contains(out, "2 rows, 2 services added, 0 updated, 0 unchanged") {
		t.Fatalf("import: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "services", "import", good); !strings.Contains(out, "0 services added, 0 updated, 2 unchanged") {
		t.Fatalf("again: %s", out)
	}
	out := mustRun(t, "--db", dsn, "services", "list", "--dimension", "salud")
	m := regexp.MustCompile(`(?m)^(\d+)\s+` + commune + `\s+CESFAM`).FindStringSubmatch(out)
	if m == nil || strings.Contains(out, "Registro Civil") {
		t.Fatalf("list: %s", out)
	}
	out = mustRun(t, "--db", dsn, "cases", "open", "puente", hh)
	c := regexp.MustCompile(`case (\d+) opened`).FindStringSubmatch(out)
	if c == nil {
		t.Fatalf("open: %s", out)
	}
	out = mustRun(t, "--db", dsn, "cases", "refer", c[1], m[1], "--condition", "SA1", "--reason", "Sin inscripción")
	r := regexp.MustCompile(`referral (\d+): case \d+ to CESFAM — Inscripción, sent`).FindStringSubmatch(out)
	if r == nil {
		t.Fatalf("refer: %s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "cases", "referral-move", r[1], "sent", "resolved"); code != ExitError || !strings.Contains(errs, "cannot go from sent to resolved") {
		t.Fatalf("sent → resolved: %d %s", code, errs)
	}
	mustRun(t, "--db", dsn, "cases", "referral-move", r[1], "sent", "attended")
	if out := mustRun(t, "--db", dsn, "cases", "referral-move", r[1], "attended", "resolved", "--outcome", "Inscritos"); !strings.Contains(out, "is resolved") {
		t.Fatalf("resolve: %s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "cases", "satisfy", r[1]); code != ExitError || !strings.Contains(errs, "while the case is in intervention or closing") {
		t.Fatalf("satisfy while open: %d %s", code, errs)
	}
	if out := mustRun(t, "--db", dsn, "cases", "referrals", c[1]); !strings.Contains(out, "resolved") || !strings.Contains(out, "Inscritos") {
		t.Fatalf("referrals: %s", out)
	}
}
