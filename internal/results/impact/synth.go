package impact

import (
	"math"
	"math/rand/v2"
)

// Planted describes a synthetic regression discontinuity with a known
// effect, for tests, benchmarks and the cross-check (scripts/crosscheck-rd.sh).
type Planted struct {
	N      int
	Cutoff float64 // on a 0–100 percentile scale; eligible at or below it
	// Effect on log labour income of taking part (math.Log(1.12) is +12 %).
	Effect float64
	// TakeUp is the share of the eligible who take part (1: sharp).
	TakeUp float64
	Seed   uint64
}

// Generate draws the sample: the percentile X uniform on [0, 100), log
// labour income Y = 12.4 + 0.012·X − 0.00004·X² + 0.15·sin(X/9) + ε,
// ε ~ N(0, 0.45²) with a spread growing with X (heteroskedastic), plus the
// effect for those who take part. D is nil when TakeUp is 1 (a sharp
// design).
func (p Planted) Generate() RDData {
	rng := rand.New(rand.NewPCG(p.Seed, 0x5eed_f051))
	d := RDData{X: make([]float64, p.N), Y: make([]float64, p.N)}
	if p.TakeUp < 1 {
		d.D = make([]float64, p.N)
	}
	for i := 0; i < p.N; i++ {
		x := rng.Float64() * 100
		y := 12.4 + 0.012*x - 0.00004*x*x + 0.15*math.Sin(x/9) + (0.35+0.002*x)*rng.NormFloat64()
		took := x <= p.Cutoff && rng.Float64() < p.TakeUp
		if took {
			y += p.Effect
		}
		d.X[i], d.Y[i] = x, y
		if d.D != nil && took {
			d.D[i] = 1
		}
	}
	return d
}
