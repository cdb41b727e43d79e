package delivery_test

import (
	"testing"

	"github.com/fosis/fosis/internal/delivery"
)

// TestSeedTrainingDemo: after the demo's cases, courses with attendance,
// approved plans and goods where the gates are open; no case has goods
// its gate would refuse; some alerts of low attendance and plans past due;
// a second run adds nothing.
func TestSeedTrainingDemo(t *testing.T) {
	f := newFixture(t, 200)
	ctx := sysCtx()
	var hh []delivery.DemoHousehold
	for _, h := range f.hh {
		hh = append(hh, delivery.DemoHousehold{Key: h.Key, ID: h.ID, Commune: h.CommuneCode, Region: h.RegionCode})
	}
	regions := map[string]bool{}
	for _, h := range f.hh {
		regions[h.RegionCode] = true
	}
	var all []string
	for r := range regions {
		all = append(all, r)
	}
	for _, c := range []string{"ana", "beto"} {
		if err := f.st.AddCounsellor(ctx, c, "ong-norte", "coord-norte", 200); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.SeedDemo(ctx, hh, []delivery.DemoAgency{{Code: "ong-norte", Regions: all, Counsellors: []string{"ana", "beto"}}}, 150, testToday, 3); err != nil {
		t.Fatal(err)
	}
	out, err := f.st.SeedTrainingDemo(ctx, testToday, 5)
	if err != nil {
		t.Fatal(err)
	}
	if out.Courses == 0 || out.Attendance == 0 || out.Plans == 0 || out.Goods == 0 {
		t.Fatalf("training demo: %+v", out)
	}
	page, err := f.st.Cases(ctx, delivery.Filter{}, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Items {
		ps, err := f.st.Progress(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Kind == delivery.KindDeliveries && p.Have > 0 && len(p.WaitingFor) > 0 {
				t.Errorf("case %d has goods while %s waits for %v", c.ID, p.Key, p.WaitingFor)
			}
		}
	}
	kinds := map[string]int{}
	alerts, err := f.st.Alerts(ctx, 30, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		kinds[a.Kind]++
	}
	if kinds[delivery.AlertAttendance] == 0 || kinds[delivery.AlertPlanDue] == 0 {
		t.Errorf("alerts: %v", kinds)
	}
	if again, err := f.st.SeedTrainingDemo(ctx, testToday, 5); err != nil || again.Courses != 0 {
		t.Errorf("again: %+v, %v", again, err)
	}
}
