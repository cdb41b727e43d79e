package funds_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

const call = "YE-2026-13"

var (
	pngFile = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	pdfFile = []byte("%PDF-1.4\n1 0 obj << >> endobj\n")
)

func regional(region string) context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{Username: "reg" + region, Role: auth.RoleRegional, RegionCode: region})
}

func finance(name string) context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{Username: name, Role: auth.RoleFinance})
}

// envelope assigns the budget line and allocates amount to the call.
func envelope(t *testing.T, ctx context.Context, s *funds.Store, amount int64) {
	t.Helper()
	must(t)(s.Assign(ctx, key, 100_000_000, "Ley de Presupuestos 2026"))
	must(t)(s.Allocate(ctx, key, call, amount, ""))
}

func enrol(ctx context.Context, d *db.DB, s *funds.Store, caseID, amount int64) error {
	return d.Transact(ctx, func(tx *db.Tx) error {
		return s.OnEnrol(ctx, tx, funds.Enrolment{Participation: caseID + 1000, CaseID: caseID, Call: call, Line: "yo-emprendo", Version: 1,
			Region: "13", Commune: "13101", HouseholdID: fmt.Sprintf("H%d", caseID), RUN: "12345678-5", Amount: amount})
	})
}

func approve(ctx context.Context, d *db.DB, s *funds.Store, caseID int64, version int, lines ...funds.PlanLine) error {
	var total int64
	for _, l := range lines {
		total += l.Amount
	}
	return d.Transact(ctx, func(tx *db.Tx) error {
		return s.OnPlanApproved(ctx, tx, funds.PlanApproval{CaseID: caseID, PlanID: caseID*10 + int64(version), Version: version, Kind: "business",
			Lines: lines, Total: total, On: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	})
}

func receipt(number string, amount int64, line int) funds.ReceiptInput {
	return funds.ReceiptInput{DocType: "factura", DocNumber: number, SupplierRUT: "76.086.428-5", IssuedOn: "2026-03-10", Amount: amount,
		PlanLine: line, FileName: "f.png", File: bytes.NewReader(pngFile)}
}

func code(err error) string { return fosis.ErrorCode(err) }

func money(t *testing.T, ctx context.Context, s *funds.Store, caseID int64) funds.Money {
	t.Helper()
	pm, err := s.Participant(ctx, caseID, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("Participant(%d): %v", caseID, err)
	}
	return pm.Money
}

func TestParticipantMoney(t *testing.T) {
	ctx, s, d := setup(t)
	envelope(t, ctx, s, 5_000_000)
	reg := regional("13")

	// Enrolment reserves the line's amount, once.
	for i := 0; i < 2; i++ {
		if err := enrol(ctx, d, s, 1, 700_000); err != nil {
			t.Fatal(err)
		}
	}
	if got := bal(t, ctx, s, call, funds.Reserved); got != 700_000 {
		t.Fatalf("reserved = %d after enrolling twice, want 700,000", got)
	}
	verify(t, ctx, s)

	// A plan above the line's amount is refused; one within it commits.
	if err := approve(ctx, d, s, 1, 1, funds.PlanLine{Item: "horno", Amount: 800_000}); code(err) != fosis.ECONFLICT {
		t.Fatalf("plan above the line: %v, want conflict", err)
	}
	if err := approve(ctx, d, s, 1, 1, funds.PlanLine{Item: "horno", Amount: 400_000}, funds.PlanLine{Item: "harina", Amount: 200_000}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(funds.Money{Amount: 700_000, Reserved: 100_000, Committed: 600_000, Planned: 600_000}, money(t, ctx, s, 1)); diff != "" {
		t.Errorf("after approval (-want +got):\n%s", diff)
	}
	verify(t, ctx, s)

	// The second tranche is not due; the first is ordered once, paid.
	if _, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 2}); code(err) != fosis.ECONFLICT {
		t.Fatalf("order tranche 2 first: %v, want conflict", err)
	}
	if _, err := s.OrderTranche(reg, 1, funds.OrderInput{Seq: 1}); code(err) != fosis.EFORBIDDEN {
		t.Fatalf("a regional officer orders: %v, want forbidden", err)
	}
	y, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1, Key: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if y.Amount != 420_000 || y.Status != funds.PayOrdered || y.PayeeRUT != "12345678-5" {
		t.Fatalf("payment = %+v", y)
	}
	again, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1, Key: "k1"})
	if err != nil || again.ID != y.ID {
		t.Fatalf("the same order again: %+v, %v; want payment %d", again, err, y.ID)
	}
	if _, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1}); code(err) != fosis.ECONFLICT {
		t.Fatalf("order tranche 1 twice: %v, want conflict", err)
	}
	ordered, err := s.OrderedPayments(ctx, 0, 10)
	if err != nil || len(ordered) != 1 {
		t.Fatalf("OrderedPayments = %v, %v", ordered, err)
	}
	if _, err := s.SettlePayment(ctx, y.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SettlePayment(ctx, y.ID, true, ""); code(err) != fosis.ECONFLICT {
		t.Fatalf("settle twice: %v, want conflict", err)
	}
	verify(t, ctx, s)

	// Receipts: accepted, held for overspending the line, held outside the plan.
	r1, err := s.AddReceipt(reg, 1, receipt("100", 300_000, 1))
	if err != nil || r1.Status != funds.ReceiptAccepted {
		t.Fatalf("receipt 1: %+v, %v", r1, err)
	}
	if len(r1.FileSHA256) != 64 || r1.FileType != "image/png" {
		t.Errorf("receipt file: %q %q", r1.FileSHA256, r1.FileType)
	}
	r2, err := s.AddReceipt(reg, 1, receipt("101", 150_000, 1))
	if err != nil || r2.Status != funds.ReceiptHeld || r2.Reason != funds.HeldLineOverspent {
		t.Fatalf("receipt 2: %+v, %v", r2, err)
	}
	in := receipt("102", 120_000, 0)
	in.File = bytes.NewReader(pdfFile)
	r3, err := s.AddReceipt(reg, 1, in)
	if err != nil || r3.Status != funds.ReceiptHeld || r3.Reason != funds.HeldOutsidePlan {
		t.Fatalf("receipt 3: %+v, %v", r3, err)
	}
	if _, err := s.AddReceipt(reg, 1, receipt("100", 1_000, 1)); code(err) != fosis.ECONFLICT {
		t.Errorf("a receipt recorded twice: %v, want conflict", err)
	}
	bad := receipt("x y", 0, 9)
	bad.SupplierRUT, bad.IssuedOn, bad.DocType = "76.086.428-4", "2026-13-01", "vale"
	var fe *fosis.Error
	if err := second(funds.Movement{}, func() error { _, err := s.AddReceipt(reg, 1, bad); return err }()); !asErr(err, &fe) || len(fe.Fields) != 5 {
		t.Errorf("a bad receipt: %v, want five fields named", err)
	}
	txt := receipt("103", 1_000, 1)
	txt.File = bytes.NewReader([]byte("just text"))
	if _, err := s.AddReceipt(reg, 1, txt); code(err) != fosis.EINVALID {
		t.Errorf("a text file: %v, want invalid", err)
	}
	if _, err := s.AddReceipt(regional("05"), 1, receipt("104", 1_000, 1)); code(err) != fosis.ENOTFOUND {
		t.Errorf("another region's case: %v, want not found", err)
	}
	verify(t, ctx, s)

	// Review is maker-checker; acceptance never justifies more than paid.
	own, err := s.AddReceipt(ctx, 1, receipt("105", 1_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewReceipt(ctx, own.ID, true, ""); code(err) != fosis.EFORBIDDEN {
		t.Errorf("reviewing one's own receipt: %v, want forbidden", err)
	}
	checker := finance("fin2")
	if _, err := s.ReviewReceipt(checker, own.ID, false, "duplicado"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewReceipt(checker, r2.ID, true, ""); code(err) != fosis.ECONFLICT {
		t.Errorf("accepting more than paid: %v, want conflict", err)
	}
	if _, err := s.ReviewReceipt(checker, r2.ID, false, "sobre el plan"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewReceipt(checker, r3.ID, true, "compra necesaria"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewReceipt(checker, r3.ID, true, ""); code(err) != fosis.ECONFLICT {
		t.Errorf("reviewing twice: %v, want conflict", err)
	}
	name, ftype, content, err := s.ReceiptFile(reg, r3.ID)
	if err != nil || ftype != "application/pdf" || !bytes.Equal(content, pdfFile) || name != "f.png" {
		t.Errorf("ReceiptFile = %q %q %d bytes, %v", name, ftype, len(content), err)
	}
	verify(t, ctx, s)

	// Everything paid is justified: the second tranche falls due. The bank
	// rejects it once; it is ordered again and paid.
	y2, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SettlePayment(ctx, y2.ID, false, ""); code(err) != fosis.EINVALID {
		t.Errorf("a rejection without a reason: %v, want invalid", err)
	}
	if _, err := s.SettlePayment(ctx, y2.ID, false, "cuenta cerrada"); err != nil {
		t.Fatal(err)
	}
	y3, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 2})
	if err != nil || y3.ID == y2.ID {
		t.Fatalf("re-issue: %+v, %v", y3, err)
	}
	if _, err := s.SettlePayment(ctx, y3.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	verify(t, ctx, s)
	if diff := cmp.Diff(funds.Money{Amount: 700_000, Reserved: 100_000, Paid: 180_000, Justified: 420_000, Planned: 600_000, Confirmed: 600_000},
		money(t, ctx, s, 1)); diff != "" {
		t.Errorf("after the second tranche (-want +got):\n%s", diff)
	}

	// Past the deadline, the unjustified 180,000 are flagged once, then recovered.
	later := time.Now().AddDate(1, 0, 0)
	if n, err := s.FlagOverdue(ctx, later); err != nil || n != 1 {
		t.Fatalf("FlagOverdue = %d, %v; want 1", n, err)
	}
	if n, err := s.FlagOverdue(ctx, later); err != nil || n != 0 {
		t.Fatalf("FlagOverdue again = %d, %v; want 0", n, err)
	}
	if _, err := s.Recover(ctx, 1, 200_000, ""); code(err) != fosis.ECONFLICT {
		t.Errorf("recovering more than paid: %v, want conflict", err)
	}
	must(t)(s.Recover(ctx, 1, 180_000, "reintegro"))
	pm, err := s.Participant(ctx, 1, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(pm.Recoveries) != 1 || pm.Recoveries[0].Status != funds.RecoveryRecovered || pm.Recoveries[0].Recovered != 180_000 || pm.Overdue {
		t.Errorf("recoveries = %+v, overdue %v", pm.Recoveries, pm.Overdue)
	}
	if got := pm.Lines; len(got) != 2 || got[0].Justified != 300_000 {
		t.Errorf("plan lines = %+v", got)
	}
	verify(t, ctx, s)

	// The case ends: its remaining reservation goes back to the envelope.
	if err := d.Transact(ctx, func(tx *db.Tx) error { return s.OnCaseClosed(ctx, tx, 1, "graduated") }); err != nil {
		t.Fatal(err)
	}
	if m := money(t, ctx, s, 1); m.Reserved != 0 || m.Released != 100_000 {
		t.Errorf("after closing: %+v", m)
	}
	verify(t, ctx, s)
}

func TestParticipantDropOut(t *testing.T) {
	ctx, s, d := setup(t)
	envelope(t, ctx, s, 1_000_000)
	for c := int64(1); c <= 2; c++ {
		if err := enrol(ctx, d, s, c, 500_000); err != nil {
			t.Fatal(err)
		}
	}
	// The envelope is empty: a third enrolment is refused.
	if err := enrol(ctx, d, s, 3, 500_000); code(err) != fosis.ECONFLICT {
		t.Fatalf("enrolment past the envelope: %v, want conflict", err)
	}
	// Case 1 drops out before its plan, case 2 after it: both release.
	if err := approve(ctx, d, s, 2, 1, funds.PlanLine{Item: "máquina", Amount: 450_000}); err != nil {
		t.Fatal(err)
	}
	// Case 2's first tranche is with the bank when the family drops out.
	y, err := s.OrderTranche(ctx, 2, funds.OrderInput{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	for c := int64(1); c <= 2; c++ {
		if err := d.Transact(ctx, func(tx *db.Tx) error { return s.OnCaseClosed(ctx, tx, c, "exited") }); err != nil {
			t.Fatal(err)
		}
	}
	if got := bal(t, ctx, s, call, funds.Envelope); got != 1_000_000-y.Amount {
		t.Errorf("envelope = %d after two drop-outs, want 1,000,000 less the payment with the bank", got)
	}
	verify(t, ctx, s)
	// The bank rejects it: that money goes back to the envelope too.
	if _, err := s.SettlePayment(ctx, y.ID, false, "cuenta cerrada"); err != nil {
		t.Fatal(err)
	}
	if got := bal(t, ctx, s, call, funds.Envelope); got != 1_000_000 {
		t.Errorf("envelope = %d after the rejection, want 1,000,000", got)
	}
	if _, err := s.OrderTranche(ctx, 2, funds.OrderInput{Seq: 1}); code(err) != fosis.ECONFLICT {
		t.Errorf("ordering for an ended case: %v, want conflict", err)
	}
	if err := approve(ctx, d, s, 2, 2, funds.PlanLine{Item: "máquina", Amount: 450_000}); code(err) != fosis.ECONFLICT {
		t.Errorf("a plan after the case ended: %v, want conflict", err)
	}
	verify(t, ctx, s)
}

func TestTrancheSchedule(t *testing.T) {
	ctx, s, d := setup(t)
	for _, tc := range []struct{ spec, field string }{
		{"70:approval,20:justified", "tranches"},
		{"70:justified,30:approval", "tranches[0].due"},
		{"70:approval,30:later", "tranches[1].due"},
		{"70:approval:bank", "tranches[0].payee"},
		{"0:approval,100:justified", "tranches[0].percent"},
		{"100:approval:participant:0", "tranches[0].justify_days"},
		{"100", "tranches[0]"},
	} {
		_, err := funds.ParseTranches(tc.spec)
		var fe *fosis.Error
		if !asErr(err, &fe) || len(fe.Fields) != 1 || fe.Fields[0].Field != tc.field {
			t.Errorf("ParseTranches(%q) = %v, want a problem in %s", tc.spec, err, tc.field)
		}
	}
	rules, err := funds.ParseTranches("50:approval:participant:60,50:justified:supplier:30")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetTranches(regional("13"), "yo-emprendo", 1, rules); code(err) != fosis.EFORBIDDEN {
		t.Errorf("a regional officer sets tranches: %v", err)
	}
	if err := s.SetTranches(ctx, "yo-emprendo", 1, rules); err != nil {
		t.Fatal(err)
	}
	envelope(t, ctx, s, 1_000_000)
	if err := enrol(ctx, d, s, 1, 500_000); err != nil {
		t.Fatal(err)
	}
	if err := approve(ctx, d, s, 1, 1, funds.PlanLine{Item: "a", Amount: 333_333}); err != nil {
		t.Fatal(err)
	}
	pm, err := s.Participant(ctx, 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(pm.Tranches) != 2 || pm.Tranches[0].Amount != 166_666 || pm.Tranches[1].Amount != 166_667 || pm.Tranches[1].Payee != funds.PayeeSupplier {
		t.Fatalf("tranches = %+v", pm.Tranches)
	}
	// A second plan version re-commits the difference and replaces the tranches.
	if err := approve(ctx, d, s, 1, 2, funds.PlanLine{Item: "a", Amount: 300_000}); err != nil {
		t.Fatal(err)
	}
	y, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1})
	if err != nil || y.Amount != 150_000 {
		t.Fatalf("order = %+v, %v", y, err)
	}
	if _, err := s.SettlePayment(ctx, y.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddReceipt(ctx, 1, receipt("1", 150_000, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 2}); code(err) != fosis.EINVALID {
		t.Errorf("a supplier tranche without the supplier: %v, want invalid", err)
	}
	y, err = s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 2, SupplierRUT: "76086428-5", SupplierName: "Ferretería Sur"})
	if err != nil || y.PayeeKind != funds.PayeeSupplier || y.PayeeRUT != "76086428-5" {
		t.Fatalf("supplier order = %+v, %v", y, err)
	}
	if err := approve(ctx, d, s, 1, 3, funds.PlanLine{Item: "a", Amount: 310_000}); code(err) != fosis.ECONFLICT {
		t.Errorf("a new plan after payments: %v, want conflict", err)
	}
	verify(t, ctx, s)
}

// TestReceiptAcceptanceRace: 30 reviewers accept 30 held receipts of 100
// pesos at once for a participant holding 1,000 paid: exactly 10 are
// accepted, and nothing is justified beyond what was paid.
func TestReceiptAcceptanceRace(t *testing.T) {
	ctx, s, d := setup(t)
	envelope(t, ctx, s, 10_000)
	if err := s.SetTranches(ctx, "yo-emprendo", 1, []funds.TrancheRule{{Percent: 100, Due: funds.DueApproval, Payee: funds.PayeeParticipant, JustifyDays: 30}}); err != nil {
		t.Fatal(err)
	}
	if err := enrol(ctx, d, s, 1, 1_000); err != nil {
		t.Fatal(err)
	}
	if err := approve(ctx, d, s, 1, 1, funds.PlanLine{Item: "a", Amount: 1_000}); err != nil {
		t.Fatal(err)
	}
	y, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SettlePayment(ctx, y.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	reg := regional("13")
	var ids []int64
	for i := 0; i < 30; i++ {
		r, err := s.AddReceipt(reg, 1, receipt(fmt.Sprint(i), 100, 0))
		if err != nil || r.Status != funds.ReceiptHeld {
			t.Fatalf("receipt %d: %+v, %v", i, r, err)
		}
		ids = append(ids, r.ID)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ReviewReceipt(finance("checker"), id, true, "")
			mu.Lock()
			defer mu.Unlock()
			switch code(err) {
			case "":
				ok++
			case fosis.ECONFLICT:
				refused++
			default:
				t.Errorf("review %d: %v", id, err)
			}
		}()
	}
	wg.Wait()
	if ok != 10 || refused != 20 {
		t.Errorf("accepted %d, refused %d; want 10 and 20", ok, refused)
	}
	if m := money(t, ctx, s, 1); m.Justified != 1_000 || m.Paid != 0 {
		t.Errorf("money = %+v", m)
	}
	verify(t, ctx, s)
}

// TestEnrolAndOrderRace: 50 enrolments of one family at once reserve once;
// 50 families racing for the last pesos never overdraw the envelope; 30
// orders of one tranche at once make one payment.
func TestEnrolAndOrderRace(t *testing.T) {
	ctx, s, d := setup(t)
	envelope(t, ctx, s, 1_000)
	race := func(n int, fn func(i int) error) (ok, conflict int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := fn(i)
				mu.Lock()
				defer mu.Unlock()
				switch code(err) {
				case "":
					ok++
				case fosis.ECONFLICT:
					conflict++
				default:
					t.Errorf("%d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		return ok, conflict
	}
	race(50, func(int) error { return enrol(ctx, d, s, 1, 100) })
	if got := bal(t, ctx, s, call, funds.Reserved); got != 100 {
		t.Fatalf("reserved = %d after 50 enrolments of one family, want 100", got)
	}
	var won int64
	var wmu sync.Mutex
	ok, conflict := race(50, func(i int) error {
		err := enrol(ctx, d, s, int64(i+2), 30)
		wmu.Lock()
		if err == nil && won == 0 {
			won = int64(i + 2)
		}
		wmu.Unlock()
		return err
	})
	if ok != 30 || conflict != 20 {
		t.Errorf("enrolments: %d reserved, %d refused; want 30 and 20", ok, conflict)
	}
	if got := bal(t, ctx, s, call, funds.Envelope); got != 0 {
		t.Errorf("envelope = %d, want 0", got)
	}
	if err := approve(ctx, d, s, 1, 1, funds.PlanLine{Item: "a", Amount: 100}); err != nil {
		t.Fatal(err)
	}
	ok, conflict = race(30, func(int) error { _, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1}); return err })
	if ok != 1 || conflict != 29 {
		t.Errorf("orders: %d, refused %d; want 1 and 29", ok, conflict)
	}
	// The same order sent 30 times at once, with its idempotency key: one payment.
	if err := approve(ctx, d, s, won, 1, funds.PlanLine{Item: "a", Amount: 30}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ids := map[int64]bool{}
	ok, conflict = race(30, func(int) error {
		y, err := s.OrderTranche(ctx, won, funds.OrderInput{Seq: 1, Key: "same"})
		mu.Lock()
		ids[y.ID] = true
		mu.Unlock()
		return err
	})
	if ok != 30 || len(ids) != 1 {
		t.Errorf("idempotent orders: %d answered, %d payments; want 30 and 1", ok, len(ids))
	}
	verify(t, ctx, s)
}

// TestParticipantTransitionsRace: 20 at once settle one payment, review one
// receipt, recover one balance, close one case: each happens once, and the
// ledger stays whole.
func TestParticipantTransitionsRace(t *testing.T) {
	ctx, s, d := setup(t)
	envelope(t, ctx, s, 10_000)
	if err := enrol(ctx, d, s, 1, 1_000); err != nil {
		t.Fatal(err)
	}
	if err := approve(ctx, d, s, 1, 1, funds.PlanLine{Item: "a", Amount: 1_000}); err != nil {
		t.Fatal(err)
	}
	y, err := s.OrderTranche(ctx, 1, funds.OrderInput{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	race := func(name string, fn func() error) {
		t.Helper()
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for range 20 {
			wg.Go(func() {
				err := fn()
				mu.Lock()
				codes[code(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[""] != 1 || codes[fosis.ECONFLICT] != 19 {
			t.Errorf("%s: %v; want one success and 19 conflicts", name, codes)
		}
		verify(t, ctx, s)
	}
	race("settle", func() error { _, err := s.SettlePayment(ctx, y.ID, true, ""); return err })
	rc, err := s.AddReceipt(regional("13"), 1, receipt("1", 300, 0))
	if err != nil {
		t.Fatal(err)
	}
	race("review", func() error { _, err := s.ReviewReceipt(finance("checker"), rc.ID, true, ""); return err })
	race("recover", func() error { _, err := s.Recover(ctx, 1, 400, "reintegro"); return err })
	closes := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			err := d.Transact(ctx, func(tx *db.Tx) error { return s.OnCaseClosed(ctx, tx, 1, "exited") })
			if err != nil {
				t.Errorf("close: %v", err)
			}
			mu.Lock()
			closes++
			mu.Unlock()
		})
	}
	wg.Wait()
	if m := money(t, ctx, s, 1); m.Released != 300 || m.Justified != 300 || m.Recovered != 400 || m.Paid != 0 || m.Committed != 0 {
		t.Errorf("money = %+v", m)
	}
	verify(t, ctx, s)
}
