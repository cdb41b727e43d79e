package registry_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/synth"
)

// TestSharedFrameSplice: after approved change requests on k random
// households (rooms, a member added, a member removed), the next shared
// frame is spliced, not read whole, and equals LoadFrame's of the same
// database in every column; what depends on the keys only is carried over
// to it and the rest is not; after an import the frame is read whole again.
func TestSharedFrameSplice(t *testing.T) {
	s, _ := newStore(t)
	dir := filepath.Join(t.TempDir(), "gen")
	if _, err := synth.GenerateDir(sysCtx, dir, synth.Options{Households: 300, Seed: 11}, nil); err != nil {
		t.Fatal(err)
	}
	opt := registry.ImportOptions{Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv"),
		Today: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := s.Import(sysCtx, opt); err != nil {
		t.Fatal(err)
	}
	ana := asUser(&auth.Principal{UserID: 1, Username: "ana", Role: auth.RoleAnalyst})
	boss := asUser(&auth.Principal{UserID: 2, Username: "boss", Role: auth.RoleAdmin})
	approve := func(hh string, in registry.ChangeInput) {
		t.Helper()
		cr, err := s.SubmitChange(ana, hh, in, "")
		if err != nil {
			ps, _ := registry.AsChangeError(err)
			t.Fatalf("%s: %v %+v", hh, err, ps)
		}
		if _, err := s.Decide(boss, cr.ID, registry.Approve, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	f, err := s.SharedFrame(sysCtx, true)
	if err != nil {
		t.Fatal(err)
	}
	keysOnly, _ := f.DerivedFromKeys(sysCtx, "keys", func(context.Context) (any, error) { return new(int), nil })

	r := rand.New(rand.NewPCG(5, 6))
	added := map[string]string{} // household id → the RUN added to it
	rooms := map[string]int{}    // household id → rooms now
	for i, id := range f.ExtID {
		rooms[id] = int(f.Rooms[i])
	}
	nextRUN := int64(77_000_001)
	for round := range 6 {
		before := s.FrameStats()
		k := 1 + r.IntN(6)
		if round == 5 {
			k = 0 // no approval: the same frame
		}
		for range k {
			hh := f.ExtID[r.IntN(f.Len())]
			rooms[hh] = rooms[hh]%9 + 1
			in := registry.ChangeInput{Kind: registry.KindUpdate, Reason: "visit",
				Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: strconv.Itoa(rooms[hh])}}}}
			if run, ok := added[hh]; ok {
				in.Changes.Remove = []string{run}
				delete(added, hh)
			} else if r.IntN(2) == 0 {
				run := rut.Format(nextRUN)
				nextRUN++
				in.Changes.Add = []registry.MemberValues{{"run": run, "given_names": "Tío", "paternal_surname": "Pérez",
					"maternal_surname": "Soto", "relation": "other_relative", "sex": "M", "birth_date": "1970-09-01", "schooling_years": "8",
					"in_school": "0", "employed": "1", "labor_income_clp": strconv.Itoa(r.IntN(900_000)), "pension_income_clp": "0",
					"capital_income_clp": "0", "health_plan": "fonasa_b", "disability": "none", "dependency": "none", "indigenous": "0", "pregnant": "0"}}
				added[hh] = run
			}
			approve(hh, in)
		}
		next, err := s.SharedFrame(sysCtx, round%2 == 0) // with ids or without: the frame has them
		if err != nil {
			t.Fatal(err)
		}
		after := s.FrameStats()
		want := registry.FrameStats{Loads: before.Loads, Splices: before.Splices + 1}
		if k == 0 {
			want.Splices = before.Splices
		}
		if after != want {
			t.Errorf("round %d (%d approvals): %+v, want %+v", round, k, after, want)
		}
		own, err := s.LoadFrame(sysCtx, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(own, next, cmpopts.IgnoreUnexported(registry.Frame{})); diff != "" {
			t.Fatalf("round %d: the spliced frame differs from LoadFrame's (-load +splice):\n%s", round, diff)
		}
		if v, _ := next.DerivedFromKeys(sysCtx, "keys", func(context.Context) (any, error) { return new(int), nil }); v != keysOnly {
			t.Errorf("round %d: a value of the keys only was not carried over", round)
		}
		f = next
	}

	// An import (the same files: households unchanged, but an import all
	// the same): the frame is read whole.
	before := s.FrameStats()
	if _, err := s.Import(sysCtx, opt); err != nil {
		t.Fatal(err)
	}
	next, err := s.SharedFrame(sysCtx, false)
	if err != nil {
		t.Fatal(err)
	}
	if after := s.FrameStats(); after.Loads != before.Loads+1 || after.Splices != before.Splices {
		t.Errorf("after an import: %+v, want a load more than %+v", after, before)
	}
	own, _ := s.LoadFrame(sysCtx, false)
	if diff := cmp.Diff(own, next, cmpopts.IgnoreUnexported(registry.Frame{})); diff != "" {
		t.Errorf("after the import (-load +shared):\n%s", diff)
	}
	// And an approval after it is spliced again.
	approve(f.ExtID[0], registry.ChangeInput{Kind: registry.KindUpdate, Reason: "visit",
		Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: strconv.Itoa(rooms[f.ExtID[0]]%9 + 1)}}}})
	if _, err := s.SharedFrame(sysCtx, false); err != nil {
		t.Fatal(err)
	}
	if after := s.FrameStats(); after.Loads != before.Loads+1 || after.Splices != before.Splices+1 {
		t.Errorf("an approval after the import: %+v, want a splice more than %+v and the import's load", after, before)
	}
}
