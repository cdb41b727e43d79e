package targeting_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

var (
	day      = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	analyst  = auth.WithPrincipal(context.Background(), &auth.Principal{Username: "ana", Role: auth.RoleAnalyst})
	regional = auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"})
)

// twoRuns scores a small registry with the default income model and with
// the built-in pmt model.
func twoRuns(t *testing.T) (*targeting.Store, *registry.Store, int64, int64) {
	t.Helper()
	sys := auth.WithPrincipal(context.Background(), auth.System())
	ts, reg := scoredRegistry(t, 800)
	a, err := ts.ScoreAll(sys, targeting.DefaultModel(), day, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var pmt *targeting.Model
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			pmt = m
		}
	}
	b, err := ts.ScoreAll(sys, pmt, day, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return ts, reg, a.Run.ID, b.Run.ID
}

func TestCommuneDistribution(t *testing.T) {
	ts, reg, runID, _ := twoRuns(t)
	regions, err := ts.Distribution(analyst, runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regions {
		communes, err := ts.CommuneDistribution(analyst, runID, r.Code)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range reg.Territory().Communes {
			if c.RegionCode == r.Code {
				want = append(want, c.Code)
			}
		}
		var got []string
		sums := make([]int64, len(r.Counts))
		var households int64
		for _, c := range communes {
			got = append(got, c.Code)
			for k, n := range c.Counts {
				sums[k] += n
			}
			households += c.Households
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("region %s communes (-want +got):\n%s", r.Code, diff)
		}
		if diff := cmp.Diff(r.Counts, sums); diff != "" || households != r.Households {
			t.Errorf("region %s: communes add up to %v (%d households), the region has %v (%d)", r.Code, sums, households, r.Counts, r.Households)
		}
	}
	mine, err := ts.CommuneDistribution(regional, runID, "13")
	if err != nil || len(mine) != 52 {
		t.Fatalf("the regional officer's communes: %d, %v", len(mine), err)
	}
	mine[0].Counts[0] = -1 // a caller's copy
	again, _ := ts.CommuneDistribution(analyst, runID, "13")
	if again[0].Counts[0] < 0 {
		t.Error("a caller's change reached the cache")
	}
	for name, c := range map[string]struct {
		ctx    context.Context
		run    int64
		region string
		code   string
	}{
		"another region": {regional, runID, "05", fosis.ENOTFOUND},
		"unknown region": {analyst, runID, "99", fosis.ENOTFOUND},
		"unknown run":    {analyst, runID + 100, "13", fosis.ENOTFOUND},
		"no principal":   {context.Background(), runID, "13", fosis.EUNAUTHORIZED},
		"no registry":    {auth.WithPrincipal(context.Background(), &auth.Principal{Role: auth.RoleFinancer}), runID, "13", fosis.EFORBIDDEN},
	} {
		if _, err := ts.CommuneDistribution(c.ctx, c.run, c.region); fosis.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

func TestDiffRuns(t *testing.T) {
	ts, _, a, b := twoRuns(t)
	d, err := ts.DiffRuns(analyst, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if d.Total.Households != 800 || d.Matrix.Sum() != 800 || d.Total.Up+d.Total.Down == 0 {
		t.Fatalf("national diff: %+v", d.Total)
	}
	if len(d.ByRegion) != 16 {
		t.Fatalf("%d regions, want 16", len(d.ByRegion))
	}
	var sum targeting.Moves
	var in13 targeting.RegionTransitions
	for _, r := range d.ByRegion {
		sum.Households, sum.Up, sum.Down, sum.Into40 = sum.Households+r.Households, sum.Up+r.Up, sum.Down+r.Down, sum.Into40+r.Into40
		if r.Code == "13" {
			in13 = r
		}
	}
	if sum.Households != d.Total.Households || sum.Up != d.Total.Up || sum.Down != d.Total.Down || sum.Into40 != d.Total.Into40 {
		t.Errorf("the regions add up to %+v, the total is %+v", sum, d.Total)
	}
	// The bracket shares are fixed by the ranking, so as many leave the 40%
	// bracket as enter it, up to ties and means-test upgrades.
	if d.Total.Into40 == 0 || d.Total.OutOf40 == 0 {
		t.Errorf("nobody entered or left the 40%% bracket: %+v", d.Total)
	}

	// Every moved household, a page at a time, is what EachMoved lists.
	var all []targeting.Change
	if _, err := ts.EachMoved(analyst, a, b, func(c targeting.Change) error { all = append(all, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if int64(len(all)) != d.Total.Up+d.Total.Down {
		t.Errorf("%d moved households listed, the matrix has %d", len(all), d.Total.Up+d.Total.Down)
	}
	var paged []targeting.Change
	after, pages := "", 0
	for {
		p, err := ts.Moved(analyst, a, b, after, 37)
		if err != nil {
			t.Fatal(err)
		}
		paged, pages = append(paged, p.Items...), pages+1
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if diff := cmp.Diff(all, paged); diff != "" || pages < 2 {
		t.Errorf("pages (%d) differ from the full list (-all +paged):\n%s", pages, diff)
	}

	t.Run("regional", func(t *testing.T) {
		rd, err := ts.DiffRuns(regional, a, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(rd.ByRegion) != 1 || rd.ByRegion[0].Code != "13" || rd.Total != in13.Moves || rd.Matrix != in13.Matrix {
			t.Errorf("the regional officer's diff %+v, want region 13's %+v only", rd.Total, in13.Moves)
		}
		var mine []targeting.Change
		ts.EachMoved(regional, a, b, func(c targeting.Change) error { mine = append(mine, c); return nil })
		if int64(len(mine)) != in13.Up+in13.Down {
			t.Errorf("%d moved households for region 13, the matrix has %d", len(mine), in13.Up+in13.Down)
		}
		for _, c := range mine {
			if !strings.HasPrefix(c.CommuneCode, "13") {
				t.Errorf("household %s of commune %s listed for region 13", c.HouseholdID, c.CommuneCode)
			}
		}
		want := slices.DeleteFunc(slices.Clone(all), func(c targeting.Change) bool { return !strings.HasPrefix(c.CommuneCode, "13") })
		if diff := cmp.Diff(want, mine); diff != "" {
			t.Errorf("region 13's moved households (-want +got):\n%s", diff)
		}
	})
	t.Run("refused", func(t *testing.T) {
		if _, err := ts.Moved(analyst, a, b, "x", 10); fosis.ErrorCode(err) != fosis.EINVALID {
			t.Errorf("bad cursor: %v", err)
		}
		if _, err := ts.DiffRuns(analyst, a, b+100); fosis.ErrorCode(err) != fosis.ENOTFOUND {
			t.Errorf("unknown run: %v", err)
		}
		if _, err := ts.Moved(context.Background(), a, b, "", 10); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
			t.Errorf("no principal: %v", err)
		}
	})
}

func TestWhatIf(t *testing.T) {
	ts, reg, _, _ := twoRuns(t)
	ctx := context.Background()
	counts := func() []int64 {
		var out []int64
		for _, table := range []string{"score_models", "score_runs", "score_results", "audit_log"} {
			var n int64
			if err := reg.DB().QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return out
	}
	before := counts()
	other := targeting.DefaultModel()
	other.Version, other.Income.EquivalenceExponent = 2, 0.5
	w, err := ts.WhatIf(analyst, other, day)
	if err != nil {
		t.Fatal(err)
	}
	if w.Total.Households != 800 || w.Total.Up+w.Total.Down == 0 || w.Other.Version != 2 || w.Base.ID != targeting.DefaultModelID {
		t.Fatalf("what-if: %+v %+v", w.Total, w.Other)
	}
	var sum int64
	for _, r := range w.ByRegion {
		sum += r.Households
	}
	if sum != 800 || len(w.ByRegion) != 16 {
		t.Errorf("regions add up to %d households in %d regions", sum, len(w.ByRegion))
	}
	after := counts()
	want := slices.Clone(before)
	want[3]++ // the audit entry, and nothing else
	if diff := cmp.Diff(want, after); diff != "" {
		t.Errorf("models, runs, results, audit entries (-want +got):\n%s", diff)
	}
	var action, actor string
	reg.DB().QueryRowContext(ctx, "SELECT action, actor FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&action, &actor)
	if action != "score.what_if" || actor != "ana" {
		t.Errorf("last audit entry %s by %s", action, actor)
	}

	same, err := ts.WhatIf(analyst, targeting.DefaultModel(), day)
	if err != nil || same.Total.Up+same.Total.Down != 0 || same.Total.Same != 800 {
		t.Errorf("the active model against itself moves %+v (%v)", same.Total, err)
	}
	after = counts() // and one more audit entry

	// The households that would move, listed.
	var moved []targeting.Change
	n, err := ts.WhatIfMoved(analyst, other, day, func(c targeting.Change) error { moved = append(moved, c); return nil })
	if err != nil || n != len(moved) || int64(n) != w.Total.Up+w.Total.Down {
		t.Errorf("WhatIfMoved listed %d (%d, %v), the what-if counts %d", len(moved), n, err, w.Total.Up+w.Total.Down)
	}
	terr := reg.Territory()
	for _, c := range moved {
		if _, ok := terr.CommuneIndex(c.CommuneCode); !ok || c.From == c.To || c.HouseholdID == "" {
			t.Errorf("moved %+v", c)
		}
	}
	if _, err := ts.WhatIfMoved(regional, other, day, func(targeting.Change) error { return nil }); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("a regional officer's list: %v", err)
	}
	want = slices.Clone(after)
	want[3]++
	after = counts()
	if diff := cmp.Diff(want, after); diff != "" {
		t.Errorf("the list wrote (-want +got):\n%s", diff)
	}

	bad := targeting.DefaultModel()
	bad.Income.EquivalenceExponent, bad.Version = 3, 0
	_, err = ts.WhatIf(analyst, bad, day)
	var fields []string
	if fe, ok := err.(*fosis.Error); ok {
		for _, f := range fe.Fields {
			fields = append(fields, f.Field)
		}
	}
	if diff := cmp.Diff([]string{"version", "params.equivalence_exponent"}, fields); diff != "" {
		t.Errorf("an invalid model's problems (-want +got):\n%s\n%v", diff, err)
	}
	for name, c := range map[string]struct {
		ctx  context.Context
		code string
	}{
		"regional":     {regional, fosis.EFORBIDDEN},
		"auditor":      {auth.WithPrincipal(ctx, &auth.Principal{Role: auth.RoleAuditor}), fosis.EFORBIDDEN},
		"no principal": {ctx, fosis.EUNAUTHORIZED},
	} {
		if _, err := ts.WhatIf(c.ctx, other, day); fosis.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	if diff := cmp.Diff(after, counts()); diff != "" {
		t.Errorf("refused what-ifs wrote (-want +got):\n%s", diff)
	}
}
