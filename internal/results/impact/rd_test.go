package impact

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fosis/fosis"
)

var plus12 = math.Log(1.12)

func TestTriangularWeight(t *testing.T) {
	cases := []struct{ z, h, want float64 }{
		{0, 2, 1}, {1, 2, 0.5}, {-1, 2, 0.5}, {1.5, 2, 0.25}, {2, 2, 0}, {-3, 2, 0}, {0.1, 1, 0.9},
	}
	for _, c := range cases {
		if got := TriangularWeight(c.z, c.h); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("TriangularWeight(%v, %v) = %v, want %v", c.z, c.h, got, c.want)
		}
	}
}

// On exactly linear data the local-linear fit is exact whatever the
// weights: the jump is the difference of the intercepts and the residuals
// (so the standard errors) are zero.
func TestLocalLinearExactLines(t *testing.T) {
	var d RDData
	for i := 0; i < 200; i++ {
		x := float64(i)/2 - 49.75 // -49.75 … 49.75, cut-off 0
		y := 1 + 2*x
		if x >= 0 {
			y = 3 - x
		}
		d.X = append(d.X, x)
		d.Y = append(d.Y, y)
	}
	est, err := EstimateRD(d, RDOptions{Cutoff: 0, H: 20})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(est.Estimate-2) > 1e-9 || math.Abs(est.BiasCorrected-2) > 1e-9 {
		t.Errorf("estimate %v, bias-corrected %v, want 2", est.Estimate, est.BiasCorrected)
	}
	if est.SE > 1e-9 || est.RobustSE > 1e-9 {
		t.Errorf("SEs %v, %v on exact data, want 0", est.SE, est.RobustSE)
	}
	if math.Abs(est.ControlLine.Slope-2) > 1e-9 || math.Abs(est.EligibleLine.Slope+1) > 1e-9 {
		t.Errorf("slopes %v, %v, want 2 and -1", est.ControlLine.Slope, est.EligibleLine.Slope)
	}
	// Eligible below: same data, the sign of the jump turns.
	est, err = EstimateRD(d, RDOptions{Cutoff: 0, H: 20, EligibleBelow: true})
	if err != nil {
		t.Fatal(err)
	}
	// The left line extended to 0 is 1, the right one 3.
	if math.Abs(est.Estimate-(-2)) > 1e-9 {
		t.Errorf("eligible below: estimate %v, want -2", est.Estimate)
	}
}

// The local-linear intercept against the closed form of weighted simple
// regression: b = Σw(x−x̄)(y−ȳ)/Σw(x−x̄)², a = ȳ − b·x̄ (weighted means),
// with triangular weights, and its HC1 variance against the sandwich
// written out for two parameters.
func TestLocalLinearClosedForm(t *testing.T) {
	d := Planted{N: 3000, Cutoff: 40, Effect: plus12, TakeUp: 1, Seed: 7}.Generate()
	h := 9.0
	est, err := EstimateRD(d, RDOptions{Cutoff: 40, EligibleBelow: true, H: h})
	if err != nil {
		t.Fatal(err)
	}
	for _, eligible := range []bool{true, false} {
		var sw, sx, sy float64
		var xs, ys, ws []float64
		for i, x := range d.X {
			z := 40 - x
			if (z >= 0) != eligible {
				continue
			}
			w := math.Max(0, 1-math.Abs(z)/h)
			if w == 0 {
				continue
			}
			xs, ys, ws = append(xs, z), append(ys, d.Y[i]), append(ws, w)
			sw += w
			sx += w * z
			sy += w * d.Y[i]
		}
		mx, my := sx/sw, sy/sw
		var sxy, sxx float64
		for i := range xs {
			sxy += ws[i] * (xs[i] - mx) * (ys[i] - my)
			sxx += ws[i] * (xs[i] - mx) * (xs[i] - mx)
		}
		b := sxy / sxx
		a := my - b*mx
		line := est.ControlLine
		if eligible {
			line = est.EligibleLine
		}
		if math.Abs(line.Intercept-a) > 1e-9 || math.Abs(line.Slope-b) > 1e-9 {
			t.Errorf("eligible=%v: fit %+v, closed form a=%v b=%v", eligible, line, a, b)
		}
	}
}

func TestRDBadInputs(t *testing.T) {
	good := Planted{N: 400, Cutoff: 40, TakeUp: 1, Seed: 1}.Generate()
	nanX := Planted{N: 400, Cutoff: 40, TakeUp: 1, Seed: 1}.Generate()
	nanX.X[17] = math.NaN()
	nanY := Planted{N: 400, Cutoff: 40, TakeUp: 1, Seed: 1}.Generate()
	nanY.Y[3] = math.Inf(1)
	constant := RDData{X: make([]float64, 100), Y: make([]float64, 100)}
	for i := range constant.X {
		constant.X[i] = 40
	}
	badD := Planted{N: 400, Cutoff: 40, TakeUp: 0.5, Seed: 1}.Generate()
	badD.D[5] = 0.5
	noFirst := Planted{N: 400, Cutoff: 40, TakeUp: 0.5, Seed: 1}.Generate()
	for i := range noFirst.D {
		noFirst.D[i] = 0
	}
	few := RDData{}
	for i := 0; i < 200; i++ {
		x := float64(i) / 2 // 0 … 99.5: 10 values at or below 4.5
		few.X = append(few.X, x)
		few.Y = append(few.Y, x)
	}
	cases := []struct {
		name string
		d    RDData
		o    RDOptions
		want string
	}{
		{"empty", RDData{}, RDOptions{Cutoff: 40}, "empty"},
		{"lengths", RDData{X: good.X, Y: good.Y[:10]}, RDOptions{Cutoff: 40}, "400 values and the outcome 10"},
		{"nan x", nanX, RDOptions{Cutoff: 40}, "row 18: the running variable is NaN"},
		{"inf y", nanY, RDOptions{Cutoff: 40}, "row 4: the outcome is +Inf"},
		{"constant", constant, RDOptions{Cutoff: 40}, "the running variable is constant (40)"},
		{"constant at cut-off", constant, RDOptions{Cutoff: 30, EligibleBelow: true}, "the running variable is constant (40)"},
		{"few each side", few, RDOptions{Cutoff: 4.5, EligibleBelow: true}, "10 observations on the eligible side"},
		{"few within h", good, RDOptions{Cutoff: 40, H: 0.5}, "within the bandwidth"},
		{"take-up not 0/1", badD, RDOptions{Cutoff: 40, EligibleBelow: true}, "row 6: take-up is 0.5"},
		{"no first stage", noFirst, RDOptions{Cutoff: 40, EligibleBelow: true}, "take-up does not change"},
		{"negative h", good, RDOptions{Cutoff: 40, H: -1}, "not positive"},
		{"nan cut-off", good, RDOptions{Cutoff: math.NaN()}, "cut-off is not a number"},
	}
	for _, c := range cases {
		_, err := EstimateRD(c.d, c.o)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		var fe *fosis.Error
		if !errors.As(err, &fe) || fe.Code != fosis.EINVALID || fe.Key == "" {
			t.Errorf("%s: %v is not a keyed invalid error", c.name, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %q does not say %q", c.name, err, c.want)
		}
	}
	// A running variable with two values on one side cannot carry the
	// local-quadratic fits of the bandwidth selection.
	two := RDData{}
	for i := 0; i < 100; i++ {
		x := 10.0
		if i%2 == 0 {
			x = 20
		}
		if i >= 50 {
			x = 50 + float64(i)
		}
		two.X = append(two.X, x)
		two.Y = append(two.Y, float64(i%7))
	}
	if _, err := EstimateRD(two, RDOptions{Cutoff: 40, EligibleBelow: true}); err == nil || !strings.Contains(err.Error(), "distinct values") {
		t.Errorf("two values on one side: %v, want the bandwidth refusal", err)
	}
}

// coverage runs reps planted samples and counts how often the robust
// interval covers the planted effect.
func coverage(t *testing.T, reps int, p Planted) (float64, []RDEstimate) {
	t.Helper()
	hits := 0
	var ests []RDEstimate
	for r := 0; r < reps; r++ {
		p.Seed = uint64(1000 + r)
		est, err := EstimateRD(p.Generate(), RDOptions{Cutoff: p.Cutoff, EligibleBelow: true})
		if err != nil {
			t.Fatalf("seed %d: %v", p.Seed, err)
		}
		if est.RobustCI[0] <= p.Effect && p.Effect <= est.RobustCI[1] {
			hits++
		}
		ests = append(ests, est)
	}
	return float64(hits) / float64(reps), ests
}

// Planted truth: over 60 replications (fixed seeds) the 95 % robust
// interval must cover the planted +12 % at least 85 % of the time (a
// correct 95 % interval falls below 85 % of 60 with probability < 10⁻³),
// and the mean estimate must be near the truth.
func TestRDCoversPlantedEffect(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Planted
	}{
		{"sharp +12%", Planted{N: 6000, Cutoff: 40, Effect: plus12, TakeUp: 1}},
		{"sharp, no effect (another line)", Planted{N: 6000, Cutoff: 40, Effect: 0, TakeUp: 1}},
		{"fuzzy 60% take-up +12%", Planted{N: 8000, Cutoff: 40, Effect: plus12, TakeUp: 0.6}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rate, ests := coverage(t, 60, c.p)
			mean := 0.0
			for _, e := range ests {
				mean += e.BiasCorrected
			}
			mean /= float64(len(ests))
			t.Logf("coverage %.3f, mean estimate %.4f (planted %.4f), h %.2f b %.2f", rate, mean, c.p.Effect, ests[0].H, ests[0].B)
			if rate < 0.85 {
				t.Errorf("coverage %.3f < 0.85", rate)
			}
			if math.Abs(mean-c.p.Effect) > 0.03 {
				t.Errorf("mean estimate %.4f far from planted %.4f", mean, c.p.Effect)
			}
			if ests[0].Fuzzy != (c.p.TakeUp < 1) {
				t.Errorf("fuzzy = %v", ests[0].Fuzzy)
			}
		})
	}
}

// A large sample: the single interval covers the truth and excludes zero.
func TestRDLargeSampleDetectsEffect(t *testing.T) {
	p := Planted{N: 200000, Cutoff: 40, Effect: plus12, TakeUp: 1, Seed: 42}
	est, err := EstimateRD(p.Generate(), RDOptions{Cutoff: 40, EligibleBelow: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", est)
	if !(est.RobustCI[0] <= plus12 && plus12 <= est.RobustCI[1]) || est.RobustCI[0] <= 0 {
		t.Errorf("robust CI %v: want it to cover %.4f and exclude 0", est.RobustCI, plus12)
	}
	if est.PValue > 0.001 {
		t.Errorf("p-value %v", est.PValue)
	}
	if est.B < est.H || est.NEligibleH < MinPerSide {
		t.Errorf("h %v b %v n %d", est.H, est.B, est.NEligibleH)
	}
}

func TestPlacebosCoverZero(t *testing.T) {
	hits, total := 0, 0
	for r := 0; r < 30; r++ {
		d := Planted{N: 6000, Cutoff: 40, Effect: plus12, TakeUp: 1, Seed: uint64(500 + r)}.Generate()
		ps, err := Placebos(d, RDOptions{Cutoff: 40, EligibleBelow: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 {
			t.Fatalf("%d placebos, want the two medians", len(ps))
		}
		for _, p := range ps {
			if p.Err != nil {
				t.Fatalf("placebo at %v: %v", p.Cutoff, p.Err)
			}
			total++
			if p.Estimate.RobustCI[0] <= 0 && 0 <= p.Estimate.RobustCI[1] {
				hits++
			}
		}
	}
	rate := float64(hits) / float64(total)
	t.Logf("placebo coverage of zero %.3f over %d", rate, total)
	if rate < 0.85 {
		t.Errorf("placebos cover zero %.3f of the time", rate)
	}
	d := Planted{N: 2000, Cutoff: 40, TakeUp: 1, Seed: 1}.Generate()
	ps, _ := Placebos(d, RDOptions{Cutoff: 40, EligibleBelow: true}, []float64{40, 20, 0.5})
	if ps[0].Err == nil || ps[2].Err == nil || ps[1].Err != nil {
		t.Errorf("placebo errors %v / %v / %v: want the real cut-off and an edge refused", ps[0].Err, ps[1].Err, ps[2].Err)
	}
}

func TestBinnedScatter(t *testing.T) {
	d := Planted{N: 5000, Cutoff: 40, Effect: plus12, TakeUp: 1, Seed: 3}.Generate()
	o := RDOptions{Cutoff: 40, EligibleBelow: true}
	est, err := EstimateRD(d, o)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := BinnedScatter(d, o, est, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Eligible) != 20 || len(sc.Control) != 20 {
		t.Fatalf("%d and %d bins", len(sc.Eligible), len(sc.Control))
	}
	n := 0
	for _, b := range append(sc.Eligible, sc.Control...) {
		n += b.N
	}
	if n != 5000 {
		t.Errorf("bins hold %d units", n)
	}
	for _, b := range sc.Eligible {
		if b.X > 40 {
			t.Errorf("eligible bin at %v", b.X)
		}
	}
	if sc.EligibleFit[0][0] != 40 || sc.EligibleFit[1][0] != 40-est.H || sc.ControlFit[1][0] != 40+est.H {
		t.Errorf("fit ends %v %v", sc.EligibleFit, sc.ControlFit)
	}
	if got := sc.EligibleFit[0][1] - sc.ControlFit[0][1]; math.Abs(got-est.Estimate) > 1e-12 {
		t.Errorf("lines' gap %v, estimate %v", got, est.Estimate)
	}
	if _, err := BinnedScatter(d, o, est, 0); err == nil {
		t.Error("0 bins accepted")
	}
}

func TestMcCrary(t *testing.T) {
	rejected := 0
	for r := 0; r < 30; r++ {
		d := Planted{N: 5000, Cutoff: 40, TakeUp: 1, Seed: uint64(r)}.Generate()
		dt, err := McCrary(d.X, 40, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		if dt.PValue < 0.05 {
			rejected++
		}
	}
	if rejected > 6 {
		t.Errorf("no manipulation, rejected %d of 30", rejected)
	}
	// Manipulation: a third of the units just above the cut-off (40–46)
	// report a score just below it.
	rng := rand.New(rand.NewPCG(9, 9))
	d := Planted{N: 20000, Cutoff: 40, TakeUp: 1, Seed: 9}.Generate()
	for i, x := range d.X {
		if x > 40 && x < 46 && rng.Float64() < 0.33 {
			d.X[i] = 40 - (x - 40)
		}
	}
	dt, err := McCrary(d.X, 40, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("manipulated: %+v", dt)
	if dt.Theta <= 0 || dt.PValue > 0.001 {
		t.Errorf("manipulation not detected: theta %v p %v", dt.Theta, dt.PValue)
	}
	if _, err := McCrary([]float64{1, 2, math.NaN()}, 1, true, 0); err == nil {
		t.Error("NaN accepted")
	}
}

// On exactly quadratic data the local-linear limit is biased by
// h²·B·β₂, and the local-quadratic fit at b recovers β₂ exactly: the
// bias-corrected estimate is exact (CCT 2014, eq. (4)) while the
// conventional one is not.
func TestBiasCorrectionExactOnQuadratics(t *testing.T) {
	var d RDData
	for i := 0; i < 400; i++ {
		x := float64(i)/4 - 49.875
		y := 1 + 0.5*x + 0.02*x*x
		if x >= 0 {
			y = 1.5 - 0.3*x - 0.01*x*x
		}
		d.X = append(d.X, x)
		d.Y = append(d.Y, y)
	}
	est, err := EstimateRD(d, RDOptions{Cutoff: 0, H: 10, B: 20})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(est.BiasCorrected-0.5) > 1e-9 {
		t.Errorf("bias-corrected %v, want 0.5", est.BiasCorrected)
	}
	if math.Abs(est.Estimate-0.5) < 0.01 {
		t.Errorf("conventional %v shows no curvature bias", est.Estimate)
	}
	if est.RobustSE > 1e-9 {
		t.Errorf("robust SE %v on exact data", est.RobustSE)
	}
}

// Changing the units of the running variable (percentiles to per-mille)
// scales the selected bandwidths and leaves the estimates unchanged.
func TestBandwidthScaleEquivariant(t *testing.T) {
	d := Planted{N: 5000, Cutoff: 40, Effect: plus12, TakeUp: 1, Seed: 11}.Generate()
	a, err := EstimateRD(d, RDOptions{Cutoff: 40, EligibleBelow: true})
	if err != nil {
		t.Fatal(err)
	}
	scaled := RDData{Y: d.Y}
	for _, x := range d.X {
		scaled.X = append(scaled.X, x*10)
	}
	b, err := EstimateRD(scaled, RDOptions{Cutoff: 400, EligibleBelow: true})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(b.H/a.H-10) > 1e-6 || math.Abs(b.B/a.B-10) > 1e-6 {
		t.Errorf("h %v→%v, b %v→%v: want ×10", a.H, b.H, a.B, b.B)
	}
	if math.Abs(a.BiasCorrected-b.BiasCorrected) > 1e-9 || math.Abs(a.RobustSE-b.RobustSE) > 1e-9 {
		t.Errorf("estimates moved: %v/%v vs %v/%v", a.BiasCorrected, a.RobustSE, b.BiasCorrected, b.RobustSE)
	}
}

func TestRDCaveats(t *testing.T) {
	est, err := EstimateRD(Planted{N: 60000, Cutoff: 40, Effect: plus12, TakeUp: 1, Seed: 5}.Generate(), RDOptions{Cutoff: 40, EligibleBelow: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(est.Caveats) != 0 {
		t.Errorf("large sharp sample: caveats %v", est.Caveats)
	}
	est, err = EstimateRD(Planted{N: 1500, Cutoff: 40, Effect: plus12, TakeUp: 0.12, Seed: 5}.Generate(), RDOptions{Cutoff: 40, EligibleBelow: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(est.Caveats, ",") != CaveatFew+","+CaveatWeakFirstStage {
		t.Errorf("small sample with 12%% take-up: caveats %v (n %d/%d, first stage %.3f)", est.Caveats, est.NControlH, est.NEligibleH, est.FirstStage)
	}
}
