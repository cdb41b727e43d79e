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
	// Every demo project passes the IATI rules that apply to activities:
	// the schema, the codelists and the rules (strict: one finding fails).
	ex, err := s.ExportIATI(ctx, ExportOptions{XSD: true, Strict: true})
	if err != nil || len(ex.Activities) != 4 {
		t.Errorf("demo export: %v, %v", ex, err)
	}
	// Guatemala's bilateral exchange goes both ways: SEGIB role "ambos"
	// for both countries; the triangular ones keep their roles.
	rows, err := s.SEGIB(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, r := range rows {
		if r.Code == "CSS-GT-01" || r.Code == "CSS-HN-01" {
			roles[r.Code+"/"+r.Country] = r.Role
		}
	}
	if diff := cmp.Diff(map[string]string{"CSS-GT-01/CL": "ambos", "CSS-GT-01/GT": "ambos", "CSS-HN-01/": "segundo oferente", "CSS-HN-01/CL": "primer oferente", "CSS-HN-01/HN": "receptor"}, roles); diff != "" {
		t.Errorf("SEGIB roles (-want +got):\n%s", diff)
	}
	// A year's budget is for the project's months in it (issue 17: a
	// one-month year carried a whole year's 24,000).
	for _, p := range ps {
		v, err := s.Get(ctx, p.Code)
		if err != nil || v.Design == nil {
			continue
		}
		cash := map[int]int64{}
		for _, l := range v.Ledger {
			if l.Kind == "cash" {
				cash[l.Year] += l.Budgeted
			}
		}
		for y, amount := range cash {
			from, to := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
			if v.Design.Start.After(from) {
				from = v.Design.Start.Time
			}
			if v.Design.End.Before(to) {
				to = v.Design.End.Time
			}
			if limit := int64(24000 * monthsBetween(from, to) / 12); amount > limit {
				t.Errorf("%s %d: %d budgeted in cash for %d months", p.Code, y, amount, monthsBetween(from, to))
			}
		}
	}
}
