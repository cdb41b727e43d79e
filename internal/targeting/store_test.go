package targeting_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

// scoredRegistry imports a small synthetic registry.
func scoredRegistry(t *testing.T, n int) (*targeting.Store, *registry.Store) {
	t.Helper()
	d, reg := registrytest.Imported(t, n, 3)
	return targeting.NewStore(d, reg, nil), reg
}

// TestScoreSQLMatchesEngine checks the Go engine against the same model
// written as one SQL statement: every household must land in the same bracket.
func TestScoreSQLMatchesEngine(t *testing.T) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	ts, reg := scoredRegistry(t, 3000)
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	m := targeting.DefaultModel()
	out, err := ts.ScoreAll(ctx, m, asOf, "go", nil)
	if err != nil {
		t.Fatal(err)
	}
	sqlRun, err := ts.ScoreSQL(ctx, m, asOf, "sql")
	if err != nil {
		t.Fatal(err)
	}
	if sqlRun.Households != out.Run.Households {
		t.Fatalf("SQL run scored %d households, Go run %d", sqlRun.Households, out.Run.Households)
	}
	f, err := reg.LoadFrame(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ts.LoadResults(ctx, out.Run.ID, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ts.LoadResults(ctx, sqlRun.ID, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	upgraded, differ := 0, 0
	for i := range f.Len() {
		if a.Upgrade[i] != 0 {
			upgraded++
		}
		if a.Bracket[i] != b.Bracket[i] || a.Upgrade[i] != b.Upgrade[i] || a.Poorest5[i] != b.Poorest5[i] {
			differ++
			if differ < 5 {
				t.Errorf("household %d: Go bracket %d upgrade %d value %f; SQL bracket %d upgrade %d value %f",
					f.Key[i], a.Bracket[i], a.Upgrade[i], a.Value[i], b.Bracket[i], b.Upgrade[i], b.Value[i])
			}
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d households differ between the Go engine and SQL", differ, f.Len())
	}
	if upgraded == 0 {
		t.Error("no household was upgraded: the means test is not exercised")
	}
	n, err := ts.Diff(ctx, out.Run.ID, sqlRun.ID, func(targeting.Change) error { return nil })
	if err != nil || n != 0 {
		t.Errorf("Diff between equal runs = %d, %v", n, err)
	}
}

func TestRunsDiffExportExplain(t *testing.T) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	ts, reg := scoredRegistry(t, 800)
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if _, err := ts.Run(ctx, "latest"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Fatalf("latest run of an empty store: %v", err)
	}
	one, err := ts.ScoreAll(ctx, targeting.DefaultModel(), asOf, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var pmt *targeting.Model
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			pmt = m
		}
	}
	two, err := ts.ScoreAll(ctx, pmt, asOf, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := ts.Run(ctx, "latest")
	if err != nil || latest.ID != two.Run.ID || latest.ModelID != pmt.ID {
		t.Fatalf("latest = %+v, %v", latest, err)
	}
	want := targeting.Changed(one.Results, two.Results)
	var got []targeting.Change
	n, err := ts.Diff(ctx, one.Run.ID, two.Run.ID, func(c targeting.Change) error { got = append(got, c); return nil })
	if err != nil || n != len(want) || len(got) != len(want) {
		t.Fatalf("Diff found %d (%v), want %d", n, err, len(want))
	}
	if len(want) == 0 {
		t.Fatal("two different models put every household in the same bracket")
	}
	var buf bytes.Buffer
	rows, err := ts.ExportRun(ctx, two.Run.ID, &buf, nil)
	if err != nil || rows != two.Run.Households {
		t.Fatalf("ExportRun wrote %d rows (%v), want %d", rows, err, two.Run.Households)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "household_id,value,percentile,bracket,poorest5,upgraded,upgrade_reasons" || len(recs) != int(rows)+1 {
		t.Fatalf("export header %v, %d records", recs[0], len(recs))
	}
	// The explanation is computed with the model version of the run and
	// agrees with the stored value.
	h, err := reg.Household(ctx, recs[1][0])
	if err != nil {
		t.Fatal(err)
	}
	ex, err := ts.Explained(ctx, one.Run, h.Key, "en")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Stale || ex.Explanation.ModelID != "chile-rsh" || ex.Explanation.Value != ex.Result.Value || ex.Summary == "" {
		t.Errorf("explanation: stale=%v model=%s value %f vs stored %f, summary %q", ex.Stale, ex.Explanation.ModelID,
			ex.Explanation.Value, ex.Result.Value, ex.Summary)
	}
}

// TestLatestOfMatchesLatest: the household page's one-read-fewer path gives
// exactly what Latest gives, and refuses a file the registry did not read.
func TestLatestOfMatchesLatest(t *testing.T) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	ts, reg := scoredRegistry(t, 200)
	for _, asOf := range []time.Time{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := ts.ScoreAll(ctx, targeting.DefaultModel(), asOf, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	f, err := reg.LoadFrame(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < f.Len(); i += 17 {
		file, err := reg.HouseholdFileByID(ctx, f.ExtID[i])
		if err != nil {
			t.Fatal(err)
		}
		got, gotHist, err := ts.LatestOf(ctx, file, "es")
		if err != nil {
			t.Fatal(err)
		}
		want, wantHist, err := ts.Latest(ctx, f.Key[i], "es")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" || !cmp.Equal(wantHist, gotHist) || len(gotHist) != 2 {
			t.Fatalf("household %s: LatestOf differs from Latest (-want +got):\n%s", f.ExtID[i], diff)
		}
		if view, _ := reg.Household(ctx, f.ExtID[i]); !cmp.Equal(view, file.View()) {
			t.Fatalf("household %s: the file's view differs from Household", f.ExtID[i])
		}
	}
	if _, _, err := ts.LatestOf(ctx, &registry.HouseholdFile{}, "es"); err == nil {
		t.Error("LatestOf accepted a file the registry did not read")
	}
	if _, _, err := ts.LatestOf(context.Background(), &registry.HouseholdFile{}, "es"); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("LatestOf without a principal: %v", err)
	}
}
