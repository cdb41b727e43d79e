package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestFundsCommands records a budget and its modifications, lists the
// balances and verifies the ledger; a movement written around fosis makes
// verify exit 1 naming it.
func TestFundsCommands(t *testing.T) {
	dsn := dbtest.DSN(t)
	key := []string{"--year", "2026", "--line", "yo-emprendo", "--region", "13"}
	if out := mustRun(t, append([]string{"--db", dsn, "funds", "budget", "assign", "--amount", "1000000"}, key...)...); !strings.Contains(out, "assign 1.000.000 pesos from law to budget") {
		t.Fatalf("assign: %s", out)
	}
	mustRun(t, append([]string{"--db", dsn, "funds", "budget", "modify", "--amount", "-250000"}, key...)...)
	if code, _, errs := runCLI(t, append([]string{"--db", dsn, "funds", "budget", "modify", "--amount", "-5000000"}, key...)...); code != 1 || !strings.Contains(errs, "nothing was moved") {
		t.Errorf("overdrawn modification: exit %d %s", code, errs)
	}
	if out := mustRun(t, "--db", dsn, "funds", "balances", "--year", "2026"); !strings.Contains(out, "750.000") {
		t.Errorf("balances:\n%s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "movements", "--call", "NONE"); code == 0 || !strings.Contains(errs, "allocate one first") {
		t.Errorf("movements of no envelope: exit %d %s", code, errs)
	}
	if out := mustRun(t, "--db", dsn, "funds", "verify"); !strings.Contains(out, "ok: 2 movements, 4 entries") {
		t.Errorf("verify: %s", out)
	}

	// A one-legged movement written straight into the database.
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO funds_movements (kind, budget_id, envelope_id, amount, at, actor) VALUES ('increase', 1, 0, 5, ?, 'x')`, d.Time(tx.Now))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO funds_entries (movement_id, budget_id, envelope_id, account, seq, amount, balance_after) VALUES (?, 1, 0, 'budget', 3, 5, 750005)`, id)
		return err
	})
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "--db", dsn, "funds", "verify")
	if code != 1 || !strings.Contains(out, "movement 3 (increase): entries sum to 5, not 0") || !strings.Contains(errs, "problem(s)") {
		t.Errorf("verify of a broken ledger: exit %d\n%s\n%s", code, out, errs)
	}
}
