package impact

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Unit is one household (or person) for the matched difference in
// differences: whether it took part, its inputs at baseline (the
// covariates to match on: income, household size, score, …) and its
// outcome before (baseline) and after (follow-up).
type Unit struct {
	Treated       bool
	Covariates    []float64
	Before, After float64
}

// DiDEstimate is the matched difference-in-differences: the average
// effect on participants (ATT) of Σ over participants of their outcome
// change minus the mean change of their M nearest eligible
// non-participants.
type DiDEstimate struct {
	ATT, SE  float64
	CI       [2]float64
	PValue   float64
	Treated  int // participants matched
	Controls int // distinct non-participants used as matches
	M        int
	// NaiveDiD is the unmatched difference of mean changes, for
	// comparison: a large gap with ATT shows that matching mattered.
	NaiveDiD float64
}

// MatchedDiD estimates the effect on participants by nearest-neighbour
// matching on the covariates (with replacement, M matches each, distance
// the Euclidean one on covariates divided by their standard deviations —
// Abadie & Imbens' "inverse variance" metric), applied to the outcome
// change After − Before, so that fixed differences between the groups
// cancel (Heckman, Ichimura & Todd 1997, Review of Economic Studies 64(4):
// the matched DiD estimator).
//
// The standard error is the analytic one of Abadie & Imbens (2006),
// "Large sample properties of matching estimators for average treatment
// effects", Econometrica 74(1), for the ATT, in the form of Abadie,
// Drukker, Herr & Imbens (2004, Stata Journal 4(3), "nnmatch"):
//
//	V = (1/N₁²) Σ_{participants} (ΔYᵢ − ΔŶᵢ(0) − τ̂)²
//	  + (1/N₁²) Σ_{non-participants} K_M(j)(K_M(j) − 1)/M² · σ̂²(j)
//
// with K_M(j) the times j is used as a match and σ̂²(j) = ½(ΔY_j − ΔY_j')²,
// j' its nearest other non-participant. The bootstrap is not used: it is
// not valid for nearest-neighbour matching (Abadie & Imbens 2008,
// Econometrica 76(6)). The matching bias correction is not applied, so
// with several continuous covariates and few controls the estimate
// carries a bias of order N^(−1/k); docs/results.md says when to worry.
//
// Matching is by brute force, O(N₁·N₀·k): fine for a programme's
// participants against tens of thousands of eligible non-participants.
func MatchedDiD(units []Unit, m int, level float64) (DiDEstimate, error) {
	if m < 1 {
		return DiDEstimate{}, invalid("results.err.did_m", "%d matches: give at least 1", m)
	}
	if level == 0 {
		level = 0.95
	}
	var tr, co []int
	k := -1
	for i, u := range units {
		if k < 0 {
			k = len(u.Covariates)
		}
		if len(u.Covariates) != k {
			return DiDEstimate{}, invalid("results.err.did_covariates", "unit %d has %d covariates and unit 1 has %d: give the same inputs for every unit", i+1, len(u.Covariates), k)
		}
		vals := append([]float64{u.Before, u.After}, u.Covariates...)
		for _, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return DiDEstimate{}, invalid("results.err.did_nan", "unit %d has a value that is not a number: drop the unit or give its values", i+1)
			}
		}
		if u.Treated {
			tr = append(tr, i)
		} else {
			co = append(co, i)
		}
	}
	if len(tr) < 2 || len(co) < m+1 || len(co) < 2 {
		return DiDEstimate{}, invalid("results.err.did_few", "%d participants and %d non-participants: at least 2 participants and %d non-participants are needed", len(tr), len(co), max(m+1, 2))
	}
	// Inverse standard deviations of the covariates over the whole sample.
	inv := make([]float64, k)
	for j := 0; j < k; j++ {
		var s, ss float64
		for _, u := range units {
			s += u.Covariates[j]
		}
		mean := s / float64(len(units))
		for _, u := range units {
			ss += (u.Covariates[j] - mean) * (u.Covariates[j] - mean)
		}
		sd := math.Sqrt(ss / float64(len(units)-1))
		if sd > 0 {
			inv[j] = 1 / sd
		}
	}
	dist := func(a, b []float64) float64 {
		d := 0.0
		for j := range a {
			x := (a[j] - b[j]) * inv[j]
			d += x * x
		}
		return d
	}
	change := func(i int) float64 { return units[i].After - units[i].Before }
	type cand struct {
		d float64
		j int
	}
	nearest := func(i int, pool []int, m int, skip int) []int {
		// Keep the m smallest distances (ties broken by index, so the
		// result does not depend on the order of the pool).
		best := make([]cand, 0, m+1)
		for _, j := range pool {
			if j == skip {
				continue
			}
			c := cand{dist(units[i].Covariates, units[j].Covariates), j}
			if len(best) == m && (c.d > best[m-1].d || (c.d == best[m-1].d && c.j > best[m-1].j)) {
				continue
			}
			best = append(best, c)
			sort.Slice(best, func(a, b int) bool {
				if best[a].d != best[b].d {
					return best[a].d < best[b].d
				}
				return best[a].j < best[b].j
			})
			if len(best) > m {
				best = best[:m]
			}
		}
		out := make([]int, len(best))
		for a, c := range best {
			out[a] = c.j
		}
		return out
	}
	used := map[int]int{}
	gaps := make([]float64, len(tr))
	att := 0.0
	for a, i := range tr {
		ms := nearest(i, co, m, -1)
		mean := 0.0
		for _, j := range ms {
			mean += change(j)
			used[j]++
		}
		mean /= float64(len(ms))
		gaps[a] = change(i) - mean
		att += gaps[a]
	}
	n1 := float64(len(tr))
	att /= n1
	v := 0.0
	for _, g := range gaps {
		v += (g - att) * (g - att)
	}
	for j, kj := range used {
		if kj < 2 {
			continue
		}
		nn := nearest(j, co, 1, j)
		d := change(j) - change(nn[0])
		s2 := d * d / 2
		v += float64(kj*(kj-1)) / float64(m*m) * s2
	}
	v /= n1 * n1
	est := DiDEstimate{ATT: att, SE: math.Sqrt(v), Treated: len(tr), Controls: len(used), M: m}
	zc := distuv.UnitNormal.Quantile(0.5 + level/2)
	est.CI = [2]float64{att - zc*est.SE, att + zc*est.SE}
	est.PValue = 2 * distuv.UnitNormal.CDF(-math.Abs(att/est.SE))
	var mt, mc float64
	for _, i := range tr {
		mt += change(i)
	}
	for _, j := range co {
		mc += change(j)
	}
	est.NaiveDiD = mt/n1 - mc/float64(len(co))
	return est, nil
}
