package impact

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkRD1M is the speed target: the RD estimate with the
// bandwidth selection on 1,000,000 observations (≤ 5 s). Run it with
//
//	go test -run '^$' -bench RD1M -benchtime 3x ./internal/results/impact/
func BenchmarkRD1M(b *testing.B) {
	for _, fuzzy := range []bool{false, true} {
		p := Planted{N: 1_000_000, Cutoff: 40, Effect: plus12, TakeUp: 1, Seed: 1}
		name := "sharp"
		if fuzzy {
			p.TakeUp, name = 0.6, "fuzzy"
		}
		d := p.Generate()
		b.Run(name, func(b *testing.B) {
			var est RDEstimate
			start := time.Now()
			for i := 0; i < b.N; i++ {
				var err error
				est, err = EstimateRD(d, RDOptions{Cutoff: 40, EligibleBelow: true})
				if err != nil {
					b.Fatal(err)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(per.Seconds(), "s/estimate")
			fmt.Printf("RD %s, 1,000,000 observations, bandwidth selected: %v per estimate (h %.3f, b %.3f, estimate %.4f, robust CI [%.4f, %.4f])\n",
				name, per.Round(time.Millisecond), est.H, est.B, est.BiasCorrected, est.RobustCI[0], est.RobustCI[1])
		})
	}
}

// TestExportCrosscheck writes a planted sample and fosis's estimates at a
// fixed bandwidth for scripts/crosscheck-rd.sh. It runs only when
// FOSIS_RD_CROSSCHECK_DIR names a directory.
func TestExportCrosscheck(t *testing.T) {
	dir := os.Getenv("FOSIS_RD_CROSSCHECK_DIR")
	if dir == "" {
		t.Skip("FOSIS_RD_CROSSCHECK_DIR not set: this is the cross-check export, run by scripts/crosscheck-rd.sh")
	}
	n := 20000
	if s := os.Getenv("FOSIS_RD_CROSSCHECK_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	type row struct {
		Design        string
		H, B          float64
		Estimate, SE  float64
		BiasCorrected float64
		ControlLine   Line
		EligibleLine  Line
		FirstStage    float64
		ReducedForm   float64
		SelectedH     float64
		SelectedB     float64
		RobustCI      [2]float64 // at the selected h and b
	}
	var out []row
	for _, design := range []string{"sharp", "fuzzy"} {
		p := Planted{N: n, Cutoff: 40, Effect: plus12, TakeUp: 1, Seed: 2026}
		if design == "fuzzy" {
			p.TakeUp = 0.6
		}
		d := p.Generate()
		f, err := os.Create(filepath.Join(dir, design+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(f, "x,y,d")
		for i := range d.X {
			dv := 0.0
			if d.D != nil {
				dv = d.D[i]
			} else if d.X[i] <= 40 {
				dv = 1
			}
			fmt.Fprintf(f, "%s,%s,%g\n", strconv.FormatFloat(d.X[i], 'g', -1, 64), strconv.FormatFloat(d.Y[i], 'g', -1, 64), dv)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		sel, err := EstimateRD(d, RDOptions{Cutoff: 40, EligibleBelow: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, hb := range [][2]float64{{5, 5}, {10, 10}, {sel.H, sel.H}, {sel.H, sel.B}} {
			est, err := EstimateRD(d, RDOptions{Cutoff: 40, EligibleBelow: true, H: hb[0], B: hb[1]})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, row{design, hb[0], hb[1], est.Estimate, est.SE, est.BiasCorrected, est.ControlLine, est.EligibleLine, est.FirstStage, est.ReducedForm, sel.H, sel.B, sel.RobustCI})
		}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "fosis.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
