package cooperation

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestSeedDemo seeds the demo pipeline through the real rules and checks
// every project reached its step, that seeding twice adds nothing, and that
// the demo's public projects export.
func TestSeedDemo(t *testing.T) {
	needXmllint(t)
	for _, today := range []time.Time{testToday, time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)} {
		t.Run(today.Format(time.DateOnly), func(t *testing.T) { seedDemo(t, today) })
	}
}

func seedDemo(t *testing.T, today time.Time) {
	s := NewStore(dbtest.Open(t), nil, func() time.Time { return today })
	ctx := sysCtx()
	n, err := s.SeedDemo(ctx)
	if err != nil || n != 7 {
		t.Fatalf("seeded %d, %v", n, err)
	}
	ps, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range ps {
		got[p.Code] = string(p.Step) + "/" + string(p.Modality)
	}
	want := map[string]string{
		"CSS-BO-01": "rejected/", "CSS-CO-01": "reviewed/triangular", "CSS-DO-01": "designing/", "CSS-GT-01": "executing/bilateral",
		"CSS-HN-01": "agreed/triangular", "CSS-PY-01": "closed/triangular", "CSS-SV-01": "requested/",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("demo pipeline (-want +got):\n%s", diff)
	}
	if n, err := s.SeedDemo(ctx); n != 0 || err != nil {
		t.Errorf("seeding again: %d, %v", n, err)
	}
	ex, err := s.ExportIATI(ctx, ExportOptions{XSD: true})
	if err != nil || len(ex.Activities) != 4 {
		t.Errorf("demo export: %v, %v", ex, err)
	}
}
