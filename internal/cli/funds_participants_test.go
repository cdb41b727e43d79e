package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestDemoFunds: the demo's enrolments reserved money through the wiring
// (programs → delivery → funds), its approved plans committed it and its
// drop-out released it; then the participants' commands order a tranche
// (twice with one key), settle a payment, add receipts (accepted, held),
// keep maker-checker, flag overdue money and recover it, and the ledger
// verifies after it all.
func TestDemoFunds(t *testing.T) {
	dsn := dbtest.DSN(t)
	mustRun(t, "--db", dsn, "demo", "--no-serve", "--households", "400")
	run := func(args ...string) string { return mustRun(t, append([]string{"--db", dsn, "funds"}, args...)...) }
	if out := run("verify"); !strings.Contains(out, "ok:") {
		t.Fatalf("verify after the demo:\n%s", out)
	}
	list := run("participants")
	row := func(status string) string {
		m := regexp.MustCompile(`(?m)^(\d+)\s+semilla-publicada\s+13\s+\S+\s+` + status + `\s`).FindStringSubmatch(list)
		if m == nil {
			t.Fatalf("no %s participant in\n%s", status, list)
		}
		return m[1]
	}
	if out := run("participant", row("closed")); !strings.Contains(out, "released 575.000") {
		t.Errorf("the drop-out's money:\n%s", out)
	}
	if out := run("participant", row("reserved")); !strings.Contains(out, "reserved 575.000") {
		t.Errorf("the enrolled family's money:\n%s", out)
	}
	money := func(c string) funds.ParticipantMoney {
		var pm funds.ParticipantMoney
		if err := json.Unmarshal([]byte(run("participant", c, "--json")), &pm); err != nil {
			t.Fatal(err)
		}
		return pm
	}

	// The payment the bank has not answered yet: paid now, once.
	m := regexp.MustCompile(`(?m)^(\d+)\s+(\d+)\s+1\s`).FindStringSubmatch(run("payments", "ordered"))
	if m == nil {
		t.Fatalf("no ordered payment:\n%s", run("payments", "ordered"))
	}
	payment, paidCase := m[1], m[2]
	if out := run("payments", "paid", payment); !strings.Contains(out, "paid") {
		t.Fatalf("paid: %s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "payments", "paid", payment); code != ExitError || !strings.Contains(errs, "already paid") {
		t.Errorf("paid twice: %d %s", code, errs)
	}

	// The approved plan whose first tranche waits: tranche 2 is not due; tranche 1 twice with one key is one payment.
	var waiting string
	for _, c := range regexp.MustCompile(`(?m)^(\d+)\s+semilla-publicada\s+13\s+\S+\s+committed\s`).FindAllStringSubmatch(list, -1) {
		if pm := money(c[1]); len(pm.Payments) == 0 {
			waiting = c[1]
		}
	}
	if waiting == "" {
		t.Fatalf("no committed participant without payments:\n%s", list)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "order", waiting, "2"); code != ExitError || !strings.Contains(errs, "not due yet") {
		t.Errorf("tranche 2 first: %d %s", code, errs)
	}
	first := run("order", waiting, "1", "--key", "cli-1")
	if again := run("order", waiting, "1", "--key", "cli-1"); first != again || !strings.Contains(first, "ordered (key cli-1)") {
		t.Errorf("the same order twice:\n%s\n%s", first, again)
	}

	// Receipts for the case just paid: one accepted, one held outside the plan.
	file := filepath.Join(t.TempDir(), "boleta.png")
	os.WriteFile(file, demoReceiptImage(), 0o644)
	add := func(number, line string) string {
		return run("receipts", "add", paidCase, "--type", "boleta", "--number", number, "--supplier", "76.086.428-5", "--amount", "100000", "--plan-line", line, "--file", file)
	}
	if out := add("CLI-1", "1"); !strings.Contains(out, "accepted") {
		t.Errorf("receipt: %s", out)
	}
	held := regexp.MustCompile(`receipt (\d+): held outside_plan`).FindStringSubmatch(add("CLI-2", "0"))
	if held == nil {
		t.Fatalf("no held receipt")
	}
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "receipts", "accept", held[1]); code != ExitError || !strings.Contains(errs, "someone else must review it") {
		t.Errorf("reviewing one's own receipt: %d %s", code, errs)
	}
	// A receipt the demo held (sent by admin) is reviewed from the command line.
	var demoHeld int64
	for _, c := range regexp.MustCompile(`(?m)^(\d+)\s`).FindAllStringSubmatch(run("participants", "--pending"), -1) {
		for _, r := range money(c[1]).Receipts {
			if r.Status == funds.ReceiptHeld && r.SubmittedBy == "admin" && r.Amount <= money(c[1]).Money.Paid {
				demoHeld = r.ID
			}
		}
	}
	if demoHeld == 0 {
		t.Fatal("the demo holds no receipt that its paid money covers")
	}
	if out := run("receipts", "accept", strconv.FormatInt(demoHeld, 10), "--note", "revisado"); !strings.Contains(out, "accepted") {
		t.Errorf("accept: %s", out)
	}

	// Past every deadline: flagged, then recovered.
	if out := run("overdue", "--as-of", "2099-01-01"); !strings.Contains(out, "flagged for recovery") || strings.HasPrefix(out, "0 ") {
		t.Errorf("overdue: %s", out)
	}
	pm := money(paidCase)
	if pm.Money.Paid <= 0 || len(pm.Recoveries) == 0 {
		t.Fatalf("the paid case after the deadline: %+v", pm)
	}
	if out := run("recover", paidCase, "--amount", strconv.FormatInt(pm.Money.Paid, 10), "--note", "depósito"); !strings.Contains(out, "recover") {
		t.Errorf("recover: %s", out)
	}
	if pm := money(paidCase); pm.Money.Paid != 0 || pm.Recoveries[0].Status != funds.RecoveryRecovered {
		t.Errorf("after the recovery: %+v", pm.Money)
	}

	// Tranche schedules are data, checked.
	if code, _, errs := runCLI(t, "--db", dsn, "funds", "tranches", "set", "--line", "yo-trabajo", "--schedule", "50:approval,40:justified"); code != ExitError || !strings.Contains(errs, "add up to 90 %") {
		t.Errorf("a schedule of 90 %%: %d %s", code, errs)
	}
	run("tranches", "set", "--line", "yo-trabajo", "--schedule", "50:approval:supplier:60,50:justified")
	if out := run("tranches", "show", "--line", "yo-trabajo"); !strings.Contains(out, "1. 50 % at approval, to the supplier, justified within 60 days") {
		t.Errorf("show: %s", out)
	}
	if out := run("verify"); !strings.Contains(out, "ok:") {
		t.Fatalf("verify at the end:\n%s", out)
	}
}
