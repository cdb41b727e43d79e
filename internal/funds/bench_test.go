package funds_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/db"
)

// BenchmarkEnvelopeBalance reads one account's balance of an envelope whose
// ledger holds FOSIS_BENCH_ENTRIES entries (default 1,000,000), written in
// bulk: the read is one probe of funds_entries_chain (budget, envelope,
// account, seq) for the newest seq, so its cost does not grow with the
// ledger.
//
//	go test -run '^$' -bench EnvelopeBalance ./internal/funds/
func BenchmarkEnvelopeBalance(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("FOSIS_BENCH_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	ctx, s, d := setup(b)
	if _, err := s.Assign(ctx, key, int64(n)*10, ""); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Allocate(ctx, key, "BENCH", int64(n)*10, ""); err != nil {
		b.Fatal(err)
	}
	// n entries alternating between reserved and committed, chained as post
	// writes them, all pointing at one movement (the benchmark reads
	// balances only; Verify would name them).
	err := d.Transact(ctx, func(tx *db.Tx) error {
		var mid, env, bud int64
		if err := tx.QueryRowContext(ctx, `SELECT id, envelope_id, budget_id FROM funds_movements ORDER BY id DESC LIMIT 1`).Scan(&mid, &env, &bud); err != nil {
			return err
		}
		var res, com int64
		src := &db.FuncSource{N: n, Cols: 7, Fill: func(i int, v []any) error {
			acc, seq := "reserved", int64(i/2+1)
			var bal int64
			if i%2 == 1 {
				com += 7
				acc, bal = "committed", com
			} else {
				res += 7
				bal = res
			}
			v[0], v[1], v[2], v[3], v[4], v[5], v[6] = mid, bud, env, acc, seq, int64(7), bal
			return nil
		}}
		_, err := tx.CopyFrom(ctx, "funds_entries", []string{"movement_id", "budget_id", "envelope_id", "account", "seq", "amount", "balance_after"}, src)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Analyze(ctx, "funds_entries"); err != nil {
		b.Fatal(err)
	}
	want := int64((n+1)/2) * 7
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := s.EnvelopeBalance(ctx, "BENCH", funds.Reserved)
		if err != nil {
			b.Fatal(err)
		}
		if v != want {
			b.Fatalf("reserved = %d, want %d", v, want)
		}
	}
	b.ReportMetric(float64(n), "entries")
}
