package results_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/results"
)

// TestFunnel computes the funnel of the fixture's call and reads it back
// by commune, region and call, as national staff and as each regional
// officer (who sees their region's commune only).
func TestFunnel(t *testing.T) {
	f := newFixture(t)
	run, err := f.st.ComputeFunnel(f.ctx["nacional"])
	if err != nil {
		t.Fatal(err)
	}
	if run.Calls != 1 || run.Rows < 2 || len(run.Unpreviewed) != 0 {
		t.Errorf("run: %+v", run)
	}
	all, err := f.st.Funnel(f.ctx["auditora"], results.FunnelFilter{Line: line})
	if err != nil {
		t.Fatal(err)
	}
	byCommune := map[string]results.Counts{}
	for _, r := range all.Rows {
		byCommune[r.Commune] = r.Counts
		if r.Period != "2026" || r.Call != "c1" || r.Line != line || r.Name == "" {
			t.Errorf("row: %+v", r)
		}
	}
	own, other := byCommune[f.own], byCommune[f.other]
	// Every head applied and passed the rule "true": eligible = applied.
	for name, c := range map[string]results.Counts{"own": own, "other": other} {
		if c.Eligible == 0 || c.Eligible != c.Applied {
			t.Errorf("%s: eligible %d, applied %d", name, c.Eligible, c.Applied)
		}
	}
	want := map[string][4]int64{"own": {3, 3, 1, 0}, "other": {2, 2, 1, 0}}
	for name, c := range map[string]results.Counts{"own": own, "other": other} {
		if got := [4]int64{c.Selected, c.Enrolled, c.Completed, c.Graduated}; got != want[name] {
			t.Errorf("%s: selected, enrolled, completed, graduated = %v, want %v", name, got, want[name])
		}
	}
	if all.Total.Enrolled != 5 || all.ComputedAt == "" {
		t.Errorf("total %+v at %q", all.Total, all.ComputedAt)
	}

	// The regional officers: their own commune only; another region's is
	// empty, as a missing one.
	rosa, err := f.st.Funnel(f.ctx["rosa"], results.FunnelFilter{})
	if err != nil || len(rosa.Rows) != 1 || rosa.Rows[0].Commune != f.own {
		t.Fatalf("rosa: %+v, %v", rosa, err)
	}
	if r, err := f.st.Funnel(f.ctx["rosa"], results.FunnelFilter{Region: f.otherReg}); err != nil || len(r.Rows) != 0 {
		t.Errorf("rosa asking for region %s: %+v, %v", f.otherReg, r, err)
	}
	raul, err := f.st.Funnel(f.ctx["raul"], results.FunnelFilter{By: "region"})
	if err != nil || len(raul.Rows) != 1 || raul.Rows[0].Region != f.otherReg || raul.Rows[0].Enrolled != 2 {
		t.Errorf("raul by region: %+v, %v", raul, err)
	}
	byCall, err := f.st.Funnel(f.ctx["nacional"], results.FunnelFilter{By: "call"})
	if err != nil || len(byCall.Rows) != 1 || byCall.Rows[0].Enrolled != 5 || byCall.Rows[0].ReachedPct <= 0 {
		t.Errorf("by call: %+v, %v", byCall, err)
	}

	// Refusals: a role without results, a regional officer computing, a
	// bad grouping.
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"cooperation reads", second(f.st.Funnel(f.ctx["coop"], results.FunnelFilter{})), fosis.EFORBIDDEN},
		{"regional computes", second(f.st.ComputeFunnel(f.ctx["rosa"])), fosis.EFORBIDDEN},
		{"auditor computes", second(f.st.ComputeFunnel(f.ctx["auditora"])), fosis.EFORBIDDEN},
		{"bad grouping", second(f.st.Funnel(f.ctx["nacional"], results.FunnelFilter{By: "street"})), fosis.EINVALID},
	} {
		if fosis.ErrorCode(tc.err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.code)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestFunnelConcurrent runs the computation 20 times at once: each run
// replaces the snapshot under the lock row, so the end state is one
// snapshot, the same as a single run's, and no run fails.
func TestFunnelConcurrent(t *testing.T) {
	f := newFixture(t)
	if _, err := f.st.ComputeFunnel(f.ctx["nacional"]); err != nil {
		t.Fatal(err)
	}
	once, _ := f.st.Funnel(f.ctx["nacional"], results.FunnelFilter{})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.st.ComputeFunnel(f.ctx["nacional"])
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	after, _ := f.st.Funnel(f.ctx["nacional"], results.FunnelFilter{})
	if diff := cmp.Diff(once.Rows, after.Rows); diff != "" {
		t.Errorf("after 20 concurrent runs (-one +twenty):\n%s", diff)
	}
	var runs int
	if err := f.d.QueryRowContext(f.ctx["nacional"], `SELECT runs FROM results_locks WHERE name = 'funnel'`).Scan(&runs); err != nil || runs != 21 {
		t.Errorf("lock row: %d runs, %v", runs, err)
	}
}

// TestFocalisation counts the call's applicants by bracket and percentile,
// and its targeting errors against the generator's truth file.
func TestFocalisation(t *testing.T) {
	f := newFixture(t)
	fo, err := f.st.Focalisation(f.ctx["nacional"], "c1")
	if err != nil {
		t.Fatal(err)
	}
	var sumB, sumP int64
	for _, b := range fo.Brackets {
		sumB += b.Applied
	}
	for _, p := range fo.Percentiles {
		sumP += p.Applied
	}
	if fo.Total.Enrolled != 5 || fo.Total.Selected != 5 || sumB+fo.Unscored.Applied != fo.Total.Applied || sumP+fo.Unscored.Applied != fo.Total.Applied {
		t.Errorf("focalisation: %+v", fo)
	}
	rosa, err := f.st.Focalisation(f.ctx["rosa"], "c1")
	if err != nil || rosa.Total.Enrolled != 3 || rosa.Total.Applied >= fo.Total.Applied {
		t.Errorf("rosa: %+v, %v", rosa.Total, err)
	}

	te, err := f.st.TargetErrors(f.ctx["nacional"], "c1", bytes.NewReader(f.truth), 40)
	if err != nil {
		t.Fatal(err)
	}
	if te.Reached != 5 || te.Unmatched != 0 || te.Target == 0 || te.TargetMissed > te.Target || te.ReachedOutside > te.Reached {
		t.Errorf("errors: %+v", te)
	}
	if te.Inclusion != round1(100*float64(te.ReachedOutside)/float64(te.Reached)) {
		t.Errorf("inclusion %v for %d of %d", te.Inclusion, te.ReachedOutside, te.Reached)
	}
	for _, tc := range []struct {
		name  string
		truth string
		pct   float64
		key   string
	}{
		{"bad header", "id,income\n1,2\n", 40, "results.err.truth_header"},
		{"bad income", "household_id,per_capita_income_clp\nH1,mucho\n", 40, "results.err.truth"},
		{"bad target", string(f.truth), 0, "results.err.target_pct"},
	} {
		_, err := f.st.TargetErrors(f.ctx["nacional"], "c1", strings.NewReader(tc.truth), tc.pct)
		if e, ok := err.(*fosis.Error); !ok || e.Key != tc.key || e.Code != fosis.EINVALID {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.key)
		}
	}
	if _, err := f.st.TargetErrors(f.ctx["rosa"], "c1", bytes.NewReader(f.truth), 40); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("rosa: %v", err)
	}
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// TestOpenData builds the open data from the funnel: every count from 1 to
// 9 hidden, no hidden cell computable from its row's published cells and
// total, no personal data, and the CSV and JSON agree.
func TestOpenData(t *testing.T) {
	f := newFixture(t)
	if _, err := f.st.ComputeFunnel(f.ctx["nacional"]); err != nil {
		t.Fatal(err)
	}
	od, err := f.st.OpenData(f.ctx["nacional"])
	if err != nil {
		t.Fatal(err)
	}
	if len(od.Tables) != len(results.Stages) {
		t.Fatalf("%d tables", len(od.Tables))
	}
	for _, tb := range od.Tables {
		for _, r := range tb.Rows {
			hidden := 0
			for _, c := range append(append([]*int64{}, r.Counts...), r.Total) {
				if c == nil {
					hidden++
				} else if *c > 0 && *c < results.MinCell {
					t.Errorf("%s %s: %d published", tb.Stage, r.Commune, *c)
				}
			}
			if hidden == 1 {
				t.Errorf("%s %s: one hidden cell in the row, given back by the others", tb.Stage, r.Commune)
			}
		}
	}
	var csvb, jsonb bytes.Buffer
	if err := od.WriteCSV(&csvb); err != nil {
		t.Fatal(err)
	}
	if err := od.WriteJSON(&jsonb); err != nil {
		t.Fatal(err)
	}
	var back results.OpenData
	if err := json.Unmarshal(jsonb.Bytes(), &back); err != nil || len(back.Tables) != len(od.Tables) {
		t.Errorf("JSON: %v", err)
	}
	if !strings.HasPrefix(csvb.String(), strings.Join(results.OpenDataColumns, ",")+"\n") || !strings.Contains(csvb.String(), ","+f.own+",") {
		t.Errorf("CSV:\n%s", csvb.String())
	}
	// No RUN, household id or call code in either.
	for _, s := range []string{"c1", "ong"} {
		if strings.Contains(jsonb.String(), `"`+s+`"`) || strings.Contains(csvb.String(), ","+s+",") {
			t.Errorf("open data names %q", s)
		}
	}
	if _, err := f.st.OpenData(f.ctx["rosa"]); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("rosa: %v", err)
	}
}
