package funds_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// TestTrancheThroughRuns: a participant's tranche ordered is a payment of
// the payment runs; the run's approval does not order it twice; the bank's
// result file pays or rejects the tranche; a rejected tranche is ordered
// again, not re-issued; a direct settlement of a tranche in a prepared run
// is refused.
func TestTrancheThroughRuns(t *testing.T) {
	ctx, s, d := setup(t)
	envelope(t, ctx, s, 5_000_000)
	for _, c := range []int64{1, 2} {
		if err := enrol(ctx, d, s, c, 700_000); err != nil {
			t.Fatal(err)
		}
		if err := approve(ctx, d, s, c, 1, funds.PlanLine{Item: "horno", Amount: 600_000}); err != nil {
			t.Fatal(err)
		}
	}
	y1, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	y2, err := s.OrderTranche(ctx, 2, funds.OrderInput{Seq: 1, Bank: "001", AccountKind: "checking", Account: "987654"})
	if err != nil {
		t.Fatal(err)
	}
	pays, err := s.Payments(ctx, funds.PaymentFilter{State: funds.PaymentReady})
	if err != nil || len(pays) != 2 {
		t.Fatalf("ready payments = %v, %v; want the two tranches", pays, err)
	}
	byRef := map[string]funds.Payment{}
	for _, pm := range pays {
		byRef[pm.Ref] = pm
	}
	p1, p2 := byRef["tranche-payment:1"], byRef["tranche-payment:2"]
	if p1.Purpose != funds.PurposeTranche || p1.Amount != y1.Amount || p1.Payee.Bank != "012" || p1.Payee.Account != "12345678" ||
		!strings.HasPrefix(p1.Key, "case:1/tranche:1/") || p2.Payee.Bank != "001" || p2.Amount != y2.Amount {
		t.Fatalf("tranche payments: %+v, %+v", p1, p2)
	}
	ordered := bal(t, ctx, s, call, funds.Ordered)
	verify(t, ctx, s)

	run, err := s.PrepareRun(as("maker"), call, "cuotas")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SettlePayment(ctx, y1.ID, true, ""); keyOf(err) != "funds.err.tranche_in_run" {
		t.Fatalf("direct settlement in a prepared run: %v", err)
	}
	if _, err := s.ApproveRun(as("checker"), run.ID); err != nil {
		t.Fatal(err)
	}
	if got := bal(t, ctx, s, call, funds.Ordered); got != ordered {
		t.Fatalf("ordered = %d after approval, want %d (a tranche is ordered once)", got, ordered)
	}
	var file bytes.Buffer
	if _, err := s.ExportRun(as("checker"), run.ID, funds.DefaultLayout(), &file); err != nil || !strings.Contains(file.String(), "tranche") {
		t.Fatalf("batch file: %v\n%s", err, file.String())
	}
	verify(t, ctx, s)

	res, err := s.ImportResults(ctx, run.ID, resultFile(p1.ID, p1.Amount, "PAID", p2.ID, p2.Amount, "R04 cuenta cerrada"))
	if err != nil || res.Paid != 1 || res.Rejected != 1 || !res.Closed {
		t.Fatalf("import: %+v, %v", res, err)
	}
	if m := money(t, ctx, s, 1); m.Paid != y1.Amount || m.Ordered != 0 {
		t.Fatalf("case 1 after the bank paid: %+v", m)
	}
	if m := money(t, ctx, s, 2); m.Committed != 600_000 || m.Ordered != 0 {
		t.Fatalf("case 2 after the bank rejected: %+v", m)
	}
	verify(t, ctx, s)
	// The same file again changes nothing.
	if res, err := s.ImportResults(ctx, run.ID, resultFile(p1.ID, p1.Amount, "PAID", p2.ID, p2.Amount, "R04 cuenta cerrada")); err != nil || res.Unchanged != 2 {
		t.Fatalf("import again: %+v, %v", res, err)
	}

	// The rejected tranche is not re-issued: it is ordered again.
	if _, err := s.Reissue(ctx, p2.ID, nil); keyOf(err) != "funds.err.pay_reissue_tranche" || fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Fatalf("re-issue of a tranche payment: %v", err)
	}
	y3, err := s.OrderTranche(ctx, 2, funds.OrderInput{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Settled directly while ready (the old route) settles its run payment too.
	if _, err := s.SettlePayment(ctx, y3.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if pays, err := s.Payments(ctx, funds.PaymentFilter{State: funds.PaymentReady}); err != nil || len(pays) != 0 {
		t.Fatalf("ready after a direct settlement: %v, %v", pays, err)
	}
	verify(t, ctx, s)
}

// TestTrancheRunImportRace: 20 imports of one run's result file carrying
// tranches at once pay each tranche once, on both engines.
func TestTrancheRunImportRace(t *testing.T) {
	ctx, s, d := setup(t)
	envelope(t, ctx, s, 5_000_000)
	if err := enrol(ctx, d, s, 1, 700_000); err != nil {
		t.Fatal(err)
	}
	if err := approve(ctx, d, s, 1, 1, funds.PlanLine{Item: "horno", Amount: 600_000}); err != nil {
		t.Fatal(err)
	}
	y, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	run, err := s.PrepareRun(as("maker"), call, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveRun(as("checker"), run.ID); err != nil {
		t.Fatal(err)
	}
	_, pays, err := s.Run(ctx, run.ID)
	if err != nil || len(pays) != 1 {
		t.Fatalf("run: %v, %v", pays, err)
	}
	file := resultFile(pays[0].ID, y.Amount, "PAID")
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for range 20 {
		wg.Go(func() {
			if _, err := s.ImportResults(ctx, run.ID, file); err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
				t.Log(err)
			}
		})
	}
	wg.Wait()
	if failed > 0 {
		t.Fatalf("%d of 20 imports failed, want none (the same file is idempotent)", failed)
	}
	if m := money(t, ctx, s, 1); m.Paid != y.Amount {
		t.Fatalf("paid = %d, want %d once", m.Paid, y.Amount)
	}
	verify(t, ctx, s)

	// The second tranche: 10 imports and 10 direct settlements at once.
	// Exactly one answer is recorded; the others change nothing or are
	// refused as already settled.
	for _, r := range []funds.ReceiptInput{receipt("R1", 420_000, 1)} {
		if _, err := s.AddReceipt(ctx, 1, r); err != nil {
			t.Fatal(err)
		}
	}
	y2, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 2})
	if err != nil {
		t.Fatal(err)
	}
	run2, err := s.PrepareRun(as("maker"), call, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveRun(as("checker"), run2.ID); err != nil {
		t.Fatal(err)
	}
	_, pays2, err := s.Run(ctx, run2.ID)
	if err != nil || len(pays2) != 1 {
		t.Fatalf("run 2: %v, %v", pays2, err)
	}
	file2 := resultFile(pays2[0].ID, y2.Amount, "PAID")
	codes := map[string]int{}
	for i := range 20 {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = s.ImportResults(ctx, run2.ID, file2)
			} else {
				_, err = s.SettlePayment(ctx, y2.ID, true, "")
			}
			mu.Lock()
			codes[code(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[""] < 1 || codes[""]+codes[fosis.ECONFLICT]+codes[fosis.EINVALID] != 20 {
		t.Fatalf("outcomes %v", codes)
	}
	if m := money(t, ctx, s, 1); m.Paid != y2.Amount || m.Justified != 420_000 {
		t.Fatalf("after the race: %+v, want the second tranche paid once", m)
	}
	verify(t, ctx, s)
}

// TestMicrocreditPayment: an institution with a bank account is paid its
// settlement through the payment runs; one without gets no payment.
func TestMicrocreditPayment(t *testing.T) {
	ctx, s, _ := mcSetup(t, 10_000_000, 900_000, 500_000, "sin-cuenta")
	if _, err := s.CreateInstitution(ctx, funds.Institution{Code: "coop", Name: "Cooperativa", Kind: funds.InstitutionKinds[1], TaxID: "76.543.210-3",
		Bank: "999x", AccountKind: "checking", Account: "1"}); keyOf(err) != "funds.err.pay_bank" {
		t.Fatalf("a bad bank: %v", err)
	}
	if _, err := s.CreateInstitution(ctx, funds.Institution{Code: "coop", Name: "Cooperativa", Kind: funds.InstitutionKinds[1], TaxID: "76.543.210-3",
		Bank: "001", AccountKind: "checking", Account: "55-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAgreement(ctx, funds.Agreement{Institution: "coop", Call: "MC-2026", StartsOn: "2026-01-01", EndsOn: "2026-12-31", Cap: 900_000,
		MinBusinessMonths: 6, Bands: []funds.Band{{Min: 1, Max: 500_000, Subsidy: 20_000}}}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []string{"sin-cuenta", "coop"} {
		if _, err := s.ReportLoans(ctx, c, []funds.LoanInput{{RUN: run(int64(i + 1)), Amount: 200_000, PlacedOn: "2026-03-10", TermMonths: 12, BusinessSince: "2020-01-01"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Settle(ctx, c, "2026-03"); err != nil {
			t.Fatal(err)
		}
	}
	pays, err := s.Payments(ctx, funds.PaymentFilter{})
	if err != nil || len(pays) != 1 || pays[0].Purpose != funds.PurposeMicrocredit || pays[0].Amount != 20_000 || pays[0].Key != "microcredit:coop/2026-03" ||
		pays[0].Payee.Account != "551" {
		t.Fatalf("payments = %+v, %v", pays, err)
	}
	run, err := s.PrepareRun(as("maker"), "MC-2026", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveRun(as("checker"), run.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportResults(ctx, run.ID, resultFile(pays[0].ID, int64(20_000), "PAID")); err != nil {
		t.Fatal(err)
	}
	verify(t, ctx, s)
}
