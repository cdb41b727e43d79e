package impact

import (
	"math"

	"github.com/fosis/fosis"
	"gonum.org/v1/gonum/stat/distuv"
)

// MinPerSide is the fewest observations each side of the cut-off (within
// the bandwidth) that an estimate accepts: below it the local fits and
// their variances mean nothing.
const MinPerSide = 20

// RDData is a regression discontinuity sample: the running variable X (a
// score or its percentile), the outcome Y and, for a fuzzy design, the
// treatment actually received D (1 took part, 0 did not). D nil is a sharp
// design: everyone on the eligible side is treated.
type RDData struct {
	X, Y, D []float64
}

// RDOptions says where the cut-off is and how to estimate.
type RDOptions struct {
	Cutoff float64
	// EligibleBelow: the eligible side is X <= Cutoff (a poverty score's
	// percentile); otherwise it is X >= Cutoff.
	EligibleBelow bool
	// H and B fix the main and bias bandwidths (in X's units); 0 selects
	// them (MSE-optimal, "mserd"). B defaults to H when only H is given.
	H, B float64
	// Level of the confidence intervals; 0 means 0.95.
	Level float64
}

// RDEstimate is the result of EstimateRD. Effects are the eligible side's
// limit minus the other side's, at the cut-off; in a fuzzy design they are
// Wald ratios (jump in the outcome over jump in take-up): the effect on
// those who take part because they are eligible.
type RDEstimate struct {
	Fuzzy bool
	H, B  float64 // main (local-linear) and bias (local-quadratic) bandwidths
	// Observations with a positive weight at H, on the other (control) and
	// eligible sides, and all observations on each side.
	NControlH, NEligibleH int
	NControl, NEligible   int

	// Conventional local-linear estimate, its standard error and interval.
	Estimate, SE float64
	CI           [2]float64
	// Bias-corrected estimate and the robust standard error and interval
	// (CCT 2014): the interval to report.
	BiasCorrected, RobustSE float64
	RobustCI                [2]float64
	PValue                  float64 // robust, two-sided, of no effect

	// Fuzzy designs: the conventional jumps in outcome (intention to treat)
	// and take-up (first stage); FirstStageSE is its conventional SE.
	ReducedForm, FirstStage, FirstStageSE float64

	// Caveats names the reasons not to trust the estimate that the sample
	// itself shows (docs/results.md, "When not to trust it"): CaveatFew,
	// CaveatWeakFirstStage. The density test and the placebos are
	// separate calls.
	Caveats []string

	// The two local-linear fits of the outcome at H, for the chart: value
	// at the cut-off and slope per unit of the centred running variable z
	// (z >= 0 the eligible side; see the package comment).
	ControlLine, EligibleLine Line
}

// Caveats of an estimate.
const (
	// CaveatFew: fewer than FewNearCutoff units within the bandwidth on
	// a side: the interval is wide and rests on few households.
	CaveatFew = "few_near_cutoff"
	// CaveatWeakFirstStage: a fuzzy design whose take-up jumps by less
	// than WeakFirstStage: the ratio is noisy and its normal interval
	// unreliable; report the intention-to-treat jump instead.
	CaveatWeakFirstStage = "weak_first_stage"

	FewNearCutoff  = 200
	WeakFirstStage = 0.2
)

// Line is y = Intercept + Slope·z on one side.
type Line struct{ Intercept, Slope float64 }

func invalid(key, format string, args ...any) error {
	return fosis.KeyedErrorf(fosis.EINVALID, key, format, args...)
}

// split checks the data and returns the centred, oriented running variable
// and the two sides (control z < 0, eligible z >= 0), each with the
// responses Y (and D).
func split(d RDData, o RDOptions) (all []float64, left, right side, err error) {
	n := len(d.X)
	if n == 0 {
		return nil, side{}, side{}, invalid("results.err.rd_empty", "the sample is empty: give the running variable and the outcome of each unit")
	}
	if len(d.Y) != n {
		return nil, side{}, side{}, invalid("results.err.rd_lengths", "the running variable has %d values and the outcome %d: give one of each per unit", n, len(d.Y))
	}
	if d.D != nil && len(d.D) != n {
		return nil, side{}, side{}, invalid("results.err.rd_lengths_d", "the running variable has %d values and the take-up %d: give one of each per unit", n, len(d.D))
	}
	if math.IsNaN(o.Cutoff) || math.IsInf(o.Cutoff, 0) {
		return nil, side{}, side{}, invalid("results.err.rd_cutoff", "the cut-off is not a number: give a finite value of the running variable")
	}
	resp := 1
	if d.D != nil {
		resp = 2
	}
	all = make([]float64, n)
	left.ys = make([][]float64, resp)
	right.ys = make([][]float64, resp)
	for i := 0; i < n; i++ {
		x, y := d.X[i], d.Y[i]
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, side{}, side{}, invalid("results.err.rd_x_nan", "row %d: the running variable is %v: drop the row or give its value", i+1, x)
		}
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return nil, side{}, side{}, invalid("results.err.rd_y_nan", "row %d: the outcome is %v: drop the row or give its value", i+1, y)
		}
		z := x - o.Cutoff
		if o.EligibleBelow {
			z = o.Cutoff - x
		}
		all[i] = z
		sd := &left
		if z >= 0 {
			sd = &right
		}
		sd.z = append(sd.z, z)
		sd.ys[0] = append(sd.ys[0], y)
		if d.D != nil {
			t := d.D[i]
			if t != 0 && t != 1 {
				return nil, side{}, side{}, invalid("results.err.rd_d", "row %d: take-up is %v: give 1 (took part) or 0 (did not)", i+1, t)
			}
			sd.ys[1] = append(sd.ys[1], t)
		}
	}
	if lo, hi := span(all); lo == hi {
		return nil, side{}, side{}, invalid("results.err.rd_constant", "the running variable is constant (%v): a discontinuity needs units on both sides of the cut-off", d.X[0])
	}
	if len(left.z) < MinPerSide || len(right.z) < MinPerSide {
		return nil, side{}, side{}, invalid("results.err.rd_few", "%d observations on the eligible side and %d on the other: at least %d are needed on each side of the cut-off", len(right.z), len(left.z), MinPerSide)
	}
	return all, left, right, nil
}

// EstimateRD estimates the effect at the cut-off by local-linear regression
// with a triangular kernel on each side (Hahn, Todd & van der Klaauw 2001,
// Econometrica 69(1); Imbens & Lemieux 2008, J. Econometrics 142(2)), with
// the MSE-optimal bandwidth and the robust bias-corrected interval of
// Calonico, Cattaneo & Titiunik (2014, Econometrica 82(6)), as rdrobust
// computes them with p = 1, q = 2, kernel = triangular, bwselect = "mserd",
// vce = "hc1" (heteroskedasticity-robust HC1 residuals, not rdrobust's
// default nearest-neighbour ones; the two agree in large samples; the HC1
// degrees-of-freedom factor n/(n−k) takes n from each fit's own window,
// where rdrobust takes the wider of h and b for both, a difference of
// order 1/n), no mass-point adjustment and no covariates.
//
// On each side (CCT 2014, eqs. (3)–(4) and Theorem 1):
//
//	μ̂      = e₀' Γ⁻¹_p R_p' W_h Y               (local linear at h)
//	μ̂_bc   = μ̂ − h² B̂ · β̂₂,   B̂ = e₀' Γ⁻¹_p R_p' W_h (z/h)²
//	β̂₂     = the quadratic coefficient of a local-quadratic fit at b
//
// so μ̂_bc = Σ qᵢ yᵢ with known weights qᵢ, and its robust variance is
// Σ qᵢ² ε̂ᵢ² with the residuals ε̂ of the local-quadratic fit at b (the
// variance of the bias estimate is kept: that is what makes the interval
// robust). The conventional variance is Σ lᵢ² ε̂ᵢ² with the local-linear
// weights lᵢ and residuals.
//
// Fuzzy designs: τ = τ_Y / τ_D (Hahn, Todd & van der Klaauw 2001); its
// bias correction and both variances use the delta method with the
// conventional jumps, s = (1/τ_D, −τ_Y/τ_D²), as rdrobust does: the
// variances come from the residual s₁ε̂_Y + s₂ε̂_D. The bandwidths are selected for the outcome's jump
// (the intention-to-treat), not for the ratio as rdrobust does: the ratio's
// bandwidth is unstable when take-up is low, and an ITT bandwidth is a
// common, documented choice.
func EstimateRD(d RDData, o RDOptions) (RDEstimate, error) {
	all, left, right, err := split(d, o)
	if err != nil {
		return RDEstimate{}, err
	}
	level := o.Level
	if level == 0 {
		level = 0.95
	}
	if !(level > 0 && level < 1) {
		return RDEstimate{}, invalid("results.err.rd_level", "the confidence level %v is not between 0 and 1: give e.g. 0.95", level)
	}
	fuzzy := d.D != nil
	sY := []float64{1}
	if fuzzy {
		sY = []float64{1, 0}
	}
	h, b := o.H, o.B
	if h < 0 || b < 0 || math.IsNaN(h) || math.IsNaN(b) {
		return RDEstimate{}, invalid("results.err.rd_bandwidth", "the bandwidth %v/%v is not positive: give a positive value or 0 to select it", h, b)
	}
	if h == 0 {
		var ok bool
		h, b, ok = selectMSERD(all, left, right, sY)
		if !ok {
			return RDEstimate{}, invalid("results.err.rd_select", "the bandwidth cannot be selected: too few distinct values of the running variable near the cut-off; give a bandwidth or more data")
		}
		if b < h {
			// A bias bandwidth below h would fit the bias on fewer
			// points than the estimate: fosis takes b = h then (rare;
			// the plug-in b is normally the wider).
			b = h
		}
	} else if b == 0 {
		b = h
	}
	est := RDEstimate{Fuzzy: fuzzy, H: h, B: b, NControl: len(left.z), NEligible: len(right.z)}
	sl, okl := sideFit(left, h, b)
	sr, okr := sideFit(right, h, b)
	est.NControlH, est.NEligibleH = sl.nh, sr.nh
	if !okl || !okr || sl.nh < MinPerSide || sr.nh < MinPerSide {
		return RDEstimate{}, invalid("results.err.rd_few_h", "%d observations within the bandwidth %.4g on the eligible side and %d on the other: at least %d are needed on each side; widen the bandwidth or gather more data near the cut-off", sr.nh, h, sl.nh, MinPerSide)
	}
	est.ControlLine = Line{sl.lin.coef(0, 0), sl.lin.coef(0, 1)}
	est.EligibleLine = Line{sr.lin.coef(0, 0), sr.lin.coef(0, 1)}

	tauY := sr.mu[0] - sl.mu[0]
	tauYbc := sr.mubc[0] - sl.mubc[0]
	sCl, sBc := []float64{1}, []float64{1}
	est.Estimate, est.BiasCorrected = tauY, tauYbc
	if fuzzy {
		tauD := sr.mu[1] - sl.mu[1]
		tauDbc := sr.mubc[1] - sl.mubc[1]
		if math.Abs(tauD) < 1e-8 {
			return RDEstimate{}, invalid("results.err.rd_no_first_stage", "take-up does not change at the cut-off (jump %.3g): a fuzzy estimate needs eligibility to change participation", tauD)
		}
		est.ReducedForm, est.FirstStage = tauY, tauD
		est.FirstStageSE = math.Sqrt(sl.varCl(left, []float64{0, 1}) + sr.varCl(right, []float64{0, 1}))
		est.Estimate = tauY / tauD
		// The bias of the ratio by the delta method, as rdrobust:
		// τ_bc = τ − s'(bias_Y, bias_D), s = (1/τ_D, −τ_Y/τ_D²), and s
		// also weighs the residuals of both variances.
		sCl = []float64{1 / tauD, -tauY / (tauD * tauD)}
		sBc = sCl
		est.BiasCorrected = est.Estimate - sCl[0]*(tauY-tauYbc) - sCl[1]*(tauD-tauDbc)
	}
	est.SE = math.Sqrt(sl.varCl(left, sCl) + sr.varCl(right, sCl))
	est.RobustSE = math.Sqrt(sl.varRb(left, sBc) + sr.varRb(right, sBc))
	zc := distuv.UnitNormal.Quantile(0.5 + level/2)
	est.CI = [2]float64{est.Estimate - zc*est.SE, est.Estimate + zc*est.SE}
	est.RobustCI = [2]float64{est.BiasCorrected - zc*est.RobustSE, est.BiasCorrected + zc*est.RobustSE}
	est.PValue = 2 * distuv.UnitNormal.CDF(-math.Abs(est.BiasCorrected/est.RobustSE))
	if est.NControlH < FewNearCutoff || est.NEligibleH < FewNearCutoff {
		est.Caveats = append(est.Caveats, CaveatFew)
	}
	if fuzzy && math.Abs(est.FirstStage) < WeakFirstStage {
		est.Caveats = append(est.Caveats, CaveatWeakFirstStage)
	}
	return est, nil
}

// sideEst is one side's local-linear and local-quadratic fits, the limits
// at the cut-off and the weights that make them.
type sideEst struct {
	lin, quad polyFit
	nh        int
	mu, mubc  []float64 // per response
	c0        float64   // e₀'Γ⁻¹_p R_p'W_h (z/h)²: the bias constant
}

func sideFit(s side, h, b float64) (sideEst, bool) {
	lin, ok := fitPoly(s, order, h)
	if !ok {
		return sideEst{nh: lin.n}, false
	}
	quad, ok := fitPoly(s, orderB, b)
	if !ok {
		return sideEst{nh: lin.n}, false
	}
	row := lin.rowOf(0)
	c0 := 0.0
	r := make([]float64, order+1)
	for _, z := range s.z {
		w := triangular(z / h)
		if w == 0 {
			continue
		}
		powers(r, z/h)
		u2 := (z / h) * (z / h)
		for a := range r {
			c0 += row[a] * w * r[a] * u2
		}
	}
	e := sideEst{lin: lin, quad: quad, nh: lin.n, c0: c0}
	for q := range s.ys {
		mu := lin.coef(q, 0)
		e.mu = append(e.mu, mu)
		// h²·β₂ in z units is (h/b)²·β₂ in u units of the quadratic fit.
		e.mubc = append(e.mubc, mu-c0*(h/b)*(h/b)*quad.beta[q][2])
	}
	return e, true
}

// varCl is the conventional variance of the side's limit for the
// combination s of responses.
func (e sideEst) varCl(sd side, s []float64) float64 { return e.lin.sandwich(sd, 0, s) }

// varRb is the robust variance of the bias-corrected limit: Σ qᵢ² ε̂ᵢ² with
// qᵢ = lᵢ − c₀ (h/b)² m₂ᵢ, lᵢ the local-linear weights at h and m₂ᵢ the
// weights of the quadratic coefficient at b, and ε̂ the HC1 residuals of the
// local-quadratic fit.
func (e sideEst) varRb(sd side, s []float64) float64 {
	h, b := e.lin.h, e.quad.h
	l0 := e.lin.rowOf(0)
	m2 := e.quad.rowOf(2)
	rp := make([]float64, order+1)
	rq := make([]float64, orderB+1)
	k := orderB + 1
	scale := float64(e.quad.n) / float64(e.quad.n-k)
	f := e.c0 * (h / b) * (h / b)
	v := 0.0
	for i, z := range sd.z {
		wh := triangular(z / h)
		wb := triangular(z / b)
		if wh == 0 && wb == 0 {
			continue
		}
		q := 0.0
		if wh > 0 {
			powers(rp, z/h)
			for a := range rp {
				q += l0[a] * rp[a] * wh
			}
		}
		if wb > 0 {
			powers(rq, z/b)
			for a := range rq {
				q -= f * m2[a] * rq[a] * wb
			}
		}
		res := 0.0
		for r := range sd.ys {
			res += s[r] * (sd.ys[r][i] - e.quad.predict(r, z))
		}
		v += q * q * res * res
	}
	return v * scale
}
