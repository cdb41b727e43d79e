package delivery_test

import (
	"testing"

	"github.com/fosis/fosis/internal/delivery"
)

// TestSeedDemo: the demo opens cases in several states, within the
// counsellors' limits, with sessions, and exit lines better than entries;
// a second run adds nothing.
func TestSeedDemo(t *testing.T) {
	f := newFixture(t, 150)
	ctx := sysCtx()
	for _, c := range []string{"ana", "beto", "carla"} {
		agency := "ong-norte"
		if c == "carla" {
			agency = "ong-sur"
		}
		if err := f.st.AddCounsellor(ctx, c, agency, "", 30); err != nil {
			t.Fatal(err)
		}
	}
	var hh []delivery.DemoHousehold
	regions := map[string]bool{}
	for _, h := range f.hh {
		hh = append(hh, delivery.DemoHousehold{Key: h.Key, ID: h.ID, Commune: h.CommuneCode, Region: h.RegionCode})
		regions[h.RegionCode] = true
	}
	var all []string
	for r := range regions {
		all = append(all, r)
	}
	agencies := []delivery.DemoAgency{{Code: "ong-norte", Regions: all[:len(all)/2], Counsellors: []string{"ana", "beto"}},
		{Code: "ong-sur", Regions: all[len(all)/2:], Counsellors: []string{"carla"}}}
	n, err := f.st.SeedDemo(ctx, hh, agencies, 80, testToday, 3)
	if err != nil || n < 50 {
		t.Fatalf("demo: %d, %v", n, err)
	}
	page, err := f.st.Cases(ctx, delivery.Filter{}, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, c := range page.Items {
		states[c.State]++
	}
	if len(states) < 4 {
		t.Errorf("states: %v", states)
	}
	for _, cs := range mustCounsellors(t, f) {
		if cs.Active > cs.Limit {
			t.Errorf("%s carries %d cases over a limit of %d", cs.Username, cs.Active, cs.Limit)
		}
	}
	entryMet, exitMet, sessions := 0, 0, 0
	for _, c := range page.Items {
		if c.State != delivery.StateGraduated {
			continue
		}
		dx, err := f.st.Diagnosis(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range dx.Entry {
			if m.Status == delivery.Met {
				entryMet++
			}
		}
		for _, m := range dx.Exit {
			if m.Status == delivery.Met {
				exitMet++
			}
		}
		ss, _ := f.st.Sessions(ctx, c.ID)
		sessions += len(ss)
	}
	if exitMet <= entryMet || sessions == 0 {
		t.Errorf("graduated cases: %d conditions met at entry, %d at exit, %d sessions", entryMet, exitMet, sessions)
	}
	if again, err := f.st.SeedDemo(ctx, hh, agencies, 80, testToday, 3); err != nil || again != 0 {
		t.Errorf("again: %d, %v", again, err)
	}
}

func mustCounsellors(t *testing.T, f *fixture) []delivery.Counsellor {
	t.Helper()
	cs, err := f.st.Counsellors(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}
