package impact

import (
	"math"
	"sort"
)

// Bandwidth selection: the MSE-optimal common bandwidth ("mserd") of
// Calonico, Cattaneo & Titiunik (2014), "Robust nonparametric confidence
// intervals for regression-discontinuity designs", Econometrica 82(6),
// 2295–2326, as implemented in rdrobust's rdbwselect (Calonico, Cattaneo,
// Farrell & Titiunik 2017, Stata Journal 17(2), 372–404; 2019 update), with
// p = 1 (local linear), q = 2 (local quadratic bias estimate), the
// triangular kernel, regularisation on (scaleregul = 1) and HC1 residuals.
//
// Three steps, each a plug-in of the form
//
//	h = [ (V₋ + V₊) / ((B₊ − B₋)² + R₋ + R₊) ]^(1/(2o+3))
//
// where, on each side, V is the variance constant of the order-o fit at the
// pilot bandwidth, B its leading bias constant (a higher derivative from a
// wider fit) and R the regularisation term (3·BConst²·Var of that
// derivative), all computed by bwConstants:
//
//  1. d: o = q+1, ν = q+1, bias from an order q+2 fit over each side's
//     whole range, no regularisation;
//  2. b: o = q,   ν = p+1, bias from an order q+1 fit at d;
//  3. h: o = p,   ν = 0,   bias from an order q fit at b.
//
// The pilot bandwidth is the rule of thumb c = 2.576 · min(sd, IQR/1.349) ·
// N^(-1/5) (2.576 being the triangular kernel's constant), and every
// bandwidth is capped at the larger distance from the cut-off to the data.

const (
	order    = 1 // p: local linear
	orderB   = 2 // q: local quadratic for the bias
	regulate = 1.0
)

// bwc holds one side's constants of a plug-in step.
type bwc struct{ V, B, R float64 }

// bwConstants is rdrobust's rdrobust_bw for one side: response weights s
// (1 for a sharp design), order o, derivative nu, bias order oB, variance
// bandwidth hV and bias bandwidth hB.
func bwConstants(sd side, s []float64, o, nu, oB int, hV, hB, scale float64) (bwc, bool) {
	fv, ok := fitPoly(sd, o, hV)
	if !ok {
		return bwc{}, false
	}
	// V: (2ν+1) h^(2ν+1) Var(β̂_ν)
	vv := fv.sandwich(sd, nu, s)
	V := float64(2*nu+1) * math.Pow(hV, float64(2*nu+1)) * vv

	// BConst = [ (R'WR)^-1 R'W u^(o+1) ]_ν with u = z/hV; the
	// H_p scaling of rdrobust cancels with the change of units.
	k := o + 1
	vec := make([]float64, k)
	r := make([]float64, k)
	for _, z := range sd.z {
		w := triangular(z / hV)
		if w == 0 {
			continue
		}
		u := z / hV
		powers(r, u)
		up := math.Pow(u, float64(o+1))
		for a := 0; a < k; a++ {
			vec[a] += w * r[a] * up
		}
	}
	row := fv.rowOf(nu)
	bconst := 0.0
	for a := 0; a < k; a++ {
		bconst += row[a] * vec[a]
	}

	fb, ok := fitPoly(sd, oB, hB)
	if !ok {
		return bwc{}, false
	}
	deriv := 0.0
	for q := range s {
		deriv += s[q] * fb.coef(q, o+1)
	}
	reg := 0.0
	if scale > 0 {
		vb := fb.sandwich(sd, o+1, s)
		reg = 3 * bconst * bconst * vb
	}
	B := math.Sqrt(2*float64(o+1-nu)) * bconst * deriv
	R := scale * 2 * float64(o+1-nu) * reg
	return bwc{V: V, B: B, R: R}, true
}

func plugIn(l, r bwc, o int) float64 {
	den := (r.B-l.B)*(r.B-l.B) + r.R + l.R
	return math.Pow((l.V+r.V)/den, 1/float64(2*o+3))
}

// pilot returns the rule-of-thumb pilot bandwidth of rdbwselect.
func pilot(z []float64) float64 {
	n := float64(len(z))
	mean := 0.0
	for _, v := range z {
		mean += v
	}
	mean /= n
	ss := 0.0
	for _, v := range z {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / (n - 1))
	sorted := append([]float64(nil), z...)
	sort.Float64s(sorted)
	iqr := quantile7(sorted, 0.75) - quantile7(sorted, 0.25)
	spread := sd
	if iqr > 0 && iqr/1.349 < sd {
		spread = iqr / 1.349
	}
	return 2.576 * spread * math.Pow(n, -0.2)
}

// quantile7 is R's default (type 7) quantile of sorted data.
func quantile7(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

func span(z []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range z {
		lo = math.Min(lo, v)
		hi = math.Max(hi, v)
	}
	return lo, hi
}

// selectMSERD returns the MSE-optimal common bandwidth h and the bias
// bandwidth b for the combination s of the responses (1 for the outcome;
// see EstimateRD for fuzzy designs).
func selectMSERD(all []float64, left, right side, s []float64) (h, b float64, ok bool) {
	c := pilot(all)
	lmin, _ := span(left.z)
	_, rmax := span(right.z)
	bwMax := math.Max(-lmin, rmax)
	c = math.Min(c, bwMax)
	// Step 1: d
	dl, ok1 := bwConstants(left, s, orderB+1, orderB+1, orderB+2, c, -lmin+1e-8, 0)
	dr, ok2 := bwConstants(right, s, orderB+1, orderB+1, orderB+2, c, rmax+1e-8, 0)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	d := math.Min(plugIn(dl, dr, orderB+1), bwMax)
	// Step 2: b
	bl, ok1 := bwConstants(left, s, orderB, order+1, orderB+1, c, d, regulate)
	br, ok2 := bwConstants(right, s, orderB, order+1, orderB+1, c, d, regulate)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	b = math.Min(plugIn(bl, br, orderB), bwMax)
	// Step 3: h
	hl, ok1 := bwConstants(left, s, order, 0, orderB, c, b, regulate)
	hr, ok2 := bwConstants(right, s, order, 0, orderB, c, b, regulate)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	h = math.Min(plugIn(hl, hr, order), bwMax)
	if math.IsNaN(h) || math.IsNaN(b) || h <= 0 || b <= 0 {
		return 0, 0, false
	}
	return h, b, true
}
