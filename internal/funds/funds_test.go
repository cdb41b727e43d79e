package funds_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

var key = funds.Key{Year: 2026, Line: "yo-emprendo", Region: "13"}

func setup(t testing.TB) (context.Context, *funds.Store, *db.DB) {
	t.Helper()
	d := dbtest.Open(t)
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "fin", Role: auth.RoleFinance})
	return ctx, funds.New(d), d
}

// verify runs Verify and fails the test on any broken invariant.
func verify(t *testing.T, ctx context.Context, s *funds.Store) {
	t.Helper()
	rep, err := s.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("Verify: %v", rep.Problems)
	}
}

func must(t *testing.T) func(funds.Movement, error) {
	return func(_ funds.Movement, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func bal(t *testing.T, ctx context.Context, s *funds.Store, call string, a funds.Account) int64 {
	t.Helper()
	v, err := s.EnvelopeBalance(ctx, call, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLifeOfMoney(t *testing.T) {
	ctx, s, d := setup(t)
	must(t)(s.Assign(ctx, key, 10_000_000, "Ley de Presupuestos 2026"))
	must(t)(s.Modify(ctx, key, 2_000_000, "decreto"))
	must(t)(s.Modify(ctx, key, -500_000, "decreto"))
	must(t)(s.Allocate(ctx, key, "YE-2026-13", 5_000_000, ""))
	must(t)(s.Move(ctx, "YE-2026-13", funds.KindReserve, 1_300_000, "enrolment 1", ""))
	must(t)(s.Move(ctx, "YE-2026-13", funds.KindCommit, 700_000, "plan 1", ""))
	must(t)(s.Release(ctx, "YE-2026-13", funds.Reserved, 600_000, "drop-out", ""))
	must(t)(s.Move(ctx, "YE-2026-13", funds.KindOrder, 490_000, "payment 1", ""))
	must(t)(s.Move(ctx, "YE-2026-13", funds.KindOrder, 210_000, "payment 2", ""))
	must(t)(s.Move(ctx, "YE-2026-13", funds.KindReject, 210_000, "payment 2", "bank: closed account"))
	must(t)(s.Move(ctx, "YE-2026-13", funds.KindConfirm, 490_000, "payment 1", ""))
	must(t)(s.Move(ctx, "YE-2026-13", funds.KindJustify, 400_000, "receipts", ""))
	must(t)(s.Move(ctx, "YE-2026-13", funds.KindRecover, 50_000, "unspent", ""))
	verify(t, ctx, s)

	want := map[funds.Account]int64{funds.Envelope: 3_700_000 + 600_000, funds.Reserved: 0, funds.Committed: 210_000,
		funds.Ordered: 0, funds.Paid: 40_000, funds.Justified: 400_000, funds.Recovered: 50_000}
	for a, w := range want {
		if got := bal(t, ctx, s, "YE-2026-13", a); got != w {
			t.Errorf("%s = %d, want %d", a, got, w)
		}
	}
	rows, err := s.Balances(ctx, funds.Filter{Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Assigned != 11_500_000 || rows[0].Unallocated != 6_500_000 || rows[0].Paid != 40_000 {
		t.Errorf("balances = %+v", rows)
	}
	ms, err := s.Movements(ctx, "YE-2026-13")
	if err != nil || len(ms) != 10 {
		t.Fatalf("movements = %d, %v", len(ms), err)
	}
	// Every movement is in the audit trail, with who made it.
	recs, err := audit.List(ctx, d, audit.Filter{Entity: "funds_movement", Limit: 100})
	if err != nil || len(recs) != 13 || recs[0].Action != "funds.recover" || recs[0].Actor != "fin" || recs[0].ActorRole != "finance" {
		t.Fatalf("audit = %d entries (%v), newest %+v", len(recs), err, recs[0])
	}

	// Refusals: nothing moves, the ledger stays whole.
	for name, tc := range map[string]struct {
		err  error
		code string
		key  string
	}{
		"overdraw envelope": {second(s.Move(ctx, "YE-2026-13", funds.KindReserve, 5_000_000, "", "")), fosis.ECONFLICT, "funds.err.insufficient"},
		"justify unpaid":    {second(s.Move(ctx, "YE-2026-13", funds.KindJustify, 50_000, "", "")), fosis.ECONFLICT, "funds.err.insufficient"},
		"cut below alloc":   {second(s.Modify(ctx, key, -7_000_000, "")), fosis.ECONFLICT, "funds.err.insufficient"},
		"no envelope":       {second(s.Move(ctx, "NOPE", funds.KindReserve, 1, "", "")), fosis.ENOTFOUND, "funds.err.no_envelope"},
		"zero":              {second(s.Move(ctx, "YE-2026-13", funds.KindReserve, 0, "", "")), fosis.EINVALID, "funds.err.amount"},
		"bad year":          {second(s.Assign(ctx, funds.Key{Year: 26, Line: "x", Region: "13"}, 1, "")), fosis.EINVALID, "funds.err.year"},
		"no budget":         {second(s.Modify(ctx, funds.Key{Year: 2027, Line: "x", Region: "13"}, 1, "")), fosis.ENOTFOUND, "funds.err.no_budget"},
		"other budget":      {second(s.Allocate(ctx, funds.Key{Year: 2026, Line: "other", Region: "13"}, "YE-2026-13", 1, "")), fosis.ENOTFOUND, "funds.err.no_budget"},
	} {
		t.Run(name, func(t *testing.T) {
			var fe *fosis.Error
			if !asErr(tc.err, &fe) || fe.Code != tc.code || fe.Key != tc.key {
				t.Fatalf("err = %v, want %s %s", tc.err, tc.code, tc.key)
			}
		})
	}
	verify(t, ctx, s)
}

func second(_ funds.Movement, err error) error { return err }

func asErr(err error, fe **fosis.Error) bool {
	e, ok := err.(*fosis.Error)
	if ok {
		*fe = e
	}
	return ok
}

func TestAppendOnly(t *testing.T) {
	ctx, s, d := setup(t)
	must(t)(s.Assign(ctx, key, 1000, ""))
	for _, q := range []string{
		"UPDATE funds_entries SET amount = amount + 1",
		"DELETE FROM funds_entries",
		"UPDATE funds_movements SET amount = amount + 1",
		"DELETE FROM funds_movements",
	} {
		if _, err := d.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
	verify(t, ctx, s)
}

func TestScope(t *testing.T) {
	ctx, s, _ := setup(t)
	must(t)(s.Assign(ctx, key, 1000, ""))
	must(t)(s.Assign(ctx, funds.Key{Year: 2026, Line: "yo-emprendo", Region: "05"}, 1000, ""))
	must(t)(s.Allocate(ctx, key, "C13", 100, ""))
	reg := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "r", Role: auth.RoleRegional, RegionCode: "05"})
	rows, err := s.Balances(reg, funds.Filter{})
	if err != nil || len(rows) != 1 || rows[0].Budget.Region != "05" {
		t.Errorf("regional balances = %+v, %v", rows, err)
	}
	// Another region's envelope answers exactly as a call without one.
	_, other := s.Movements(reg, "C13")
	_, none := s.Movements(reg, "NONE")
	if fosis.ErrorCode(other) != fosis.ENOTFOUND || fosis.ErrorMessage(other) != strings.Replace(fosis.ErrorMessage(none), "NONE", "C13", 1) {
		t.Errorf("regional reads another region's envelope: %v (a missing one: %v)", other, none)
	}
	if rows, err := s.Balances(reg, funds.Filter{Region: "13"}); err != nil || len(rows) != 0 {
		t.Errorf("regional balances of region 13 = %+v, %v", rows, err)
	}
	if _, err := s.Assign(reg, key, 1, ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("regional moves money: %v", err)
	}
	ag := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "a", Role: auth.RoleAgency})
	if _, err := s.Balances(ag, funds.Filter{}); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("agency reads budgets: %v", err)
	}
	if _, err := s.Balances(context.Background(), funds.Filter{}); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("no principal: %v", err)
	}
	verify(t, ctx, s)
}

// TestNeverOverspent races 50 commitments, then 50 payment orders, for the
// last pesos: exactly as many succeed as the money covers, the rest are
// refused as insufficient, and the ledger stays whole (run on both engines).
func TestNeverOverspent(t *testing.T) {
	ctx, s, _ := setup(t)
	must(t)(s.Assign(ctx, key, 1000, ""))
	must(t)(s.Allocate(ctx, key, "RACE", 1000, ""))
	must(t)(s.Move(ctx, "RACE", funds.KindReserve, 1000, "", ""))
	race := func(kind funds.Kind, amount int64) (ok, refused int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Move(ctx, "RACE", kind, amount, "", "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case fosis.ErrorCode(err) == fosis.ECONFLICT:
					refused++
				default:
					t.Errorf("%s: %v", kind, err)
				}
			}()
		}
		wg.Wait()
		return
	}
	if ok, refused := race(funds.KindCommit, 30); ok != 33 || refused != 17 {
		t.Errorf("commitments: %d made, %d refused; want 33 and 17", ok, refused)
	}
	if got := bal(t, ctx, s, "RACE", funds.Reserved); got != 10 {
		t.Errorf("reserved = %d, want 10", got)
	}
	if ok, refused := race(funds.KindOrder, 40); ok != 24 || refused != 26 {
		t.Errorf("payments: %d ordered, %d refused; want 24 and 26", ok, refused)
	}
	if got := bal(t, ctx, s, "RACE", funds.Committed); got != 30 {
		t.Errorf("committed = %d, want 30", got)
	}
	verify(t, ctx, s)
}
