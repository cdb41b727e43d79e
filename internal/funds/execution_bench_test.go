package funds_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkLedger builds a ledger of FOSIS_BENCH_ENTRIES entries (default
// 1,000,000; the figure is 10,000,000) in bulk — a year of
// movements spread over 16 regions × 10 programme lines, one envelope each,
// two entries per movement chained per account as post writes them — and
// then measures, on that ledger:
//
//   - balance: one envelope account's balance (target ≤ 20 ms);
//   - execution_year: the year's execution report by line, region and
//     month (target ≤ 5 s);
//   - execution_month: one month's report.
//
// The build is not timed. Run it on both engines:
//
//	FOSIS_BENCH_ENTRIES=10000000 go test -run '^$' -bench Ledger -benchtime 5x -timeout 2h ./internal/funds/
//	FOSIS_TEST_DB=postgres FOSIS_BENCH_ENTRIES=10000000 go test -run '^$' -bench Ledger -benchtime 5x -timeout 2h ./internal/funds/
func BenchmarkLedger(b *testing.B) {
	n := envInt("FOSIS_BENCH_ENTRIES", 1_000_000)
	ctx, s, d := setup(b)
	const year, regions, lines = 2026, 16, 10
	start := time.Now()
	calls := make([]string, 0, regions*lines)
	for r := 1; r <= regions; r++ {
		for l := 0; l < lines; l++ {
			k := funds.Key{Year: year, Line: fmt.Sprintf("line-%d", l), Region: strconv.Itoa(r)}
			if _, err := s.Assign(ctx, k, int64(n)*1_000, ""); err != nil {
				b.Fatal(err)
			}
			call := fmt.Sprintf("C-%d-%d", r, l)
			if _, err := s.Allocate(ctx, k, call, int64(n)*100, ""); err != nil {
				b.Fatal(err)
			}
			calls = append(calls, call)
		}
	}
	type env struct{ budget, id int64 }
	envs := map[string]env{}
	rows, err := d.QueryContext(ctx, `SELECT e.call_code, e.budget_id, e.id FROM funds_envelopes e`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var c string
		var e env
		if err := rows.Scan(&c, &e.budget, &e.id); err != nil {
			b.Fatal(err)
		}
		envs[c] = e
	}
	rows.Close()
	var first int64
	if err := d.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM funds_movements`).Scan(&first); err != nil {
		b.Fatal(err)
	}
	// Movements cycle through the kinds the report sums; each moves 7 pesos
	// from one account to the next, at an instant spread over the year.
	kinds := []funds.Kind{funds.KindReserve, funds.KindCommit, funds.KindOrder, funds.KindConfirm, funds.KindJustify}
	accts := []funds.Account{funds.Envelope, funds.Reserved, funds.Committed, funds.Ordered, funds.Paid, funds.Justified}
	moves := n / 2
	yearStart := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).Sub(yearStart)
	err = d.Transact(ctx, func(tx *db.Tx) error {
		src := &db.FuncSource{N: moves, Cols: 9, Fill: func(i int, v []any) error {
			e := envs[calls[i%len(calls)]]
			at := yearStart.Add(time.Duration(int64(span) / int64(moves) * int64(i)))
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8] = first+int64(i)+1, string(kinds[(i/len(calls))%len(kinds)]), e.budget, e.id, int64(7), "", "", d.Time(at), "bench"
			return nil
		}}
		if _, err := tx.CopyFrom(ctx, "funds_movements", []string{"id", "kind", "budget_id", "envelope_id", "amount", "ref", "note", "at", "actor"}, src); err != nil {
			return err
		}
		seq := map[[2]int64]int64{} // (envelope, account) → last seq
		src = &db.FuncSource{N: 2 * moves, Cols: 7, Fill: func(j int, v []any) error {
			i := j / 2
			e := envs[calls[i%len(calls)]]
			k := (i / len(calls)) % len(kinds)
			a, amt := accts[k], int64(-7)
			if j%2 == 1 {
				a, amt = accts[k+1], 7
			}
			key := [2]int64{e.id, int64(len(a))*100 + int64(a[0])}
			seq[key]++
			v[0], v[1], v[2], v[3], v[4], v[5], v[6] = first+int64(i)+1, e.budget, e.id, string(a), seq[key]+1_000_000, amt, int64(n)*100
			return nil
		}}
		_, err := tx.CopyFrom(ctx, "funds_entries", []string{"movement_id", "budget_id", "envelope_id", "account", "seq", "amount", "balance_after"}, src)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Analyze(ctx, "funds_entries", "funds_movements"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: built a ledger of %d entries (%d movements) in %s", d.Engine, 2*moves, moves, time.Since(start).Round(time.Second))

	b.Run("balance", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.EnvelopeBalance(ctx, calls[i%len(calls)], funds.Committed); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(2*moves), "entries")
	})
	b.Run("execution_year", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			rep, err := s.Execution(ctx, funds.ExecFilter{Year: year})
			if err != nil {
				b.Fatal(err)
			}
			if len(rep.Lines) != regions*lines || rep.Total.Paid == 0 {
				b.Fatalf("report: %d lines, paid %d", len(rep.Lines), rep.Total.Paid)
			}
		}
		b.ReportMetric(float64(2*moves), "entries")
	})
	b.Run("execution_month", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Execution(ctx, funds.ExecFilter{Year: year, Month: 6}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(2*moves), "entries")
	})
}

// BenchmarkMicrocreditMonth reports a month of FOSIS_BENCH_LOANS loans
// (default 200,000) as one CSV from one institution — every row checked:
// RUN, dates, band, agreement, the borrower's bracket, duplicates in the
// file and against the stored loans — stores them, and settles the month
// (the ledger's reserve and commit). Target ≤ 60 s. The borrowers' lookup
// is an in-memory map here: in production it is the registry and the
// latest scoring run (cli's borrowersHook), which this does not measure.
//
//	go test -run '^$' -bench MicrocreditMonth -benchtime 1x ./internal/funds/
//	FOSIS_TEST_DB=postgres go test -run '^$' -bench MicrocreditMonth -benchtime 1x ./internal/funds/
func BenchmarkMicrocreditMonth(b *testing.B) {
	n := envInt("FOSIS_BENCH_LOANS", 200_000)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ctx, s, _ := mcSetup(b, int64(n)*40_000, int64(n)*40_000, 0, "banco")
		brackets := make(map[int64]int, n)
		var csv strings.Builder
		csv.WriteString("run,amount,placed_on,term_months,business_since\n")
		for k := 0; k < n; k++ {
			body := int64(5_000_000 + k)
			brackets[body] = 40
			fmt.Fprintf(&csv, "%s,%d,2026-03-%02d,12,2020-01-01\n", rut.Format(body), 100_000+k%900_000, 1+k%28)
		}
		s.Borrowers = borrowers(brackets)
		data := csv.String()
		b.StartTimer()
		rep, err := s.ImportLoansCSV(ctx, "banco", strings.NewReader(data), "bench.csv")
		if err != nil {
			b.Fatal(err)
		}
		st, err := s.Settle(ctx, "banco", "2026-03")
		if err != nil {
			b.Fatal(err)
		}
		if rep.Stored != n || st.Loans != int64(n) {
			b.Fatalf("stored %d, settled %d", rep.Stored, st.Loans)
		}
	}
	b.ReportMetric(float64(n), "loans")
}
