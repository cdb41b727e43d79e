package funds_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/db"
)

// BenchmarkPayRun is a payment run of FOSIS_BENCH_PAYMENTS payments
// (default 50,000) spread over 50 calls' envelopes: prepared, approved by a
// second officer (the ledger's order movements), its bank batch file
// written with the default layout to a file, then the bank's result file
// imported (confirm and reject movements). The payments themselves are
// bulk-loaded before the clock starts. It prints each step's time.
//
//	go test -run '^$' -bench PayRun -benchtime 1x ./internal/funds/
func BenchmarkPayRun(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("FOSIS_BENCH_PAYMENTS")); err == nil && v > 0 {
		n = v
	}
	const calls = 50
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ctx, s, d := setup(b)
		for c := range calls {
			fundedCall(b, ctx, s, fmt.Sprintf("BENCH-%02d", c), int64(n/calls+1)*500_000)
		}
		err := d.Transact(ctx, func(tx *db.Tx) error {
			src := &db.FuncSource{N: n, Cols: 13, Fill: func(k int, v []any) error {
				v[0], v[1], v[2], v[3] = fmt.Sprintf("bench:%d", k), fmt.Sprintf("BENCH-%02d", k%calls), "tranche", "plan "+strconv.Itoa(k)
				v[4], v[5], v[6], v[7], v[8] = "Participante Número "+strconv.Itoa(k), "12345678-5", "012", "vista", strconv.Itoa(10_000_000+k)
				v[9], v[10], v[11], v[12] = int64(180_000+k%320_000), "ready", "bench", d.Time(tx.Now)
				return nil
			}}
			_, err := tx.CopyFrom(ctx, "funds_payments", []string{"idem_key", "call_code", "purpose", "ref", "payee_name", "payee_tax_id",
				"bank_code", "account_kind", "account_number", "amount", "state", "created_by", "created_at"}, src)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Analyze(ctx, "funds_payments"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		run, err := s.PrepareRun(ctx, "", "bench")
		if err != nil || run.Count != int64(n) {
			b.Fatalf("prepare: %+v, %v", run, err)
		}
		t1 := time.Now()
		if _, err := s.ApproveRun(as("checker"), run.ID); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		path := filepath.Join(b.TempDir(), "batch.txt")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		c, err := s.ExportRun(ctx, run.ID, funds.DefaultLayout(), f)
		if err != nil || c.Count != int64(n) {
			b.Fatalf("export: %+v, %v", c, err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		b.StopTimer()
		_, ps, err := s.Run(ctx, run.ID)
		if err != nil {
			b.Fatal(err)
		}
		var res bytes.Buffer
		res.WriteString("payment;amount;status;reason\n")
		var sum int64
		for k, p := range ps {
			if k%50 == 7 {
				fmt.Fprintf(&res, "%d;%d;REJECTED;R04\n", p.ID, p.Amount)
			} else {
				fmt.Fprintf(&res, "%d;%d;PAID;\n", p.ID, p.Amount)
			}
			sum += p.Amount
		}
		fmt.Fprintf(&res, "TOTAL;%d;%d;\n", sum, len(ps))
		b.StartTimer()
		t4 := time.Now()
		out, err := s.ImportResults(ctx, run.ID, res.Bytes())
		if err != nil || out.Paid+out.Rejected != n {
			b.Fatalf("import: %+v, %v", out, err)
		}
		t5 := time.Now()
		b.StopTimer()
		st, _ := os.Stat(path)
		b.Logf("%s, %d payments in %d envelopes: prepare %v, approve (ledger) %v, batch file (%d bytes) %v; run total %v; result import %v",
			d.Engine, n, calls, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), st.Size(), t3.Sub(t2).Round(time.Millisecond),
			t3.Sub(t0).Round(time.Millisecond), t5.Sub(t4).Round(time.Millisecond))
		rep, err := s.Verify(ctx)
		if err != nil || !rep.OK() {
			b.Fatalf("verify: %v %v", rep.Problems, err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n), "payments")
}
