package funds_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// as returns ctx's background with another finance officer signed in.
func as(name string) context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{Username: name, Role: auth.RoleFinance})
}

// fundedCall gives call an envelope with committed money (pesos).
func fundedCall(t testing.TB, ctx context.Context, s *funds.Store, call string, committed int64) {
	t.Helper()
	k := funds.Key{Year: 2026, Line: "pay-" + strings.ToLower(call), Region: "13"}
	for _, step := range []func() error{
		func() error { _, err := s.Assign(ctx, k, committed+1_000_000, ""); return err },
		func() error { _, err := s.Allocate(ctx, k, call, committed+1_000_000, ""); return err },
		func() error { _, err := s.Move(ctx, call, funds.KindReserve, committed, "", ""); return err },
		func() error { _, err := s.Move(ctx, call, funds.KindCommit, committed, "", ""); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
}

var payee = funds.Payee{Name: "María José Pérez Núñez", TaxID: "12.345.678-5", Bank: "012", AccountKind: "vista", Account: "12345678"}

func newPayment(t testing.TB, ctx context.Context, s *funds.Store, key, call string, amount int64) funds.Payment {
	t.Helper()
	pm, created, err := s.CreatePayment(ctx, funds.NewPayment{Key: key, Call: call, Purpose: funds.PurposeTranche, Ref: "plan 1", Payee: payee, Amount: amount})
	if err != nil || !created {
		t.Fatalf("CreatePayment %s: %v (created %v)", key, err, created)
	}
	return pm
}

// resultFile writes a bank result file: payment id → "PAID" or a reason.
func resultFile(rows ...any) []byte {
	var b strings.Builder
	b.WriteString("payment;amount;status;reason\n")
	var n, sum int64
	for i := 0; i+2 < len(rows)+1 && i < len(rows); i += 3 {
		id, amount, outcome := rows[i].(int64), rows[i+1].(int64), rows[i+2].(string)
		if outcome == "PAID" {
			fmt.Fprintf(&b, "%d;%d;PAID;\n", id, amount)
		} else {
			fmt.Fprintf(&b, "%d;%d;REJECTED;%s\n", id, amount, outcome)
		}
		n++
		sum += amount
	}
	fmt.Fprintf(&b, "TOTAL;%d;%d;\n", sum, n)
	return []byte(b.String())
}

func keyOf(err error) string {
	if e, ok := err.(*fosis.Error); ok {
		return e.Key
	}
	return fmt.Sprint(err)
}

func auditCount(t *testing.T, ctx context.Context, d *db.DB) int {
	t.Helper()
	recs, err := audit.List(ctx, d, audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

func TestPaymentRunLife(t *testing.T) {
	ctx, s, d := setup(t)
	checker := as("checker")
	fundedCall(t, ctx, s, "YE-2026-13", 2_000_000)

	p1 := newPayment(t, ctx, s, "plan:1/tranche:1", "YE-2026-13", 500_000)
	p2 := newPayment(t, ctx, s, "plan:2/tranche:1", "YE-2026-13", 700_000)
	p3 := newPayment(t, ctx, s, "plan:3/tranche:1", "YE-2026-13", 300_000)
	if p1.Payee.TaxID != "12345678-5" || p1.State != funds.PaymentReady {
		t.Errorf("payment = %+v", p1)
	}
	// The same key again is the same payment; with another amount, a clash.
	again, created, err := s.CreatePayment(ctx, funds.NewPayment{Key: "plan:1/tranche:1", Call: "YE-2026-13", Purpose: funds.PurposeTranche, Ref: "plan 1", Payee: payee, Amount: 500_000})
	if err != nil || created || again.ID != p1.ID {
		t.Errorf("replay: %+v created %v, %v", again, created, err)
	}
	if _, _, err := s.CreatePayment(ctx, funds.NewPayment{Key: "plan:1/tranche:1", Call: "YE-2026-13", Purpose: funds.PurposeTranche, Payee: payee, Amount: 1}); keyOf(err) != "funds.err.pay_key_used" {
		t.Errorf("clash: %v", err)
	}
	_, _, err = s.CreatePayment(ctx, funds.NewPayment{Key: "", Call: "YE-2026-13", Purpose: "gift", Payee: funds.Payee{TaxID: "12.345.678-9", Bank: "12", AccountKind: "x", Account: "abc"}})
	if fe, ok := err.(*fosis.Error); !ok || fe.Code != fosis.EINVALID || len(fe.Fields) != 8 {
		t.Errorf("bad payment: %v", err)
	}
	if _, _, err := s.CreatePayment(ctx, funds.NewPayment{Key: "k", Call: "NOPE", Purpose: funds.PurposeTranche, Payee: payee, Amount: 1}); keyOf(err) != "funds.err.no_envelope" {
		t.Errorf("no envelope: %v", err)
	}

	run, err := s.PrepareRun(ctx, "", "March tranches")
	if err != nil || run.Count != 3 || run.Total != 1_500_000 || run.State != funds.RunPrepared {
		t.Fatalf("PrepareRun = %+v, %v", run, err)
	}
	if _, err := s.PrepareRun(ctx, "", ""); keyOf(err) != "funds.err.run_empty" {
		t.Errorf("empty run: %v", err)
	}
	// Maker-checker: who prepared it cannot approve it.
	if _, err := s.ApproveRun(ctx, run.ID); fosis.ErrorCode(err) != fosis.EFORBIDDEN || keyOf(err) != "funds.err.run_maker_checker" {
		t.Errorf("maker approves: %v", err)
	}
	// The bank file cannot be written before approval.
	if _, err := s.ExportRun(checker, run.ID, funds.DefaultLayout(), &bytes.Buffer{}); keyOf(err) != "funds.err.run_not_approved" {
		t.Errorf("export before approval: %v", err)
	}
	run, err = s.ApproveRun(checker, run.ID)
	if err != nil || run.State != funds.RunApproved || run.ApprovedBy != "checker" {
		t.Fatalf("ApproveRun = %+v, %v", run, err)
	}
	if got := bal(t, ctx, s, "YE-2026-13", funds.Committed); got != 500_000 {
		t.Errorf("committed = %d", got)
	}
	if got := bal(t, ctx, s, "YE-2026-13", funds.Ordered); got != 1_500_000 {
		t.Errorf("ordered = %d", got)
	}
	if _, err := s.ApproveRun(as("third"), run.ID); keyOf(err) != "funds.err.run_state" {
		t.Errorf("second approval: %v", err)
	}
	verify(t, ctx, s)

	// The default layout: header, three details, trailer, 150 characters each.
	var file bytes.Buffer
	c, err := s.ExportRun(ctx, run.ID, funds.DefaultLayout(), &file)
	if err != nil || c.Count != 3 || c.Total != 1_500_000 {
		t.Fatalf("ExportRun = %+v, %v", c, err)
	}
	lines := strings.Split(strings.TrimSuffix(file.String(), "\r\n"), "\r\n")
	if len(lines) != 5 {
		t.Fatalf("file has %d lines:\n%s", len(lines), file.String())
	}
	for i, l := range lines {
		if len(l) != 150 {
			t.Errorf("line %d has %d characters: %q", i+1, len(l), l)
		}
	}
	if !strings.HasPrefix(lines[4], "T00000003000000001500000") || !strings.Contains(lines[1], "MARIA JOSE PEREZ NUNEZ") ||
		!strings.Contains(lines[1], "0123456785") {
		t.Errorf("file:\n%s", file.String())
	}

	// A bad result file is refused whole, every bad row named.
	before := auditCount(t, ctx, d)
	bad := resultFile(p1.ID, int64(500_000), "PAID", p2.ID, int64(1), "PAID", int64(999), int64(5), "PAID", p3.ID, int64(300_000), "")
	_, err = s.ImportResults(ctx, run.ID, bad)
	fe, ok := err.(*fosis.Error)
	if !ok || fe.Code != fosis.EINVALID {
		t.Fatalf("bad file: %v", err)
	}
	var named []string
	for _, f := range fe.Fields {
		named = append(named, f.Field+" "+f.Key)
	}
	if want := "line 5 funds.err.res_reason"; len(named) != 1 || named[0] != want {
		t.Errorf("bad file names %v, want %s", named, want)
	}
	bad = resultFile(p1.ID, int64(500_000), "PAID", p2.ID, int64(1), "PAID", int64(999), int64(5), "PAID")
	_, err = s.ImportResults(ctx, run.ID, bad)
	fe, _ = err.(*fosis.Error)
	named = nil
	for _, f := range fe.Fields {
		named = append(named, f.Field+" "+f.Key)
	}
	if want := []string{"line 3 funds.err.res_amount", "line 4 funds.err.res_not_in_run"}; fmt.Sprint(named) != fmt.Sprint(want) {
		t.Errorf("bad file names %v, want %v", named, want)
	}
	if _, err := s.ImportResults(ctx, run.ID, []byte("payment;amount;status;reason\n1;5;PAID;\nTOTAL;6;1;\n")); keyOf(err) != "funds.err.res_control" {
		t.Errorf("control totals: %v", err)
	}
	if got := auditCount(t, ctx, d); got != before {
		t.Errorf("a refused file wrote %d audit entries", got-before)
	}

	good := resultFile(p1.ID, int64(500_000), "PAID", p2.ID, int64(700_000), "PAID", p3.ID, int64(300_000), "R04 cuenta cerrada")
	res, err := s.ImportResults(ctx, run.ID, good)
	if err != nil || res.Paid != 2 || res.Rejected != 1 || !res.Closed {
		t.Fatalf("ImportResults = %+v, %v", res, err)
	}
	for a, w := range map[funds.Account]int64{funds.Ordered: 0, funds.Paid: 1_200_000, funds.Committed: 800_000} {
		if got := bal(t, ctx, s, "YE-2026-13", a); got != w {
			t.Errorf("%s = %d, want %d", a, got, w)
		}
	}
	verify(t, ctx, s)
	// Importing the same file again changes nothing.
	before = auditCount(t, ctx, d)
	res, err = s.ImportResults(ctx, run.ID, good)
	if err != nil || res.Unchanged != 3 || res.Paid+res.Rejected != 0 {
		t.Errorf("second import = %+v, %v", res, err)
	}
	if got := auditCount(t, ctx, d); got != before {
		t.Errorf("a second import wrote %d audit entries", got-before)
	}
	// A contradicting answer is refused.
	if _, err := s.ImportResults(ctx, run.ID, resultFile(p1.ID, int64(500_000), "R01")); keyOf(err) != "funds.err.res_contradicts" {
		t.Errorf("contradiction: %v", err)
	}
	got, _ := s.Payment(ctx, p3.ID)
	if got.State != funds.PaymentRejected || got.BankReason != "R04 cuenta cerrada" {
		t.Errorf("rejected payment = %+v", got)
	}

	// Re-issue the rejected payment to a corrected account.
	if _, err := s.Reissue(ctx, p1.ID, nil); keyOf(err) != "funds.err.pay_not_rejected" {
		t.Errorf("reissue a paid payment: %v", err)
	}
	fixed := payee
	fixed.Bank, fixed.AccountKind, fixed.Account = "001", "checking", "00-123-45678-09"
	re, err := s.Reissue(ctx, p3.ID, &fixed)
	if err != nil || re.ReissueOf != p3.ID || re.State != funds.PaymentReady || re.Payee.Account != "001234567809" || re.Amount != 300_000 {
		t.Fatalf("Reissue = %+v, %v", re, err)
	}
	if _, err := s.Reissue(ctx, p3.ID, nil); keyOf(err) != "funds.err.pay_not_rejected" {
		t.Errorf("reissue twice: %v", err)
	}
	run2, err := s.PrepareRun(checker, "YE-2026-13", "re-issues")
	if err != nil || run2.Count != 1 {
		t.Fatalf("second run = %+v, %v", run2, err)
	}
	if _, err := s.ApproveRun(ctx, run2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportResults(ctx, run2.ID, resultFile(re.ID, int64(300_000), "PAID")); err != nil {
		t.Fatal(err)
	}
	for a, w := range map[funds.Account]int64{funds.Ordered: 0, funds.Paid: 1_500_000, funds.Committed: 500_000} {
		if got := bal(t, ctx, s, "YE-2026-13", a); got != w {
			t.Errorf("after re-issue %s = %d, want %d", a, got, w)
		}
	}
	verify(t, ctx, s)

	// Every step is in the audit trail.
	recs, err := audit.List(ctx, d, audit.Filter{Entity: "funds_payrun", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range recs {
		actions = append(actions, r.Action)
	}
	if want := "funds.payrun_import funds.payrun_approve funds.payrun_prepare funds.payrun_import funds.payrun_export funds.payrun_approve funds.payrun_prepare"; strings.Join(actions, " ") != want {
		t.Errorf("audit = %v", actions)
	}
}

// TestRunOverspend: a run whose payments exceed an envelope's committed
// money is refused whole; nothing is ordered.
func TestRunOverspend(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedCall(t, ctx, s, "A", 1000)
	fundedCall(t, ctx, s, "B", 1000)
	newPayment(t, ctx, s, "a1", "A", 600)
	newPayment(t, ctx, s, "b1", "B", 600)
	newPayment(t, ctx, s, "b2", "B", 600)
	run, err := s.PrepareRun(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveRun(as("checker"), run.ID); keyOf(err) != "funds.err.run_overspends" || !strings.Contains(err.Error(), "call B") {
		t.Errorf("overspending run: %v", err)
	}
	if got := bal(t, ctx, s, "A", funds.Ordered); got != 0 {
		t.Errorf("A ordered %d", got)
	}
	r, _, _ := s.Run(ctx, run.ID)
	if r.State != funds.RunPrepared {
		t.Errorf("run is %s", r.State)
	}
	verify(t, ctx, s)
}

// TestRunApprovalRace fires 30 approvals of one run at once (each by a
// different checker): exactly one wins, the others are refused, and the
// payments are ordered once (both engines).
func TestRunApprovalRace(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedCall(t, ctx, s, "RACE", 100_000)
	for i := range 10 {
		newPayment(t, ctx, s, fmt.Sprintf("race-%d", i), "RACE", 5_000)
	}
	run, err := s.PrepareRun(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ApproveRun(as(fmt.Sprintf("checker%d", i)), run.ID)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case keyOf(err) == "funds.err.run_state":
				refused++
			default:
				t.Errorf("approval: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || refused != 29 {
		t.Errorf("%d approvals won, %d refused; want 1 and 29", ok, refused)
	}
	if got := bal(t, ctx, s, "RACE", funds.Ordered); got != 50_000 {
		t.Errorf("ordered = %d, want 50000", got)
	}
	verify(t, ctx, s)
}

// TestResultImportRace fires 20 imports of one run's result files at once:
// ten say every payment was paid, ten that it was rejected. The first
// import decides; the same answer again changes nothing, the contrary one
// is refused; the ledger moves once (both engines).
func TestResultImportRace(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedCall(t, ctx, s, "RACE", 100_000)
	var paid, rejected []any
	for i := range 5 {
		p := newPayment(t, ctx, s, fmt.Sprintf("race-%d", i), "RACE", 10_000)
		paid = append(paid, p.ID, int64(10_000), "PAID")
		rejected = append(rejected, p.ID, int64(10_000), "R01")
	}
	run, err := s.PrepareRun(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveRun(as("checker"), run.ID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	changed, unchanged, contradicted := map[bool]int{}, 0, map[bool]int{}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			isPaid := i%2 == 0
			file := resultFile(rejected...)
			if isPaid {
				file = resultFile(paid...)
			}
			res, err := s.ImportResults(ctx, run.ID, file)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && res.Unchanged == 5:
				unchanged++
			case err == nil:
				changed[isPaid]++
			case keyOf(err) == "funds.err.res_contradicts":
				contradicted[isPaid]++
			default:
				t.Errorf("import: %v", err)
			}
		}()
	}
	wg.Wait()
	if changed[true]+changed[false] != 1 || unchanged != 9 || contradicted[true]+contradicted[false] != 10 {
		t.Errorf("changed %v, unchanged %d, contradicted %v; want one change, 9 unchanged, 10 contradicted", changed, unchanged, contradicted)
	}
	paidBal, committed := bal(t, ctx, s, "RACE", funds.Paid), bal(t, ctx, s, "RACE", funds.Committed)
	if !(paidBal == 50_000 && committed == 50_000) && !(paidBal == 0 && committed == 100_000) {
		t.Errorf("paid %d, committed %d: the ledger moved more than once", paidBal, committed)
	}
	verify(t, ctx, s)
}

// TestPrepareRace: 20 runs prepared at once share no payment.
func TestPrepareRace(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedCall(t, ctx, s, "RACE", 100_000)
	for i := range 20 {
		newPayment(t, ctx, s, fmt.Sprintf("race-%d", i), "RACE", 1_000)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := int64(0)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.PrepareRun(ctx, "", "")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				total += r.Count
			} else if keyOf(err) != "funds.err.run_empty" {
				t.Errorf("prepare: %v", err)
			}
		}()
	}
	wg.Wait()
	if total != 20 {
		t.Errorf("runs gathered %d payments, want 20", total)
	}
	verify(t, ctx, s)
}

func TestLayouts(t *testing.T) {
	csvLayout := `
name: banco-csv
format: csv
separator: ";"
line_end: lf
detail:
  - {name: rut, source: tax_id}
  - {name: nombre, source: name, upper: true}
  - {name: banco, source: bank}
  - {name: cuenta, source: account}
  - {name: monto, source: amount}
  - {name: pago, source: payment}
trailer:
  - {name: tipo, source: literal, value: TOTAL}
  - {name: cantidad, source: count}
  - {name: suma, source: total}
`
	l, err := funds.ParseLayout([]byte(csvLayout))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	ps := []funds.Payment{{ID: 7, Payee: funds.Payee{Name: "Ana; Núñez", TaxID: "12345678-5", Bank: "012", Account: "99"}, Amount: 1500}}
	if _, err := funds.WriteBatch(&b, l, 1, testDate, ps); err != nil {
		t.Fatal(err)
	}
	if want := "rut;nombre;banco;cuenta;monto;pago\n12345678-5;\"ANA; NUNEZ\";012;99;1500;7\nTOTAL;1;1500\n"; b.String() != want {
		t.Errorf("csv file:\n%s\nwant:\n%s", b.String(), want)
	}
	// Every problem of a layout is named.
	_, err = funds.ParseLayout([]byte(`{"name": "x", "format": "fixed", "detail": [
		{"name": "a", "source": "count", "width": 3},
		{"name": "b", "source": "nonsense", "width": 3},
		{"name": "c", "source": "name"},
		{"name": "d", "source": "literal", "value": "TOOLONG", "width": 2},
		{"name": "e", "source": "amount", "width": 5, "truncate": true}]}`))
	fe, ok := err.(*fosis.Error)
	if !ok {
		t.Fatalf("bad layout: %v", err)
	}
	var named []string
	for _, f := range fe.Fields {
		named = append(named, f.Field+" "+f.Key)
	}
	want := []string{"detail[1] funds.err.layout_source_record", "detail[2] funds.err.layout_source", "detail[3] funds.err.layout_width",
		"detail[4] funds.err.layout_literal", "detail[5] funds.err.layout_truncate", "detail funds.err.layout_detail_id", "trailer funds.err.layout_control"}
	if fmt.Sprint(named) != fmt.Sprint(want) {
		t.Errorf("layout problems:\n%v\nwant\n%v", named, want)
	}
	if _, err := funds.ParseLayout([]byte(`{"format": "fixed", "detail": [], "colour": 1}`)); keyOf(err) != "funds.err.layout_syntax" {
		t.Errorf("unknown key: %v", err)
	}
	// A value longer than its field refuses the file.
	short := funds.DefaultLayout()
	short.Detail[4].Truncate = false
	ps[0].Payee.Name = strings.Repeat("X", 41)
	var e bytes.Buffer
	if _, err := funds.WriteBatch(&e, short, 1, testDate, ps); err == nil || !strings.Contains(err.Error(), "payment 7") {
		t.Errorf("too long: %v", err)
	}
}

func TestParseResults(t *testing.T) {
	rows, err := funds.ParseResults([]byte("\xef\xbb\xbfPayment,Status,Amount,Reason\r\n1,pagado,10,\r\n2,RECHAZADO,20,R01\r\nTOTAL,2,30,\r\n"))
	if err != nil || len(rows) != 2 || !rows[0].Paid || rows[1].Paid || rows[1].Reason != "R01" || rows[1].Line != 3 {
		t.Errorf("rows = %+v, %v", rows, err)
	}
	for name, tc := range map[string]struct{ file, key string }{
		"no header":     {"", "funds.err.res_empty"},
		"missing cols":  {"payment;amount\n", "funds.err.res_column"},
		"no control":    {"payment;amount;status;reason\n1;10;PAID;\n", "funds.err.res_no_control"},
		"after control": {"payment;amount;status;reason\nTOTAL;0;0;\n1;10;PAID;\n", "funds.err.res_after_control"},
		"duplicate":     {"payment;amount;status;reason\n1;10;PAID;\n1;10;PAID;\nTOTAL;20;2;\n", "funds.err.res_duplicate"},
		"status":        {"payment;amount;status;reason\n1;10;MAYBE;\nTOTAL;10;1;\n", "funds.err.res_status"},
		"amount":        {"payment;amount;status;reason\n1;-3;PAID;\nTOTAL;-3;1;\n", "funds.err.res_amount_syntax"},
		"empty":         {"payment;amount;status;reason\nTOTAL;0;0;\n", "funds.err.res_empty"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := funds.ParseResults([]byte(tc.file)); keyOf(err) != tc.key {
				t.Errorf("err = %v, want %s", err, tc.key)
			}
		})
	}
}

// FuzzParseResults: the result file's parser never panics, and what it
// accepts adds up to its control row.
func FuzzParseResults(f *testing.F) {
	f.Add([]byte("payment;amount;status;reason\n1;10;PAID;\n2;20;REJECTED;R01\nTOTAL;30;2;\n"))
	f.Add([]byte("payment,amount,status,reason\n\"1\",\"10\",\"PAID\",\"\"\nTOTAL,10,1,\n"))
	f.Add([]byte("payment;amount;status;reason\n1;10;PAID;\nTOTAL;10;x;\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := funds.ParseResults(data)
		if err != nil {
			if _, ok := err.(*fosis.Error); !ok {
				t.Fatalf("not a keyed refusal: %v", err)
			}
			return
		}
		seen := map[int64]bool{}
		for _, r := range rows {
			if r.Payment <= 0 || r.Amount <= 0 || seen[r.Payment] || (!r.Paid && r.Reason == "") {
				t.Fatalf("accepted a bad row %+v", r)
			}
			seen[r.Payment] = true
		}
	})
}

// TestCancelRun: a run refused at approval is cancelled; its payments go
// back to ready and a new run takes them; an approved run cannot be.
func TestCancelRun(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedCall(t, ctx, s, "A", 1000)
	newPayment(t, ctx, s, "a1", "A", 600)
	newPayment(t, ctx, s, "a2", "A", 600)
	run, err := s.PrepareRun(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveRun(as("checker"), run.ID); keyOf(err) != "funds.err.run_overspends" {
		t.Fatalf("approve: %v", err)
	}
	r, err := s.CancelRun(ctx, run.ID)
	if err != nil || r.State != funds.RunClosed || r.CancelledBy != "fin" || r.Count != 0 {
		t.Fatalf("cancel = %+v, %v", r, err)
	}
	if _, err := s.CancelRun(ctx, run.ID); keyOf(err) != "funds.err.run_not_prepared" {
		t.Errorf("cancel twice: %v", err)
	}
	ps, _ := s.Payments(ctx, funds.PaymentFilter{State: funds.PaymentReady})
	if len(ps) != 2 {
		t.Errorf("ready payments = %d", len(ps))
	}
	run2, err := s.PrepareRun(ctx, "", "")
	if err != nil || run2.Count != 2 {
		t.Fatalf("second run = %+v, %v", run2, err)
	}
	verify(t, ctx, s)
}

// TestIdempotencyRace sends one payment 30 times at once under one key:
// exactly one is recorded, the others answer it; then 20 re-issues of one
// rejected payment at once make one new payment (both engines).
func TestIdempotencyRace(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedCall(t, ctx, s, "RACE", 100_000)
	np := funds.NewPayment{Key: "plan:9/1", Call: "RACE", Purpose: funds.PurposeTranche, Payee: payee, Amount: 40_000}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, replayed := 0, 0
	ids := map[int64]bool{}
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pm, c, err := s.CreatePayment(ctx, np)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("create: %v", err)
			case c:
				created++
			default:
				replayed++
			}
			ids[pm.ID] = true
		}()
	}
	wg.Wait()
	if created != 1 || replayed != 29 || len(ids) != 1 {
		t.Errorf("%d created, %d replayed, %d ids; want 1, 29, 1", created, replayed, len(ids))
	}
	run, err := s.PrepareRun(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveRun(as("checker"), run.ID); err != nil {
		t.Fatal(err)
	}
	var id int64
	for k := range ids {
		id = k
	}
	if _, err := s.ImportResults(ctx, run.ID, resultFile(id, int64(40_000), "R01")); err != nil {
		t.Fatal(err)
	}
	ok, refused := 0, 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Reissue(ctx, id, nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case keyOf(err) == "funds.err.pay_not_rejected":
				refused++
			default:
				t.Errorf("reissue: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || refused != 19 {
		t.Errorf("%d re-issues, %d refused; want 1 and 19", ok, refused)
	}
	verify(t, ctx, s)
}
