package results_test

import (
	"bytes"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/results"
)

func ptr(x float64) *float64 { return &x }

// TestIndicatorDefinitions: every refusal of a bad definition is keyed and
// names its field, a CEL mistake with its line and column.
func TestIndicatorDefinitions(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx["nacional"]
	good := results.Indicator{Line: line, Version: 1, Code: "completion", NameES: "Término", NameEN: "Completion",
		Numerator: `exit_reason == "completed" || graduated`, Denominator: "true", Unit: results.UnitPercent, Tolerance: 5,
		Targets: []results.Target{{Period: "2026-12", Target: 30}, {Period: "2026-12", Region: "13", Target: 50}}}
	saved, err := f.st.SaveIndicator(ctx, good)
	if err != nil || saved.ID == 0 || saved.SavedBy != "nacional" || len(saved.Targets) != 2 {
		t.Fatalf("save: %+v, %v", saved, err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*results.Indicator)
		key   string
		field string
		args  []any
	}{
		{"unknown variable", func(i *results.Indicator) { i.Numerator = "state == \"graduated\" &&\n  sesions_held > 3" }, "results.err.expr_cel", "numerator", []any{2, 3}},
		{"syntax", func(i *results.Indicator) { i.Denominator = "sessions_held >" }, "results.err.expr_cel", "denominator", []any{1, 16}},
		{"a string", func(i *results.Indicator) { i.Numerator = "state" }, "results.err.expr_type", "numerator", nil},
		{"empty", func(i *results.Indicator) { i.Numerator = " " }, "results.err.expr_empty", "numerator", nil},
		{"percent without denominator", func(i *results.Indicator) { i.Denominator = "" }, "results.err.expr_empty", "denominator", nil},
		{"unit", func(i *results.Indicator) { i.Unit = "kg" }, "results.err.unit", "unit", nil},
		{"code", func(i *results.Indicator) { i.Code = "Mal Código" }, "results.err.indicator_code", "code", nil},
		{"names", func(i *results.Indicator) { i.NameEN = "" }, "results.err.names", "name_es", nil},
		{"tolerance", func(i *results.Indicator) { i.Tolerance = -1 }, "results.err.tolerance", "tolerance", nil},
		{"target period", func(i *results.Indicator) { i.Targets = []results.Target{{Period: "2026-13", Target: 1}} }, "results.err.target_period", "targets[0].period", nil},
		{"target region", func(i *results.Indicator) { i.Targets = []results.Target{{Period: "2026-11", Region: "99", Target: 1}} }, "results.err.target_region", "targets[0].region", nil},
		{"target twice", func(i *results.Indicator) {
			i.Targets = []results.Target{{Period: "2026-11", Target: 1}, {Period: "2026-11", Target: 2}}
		}, "results.err.target_twice", "targets[1]", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			tc.edit(&in)
			_, err := f.st.SaveIndicator(ctx, in)
			e, ok := err.(*fosis.Error)
			if !ok || e.Code != fosis.EINVALID || len(e.Fields) == 0 || e.Fields[0].Key != tc.key || e.Fields[0].Field != tc.field {
				t.Fatalf("got %#v, want %s on %s", err, tc.key, tc.field)
			}
			if tc.args != nil {
				if diff := cmp.Diff(tc.args, e.Fields[0].Args[:2]); diff != "" {
					t.Errorf("line and column (-want +got):\n%s\n%s", diff, e.Message)
				}
			}
		})
	}
	// A line version that does not exist; a regional officer declaring.
	in := good
	in.Version = 9
	if _, err := f.st.SaveIndicator(ctx, in); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("version 9: %v", err)
	}
	if _, err := f.st.SaveIndicator(f.ctx["rosa"], good); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("rosa: %v", err)
	}
}

// TestIndicatorAlerts computes a completion indicator for December 2026:
// region 13 finished 1 of 3 cases (33 %, target 50 ± 5: off track), the
// other region 1 of 2 (50 %, national target 30: on track), the country 2
// of 5 (40 %, target 30: on track). The alert reaches the national view
// and region 13's officer, not the other region's.
func TestIndicatorAlerts(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx["nacional"]
	if _, err := f.st.SaveIndicator(ctx, results.Indicator{Line: line, Version: 1, Code: "completion", NameES: "Término", NameEN: "Completion",
		Numerator: `exit_reason == "completed" || graduated`, Denominator: "true", Unit: results.UnitPercent, Tolerance: 5,
		Targets: []results.Target{{Period: "2026-12", Target: 30}, {Period: "2026-12", Region: "13", Target: 50}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SaveIndicator(ctx, results.Indicator{Line: line, Version: 1, Code: "cases", NameES: "Casos", NameEN: "Cases",
		Numerator: "true", Unit: results.UnitCount}); err != nil {
		t.Fatal(err)
	}
	c, err := f.st.ComputeIndicators(ctx, "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	if c.Cases != 5 || c.OffTrack != 1 || c.Values != 6 {
		t.Errorf("computation: %+v", c)
	}
	vals, err := f.st.Values(f.ctx["auditora"], results.ValueFilter{Period: "2026-12"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range vals {
		x := -1.0
		if v.Value != nil {
			x = *v.Value
		}
		got[v.Code+"/"+v.Region] = v.Status + " " + fmtf(x)
	}
	want := map[string]string{
		"completion/": "on_track 40", "completion/13": "off_track 33.33", "completion/" + f.otherReg: "on_track 50",
		"cases/": "no_target 5", "cases/13": "no_target 3", "cases/" + f.otherReg: "no_target 2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	for who, n := range map[string]int{"nacional": 1, "rosa": 1, "raul": 0} {
		a, err := f.st.Alerts(f.ctx[who])
		if err != nil || len(a) != n {
			t.Errorf("%s: %d alerts, %v; want %d", who, len(a), err, n)
		}
	}
	// A regional officer sees their region's values only.
	rv, _ := f.st.Values(f.ctx["raul"], results.ValueFilter{})
	for _, v := range rv {
		if v.Region != f.otherReg {
			t.Errorf("raul sees %+v", v)
		}
	}
	// Recomputing keeps the history; the latest is the value.
	if _, err := f.st.ComputeIndicators(ctx, "2026-12"); err != nil {
		t.Fatal(err)
	}
	h, err := f.st.History(ctx, vals[0].Indicator, "")
	if err != nil || len(h) != 2 {
		t.Errorf("history: %d, %v", len(h), err)
	}
	if _, err := f.st.History(f.ctx["raul"], vals[0].Indicator, "13"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("raul reading 13's history: %v", err)
	}
	if _, err := f.st.ComputeIndicators(ctx, "2026-13"); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("bad period: %v", err)
	}
	if _, err := f.st.ComputeIndicators(f.ctx["rosa"], "2026-12"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("rosa computing: %v", err)
	}
}

func fmtf(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// TestStatus is the alert rule: off track only below target − tolerance.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		value, target *float64
		tol           float64
		want          string
	}{
		{nil, ptr(10), 0, results.StatusNoData},
		{ptr(5), nil, 0, results.StatusNoTarget},
		{ptr(44.9), ptr(50), 5, results.StatusOffTrack},
		{ptr(45), ptr(50), 5, results.StatusOnTrack},
		{ptr(60), ptr(50), 0, results.StatusOnTrack},
		{ptr(49.99), ptr(50), 0, results.StatusOffTrack},
	} {
		if got := results.Status(tc.value, tc.target, tc.tol); got != tc.want {
			t.Errorf("%v vs %v ± %v: %s, want %s", *orZero(tc.value), *orZero(tc.target), tc.tol, got, tc.want)
		}
	}
}

func orZero(p *float64) *float64 {
	if p == nil {
		return ptr(0)
	}
	return p
}

// TestIndicatorsConcurrent computes the same month 20 times at once: every
// computation is stored (20 rows of history per value), none fails.
func TestIndicatorsConcurrent(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx["nacional"]
	if _, err := f.st.SaveIndicator(ctx, results.Indicator{Line: line, Version: 1, Code: "cases", NameES: "Casos", NameEN: "Cases",
		Numerator: "true", Unit: results.UnitCount}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.st.ComputeIndicators(ctx, "2026-12")
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
	vals, _ := f.st.Values(ctx, results.ValueFilter{Region: ""})
	h, err := f.st.History(ctx, vals[0].Indicator, "")
	if err != nil || len(h) != 20 {
		t.Errorf("history: %d, %v", len(h), err)
	}
}

// TestReport writes the workbook: four sheets, the funnel's communes, the
// indicators' values; a regional officer's holds her region only.
func TestReport(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx["nacional"]
	if _, err := f.st.ComputeFunnel(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SaveIndicator(ctx, results.Indicator{Line: line, Version: 1, Code: "cases", NameES: "Casos", NameEN: "Cases", Numerator: "true", Unit: results.UnitCount}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ComputeIndicators(ctx, "2026-12"); err != nil {
		t.Fatal(err)
	}
	read := func(who, lang string) *excelize.File {
		var b bytes.Buffer
		if err := f.st.WriteReport(f.ctx[who], &b, line, lang); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	x := read("nacional", "en")
	if diff := cmp.Diff([]string{"Coverage", "Indicators", "Alerts", "Focalisation"}, x.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	cov, _ := x.GetRows("Coverage")
	ind, _ := x.GetRows("Indicators")
	if len(cov) != 3 || len(ind) != 4 || cov[0][0] != "Line" {
		t.Errorf("coverage %v, indicators %v", cov, ind)
	}
	es := read("rosa", "es")
	cov, _ = es.GetRows("Cobertura")
	ind, _ = es.GetRows("Indicadores")
	if len(cov) != 2 || cov[1][5] != f.own || len(ind) != 2 || ind[1][5] != "13" {
		t.Errorf("rosa: coverage %v, indicators %v", cov, ind)
	}
}
