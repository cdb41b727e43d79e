package programs_test

import (
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/programs"
)

// TestInvitationCall: a call of a line that takes no applications
// (Habitabilidad) refuses an application; its selection invites the
// eligible households of its territory — as many as the preview counts —
// gives the places to the best-ranked within the quota, waitlists the rest,
// and verify recomputes it.
func TestInvitationCall(t *testing.T) {
	f := newFixture(t, 300)
	c := f.openCall(t, programs.CallInput{Code: "habitabilidad-2026", Title: "Habitabilidad", Program: "habitabilidad",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 2 * 313_626, Communes: map[string]int{f.main: 2},
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "scored", NameES: "Con puntaje", NameEN: "Scored", Expr: "scored"}}}})
	if !c.Invitation {
		t.Fatal("a Habitabilidad call is not an invitation call")
	}
	_, err := f.st.Apply(f.ctx, c.Code, programs.ApplyInput{RUN: f.heads(f.main)[0]})
	if fosis.ErrorCode(err) != fosis.ECONFLICT || !strings.Contains(err.Error(), "invitation call") {
		t.Fatalf("apply to an invitation call: %v", err)
	}
	preview, err := f.st.PreviewCall(f.ctx, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, pc := range preview.Communes {
		if pc.Code == f.main {
			want = pc.Eligible
		}
	}
	if want < 3 {
		t.Fatalf("the fixture needs 3 eligible households in %s, has %d", f.main, want)
	}
	if _, err := f.st.SetStatus(f.ctx, c.Code, programs.StatusClosed); err != nil {
		t.Fatal(err)
	}
	rec, err := f.st.RunSelection(f.ctx, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(rec.Applicants)) != want {
		t.Fatalf("invited %d households, the preview counts %d eligible", len(rec.Applicants), want)
	}
	// The places go to the best-ranked: bracket, then percentile, then the lottery.
	type key struct {
		bracket int
		pct     float64
		lottery string
	}
	keys := map[int64]key{}
	for _, a := range rec.Applicants {
		if !a.Eligible || a.Commune != f.main {
			t.Errorf("invitation %d: eligible %v, commune %s", a.ID, a.Eligible, a.Commune)
		}
		keys[a.ID] = key{a.Bracket, a.Percentile, a.Lottery}
	}
	less := func(a, b key) bool {
		if a.bracket != b.bracket {
			return a.bracket < b.bracket
		}
		if a.pct != b.pct {
			return a.pct < b.pct
		}
		return a.lottery < b.lottery
	}
	var selected, waiting []int64
	for _, p := range rec.Placements {
		if p.Selected() {
			selected = append(selected, p.ID)
		} else if p.Seat == programs.SeatWaitlist {
			waiting = append(waiting, p.ID)
		}
	}
	if len(selected) != 2 || int64(len(waiting)) != want-2 {
		t.Fatalf("selected %d, waitlisted %d of %d", len(selected), len(waiting), want)
	}
	for _, s := range selected {
		for _, w := range waiting {
			if less(keys[w], keys[s]) {
				t.Errorf("waitlisted %d ranks before selected %d", w, s)
			}
		}
	}
	apps, err := f.st.Applications(f.ctx, c.Code, "")
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, a := range apps {
		if !a.Invited {
			t.Errorf("application %d is not an invitation", a.ID)
		}
		n[a.Status]++
	}
	if n[programs.AppSelected] != 2 || int64(n[programs.AppWaitlisted]) != want-2 {
		t.Errorf("statuses: %v", n)
	}
	if _, err := f.st.VerifySelection(f.ctx, c.Code); err != nil {
		t.Errorf("verify: %v", err)
	}
	// An ordinary call still takes applications.
	o := f.openCall(t, programs.CallInput{Code: "semilla-2026", Title: "Semilla", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 575_000, Communes: map[string]int{f.main: 1}})
	if o.Invitation {
		t.Error("a Semilla call is an invitation call")
	}
	if _, err := f.st.Apply(f.ctx, o.Code, programs.ApplyInput{RUN: f.heads(f.main)[0]}); err != nil {
		t.Errorf("apply to an ordinary call: %v", err)
	}
}

// TestInvitationNeedsHouseholdLine: only a household line can be filled by
// invitation; the seeded lines that take no applications are marked.
func TestInvitationNeedsHouseholdLine(t *testing.T) {
	marked := map[string]bool{}
	for _, p := range programs.Catalogue() {
		marked[p.Code] = p.Spec.Invitation
		if p.Spec.Invitation {
			p.Unit = programs.UnitPerson
			if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "household line") {
				t.Errorf("%s as a person line by invitation: %v", p.Code, err)
			}
		}
	}
	for code, want := range map[string]bool{"puente": true, "familias": true, "habitabilidad": true, "autoconsumo": true, "yo-emprendo-semilla": false} {
		if marked[code] != want {
			t.Errorf("%s: invitation %v", code, marked[code])
		}
	}
}
