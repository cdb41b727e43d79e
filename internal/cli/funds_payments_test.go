package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestPaymentCommands: payments, a run prepared by one officer and
// approved by another (the same one is refused), its bank file, the bank's
// answer imported twice (the second changes nothing), and a contract's
// milestone released by maker-checker; verify finds the ledger whole.
func TestPaymentCommands(t *testing.T) {
	dsn := dbtest.DSN(t)
	mustRun(t, "--db", dsn, "users", "add", "maker", "--role", "finance", "--name", "Maker")
	mustRun(t, "--db", dsn, "users", "add", "checker", "--role", "finance", "--name", "Checker")
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, err := db.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs := funds.New(d)
	k := funds.Key{Year: 2026, Line: "yo-emprendo", Region: "13"}
	for _, step := range []func() error{
		func() error { _, err := fs.Assign(ctx, k, 200_000_000, ""); return err },
		func() error { _, err := fs.Allocate(ctx, k, "YE-13", 200_000_000, ""); return err },
		func() error { _, err := fs.Move(ctx, "YE-13", funds.KindReserve, 1_000_000, "", ""); return err },
		func() error { _, err := fs.Move(ctx, "YE-13", funds.KindCommit, 1_000_000, "", ""); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	payee := []string{"--payee-name", "Ana Pérez", "--tax-id", "12.345.678-5", "--bank", "012", "--account-kind", "vista", "--account", "12345678"}
	for i, amount := range []string{"430000", "180000"} {
		out := mustRun(t, append([]string{"--db", dsn, "funds", "payment", "add", "--key", fmt.Sprintf("plan:%d/1", i), "--call", "YE-13", "--amount", amount}, payee...)...)
		if !strings.Contains(out, "recorded") {
			t.Fatalf("payment add: %s", out)
		}
	}
	if out := mustRun(t, append([]string{"--db", dsn, "funds", "payment", "add", "--key", "plan:0/1", "--call", "YE-13", "--amount", "430000"}, payee...)...); !strings.Contains(out, "already recorded") {
		t.Errorf("replay: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "funds", "payrun", "prepare", "--as", "maker"); !strings.Contains(out, "payment run 1 prepared by maker: 2 payments, 610.000 pesos") {
		t.Fatalf("prepare: %s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "payrun", "approve", "1", "--as", "maker"); code == 0 || !strings.Contains(errs, "maker-checker") {
		t.Errorf("maker approves: exit %d %s", code, errs)
	}
	mustRun(t, "--db", dsn, "funds", "payrun", "approve", "1", "--as", "checker")
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch.txt")
	if out := mustRun(t, "--db", dsn, "funds", "payrun", "export", "1", "--out", batch); !strings.Contains(out, "2 payments, 610.000 pesos") {
		t.Errorf("export: %s", out)
	}
	if b, _ := os.ReadFile(batch); strings.Count(string(b), "\r\n") != 4 {
		t.Errorf("batch file:\n%s", b)
	}
	csvLayout := filepath.Join(dir, "csv.yaml")
	os.WriteFile(csvLayout, []byte("name: banco-csv\nformat: csv\ndetail:\n  - {name: pago, source: payment}\n  - {name: rut, source: tax_id}\n  - {name: monto, source: amount}\n"+
		"trailer:\n  - {name: t, source: literal, value: TOTAL}\n  - {name: n, source: count}\n  - {name: s, source: total}\n"), 0o600)
	csvOut := filepath.Join(dir, "batch.csv")
	mustRun(t, "--db", dsn, "funds", "payrun", "export", "1", "--layout", csvLayout, "--out", csvOut)
	if b, _ := os.ReadFile(csvOut); !strings.HasPrefix(string(b), "pago;rut;monto\r\n1;12345678-5;430000\r\n") || !strings.HasSuffix(string(b), "TOTAL;2;610000\r\n") {
		t.Errorf("csv batch file:\n%q", b)
	}
	layout := filepath.Join(dir, "bad.yaml")
	os.WriteFile(layout, []byte("format: fixed\ndetail:\n  - {name: x, source: amount}\n"), 0o600)
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "payrun", "layout", layout); code == 0 || !strings.Contains(errs, "detail[1]") {
		t.Errorf("bad layout: exit %d %s", code, errs)
	}
	result := filepath.Join(dir, "result.csv")
	os.WriteFile(result, []byte("payment;amount;status;reason\n1;430000;PAID;\n2;180000;REJECTED;R04\nTOTAL;610000;2;\n"), 0o600)
	if out := mustRun(t, "--db", dsn, "funds", "payrun", "import", "1", "--file", result); !strings.Contains(out, "1 paid, 1 rejected, 0 unchanged; the run is closed") {
		t.Errorf("import: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "funds", "payrun", "import", "1", "--file", result); !strings.Contains(out, "0 paid, 0 rejected, 2 unchanged") {
		t.Errorf("import again: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "funds", "payment", "reissue", "2", "--account", "99887766"); !strings.Contains(out, "re-issues payment 2") {
		t.Errorf("reissue: %s", out)
	}

	// A contract and its first milestone.
	mustRun(t, append([]string{"--db", dsn, "funds", "contract", "add", "--code", "CT-1", "--agency", "AG1", "--call", "YE-13", "--region", "13",
		"--starts", "2026-03-01", "--ends", "2026-12-31", "--territories", "13101=60000000,13102=40000000"}, payee...)...)
	mustRun(t, "--db", dsn, "funds", "contract", "sign", "CT-1")
	mustRun(t, "--db", dsn, "funds", "milestone", "request", "1", "--as", "maker")
	if out := mustRun(t, "--db", dsn, "funds", "milestone", "release", "1", "--as", "checker"); !strings.Contains(out, "is ready for the next run") {
		t.Errorf("release: %s", out)
	}
	mustRun(t, "--db", dsn, "funds", "contract", "guarantee", "CT-1", "--kind", "bank_guarantee", "--number", "BG-1", "--issuer", "BancoEstado", "--amount", "5000000", "--expires", "2020-01-01")
	if out := mustRun(t, "--db", dsn, "funds", "contract", "alerts"); !strings.Contains(out, "expired") {
		t.Errorf("alerts: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "funds", "contract", "show", "CT-1"); !strings.Contains(out, "30.000.000 released") {
		t.Errorf("show: %s", out)
	}
	if out := mustRun(t, "--db", dsn, "funds", "verify"); !strings.HasPrefix(out, "ok:") {
		t.Errorf("verify: %s", out)
	}
}
