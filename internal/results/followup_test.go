package results_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/results/impact"
	"github.com/fosis/fosis/internal/targeting"
)

// TestFollowUpPlantedEffect: on the registry's synthetic households, scored
// by the default scorecard, a follow-up extract with +12 % labour income for
// the participants of one line (sharp, and with 60 % take-up) and none for
// another; the regression discontinuity at the 40th percentile covers the
// planted effect with its robust 95 % interval, the line without effect
// covers zero, and so do the placebo cut-offs. Seeds are fixed: the test is
// deterministic (the impact package's own tests measure the coverage rate
// over many replications).
func TestFollowUpPlantedEffect(t *testing.T) {
	ctx := sysCtx()
	d, reg := registrytest.Imported(t, 15000, 21)
	tgt := targeting.NewStore(d, reg, nil)
	out, err := tgt.ScoreAll(ctx, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	st := results.NewStore(d, nil, nil, reg, tgt, nil, nil)
	plus12 := math.Log(1.12)
	for _, tc := range []struct {
		name   string
		opt    results.FollowUpOptions
		fuzzy  bool
		effect float64
	}{
		{"line with +12 %, sharp", results.FollowUpOptions{Run: out.Run.ID, Cutoff: 40, Effect: 0.12, TakeUp: 1, Seed: 1}, false, plus12},
		{"line with +12 %, 60 % take-up", results.FollowUpOptions{Run: out.Run.ID, Cutoff: 40, Effect: 0.12, TakeUp: 0.6, Seed: 2}, true, plus12},
		{"line without effect", results.FollowUpOptions{Run: out.Run.ID, Cutoff: 40, Effect: 0, TakeUp: 1, Seed: 3}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			n, err := st.PlantFollowUp(ctx, &b, tc.opt)
			if err != nil || n < 5000 {
				t.Fatalf("planted %d households: %v", n, err)
			}
			data, err := results.ReadFollowUp(&b, tc.fuzzy)
			if err != nil {
				t.Fatal(err)
			}
			est, err := impact.EstimateRD(data, impact.RDOptions{Cutoff: 40, EligibleBelow: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d households; h %.1f, n %d/%d; bias-corrected %.4f, robust CI [%.4f, %.4f]; planted %.4f",
				n, est.H, est.NEligibleH, est.NControlH, est.BiasCorrected, est.RobustCI[0], est.RobustCI[1], tc.effect)
			if !(est.RobustCI[0] <= tc.effect && tc.effect <= est.RobustCI[1]) {
				t.Errorf("the robust interval [%.4f, %.4f] misses the planted %.4f", est.RobustCI[0], est.RobustCI[1], tc.effect)
			}
			ps, err := impact.Placebos(data, impact.RDOptions{Cutoff: 40, EligibleBelow: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if p.Err != nil {
					t.Errorf("placebo at %.1f: %v", p.Cutoff, p.Err)
				} else if !(p.Estimate.RobustCI[0] <= 0 && 0 <= p.Estimate.RobustCI[1]) {
					t.Errorf("placebo at %.1f: [%.4f, %.4f] misses zero", p.Cutoff, p.Estimate.RobustCI[0], p.Estimate.RobustCI[1])
				}
			}
		})
	}
	for _, tc := range []struct {
		name string
		opt  results.FollowUpOptions
		key  string
	}{
		{"take-up", results.FollowUpOptions{Run: out.Run.ID, Cutoff: 40, TakeUp: 0}, "results.err.takeup"},
		{"cut-off", results.FollowUpOptions{Run: out.Run.ID, Cutoff: 100, TakeUp: 1}, "results.err.cutoff"},
	} {
		_, err := st.PlantFollowUp(ctx, &bytes.Buffer{}, tc.opt)
		if e, ok := err.(*fosis.Error); !ok || e.Key != tc.key {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := results.ReadFollowUp(strings.NewReader("household_id,percentile,participant,labour_baseline_clp,labour_followup_clp\nH1,abc,1,100,120\n"), false); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("bad follow-up row: %v", err)
	}
}
