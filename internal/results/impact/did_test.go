package impact

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// plantedDiD draws eligible households: participation depends on the
// covariates (poorer households take part more), and so does the income
// trend, so that the naive difference in differences is biased and the
// matched one is not. Participants gain effect.
func plantedDiD(seed uint64, n int, effect float64) []Unit {
	rng := rand.New(rand.NewPCG(seed, 77))
	units := make([]Unit, n)
	for i := range units {
		score := rng.Float64() * 40      // percentile, eligible ≤ 40
		size := float64(1 + rng.IntN(6)) // household size
		p := 1 / (1 + math.Exp(0.08*(score-12)))
		treated := rng.Float64() < p
		level := 12 + 0.02*score + 0.05*size + 0.4*rng.NormFloat64() // fixed effect
		trend := 0.08 - 0.002*score + 0.01*size                      // depends on the inputs
		before := level + 0.1*rng.NormFloat64()
		after := level + trend + 0.1*rng.NormFloat64()
		if treated {
			after += effect
		}
		units[i] = Unit{Treated: treated, Covariates: []float64{score, size}, Before: before, After: after}
	}
	return units
}

func TestMatchedDiDCoversPlantedEffect(t *testing.T) {
	hits, reps := 0, 100
	var mean, naive float64
	for r := 0; r < reps; r++ {
		est, err := MatchedDiD(plantedDiD(uint64(1000+r), 2500, plus12), 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if est.CI[0] <= plus12 && plus12 <= est.CI[1] {
			hits++
		}
		mean += est.ATT / float64(reps)
		naive += est.NaiveDiD / float64(reps)
	}
	rate := float64(hits) / float64(reps)
	t.Logf("coverage %.3f, mean ATT %.4f, mean naive DiD %.4f (planted %.4f)", rate, mean, naive, plus12)
	if rate < 0.85 {
		t.Errorf("coverage %.3f", rate)
	}
	if math.Abs(mean-plus12) > 0.01 {
		t.Errorf("mean ATT %.4f far from %.4f", mean, plus12)
	}
	if math.Abs(naive-plus12) < 0.01 {
		t.Errorf("naive DiD %.4f is unbiased: the planted confounding is not working", naive)
	}
	// No effect: the interval covers zero.
	est, err := MatchedDiD(plantedDiD(99, 2500, 0), 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !(est.CI[0] <= 0 && 0 <= est.CI[1]) {
		t.Errorf("no effect: CI %v", est.CI)
	}
}

func TestMatchedDiDBadInputs(t *testing.T) {
	good := plantedDiD(1, 50, 0)
	nan := plantedDiD(1, 50, 0)
	nan[4].After = math.NaN()
	ragged := plantedDiD(1, 50, 0)
	ragged[7].Covariates = []float64{1}
	allTreated := plantedDiD(1, 50, 0)
	for i := range allTreated {
		allTreated[i].Treated = true
	}
	for _, c := range []struct {
		name  string
		units []Unit
		m     int
		want  string
	}{
		{"nan", nan, 1, "unit 5 has a value that is not a number"},
		{"ragged", ragged, 1, "unit 8 has 1 covariates"},
		{"no controls", allTreated, 1, "0 non-participants"},
		{"m", good, 0, "give at least 1"},
		{"empty", nil, 1, "0 participants"},
	} {
		_, err := MatchedDiD(c.units, c.m, 0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
