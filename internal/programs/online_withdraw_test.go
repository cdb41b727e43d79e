package programs_test

import (
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/programs"
)

// TestWithdrawOwn: a person withdraws their own submitted application once
// (30 at once: one withdrawal, the rest conflicts); another person's is not
// found, staff are refused, a withdrawn one stays withdrawn.
func TestWithdrawOwn(t *testing.T) {
	f := newFixture(t, 200)
	heads := f.heads(f.main)
	c := f.openCall(t, programs.CallInput{Code: "semilla-retiro", Title: "Semilla", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-12-31", Run: f.run, BudgetCLP: 3 * 575_000,
		Communes: map[string]int{f.main: 3}, Spec: programs.CallSpec{
			Rules: []programs.Rule{{ID: "any", NameES: "Cualquiera", NameEN: "Anyone", Expr: "age >= 0"}},
		}})
	body, err := rut.Parse(heads[0])
	if err != nil {
		t.Fatal(err)
	}
	me := citizen(body)
	a, err := f.st.ApplyOnline(me, c.Code, programs.OnlineApplication{Consent: true, Phone: "+56 9 1234 5678"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != programs.AppSubmitted {
		t.Fatalf("the application is %s, want submitted", a.Status)
	}
	other, _ := rut.Parse(heads[1])
	if _, err := f.st.WithdrawOwn(citizen(other), a.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("another person's withdrawal: %v, want not found", err)
	}
	if _, err := f.st.WithdrawOwn(f.ctx, a.ID); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("staff through the portal's door: %v, want forbidden", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 30)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.st.WithdrawOwn(me, a.ID)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case fosis.ErrorCode(err) != fosis.ECONFLICT:
			t.Errorf("a second withdrawal: %v, want a conflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d withdrawals, want 1", won)
	}
	mine, err := f.st.MyApplications(me)
	if err != nil || len(mine) != 1 || mine[0].Status != programs.AppWithdrawn {
		t.Fatalf("my applications after withdrawing: %+v, %v", mine, err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'application.withdraw' AND actor = 'citizen'`); n != 1 {
		t.Errorf("audited withdrawals: %d, want 1", n)
	}
}
