package programs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// TestPreviewSharedFrame: previews read the registry's shared frame, loaded
// once while the registry does not change and left as it was; an approved
// change request and an import each move the registry's revision, and the
// next preview counts the new data; a caller without national reach is
// refused with everything in memory.
func TestPreviewSharedFrame(t *testing.T) {
	f := newFixture(t, 200)
	adult := []programs.Rule{{ID: "adult", NameES: "a", NameEN: "a", Expr: "age >= 18"}}
	preview := func() *programs.PreviewReport {
		t.Helper()
		pv, err := f.st.PreviewRules(f.ctx, adult, programs.UnitPerson, f.run)
		if err != nil {
			t.Fatal(err)
		}
		return pv
	}
	loads := f.reg.FramesLoaded() // the fixture's scoring run loaded it
	first := preview()
	again := preview()
	if diff := cmp.Diff(first.PreviewResult, again.PreviewResult); diff != "" {
		t.Errorf("a second preview counts differently (-first +second):\n%s", diff)
	}
	if n := f.reg.FramesLoaded(); n != loads || loads != 1 {
		t.Errorf("frames loaded: %d after scoring, %d after two previews; want 1, 1", loads, n)
	}
	shared, err := f.reg.SharedFrame(f.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	// Neither the preview nor the scoring what-if changes the frame.
	tgt := targeting.NewStore(f.reg.DB(), f.reg, nil)
	if _, err := tgt.WhatIf(f.ctx, targeting.BuiltinModels()[len(targeting.BuiltinModels())-1], time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	own, err := f.reg.LoadFrame(f.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(own, shared, cmpopts.IgnoreUnexported(registry.Frame{})); diff != "" {
		t.Errorf("the shared frame changed (-fresh +shared):\n%s", diff)
	}
	if n := f.reg.FramesLoaded(); n != 1 {
		t.Errorf("the what-if loaded another frame: %d loads", n)
	}

	// Out of national reach, with the frame and the results warm.
	rm := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rm", Role: auth.RoleRegional, RegionCode: "13"})
	if _, err := f.st.PreviewRules(rm, adult, programs.UnitPerson, f.run); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("regional officer, warm cache: %v, want forbidden", err)
	}
	if _, err := tgt.ResultsFor(rm, f.run, shared); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("ResultsFor as a regional officer, warm cache: %v, want forbidden", err)
	}

	// An approved change request adds an adult to a household: one more
	// applicant, one more eligible.
	ana := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Username: "ana", Role: auth.RoleAnalyst})
	boss := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 2, Username: "boss", Role: auth.RoleAdmin})
	cr, err := f.reg.SubmitChange(ana, f.hh[0].ID, registry.ChangeInput{Kind: registry.KindUpdate, Reason: "an uncle moved in",
		Changes: registry.ChangeSet{Add: []registry.MemberValues{{"run": rut.Format(77_777_101), "given_names": "Tío", "paternal_surname": "Pérez",
			"maternal_surname": "Soto", "relation": "other_relative", "sex": "M", "birth_date": "1970-09-01", "schooling_years": "8", "in_school": "0",
			"employed": "1", "labor_income_clp": "400000", "pension_income_clp": "0", "capital_income_clp": "0", "health_plan": "fonasa_b",
			"disability": "none", "dependency": "none", "indigenous": "0", "pregnant": "0"}}}}, "")
	if err != nil {
		ps, _ := registry.AsChangeError(err)
		t.Fatalf("%v %+v", err, ps)
	}
	if _, err := f.reg.Decide(boss, cr.ID, registry.Approve, "", ""); err != nil {
		t.Fatal(err)
	}
	changed := preview()
	if changed.Eligible != first.Eligible+1 || changed.Applicants != first.Applicants+1 {
		t.Errorf("after the approval: %d eligible of %d; want %d of %d", changed.Eligible, changed.Applicants, first.Eligible+1, first.Applicants+1)
	}
	// The frame was spliced (not read whole), and the run's results were
	// carried over to it, not read again.
	if st := f.reg.FrameStats(); st != (registry.FrameStats{Loads: 1, Splices: 1}) {
		t.Errorf("frames after the approval: %+v, want 1 load and 1 splice", st)
	}
	spliced, err := f.reg.SharedFrame(f.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	r0, err0 := tgt.ResultsFor(f.ctx, f.run, shared)
	r1, err1 := tgt.ResultsFor(f.ctx, f.run, spliced)
	if err0 != nil || err1 != nil || spliced == shared || r0 != r1 {
		t.Errorf("results after the splice: a new frame %v, the same results %v (%v, %v); want true, true", spliced != shared, r0 == r1, err0, err1)
	}

	// An import of a new household of two adults and a child: three more
	// applicants, two more eligible.
	dir := t.TempDir()
	hh := "household_id,commune_code,zone,tenure,rooms,floor,walls,roof,water,sanitation,vehicle_value_clp,property_value_clp,school_fees_clp,registered_on\n" +
		"PV-1," + f.main + ",urban,renter,3,good,fair,good,public_network,sewer,0,0,0,2020-05-01\n"
	ps := "run,household_id,relation,sex,birth_date,schooling_years,in_school,employed,labor_income_clp,pension_income_clp,capital_income_clp,health_plan,disability,dependency,indigenous,pregnant,given_names,paternal_surname,maternal_surname\n"
	for i, m := range []string{"head,F,1985-03-02,12,0,1,450000", "spouse,M,1983-06-01,12,0,1,350000", "child,M,2015-07-09,6,1,0,0"} {
		ps += fmt.Sprintf("%s,PV-1,%s,0,0,fonasa_b,none,none,0,0,Nombre,Apellido,Otro\n", rut.Format(77_777_001+int64(i)), m)
	}
	if err := os.WriteFile(filepath.Join(dir, "households.csv"), []byte(hh), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "persons.csv"), []byte(ps), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := f.reg.Import(f.ctx, registry.ImportOptions{Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv")})
	if err != nil || sum.Inserted != 1 || sum.PersonsWritten != 3 || sum.PersonsMoved != 0 {
		t.Fatalf("import: %+v, %v", sum, err)
	}
	imported := preview()
	if imported.Applicants != changed.Applicants+3 || imported.Eligible != changed.Eligible+2 {
		t.Errorf("after the import: %d eligible of %d; want %d of %d", imported.Eligible, imported.Applicants, changed.Eligible+2, changed.Applicants+3)
	}
	if st := f.reg.FrameStats(); st != (registry.FrameStats{Loads: 2, Splices: 1}) {
		t.Errorf("frames after the import: %+v, want it read whole (2 loads, 1 splice)", st)
	}
}
