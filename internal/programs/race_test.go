package programs_test

import (
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/programs"
)

// The concurrency tests fire many requests at once at one state transition
// and check the invariants that must hold whatever the interleaving: one
// success per transition, places within quotas, one decision per
// application, an envelope never overdrawn, an audit chain that verifies.
// They matter on PostgreSQL (FOSIS_TEST_DB=postgres), where transactions
// really run side by side; on SQLite they check the same on one writer.

const racers = 30

// race runs fn in n goroutines released together and returns how many
// succeeded and how many were refused as conflicts; other errors fail t.
func race(t *testing.T, n int, fn func(g int) error) (ok, conflicts int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	for g := range n {
		wg.Go(func() {
			<-start
			err := fn(g)
			mu.Lock()
			defer mu.Unlock()
			switch fosis.ErrorCode(err) {
			case "":
				ok++
			case fosis.ECONFLICT:
				conflicts++
			default:
				t.Errorf("goroutine %d: %v", g, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, conflicts
}

// twoCommunes returns the two communes with the most households.
func (f *fixture) twoCommunes() (string, string) {
	count := map[string]int{}
	for _, h := range f.hh {
		count[h.CommuneCode]++
	}
	cs := make([]string, 0, len(count))
	for c := range count {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if count[cs[i]] != count[cs[j]] {
			return count[cs[i]] > count[cs[j]]
		}
		return cs[i] < cs[j]
	})
	return cs[0], cs[1]
}

// selectedCall makes a call of two communes with 5 places each, applies
// every head of both, closes it and runs the selection.
func (f *fixture) selectedCall(t *testing.T, code string) (*programs.Call, string, string) {
	t.Helper()
	a, b := f.twoCommunes()
	c := f.openCall(t, programs.CallInput{Code: code, Title: "Race", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 10 * 575_000,
		Communes: map[string]int{a: 5, b: 5}, Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "any", NameES: "a", NameEN: "a", Expr: "true"}}}})
	for _, cc := range []string{a, b} {
		heads := f.heads(cc)
		if len(heads) < 8 {
			t.Fatalf("only %d households in %s", len(heads), cc)
		}
		for _, run := range heads {
			if _, err := f.st.Apply(f.ctx, c.Code, programs.ApplyInput{RUN: run}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := f.st.SetStatus(f.ctx, c.Code, programs.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.RunSelection(f.ctx, c.Code); err != nil {
		t.Fatal(err)
	}
	return c, a, b
}

// checkInvariants checks a selected call: places held (selected and
// enrolled) within each commune's quota, one participation per enrolled
// application and none for the others, the envelope equal to what was
// enrolled and within the budget, waiting lists numbered 1, 2, … per
// region, and the audit chain.
func (f *fixture) checkInvariants(t *testing.T, c *programs.Call) {
	t.Helper()
	all, err := f.st.Applications(f.ctx, c.Code, "")
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]int{}
	wait := map[string][]int{}
	enrolled := 0
	for _, a := range all {
		switch a.Status {
		case programs.AppSelected, programs.AppEnrolled:
			held[a.Commune]++
		case programs.AppWaitlisted:
			wait[a.Region] = append(wait[a.Region], a.WaitPos)
		}
		var parts int
		if err := f.st.DB().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM participations WHERE application = ?`, a.ID).Scan(&parts); err != nil {
			t.Fatal(err)
		}
		if a.Status == programs.AppEnrolled {
			enrolled++
		}
		if want := map[bool]int{true: 1, false: 0}[a.Status == programs.AppEnrolled]; parts != want {
			t.Errorf("application %d is %s with %d participations", a.ID, a.Status, parts)
		}
	}
	for commune, quota := range c.Communes {
		if held[commune] > quota {
			t.Errorf("commune %s: %d places held, quota %d", commune, held[commune], quota)
		}
	}
	for region, pos := range wait {
		sort.Ints(pos)
		for k, p := range pos {
			if p != k+1 {
				t.Errorf("region %s: waiting list positions %v", region, pos)
				break
			}
		}
	}
	c2, err := f.st.Call(f.ctx, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	if c2.CommittedCLP != int64(enrolled)*c2.AmountCLP || c2.CommittedCLP > c2.BudgetCLP || c2.CommittedCLP < 0 {
		t.Errorf("envelope: committed %d for %d enrolled of %d, budget %d", c2.CommittedCLP, enrolled, c2.AmountCLP, c2.BudgetCLP)
	}
	f.checkAudit(t)
}

func (f *fixture) checkAudit(t *testing.T) {
	t.Helper()
	rep, err := audit.Verify(f.ctx, f.st.DB())
	if err != nil || !rep.OK {
		t.Errorf("audit chain: %+v, %v", rep, err)
	}
}

// count returns a COUNT(*) query's answer.
func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.st.DB().QueryRowContext(f.ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWithdrawConcurrently: many withdrawals of the same selected
// applications (three at once for each) succeed once each, and the places
// they free go to as many waitlisted applicants, within the quotas.
func TestWithdrawConcurrently(t *testing.T) {
	f := newFixture(t, 400)
	c, _, _ := f.selectedCall(t, "race-withdraw")
	sel, _ := f.st.Applications(f.ctx, c.Code, programs.AppSelected)
	wait, _ := f.st.Applications(f.ctx, c.Code, programs.AppWaitlisted)
	if len(sel) != 10 || len(wait) < 10 {
		t.Fatalf("selected %d, waitlisted %d", len(sel), len(wait))
	}
	var mu sync.Mutex
	promoted := map[int64]int{}
	ok, conflicts := race(t, racers, func(g int) error {
		p, err := f.st.Withdraw(f.ctx, sel[g%len(sel)].ID, "race")
		if p != nil {
			mu.Lock()
			promoted[p.ID]++
			mu.Unlock()
		}
		return err
	})
	if ok != len(sel) || conflicts != racers-len(sel) {
		t.Errorf("%d withdrawals succeeded, %d refused; want %d, %d", ok, conflicts, len(sel), racers-len(sel))
	}
	for id, n := range promoted {
		if n != 1 {
			t.Errorf("application %d promoted %d times", id, n)
		}
	}
	for _, a := range sel {
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'application.withdraw' AND entity_id = ?`, itoa(a.ID)); n != 1 {
			t.Errorf("application %d: %d withdrawal audit entries", a.ID, n)
		}
	}
	if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'application.promote'`); n != len(promoted) {
		t.Errorf("%d promotion audit entries for %d promoted", n, len(promoted))
	}
	f.checkInvariants(t, c)
}

// TestWithdrawAndEnrollConcurrently: withdrawals and enrolments of the same
// selected applications, and withdrawals of different ones, at once: each
// application gets one decision, promotions never exceed the quotas.
func TestWithdrawAndEnrollConcurrently(t *testing.T) {
	f := newFixture(t, 400)
	c, _, _ := f.selectedCall(t, "race-mixed")
	sel, _ := f.st.Applications(f.ctx, c.Code, programs.AppSelected)
	ok, _ := race(t, racers, func(g int) error {
		a := sel[g%len(sel)]
		if g%3 == 0 {
			_, err := f.st.Enroll(f.ctx, a.ID, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
			return err
		}
		_, err := f.st.Withdraw(f.ctx, a.ID, "race")
		return err
	})
	if ok != len(sel) {
		t.Errorf("%d decisions for %d applications", ok, len(sel))
	}
	for _, a := range sel {
		n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action IN ('application.withdraw', 'application.enroll') AND entity_id = ?`, itoa(a.ID))
		if n != 1 {
			t.Errorf("application %d: %d decisions", a.ID, n)
		}
	}
	f.checkInvariants(t, c)
}

// TestRunSelectionConcurrently: one selection per call, however many ask.
func TestRunSelectionConcurrently(t *testing.T) {
	f := newFixture(t, 1500)
	a, b := f.twoCommunes()
	c := f.openCall(t, programs.CallInput{Code: "race-select", Title: "Race", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 10 * 575_000,
		Communes: map[string]int{a: 5, b: 5}, Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "any", NameES: "a", NameEN: "a", Expr: "true"}}}})
	for _, run := range append(f.heads(a), f.heads(b)...) {
		if _, err := f.st.Apply(f.ctx, c.Code, programs.ApplyInput{RUN: run}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.SetStatus(f.ctx, c.Code, programs.StatusClosed); err != nil {
		t.Fatal(err)
	}
	ok, conflicts := race(t, racers, func(int) error {
		_, err := f.st.RunSelection(f.ctx, c.Code)
		return err
	})
	if ok != 1 || conflicts != racers-1 {
		t.Errorf("%d selections ran, %d refused", ok, conflicts)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM selections s JOIN calls c ON c.id = s.call WHERE c.code = ?`, c.Code); n != 1 {
		t.Errorf("%d selection records", n)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.select' AND entity_id = ?`, c.Code); n != 1 {
		t.Errorf("%d selection audit entries", n)
	}
	if _, err := f.st.VerifySelection(f.ctx, c.Code); err != nil {
		t.Error(err)
	}
	f.checkInvariants(t, c)
}

// TestCallTransitionsConcurrently: each move of a call's lifecycle (open,
// close, publish) happens once however many ask at once.
func TestCallTransitionsConcurrently(t *testing.T) {
	f := newFixture(t, 400)
	a, _ := f.twoCommunes()
	in := programs.CallInput{Code: "race-status", Title: "Race", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 5 * 575_000,
		Communes: map[string]int{a: 5}, Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "any", NameES: "a", NameEN: "a", Expr: "true"}}}}
	if _, err := f.st.CreateCall(f.ctx, in); err != nil {
		t.Fatal(err)
	}
	step := func(status string) {
		t.Helper()
		ok, conflicts := race(t, racers, func(int) error {
			_, err := f.st.SetStatus(f.ctx, in.Code, status)
			return err
		})
		if ok != 1 || conflicts != racers-1 {
			t.Errorf("%s: %d moves succeeded, %d refused", status, ok, conflicts)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity_id = ?`, "call."+status, in.Code); n != 1 {
			t.Errorf("%s: %d audit entries", status, n)
		}
	}
	step(programs.StatusOpen)
	// Applications racing the close: each is either in before the close
	// (and then in the selection) or refused.
	heads := f.heads(a)
	var applied int
	var mu sync.Mutex
	race(t, len(heads)+1, func(g int) error {
		if g == len(heads) {
			step(programs.StatusClosed)
			return nil
		}
		_, err := f.st.Apply(f.ctx, in.Code, programs.ApplyInput{RUN: heads[g]})
		if err == nil {
			mu.Lock()
			applied++
			mu.Unlock()
		}
		return err
	})
	if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'application.submit' AND seq > (SELECT seq FROM audit_log WHERE action = 'call.closed' AND entity_id = ?)`, in.Code); n != 0 {
		t.Errorf("%d applications accepted after the call closed", n)
	}
	rec, err := f.st.RunSelection(f.ctx, in.Code)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Applicants) != applied {
		t.Errorf("the selection ranked %d applicants, %d applications were accepted", len(rec.Applicants), applied)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM applications a JOIN calls c ON c.id = a.call WHERE c.code = ? AND a.status = ?`, in.Code, programs.AppSubmitted); n != 0 {
		t.Errorf("%d applications left out of the selection", n)
	}
	step(programs.StatusPublished)
	f.checkAudit(t)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
