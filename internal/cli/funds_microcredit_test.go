package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestMicrocreditCommands records an institution and its agreement, refuses
// a loan report whose borrower is not in the registry (naming the row),
// refuses to settle a month without loans, and writes the execution and the
// movements as XLSX.
func TestMicrocreditCommands(t *testing.T) {
	dsn := dbtest.DSN(t)
	mustRun(t, "--db", dsn, "funds", "budget", "assign", "--year", "2026", "--line", "acceso-microfinanciamiento", "--region", "13", "--amount", "50000000")
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, err := db.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = funds.New(d).Allocate(ctx, funds.Key{Year: 2026, Line: "acceso-microfinanciamiento", Region: "13"}, "AM-2026-13", 10_000_000, "")
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "--db", dsn, "funds", "institution", "add", "--code", "fundacion", "--name", "Fundación", "--kind", "foundation", "--tax-id", "76.000.000-0"); !strings.Contains(out, "institution fundacion") {
		t.Errorf("add: %s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "institution", "add", "--code", "otra", "--name", "Otra", "--kind", "club", "--tax-id", "76.000.000-0"); code == 0 || !strings.Contains(errs, "not a kind of institution") {
		t.Errorf("bad kind: exit %d %s", code, errs)
	}
	if out := mustRun(t, "--db", dsn, "funds", "agreement", "--institution", "fundacion", "--call", "AM-2026-13", "--from", "2026-01-01", "--to", "2026-12-31",
		"--cap", "5000000", "--band", "1-500000=20000", "--band", "500001-2000000=35000"); !strings.Contains(out, "2 bands") {
		t.Errorf("agreement: %s", out)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "marzo.csv")
	os.WriteFile(file, []byte("run;amount;placed_on;term_months;business_since\n11.111.111-1;300000;2026-03-05;12;2020-01-01\n"), 0o600)
	code, out, errs := runCLI(t, "--db", dsn, "funds", "loans", "import", file, "--institution", "fundacion")
	if code == 0 || !strings.Contains(out, "row 1, run: RUN 11111111-1 is not in the social registry") || !strings.Contains(errs, "nothing was stored") {
		t.Errorf("import: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "settle", "--institution", "fundacion", "--month", "2026-03"); code == 0 || !strings.Contains(errs, "no unsettled loans") {
		t.Errorf("settle: exit %d %s", code, errs)
	}
	if out := mustRun(t, "--db", dsn, "funds", "execution", "--year", "2026"); !strings.Contains(out, "acceso-microfinanciamiento") {
		t.Errorf("execution: %s", out)
	}
	for _, args := range [][]string{{"funds", "execution", "--year", "2026"}, {"funds", "movements", "--call", "AM-2026-13"},
		{"funds", "settlements", "--institution", "fundacion"}, {"funds", "loans", "list", "--institution", "fundacion"}} {
		x := filepath.Join(dir, args[1]+".xlsx")
		mustRun(t, append(append([]string{"--db", dsn}, args...), "--xlsx", x)...)
		if b, err := os.ReadFile(x); err != nil || !strings.HasPrefix(string(b), "PK") {
			t.Errorf("%v: no XLSX written (%v)", args, err)
		}
	}
}
