package impact

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Placebo is the estimate at a fake cut-off: where nothing happens, its
// robust interval should cover zero.
type Placebo struct {
	Cutoff   float64
	Estimate RDEstimate
	Err      error // the estimate could not be made (too few observations)
}

// Placebos estimates the outcome's jump (sharp, whatever the real design)
// at each fake cut-off, using only the units on the same side of the real
// cut-off as the fake one, so that the real jump never enters a placebo
// window (Imbens & Lemieux 2008, §7.2; Cattaneo, Idrobo & Titiunik 2020,
// "A Practical Introduction to Regression Discontinuity Designs:
// Foundations", §5.3). Bandwidths are selected at each fake cut-off.
// With no cut-offs given, it uses the medians of the running variable on
// each side.
func Placebos(d RDData, o RDOptions, cutoffs []float64) ([]Placebo, error) {
	if _, _, _, err := split(RDData{X: d.X, Y: d.Y}, o); err != nil {
		return nil, err
	}
	if len(cutoffs) == 0 {
		var below, above []float64
		for _, x := range d.X {
			switch {
			case x < o.Cutoff:
				below = append(below, x)
			case x > o.Cutoff:
				above = append(above, x)
			}
		}
		for _, s := range [][]float64{below, above} {
			if len(s) > 0 {
				cutoffs = append(cutoffs, median(s))
			}
		}
	}
	out := make([]Placebo, 0, len(cutoffs))
	for _, c := range cutoffs {
		var sub RDData
		for i, x := range d.X {
			if (c < o.Cutoff && x < o.Cutoff) || (c > o.Cutoff && x > o.Cutoff) {
				sub.X = append(sub.X, x)
				sub.Y = append(sub.Y, d.Y[i])
			}
		}
		po := o
		po.Cutoff = c
		po.H, po.B = 0, 0
		p := Placebo{Cutoff: c}
		if c == o.Cutoff {
			p.Err = invalid("results.err.placebo_real", "%v is the real cut-off: a placebo must be away from it", c)
		} else {
			p.Estimate, p.Err = EstimateRD(sub, po)
		}
		out = append(out, p)
	}
	return out, nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return quantile7(s, 0.5)
}

// Bin is one bin of the binned scatter: its centre in X's units, the mean
// outcome and how many units it holds.
type Bin struct {
	X, MeanY float64
	N        int
}

// Scatter is the data of the discontinuity chart: evenly spaced bins of
// the running variable on each side with the mean outcome in each (as
// rdplot's "es" bins, with a given number of bins), and the two
// local-linear lines of the estimate, from the cut-off to H away, in X's
// units.
type Scatter struct {
	Control, Eligible       []Bin
	ControlFit, EligibleFit [2][2]float64 // {{x, y} at the cut-off, {x, y} at H away}
}

// BinnedScatter bins the sample (bins per side, over the whole range of
// each side) and draws the two fitted lines of est.
func BinnedScatter(d RDData, o RDOptions, est RDEstimate, bins int) (Scatter, error) {
	if bins < 1 {
		return Scatter{}, invalid("results.err.rd_bins", "%d bins: give at least 1 per side", bins)
	}
	_, left, right, err := split(RDData{X: d.X, Y: d.Y}, o)
	if err != nil {
		return Scatter{}, err
	}
	toX := func(z float64) float64 {
		if o.EligibleBelow {
			return o.Cutoff - z
		}
		return o.Cutoff + z
	}
	binSide := func(s side) []Bin {
		lo, hi := span(s.z)
		if s.z[0] < 0 {
			hi = 0
		} else {
			lo = 0
		}
		w := (hi - lo) / float64(bins)
		sum := make([]float64, bins)
		cnt := make([]int, bins)
		for i, z := range s.z {
			k := int((z - lo) / w)
			if k >= bins {
				k = bins - 1
			}
			if k < 0 {
				k = 0
			}
			sum[k] += s.ys[0][i]
			cnt[k]++
		}
		var out []Bin
		for k := 0; k < bins; k++ {
			if cnt[k] == 0 {
				continue
			}
			out = append(out, Bin{X: toX(lo + (float64(k)+0.5)*w), MeanY: sum[k] / float64(cnt[k]), N: cnt[k]})
		}
		return out
	}
	sc := Scatter{Control: binSide(left), Eligible: binSide(right)}
	line := func(l Line, z float64) [2][2]float64 {
		return [2][2]float64{{toX(0), l.Intercept}, {toX(z), l.Intercept + l.Slope*z}}
	}
	sc.ControlFit = line(est.ControlLine, -est.H)
	sc.EligibleFit = line(est.EligibleLine, est.H)
	return sc, nil
}

// DensityTest is McCrary's (2008) test of manipulation of the running
// variable: Theta = ln f̂(eligible side) − ln f̂(other side) at the
// cut-off. A positive Theta means more units just inside eligibility than
// just outside it, which is what manipulation into a programme looks like.
type DensityTest struct {
	Theta, SE, Z, PValue float64
	BinWidth, H          float64
	FEligible, FControl  float64 // the two density estimates at the cut-off
}

// McCrary runs the density test of McCrary (2008), "Manipulation of the
// running variable in the regression discontinuity design: A density
// test", J. Econometrics 142(2), 698–714:
//
//  1. a histogram with bins of width b = 2·σ̂·n^(−1/2) (σ̂ the standard
//     deviation of X), none straddling the cut-off, each bin's height the
//     normalised count Y_j = n_j/(n·b) (§3.2);
//  2. a local-linear regression of Y_j on the bin centres on each side
//     with the triangular kernel at bandwidth h, whose intercepts are
//     f̂₊ and f̂₋;
//  3. θ̂ = ln f̂₊ − ln f̂₋ with σ̂_θ = sqrt( (1/(n h)) · (24/5) · (1/f̂₊ + 1/f̂₋) )
//     (eq. (5)).
//
// The bandwidth is McCrary's rule of thumb: on each side a global
// fourth-order polynomial fit of the histogram gives f̃” and the mean
// squared residual σ̃², h = 3.348·[σ̃²·(range of that side)/Σ f̃”(X_j)²]^(1/5),
// and h is the average of the two sides. (The local-polynomial density
// test of Cattaneo, Jansson & Ma 2020 is the modern alternative; McCrary's
// is the simpler one to check and to explain.) h > 0 fixes the bandwidth.
func McCrary(x []float64, cutoff float64, eligibleBelow bool, h float64) (DensityTest, error) {
	y := make([]float64, len(x))
	_, left, right, err := split(RDData{X: x, Y: y}, RDOptions{Cutoff: cutoff, EligibleBelow: eligibleBelow})
	if err != nil {
		return DensityTest{}, err
	}
	n := float64(len(x))
	all := append(append([]float64(nil), left.z...), right.z...)
	mean := 0.0
	for _, v := range all {
		mean += v
	}
	mean /= n
	ss := 0.0
	for _, v := range all {
		ss += (v - mean) * (v - mean)
	}
	b := 2 * math.Sqrt(ss/(n-1)) / math.Sqrt(n)
	hist := func(s side, sign float64) side {
		lo, hi := span(s.z)
		ext := math.Max(math.Abs(lo), math.Abs(hi))
		nb := int(math.Floor(ext/b)) + 1
		cnt := make([]float64, nb)
		for _, z := range s.z {
			k := int(math.Abs(z) / b)
			if k >= nb {
				k = nb - 1
			}
			cnt[k]++
		}
		out := side{ys: [][]float64{nil}}
		for k := 0; k < nb; k++ {
			out.z = append(out.z, sign*(float64(k)+0.5)*b)
			out.ys[0] = append(out.ys[0], cnt[k]/(n*b))
		}
		return out
	}
	hl, hr := hist(left, -1), hist(right, 1)
	if len(hl.z) < 6 || len(hr.z) < 6 {
		return DensityTest{}, invalid("results.err.density_few", "%d and %d histogram bins each side: the density test needs at least 6 on each side", len(hr.z), len(hl.z))
	}
	if h <= 0 {
		hs := 0.0
		for _, s := range []side{hl, hr} {
			lo, hi := span(s.z)
			rng := hi - lo + b
			f, ok := globalPoly(s, 4)
			if !ok {
				return DensityTest{}, invalid("results.err.density_fit", "the histogram cannot be fitted: too few distinct values of the running variable")
			}
			var sse, sumf2 float64
			for i, z := range s.z {
				e := s.ys[0][i] - f.predict(0, z)
				sse += e * e
				f2 := 2*f.coef(0, 2) + 6*f.coef(0, 3)*z + 12*f.coef(0, 4)*z*z
				sumf2 += f2 * f2
			}
			sigma2 := sse / float64(len(s.z)-5)
			hs += 3.348 * math.Pow(sigma2*rng/sumf2, 0.2)
		}
		h = hs / 2
	}
	fl, okl := fitPoly(hl, 1, h)
	fr, okr := fitPoly(hr, 1, h)
	if !okl || !okr {
		return DensityTest{}, invalid("results.err.density_h", "the bandwidth %.4g holds too few histogram bins on one side: widen it", h)
	}
	fm, fp := fl.coef(0, 0), fr.coef(0, 0)
	if fm <= 0 || fp <= 0 {
		return DensityTest{}, invalid("results.err.density_zero", "the estimated density at the cut-off is not positive on one side (%.3g, %.3g): the test does not apply", fp, fm)
	}
	t := DensityTest{BinWidth: b, H: h, FEligible: fp, FControl: fm}
	t.Theta = math.Log(fp) - math.Log(fm)
	t.SE = math.Sqrt(1 / (n * h) * 24 / 5 * (1/fp + 1/fm))
	t.Z = t.Theta / t.SE
	t.PValue = 2 * distuv.UnitNormal.CDF(-math.Abs(t.Z))
	return t, nil
}

// globalPoly is the unweighted least-squares polynomial of order o.
func globalPoly(s side, o int) (polyFit, bool) {
	lo, hi := span(s.z)
	scale := math.Max(math.Abs(lo), math.Abs(hi))
	return fitPolyW(s, o, scale, func(float64) float64 { return 1 })
}
