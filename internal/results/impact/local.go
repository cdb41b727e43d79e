// Package impact estimates the impact of a programme from its data: the
// regression discontinuity at an eligibility cut-off (sharp and fuzzy, with
// the Calonico–Cattaneo–Titiunik bandwidth and robust bias-corrected
// intervals), the McCrary density test, placebo cut-offs, the binned scatter
// of a discontinuity chart, and difference-in-differences of participants
// against matched eligible non-participants.
//
// The package is pure: it reads slices and returns numbers, with no database
// and no clock. docs/results.md says what each estimate means and when not to
// trust it.
//
// Conventions. The running variable is centred at the cut-off and oriented so
// that the treated (eligible) side is z >= 0: z = x - c when the eligible are
// above the cut-off, z = c - x when they are below it (a poverty score's
// percentile). An observation exactly at the cut-off is eligible. An effect is
// always "eligible side minus the other side" at the cut-off.
package impact

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// triangular is the triangular kernel K(u) = (1 - |u|) on |u| < 1. The
// normalising 1/h of rdrobust's weights is left out: every quantity this
// package computes (a weighted least-squares coefficient and its sandwich
// variance) is invariant to multiplying all the weights by a constant.
func triangular(u float64) float64 {
	a := math.Abs(u)
	if a >= 1 {
		return 0
	}
	return 1 - a
}

// TriangularWeight is the triangular kernel weight of an observation at
// distance z from the cut-off with bandwidth h: max(0, 1 - |z|/h).
func TriangularWeight(z, h float64) float64 { return triangular(z / h) }

// side is one side of the cut-off: the centred running variable z (all of
// one sign) and the responses observed there (the outcome and, in a fuzzy
// design, the treatment indicator).
type side struct {
	z  []float64
	ys [][]float64 // ys[k][i]: response k of observation i
}

// polyFit is a kernel-weighted polynomial regression of order o on one side,
// fitted in the scaled variable u = z/h (so that the normal equations stay
// well conditioned whatever the units of z), with weights K(z/h).
//
// Coefficient j in z's units is beta[j]/h^j.
type polyFit struct {
	o    int
	h    float64
	n    int         // observations with a positive weight
	ginv *mat.Dense  // (R'WR)^-1 in u
	beta [][]float64 // beta[k][j]: response k, coefficient j (in u)
}

// powers fills r with 1, u, u^2, …
func powers(r []float64, u float64) {
	v := 1.0
	for j := range r {
		r[j] = v
		v *= u
	}
}

// fitPoly fits the order-o weighted regression of every response of s at
// bandwidth h. It returns ok=false when the normal equations are singular
// (fewer distinct points than coefficients within the window).
func fitPoly(s side, o int, h float64) (polyFit, bool) { return fitPolyW(s, o, h, triangular) }

// fitPolyW is fitPoly with kernel kern.
func fitPolyW(s side, o int, h float64, kern func(float64) float64) (polyFit, bool) {
	k := o + 1
	g := make([]float64, k*k)
	xy := make([][]float64, len(s.ys))
	for r := range xy {
		xy[r] = make([]float64, k)
	}
	r := make([]float64, k)
	n := 0
	for i, z := range s.z {
		w := kern(z / h)
		if w == 0 {
			continue
		}
		n++
		powers(r, z/h)
		for a := 0; a < k; a++ {
			wa := w * r[a]
			for b := a; b < k; b++ {
				g[a*k+b] += wa * r[b]
			}
			for q := range s.ys {
				xy[q][a] += wa * s.ys[q][i]
			}
		}
	}
	for a := 0; a < k; a++ {
		for b := 0; b < a; b++ {
			g[a*k+b] = g[b*k+a]
		}
	}
	if n < k {
		return polyFit{}, false
	}
	var ginv mat.Dense
	if err := ginv.Inverse(mat.NewDense(k, k, g)); err != nil {
		return polyFit{}, false
	}
	// A near-singular design (a constant running variable, all points at
	// one value) passes Inverse with a huge condition number: refuse it.
	if c := mat.Cond(mat.NewDense(k, k, g), 1); math.IsInf(c, 0) || c > 1e14 {
		return polyFit{}, false
	}
	fit := polyFit{o: o, h: h, n: n, ginv: &ginv, beta: make([][]float64, len(s.ys))}
	for q := range s.ys {
		var b mat.VecDense
		b.MulVec(&ginv, mat.NewVecDense(k, xy[q]))
		fit.beta[q] = append([]float64(nil), b.RawVector().Data...)
	}
	return fit, true
}

// predict returns the fitted value of response q at z.
func (f polyFit) predict(q int, z float64) float64 {
	u := z / f.h
	v, p := 0.0, 1.0
	for _, b := range f.beta[q] {
		v += b * p
		p *= u
	}
	return v
}

// coef returns coefficient j of response q in z's units.
func (f polyFit) coef(q, j int) float64 { return f.beta[q][j] / math.Pow(f.h, float64(j)) }

// rowOf returns row j of (R'WR)^-1 (in u).
func (f polyFit) rowOf(j int) []float64 {
	k := f.o + 1
	row := make([]float64, k)
	for a := 0; a < k; a++ {
		row[a] = f.ginv.At(j, a)
	}
	return row
}

// sandwich returns the heteroskedasticity-robust (HC1) variance of
// coefficient j of the fit, in z's units, for the linear combination
// sum_q s[q]·response_q:
//
//	V = [ (R'WR)^-1 ( Σ_i w_i² r_i r_i' ê_i² ) (R'WR)^-1 ]_jj / h^(2j)
//
// with ê_i = sqrt(n/(n-(o+1))) · Σ_q s[q] (y_qi - ŷ_qi), the HC1 residual
// of rdrobust's vce="hc1" (Calonico, Cattaneo & Farrell 2018, rdrobust's
// rdrobust_res and rdrobust_vce), n the observations in the window.
func (f polyFit) sandwich(sd side, j int, s []float64) float64 {
	k := f.o + 1
	row := f.rowOf(j)
	r := make([]float64, k)
	scale := float64(f.n) / float64(f.n-k)
	v := 0.0
	for i, z := range sd.z {
		w := triangular(z / f.h)
		if w == 0 {
			continue
		}
		powers(r, z/f.h)
		l := 0.0
		for a := 0; a < k; a++ {
			l += row[a] * r[a]
		}
		e := 0.0
		for q := range sd.ys {
			e += s[q] * (sd.ys[q][i] - f.predict(q, z))
		}
		l *= w
		v += l * l * e * e
	}
	return v * scale / math.Pow(f.h, float64(2*j))
}
