package targeting_test

import (
	"bytes"
	stdcmp "cmp"
	"context"
	"encoding/csv"
	"math"
	"slices"
	"strconv"
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
// written as one SQL statement: the same value and needs index for every
// household, and the same bracket and flag for every household whose
// (value, needs index) no other household shares. The SQL ranks on those
// two keys only, so a household that shares them must have, in Go, a rank
// within its block: from the SQL's rank to that plus the block's size − 1.
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
	type pair struct{ value, tie1 float64 }
	block := map[pair]int{}
	for i := range f.Len() {
		block[pair{a.Value[i], a.Tie1[i]}]++
	}
	n := float64(f.Len())
	rankOf := func(p float64) int { return int(math.Round(p * n / 100)) }
	upgraded, differ, tied := 0, 0, 0
	for i := range f.Len() {
		if a.Upgrade[i] != 0 {
			upgraded++
		}
		if a.Value[i] != b.Value[i] || a.Tie1[i] != b.Tie1[i] {
			differ++
			t.Errorf("household %d: Go keys (%v, %v), SQL keys (%v, %v)", f.Key[i], a.Value[i], a.Tie1[i], b.Value[i], b.Tie1[i])
			continue
		}
		if size := block[pair{a.Value[i], a.Tie1[i]}]; size > 1 {
			tied++
			if r, lo := rankOf(a.Percentile[i]), rankOf(b.Percentile[i]); r < lo || r > lo+size-1 || a.Upgrade[i] != b.Upgrade[i] {
				differ++
				t.Errorf("household %d: Go rank %d, SQL rank %d in a block of %d equal (value, needs)", f.Key[i], r, lo, size)
			}
			continue
		}
		if a.Bracket[i] != b.Bracket[i] || a.Upgrade[i] != b.Upgrade[i] || a.Poorest5[i] != b.Poorest5[i] || a.Percentile[i] != b.Percentile[i] {
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
	t.Logf("%d of %d households share (value, needs index) with another", tied, f.Len())
	if sqlRun.Poorest5 == 0 || out.Run.Poorest5 == 0 {
		t.Errorf("flagged households: Go run %d, SQL run %d; want some in both", out.Run.Poorest5, sqlRun.Poorest5)
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
	if strings.Join(recs[0], ",") != targeting.ExportHeader || len(recs) != int(rows)+1 {
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

// TestExportRecomputes recomputes every rank, percentile, bracket and flag of
// a run from its exported file alone, under each built-in model, and checks
// that the file's keys are exactly the keys the run ranked on.
func TestExportRecomputes(t *testing.T) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	ts, reg := scoredRegistry(t, 3000)
	f, err := reg.LoadFrame(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range targeting.BuiltinModels() {
		t.Run(m.ID, func(t *testing.T) {
			out, err := ts.ScoreAll(ctx, m, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := ts.ExportRun(ctx, out.Run.ID, &buf, nil); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(recs[0], ","); got != targeting.ExportHeader {
				t.Fatalf("header %q, want %q", got, targeting.ExportHeader)
			}
			rows := recs[1:]
			checkExport(t, rows)
			// The file's keys are what was ranked, to the last bit.
			at := map[string]int{}
			for i, id := range f.ExtID {
				at[id] = i
			}
			res := out.Results
			for _, row := range rows {
				i := at[row[0]]
				if got, want := [3]string{row[1], row[2], row[3]}, [3]string{fmtKey(res.Value[i]), fmtKey(res.Tie1[i]), fmtKey(res.Tie2[i])}; got != want {
					t.Fatalf("household %s: exported keys %v, ranked %v", row[0], got, want)
				}
			}
			if share := 100 * float64(out.Run.Poorest5) / float64(len(rows)); share > targeting.Poorest5WarnShare || out.Run.Poorest5Warning {
				t.Errorf("%d of %d households flagged (%.2f %%)", out.Run.Poorest5, len(rows), share)
			}
		})
	}
}

func fmtKey(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// checkExport recomputes an exported run's columns from its keys, as anyone
// holding the file would: rank = 1 + the rows strictly smaller on (value,
// tie_key_1, tie_key_2); percentile = 100 × rank / N; bracket = the smallest
// of 40, 50, …, 100 at or above it, raised to upgrade_to_bracket on upgraded
// rows; poorest5 = percentile ≤ 5.
func checkExport(t *testing.T, rows [][]string) {
	t.Helper()
	n := len(rows)
	keys := make([][3]float64, n)
	for i, row := range rows {
		for k := range 3 {
			v, err := strconv.ParseFloat(row[1+k], 64)
			if err != nil {
				t.Fatalf("row %d: key %d: %v", i+2, k+1, err)
			}
			keys[i][k] = v
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	less := func(a, b [3]float64) int {
		return stdcmp.Or(stdcmp.Compare(a[0], b[0]), stdcmp.Compare(a[1], b[1]), stdcmp.Compare(a[2], b[2]))
	}
	slices.SortFunc(order, func(a, b int) int { return less(keys[a], keys[b]) })
	rank := make([]int, n)
	for p, i := range order {
		if p > 0 && keys[order[p-1]] == keys[i] {
			rank[i] = rank[order[p-1]]
		} else {
			rank[i] = p + 1
		}
	}
	bad := 0
	for i, row := range rows {
		r := rank[i]
		pct := 100 * float64(r) / float64(n)
		bracket := 100
		for _, b := range []int{40, 50, 60, 70, 80, 90} {
			if 100*r <= b*n {
				bracket = b
				break
			}
		}
		if row[8] == "1" {
			up, _ := strconv.Atoi(row[9])
			bracket = max(bracket, up)
		}
		p5 := "0"
		if 20*r <= n {
			p5 = "1"
		}
		want := []string{strconv.Itoa(r), strconv.FormatFloat(pct, 'f', 4, 64), strconv.Itoa(bracket), p5}
		if got := row[4:8]; !slices.Equal(got, want) {
			bad++
			if bad < 5 {
				t.Errorf("row %d (%s): rank, percentile, bracket, poorest5 = %v, recomputed %v", i+2, row[0], got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d rows differ from what the file's keys give", bad, n)
	}
}
