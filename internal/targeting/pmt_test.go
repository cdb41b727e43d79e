package targeting

import (
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fosis/fosis/internal/registry"
)

// allFeaturesModel weights every numeric feature 1, so that each term's
// value is the feature itself.
func allFeaturesModel() *Model {
	m := roomsModel(nil)
	for _, name := range NumericFeatures() {
		m.PMT.Numeric[name] = 1
	}
	m.PMT.Categorical = map[string]map[string]float64{
		"zone": {"rural": -20}, "region": {"9": 5}, "tenure": {"owner": 7}, "roof": {"poor": -3},
	}
	return m
}

func TestPMTFeatures(t *testing.T) {
	F, M := registry.SexF, registry.SexM
	h := house{rooms: 3, zone: registry.ZoneRural, region: 9, roof: registry.CondPoor, members: []person{
		{age: 45, rel: registry.RelHead, sex: F, school: 12, employed: true, labor: 600_000},
		{age: 47, rel: registry.RelSpouse, sex: M, school: 8},
		{age: 10, rel: registry.RelChild, sex: M, school: 4, inSchool: true},
		{age: 70, rel: 4, sex: F, school: 6, pension: 200_000, dis: registry.SevModerate, dep: registry.SevSevere},
		{age: 30, rel: registry.RelChild, sex: F, school: 14, employed: true, labor: 400_000, pregnant: true},
	}}
	f := buildFrame(t, h)
	m := allFeaturesModel()
	e := Explain(f, 0, m, testAsOf, nil)
	got := map[string]float64{}
	levels := map[string]string{}
	for _, term := range e.PMT.Terms {
		if term.Level != "" || categoricalIndex(term.Feature) >= 0 {
			levels[term.Feature] = term.Level
			got[term.Feature] = term.Contribution
			continue
		}
		got[term.Feature] = term.Value
	}
	want := map[string]float64{
		"members": 5, "minors": 1, "older_adults": 1, "share_minors": 0.2, "share_older_adults": 0.2,
		"head_schooling_years": 12, "mean_adult_schooling_years": 10, "employed_adults": 2,
		"share_adults_employed": 0.5, "rooms_per_person": 0.6, "log_per_capita_income": math.Log1p(240_000),
		"members_with_disability": 1, "members_with_dependency": 1, "pregnant_members": 1,
		"head_female": 1, "head_age": 45,
		"zone": -20, "region": 5, "tenure": 0, "roof": -3,
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("features (-want +got):\n%s", diff)
	}
	wantLevels := map[string]string{"zone": "rural", "region": "9", "tenure": "", "roof": "poor"}
	if diff := cmp.Diff(wantLevels, levels); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
}

func TestPMTHeadFallsBackToFirstMember(t *testing.T) {
	m := roomsModel(nil)
	m.PMT.Numeric = map[string]float64{"head_schooling_years": 1, "head_female": 10}
	f := buildFrame(t, house{members: []person{
		{age: 40, rel: registry.RelSpouse, sex: registry.SexF, school: 9},
		{age: 41, rel: registry.RelChild, school: 3},
	}})
	if got := mustScore(t, f, m).Value[0]; got != 19 {
		t.Errorf("value %v, want 19 (first member's 9 years, female)", got)
	}
}

func TestPMTEmptyHousehold(t *testing.T) {
	f := buildFrame(t, house{rooms: 4})
	if got := mustScore(t, f, allFeaturesModel()).Value[0]; got != 0 {
		t.Errorf("value of a household without members %v, want 0 (every ratio 0)", got)
	}
}

// TestExplainMatchesScore checks, on a synthetic frame, that Explain
// reproduces Score's value exactly and that its parts add up.
func TestExplainMatchesScore(t *testing.T) {
	pmt := BuiltinModels()[0]
	pmt.PMT.Numeric["head_age"] = 3
	pmt.PMT.Categorical["region"] = map[string]float64{"13": 100, "9": -100}
	pmt.MeansTest = &MeansTest{UpgradeToBracket: 80, IsapreMinIncomeCLP: ptr[int64](500_000)}
	f := syntheticFrame(3000, 3)
	for _, m := range []*Model{DefaultModel(), pmt} {
		t.Run(m.ID, func(t *testing.T) {
			res := mustScore(t, f, m)
			upgraded := 0
			for i := range f.Len() {
				e := Explain(f, i, m, testAsOf, res)
				if e.Value != res.Value[i] {
					t.Fatalf("household %d: Explain value %v, Score value %v", i, e.Value, res.Value[i])
				}
				if e.Rank.Bracket != res.Bracket[i] || e.Rank.Percentile != res.Percentile[i] {
					t.Fatalf("household %d: Explain rank %+v, Score bracket %d percentile %v", i, e.Rank, res.Bracket[i], res.Percentile[i])
				}
				var mask uint8
				for _, u := range e.Upgrades {
					mask |= 1 << slices.Index(upgradeNames[:], u.Reason)
				}
				if mask != res.Upgrade[i] {
					t.Fatalf("household %d: Explain upgrades %+v, Score mask %04b", i, e.Upgrades, res.Upgrade[i])
				}
				if mask != 0 {
					upgraded++
				}
				if e.PMT != nil {
					checkPMTSum(t, i, e)
				} else {
					checkIncomeSum(t, i, e)
				}
			}
			if upgraded == 0 {
				t.Error("no household was upgraded; the upgrade comparison tested nothing")
			}
		})
	}
}

func checkPMTSum(t *testing.T, i int, e Explanation) {
	t.Helper()
	sum := e.PMT.Intercept
	for k, term := range e.PMT.Terms {
		sum += term.Contribution
		if k > 0 && math.Abs(term.Contribution) > math.Abs(e.PMT.Terms[k-1].Contribution) {
			t.Fatalf("household %d: terms not sorted by absolute contribution: %+v", i, e.PMT.Terms)
		}
	}
	// The value is the sum rounded to the ranking's precision (pointUnits).
	if math.Abs(sum-e.Value) > 0.5/pointUnits+1e-9*math.Max(1, math.Abs(e.Value)) {
		t.Fatalf("household %d: intercept + contributions = %v, value %v", i, sum, e.Value)
	}
}

func checkIncomeSum(t *testing.T, i int, e Explanation) {
	t.Helper()
	in := e.Income
	counted, excluded, needs := 0.0, 0.0, 1.0
	for _, me := range in.Members {
		counted += me.Counted
		excluded += me.LaborExcluded
		for _, nt := range me.Needs {
			needs += nt.Weight
		}
	}
	approx := cmpopts.EquateApprox(1e-12, 1e-9)
	want := [4]float64{counted, excluded, needs, quantize(counted/in.EquivalenceDivisor/needs, pesoUnits)}
	got := [4]float64{in.CountedIncome, in.ExcludedIncome, in.NeedsIndex, e.Value}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Fatalf("household %d: (counted, excluded, needs index, value) (-parts +explanation):\n%s", i, diff)
	}
}
