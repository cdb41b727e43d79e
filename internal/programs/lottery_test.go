package programs_test

import (
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/programs"
)

// TestLotteryIsPublishedAndVerified: closing a call draws its seed (kept
// with the call and in the close's audit entry), the frozen record carries
// it and every applicant's lottery number, and verify recomputes them: a
// record whose seed was changed no longer verifies.
func TestLotteryIsPublishedAndVerified(t *testing.T) {
	f := newFixture(t, 400)
	c := f.openCall(t, programs.CallInput{Code: "lottery", Title: "Lottery", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 3 * 575_000,
		Communes: map[string]int{f.main: 3}, Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "any", NameES: "a", NameEN: "a", Expr: "true"}}}})
	if c.LotterySeed != "" {
		t.Fatalf("an open call has a seed: %s", c.LotterySeed)
	}
	csv := "run\n" + strings.Join(f.heads(f.main), "\n") + "\n"
	if rep, err := f.st.ImportApplications(f.ctx, c.Code, strings.NewReader(csv), "a.csv"); err != nil || rep.Stored == 0 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	closed, err := f.st.SetStatus(f.ctx, c.Code, programs.StatusClosed)
	if err != nil {
		t.Fatal(err)
	}
	if len(closed.LotterySeed) != 64 {
		t.Fatalf("seed %q", closed.LotterySeed)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.closed' AND entity_id = ? AND after LIKE ?`, c.Code, "%"+closed.LotterySeed+"%"); n != 1 {
		t.Errorf("the close's audit entry does not publish the seed")
	}
	rec, err := f.st.RunSelection(f.ctx, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	if rec.LotterySeed != closed.LotterySeed {
		t.Errorf("record seed %q, call seed %q", rec.LotterySeed, closed.LotterySeed)
	}
	for _, a := range rec.Applicants {
		if a.Lottery != programs.LotteryKey(closed.LotterySeed, a.ID) {
			t.Fatalf("application %d: lottery %s", a.ID, a.Lottery)
		}
	}
	if _, err := f.st.VerifySelection(f.ctx, c.Code); err != nil {
		t.Fatal(err)
	}
	// Another seed in the record: verify refuses it, naming an application.
	if _, err := f.st.DB().ExecContext(f.ctx, `UPDATE selections SET record = REPLACE(record, ?, ?)`,
		`"lottery_seed":"`+closed.LotterySeed, `"lottery_seed":"0`+closed.LotterySeed[1:]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.VerifySelection(f.ctx, c.Code); fosis.ErrorCode(err) != fosis.ECONFLICT || !strings.Contains(err.Error(), "lottery") {
		t.Errorf("verify of a record with another seed: %v", err)
	}
}

// TestRegionalQuotaTakesOtherCommunes: a call with a regional quota takes
// applicants of every commune of the region, who compete for the region's
// pool; a commune of another region stays outside.
func TestRegionalQuotaTakesOtherCommunes(t *testing.T) {
	f := newFixture(t, 400)
	region := f.hh[0].RegionCode
	for _, h := range f.hh {
		if h.CommuneCode == f.main {
			region = h.RegionCode
		}
	}
	var neighbour, outside string
	for _, h := range f.hh {
		switch {
		case h.RegionCode == region && h.CommuneCode != f.main && neighbour == "":
			neighbour = h.CommuneCode
		case h.RegionCode != region && outside == "":
			outside = h.Members[0].RUN
		}
	}
	if neighbour == "" || outside == "" {
		t.Fatal("the fixture needs a second commune in the main region and a household of another region")
	}
	c := f.openCall(t, programs.CallInput{Code: "regional", Title: "Regional", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 40 * 575_000,
		Communes: map[string]int{f.main: 2}, Regions: map[string]int{region: 40},
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "any", NameES: "a", NameEN: "a", Expr: "true"}}}})
	var theirs []int64
	for _, run := range f.heads(neighbour) {
		a, err := f.st.Apply(f.ctx, c.Code, programs.ApplyInput{RUN: run})
		if err != nil {
			t.Fatalf("an applicant of %s (region %s, regional quota, no commune quota): %v", neighbour, region, err)
		}
		theirs = append(theirs, a.ID)
	}
	if _, err := f.st.Apply(f.ctx, c.Code, programs.ApplyInput{RUN: outside}); fosis.ErrorCode(err) != fosis.EINVALID || !strings.Contains(err.Error(), "does not cover") {
		t.Errorf("an applicant of another region: %v", err)
	}
	for _, run := range f.heads(f.main) {
		if _, err := f.st.Apply(f.ctx, c.Code, programs.ApplyInput{RUN: run}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.SetStatus(f.ctx, c.Code, programs.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.RunSelection(f.ctx, c.Code); err != nil {
		t.Fatal(err)
	}
	for _, id := range theirs {
		a, err := f.st.Application(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != programs.AppSelected || a.Seat != programs.SeatRegion+"@"+region {
			t.Errorf("application %d of %s: %s on seat %q, want a place of the region's pool", id, neighbour, a.Status, a.Seat)
		}
	}
	if _, err := f.st.VerifySelection(f.ctx, c.Code); err != nil {
		t.Error(err)
	}
	// A call of regions only is accepted.
	if _, err := f.st.CreateCall(f.ctx, programs.CallInput{Code: "regional-only", Title: "Regional", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 5 * 575_000, Regions: map[string]int{region: 5}}); err != nil {
		t.Errorf("a call of regions only: %v", err)
	}
}
