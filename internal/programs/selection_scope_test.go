package programs_test

import (
	"context"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
)

// TestSelectionScope: the frozen selection of a call of two regions shows a
// regional officer only their region's applicants and placements (found by
// the scope walk, issue #3: it showed every applicant's id, commune,
// bracket and seat), verified or not; national staff see the whole record.
func TestSelectionScope(t *testing.T) {
	f := newFixture(t, 300)
	regionOf := map[string]string{}
	for _, h := range f.hh {
		regionOf[h.CommuneCode] = h.RegionCode
	}
	other := ""
	for c, r := range regionOf {
		if r != regionOf[f.main] && len(f.heads(c)) >= 2 && (other == "" || c < other) {
			other = c
		}
	}
	if other == "" {
		t.Fatal("no commune with heads of household in another region")
	}
	c := f.openCall(t, programs.CallInput{Code: "two-regions", Title: "Two regions", Program: "yo-emprendo-semilla", OpensOn: "2026-11-01",
		ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 2 * 575_000, Communes: map[string]int{f.main: 1, other: 1}})
	for _, r := range append(f.heads(f.main)[:2], f.heads(other)[:2]...) {
		if _, err := f.st.Apply(f.ctx, c.Code, programs.ApplyInput{RUN: r}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.SetStatus(f.ctx, c.Code, programs.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.RunSelection(f.ctx, c.Code); err != nil {
		t.Fatal(err)
	}
	region := regionOf[f.main]
	officer := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: region})
	analyst := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "ana", Role: auth.RoleAnalyst})
	for _, read := range []struct {
		name string
		fn   func(context.Context, string) (*programs.SelectionRecord, error)
	}{{"selection", f.st.Selection}, {"verified", f.st.VerifySelection}} {
		t.Run(read.name, func(t *testing.T) {
			all, err := read.fn(analyst, c.Code)
			if err != nil || len(all.Applicants) != 4 || len(all.Placements) != 4 {
				t.Fatalf("the analyst's record: %v, %+v", err, all)
			}
			mine, err := read.fn(officer, c.Code)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[int64]bool{}
			for _, a := range mine.Applicants {
				ids[a.ID] = true
				if a.Region != region {
					t.Errorf("the officer of region %s sees applicant %d of region %s", region, a.ID, a.Region)
				}
			}
			for _, p := range mine.Placements {
				if !ids[p.ID] {
					t.Errorf("the officer sees the placement of application %d, not an applicant of their region", p.ID)
				}
			}
			if len(mine.Applicants) != 2 || len(mine.Placements) != 2 || mine.Digest != all.Digest {
				t.Errorf("the officer's record: %d applicants, %d placements, digest %s (the whole record's: %s)",
					len(mine.Applicants), len(mine.Placements), mine.Digest, all.Digest)
			}
		})
	}
}
