package funds_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// borrowers is a registry of RUN bodies and their brackets for the tests
// (0: in the registry, not scored).
func borrowers(brackets map[int64]int) funds.BorrowersFunc {
	return func(_ context.Context, runs []int64) (map[int64]funds.Borrower, error) {
		out := map[int64]funds.Borrower{}
		for _, r := range runs {
			if b, ok := brackets[r]; ok {
				out[r] = funds.Borrower{Found: true, Scored: b > 0, Bracket: b}
			}
		}
		return out, nil
	}
}

var mcKey = funds.Key{Year: 2026, Line: "microcredito", Region: "13"}

// mcSetup gives a store with a microcredit envelope of envelope pesos and
// institutions (each with an agreement for 2026 of cap pesos, bands 1–500k
// → 20k and 500,001–2M → 35k).
func mcSetup(t testing.TB, envelope, cap, monthlyCap int64, codes ...string) (context.Context, *funds.Store, *db.DB) {
	t.Helper()
	ctx, s, d := setup(t)
	brackets := map[int64]int{}
	for i := int64(1); i <= 3000; i++ {
		brackets[10_000_000+i] = []int{40, 50, 60}[i%3]
	}
	brackets[9_000_001] = 70
	brackets[9_000_002] = 0
	s.Borrowers = borrowers(brackets)
	if _, err := s.Assign(ctx, mcKey, envelope*2, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Allocate(ctx, mcKey, "MC-2026", envelope, ""); err != nil {
		t.Fatal(err)
	}
	for i, c := range codes {
		if _, err := s.CreateInstitution(ctx, funds.Institution{Code: c, Name: "Institución " + c, Kind: funds.InstitutionKinds[i%3], TaxID: rut.Format(int64(76_000_000 + i))}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAgreement(ctx, funds.Agreement{Institution: c, Call: "MC-2026", StartsOn: "2026-01-01", EndsOn: "2026-12-31", Cap: cap, MonthlyCap: monthlyCap,
			MinBusinessMonths: 6, Bands: []funds.Band{{Min: 1, Max: 500_000, Subsidy: 20_000}, {Min: 500_001, Max: 2_000_000, Subsidy: 35_000}}}); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, s, d
}

func run(i int64) string { return rut.Format(10_000_000 + i) }

func csvOf(rows ...string) string {
	return "run;amount;placed_on;term_months;business_since\n" + strings.Join(rows, "\n") + "\n"
}

func problems(rep *funds.LoanReport) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, fmt.Sprintf("%d %s %s", p.Row, p.Field, p.Key))
	}
	return out
}

func TestMicrocreditLoans(t *testing.T) {
	ctx, s, d := mcSetup(t, 10_000_000, 5_000_000, 0, "fundacion", "cooperativa")
	good := csvOf(run(1)+";300000;2026-03-05;12;2020-01-01", run(2)+";800.000;2026-03-09;24;2025-09-01", run(3)+";450000;2026-04-02;12;2019-05-05")
	rep, err := s.ImportLoansCSV(ctx, "fundacion", strings.NewReader(good), "marzo.csv")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stored != 3 || rep.Subsidy != 75_000 || rep.Again {
		t.Fatalf("report = %+v", rep)
	}
	// The same file again changes nothing.
	again, err := s.ImportLoansCSV(ctx, "fundacion", strings.NewReader(good), "marzo.csv")
	if err != nil || !again.Again || again.Batch != rep.Batch {
		t.Fatalf("again = %+v, %v", again, err)
	}
	loans, err := s.Loans(ctx, "fundacion", funds.LoanFilter{})
	if err != nil || len(loans) != 3 {
		t.Fatalf("loans = %d, %v", len(loans), err)
	}

	// Every bad row named; nothing stored.
	bad := csvOf(
		"12.345.678-0;300000;2026-05-05;12;2020-01-01",           // 1 bad check digit
		rut.Format(9_000_001)+";300000;2026-05-05;12;2020-01-01", // 2 bracket 70
		rut.Format(9_000_002)+";300000;2026-05-05;12;2020-01-01", // 3 not scored
		rut.Format(9_999_999)+";300000;2026-05-05;12;2020-01-01", // 4 not in registry
		run(4)+";3000000;2026-05-05;12;2020-01-01",               // 5 no band
		run(5)+";abc;2026-05-05;x;2020-01-01",                    // 6 amount and term
		run(6)+";300000;2026-05-05;12;2026-01-01",                // 7 business too young
		run(7)+";300000;2027-01-05;12;2020-01-01",                // 8 no agreement
		run(8)+";300000;2026-05-05;12;2020-01-01",                // 9 fine
		run(8)+";300000;2026-05-20;12;2020-01-01",                // 10 same borrower, same month
		run(1)+";300000;2026-03-25;12;2020-01-01",                // 11 already subsidised in March (by fundacion)
	)
	for _, inst := range []string{"fundacion", "cooperativa"} {
		rep, err = s.ImportLoansCSV(ctx, inst, strings.NewReader(bad), "mayo.csv")
		if fosis.ErrorCode(err) != fosis.EINVALID {
			t.Fatalf("%s: err = %v", inst, err)
		}
		want := []string{"1 run funds.mc.err.run", "2 run funds.mc.err.bracket", "3 run funds.mc.err.not_scored", "4 run funds.mc.err.not_in_registry",
			"5 amount funds.mc.err.no_band", "6 amount funds.mc.err.loan_amount", "6 term_months funds.mc.err.term", "7 business_since funds.mc.err.business_young",
			"8 placed_on funds.mc.err.no_agreement", "10 run funds.mc.err.dup_file", "11 run funds.mc.err.dup_stored"}
		if d := cmp.Diff(want, problems(rep)); d != "" {
			t.Errorf("%s: problems (-want +got):\n%s", inst, d)
		}
	}
	if loans, _ := s.Loans(ctx, "fundacion", funds.LoanFilter{}); len(loans) != 3 {
		t.Fatalf("a bad report stored loans: %d", len(loans))
	}

	// The API's report of the same borrower in another month is fine.
	if _, err := s.ReportLoans(ctx, "cooperativa", []funds.LoanInput{{RUN: run(1), Amount: 100_000, PlacedOn: "2026-04-10", TermMonths: 6, BusinessSince: "2020-01-01"}}); err != nil {
		t.Fatal(err)
	}
	// An institution's user sees its own only; another looks missing.
	users := auth.NewStore(d, time.Now)
	u, err := users.CreateUser(ctx, auth.System(), auth.NewUser{Username: "inst", DisplayName: "Inés", Role: auth.RoleInstitution, Password: "una clave larga 123"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddInstitutionStaff(ctx, "cooperativa", u); err != nil {
		t.Fatal(err)
	}
	ictx := auth.WithPrincipal(context.Background(), u.Principal())
	list, err := s.Institutions(ictx)
	if err != nil || len(list) != 1 || list[0].Code != "cooperativa" || list[0].Loans != 1 {
		t.Fatalf("institutions = %+v, %v", list, err)
	}
	if _, err := s.Loans(ictx, "fundacion", funds.LoanFilter{}); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Fatalf("another institution's loans: %v", err)
	}
	if _, err := s.Settle(ictx, "cooperativa", "2026-04"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Fatalf("an institution settles: %v", err)
	}
	regional := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"})
	if _, err := s.Institutions(regional); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Fatalf("regional: %v", err)
	}

	// Settle March: 2 loans, 55,000 committed in the ledger.
	st, err := s.Settle(ctx, "fundacion", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if st.Loans != 2 || st.Owed != 55_000 || st.Amount != 55_000 {
		t.Fatalf("settlement = %+v", st)
	}
	if _, err := s.Settle(ctx, "fundacion", "2026-03"); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Fatalf("second settlement: %v", err)
	}
	if got := bal(t, ctx, s, "MC-2026", funds.Committed); got != 55_000 {
		t.Fatalf("committed = %d", got)
	}
	// A settled month takes no more loans.
	rep, err = s.ReportLoans(ctx, "fundacion", []funds.LoanInput{{RUN: run(9), Amount: 100_000, PlacedOn: "2026-03-30", TermMonths: 6, BusinessSince: "2020-01-01"}})
	if fosis.ErrorCode(err) != fosis.EINVALID || len(rep.Problems) != 1 || rep.Problems[0].Key != "funds.mc.err.month_settled" {
		t.Fatalf("settled month: %+v, %v", rep, err)
	}
	if _, err := s.Settle(ctx, "fundacion", "2099-01"); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Fatalf("open month: %v", err)
	}
	sts, err := s.Settlements(ctx, "fundacion")
	if err != nil || len(sts) != 1 || sts[0].Movement == 0 {
		t.Fatalf("settlements = %+v, %v", sts, err)
	}
	verify(t, ctx, s)
}

func TestMicrocreditCaps(t *testing.T) {
	// Monthly cap 50,000, cap 90,000: March owes 60,000 (3 × 20,000) and
	// gets 50,000; April owes 60,000 and gets the 40,000 left; May gets 0.
	ctx, s, _ := mcSetup(t, 10_000_000, 90_000, 50_000, "banco")
	var loans []funds.LoanInput
	for m := 3; m <= 5; m++ {
		for i := 0; i < 3; i++ {
			loans = append(loans, funds.LoanInput{RUN: run(int64(m*10 + i)), Amount: 200_000, PlacedOn: fmt.Sprintf("2026-%02d-1%d", m, i), TermMonths: 12, BusinessSince: "2020-01-01"})
		}
	}
	if _, err := s.ReportLoans(ctx, "banco", loans); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, m := range []string{"2026-03", "2026-04", "2026-05"} {
		st, err := s.Settle(ctx, "banco", m)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, st.Owed, st.Amount)
	}
	if d := cmp.Diff([]int64{60_000, 50_000, 60_000, 40_000, 60_000, 0}, got); d != "" {
		t.Fatalf("owed, amount (-want +got):\n%s", d)
	}
	verify(t, ctx, s)
}

// TestConcurrentSettlements races 20 settlements of one month (exactly one
// succeeds), then 50: 5 institutions × 10 months, each month owing 60,000,
// with a cap of 200,000 per institution and an envelope of 700,000 for
// all. No institution passes its cap, the envelope is never overspent, and
// the ledger stays whole.
func TestConcurrentSettlements(t *testing.T) {
	codes := []string{"i0", "i1", "i2", "i3", "i4"}
	ctx, s, _ := mcSetup(t, 700_000, 200_000, 0, codes...)
	n := int64(0)
	for _, c := range codes {
		var loans []funds.LoanInput
		for m := 1; m <= 11; m++ {
			for i := 0; i < 3; i++ {
				n++
				loans = append(loans, funds.LoanInput{RUN: run(n), Amount: 100_000, PlacedOn: fmt.Sprintf("2026-%02d-0%d", m, i+1), TermMonths: 12, BusinessSince: "2020-01-01"})
			}
		}
		if _, err := s.ReportLoans(ctx, c, loans); err != nil {
			t.Fatal(err)
		}
	}
	// 20 at once for one month: one settles (60,000), the others are refused.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Settle(ctx, "i0", "2026-11")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if fosis.ErrorCode(err) != fosis.ECONFLICT {
				t.Errorf("settle: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d settlements of one month succeeded", ok)
	}
	paid := map[string]int64{"i0": 60_000}
	refused := 0
	for _, c := range codes {
		for m := 1; m <= 10; m++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := s.Settle(ctx, c, fmt.Sprintf("2026-%02d", m))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if fosis.ErrorCode(err) != fosis.ECONFLICT {
						t.Errorf("settle %s %d: %v", c, m, err)
					}
					refused++
					return
				}
				paid[c] += st.Amount
			}()
		}
	}
	wg.Wait()
	var total int64
	for c, v := range paid {
		if v > 200_000 {
			t.Errorf("%s got %d, above its cap", c, v)
		}
		total += v
	}
	if total > 700_000 {
		t.Errorf("settlements committed %d, above the envelope", total)
	}
	if got := bal(t, ctx, s, "MC-2026", funds.Committed); got != total {
		t.Errorf("committed %d, settlements say %d", got, total)
	}
	if env := bal(t, ctx, s, "MC-2026", funds.Envelope); env < 0 || env+total != 700_000 {
		t.Errorf("envelope %d after %d committed", env, total)
	}
	if total < 600_000 {
		t.Errorf("only %d committed: the envelope should be nearly spent", total)
	}
	verify(t, ctx, s)

}
