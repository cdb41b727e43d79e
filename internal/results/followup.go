package results

import (
	"context"
	"encoding/csv"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/results/impact"
)

// A follow-up extract with a planted effect, for checking the impact
// estimators on the registry's synthetic households end to end
// (docs/results.md, "Checked against planted truth"): the households
// scored by a run, their percentile, their labour income at baseline (the
// registry's), whether they took part in a line, and their labour income at
// follow-up, drawn with a known effect of taking part.

// FollowUpOptions say what to plant.
type FollowUpOptions struct {
	// Run is the scoring run whose percentiles are the running variable.
	Run int64
	// Cutoff: households at or below this percentile are eligible.
	Cutoff float64
	// Effect is the planted proportional effect of taking part on labour
	// income at follow-up (0.12 is +12 %; 0 plants none, as for a line
	// without effect).
	Effect float64
	// TakeUp is the share of the eligible who take part (1: a sharp design).
	TakeUp float64
	Seed   uint64
}

// FollowUpColumns is the header of a follow-up extract.
var FollowUpColumns = []string{"household_id", "percentile", "participant", "labour_baseline_clp", "labour_followup_clp"}

// PlantFollowUp writes a follow-up extract of every household scored by
// opt.Run with labour income: follow-up income = baseline × exp(g + ε) ×
// (1 + Effect if it took part), g a common growth of 3 %, ε ~ N(0, 0.25²).
// Meant for synthetic registries: national staff who write only. It
// returns how many households it wrote.
func (s *Store) PlantFollowUp(ctx context.Context, w io.Writer, opt FollowUpOptions) (int, error) {
	if _, err := s.computer(ctx); err != nil {
		return 0, err
	}
	if !(opt.TakeUp > 0 && opt.TakeUp <= 1) {
		return 0, invalid("takeup", "results.err.takeup", opt.TakeUp)
	}
	if !(opt.Cutoff > 0 && opt.Cutoff < 100) {
		return 0, invalid("cutoff", "results.err.cutoff", opt.Cutoff)
	}
	f, err := s.reg.SharedFrame(ctx, true)
	if err != nil {
		return 0, err
	}
	res, err := s.tgt.ResultsFor(ctx, opt.Run, f)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0xf011_0face))
	cw := csv.NewWriter(w)
	if err := cw.Write(FollowUpColumns); err != nil {
		return 0, err
	}
	n := 0
	for i := range f.Key {
		if res.Bracket[i] == 0 {
			continue
		}
		lo, hi := f.Members(i)
		var labour int64
		for j := lo; j < hi; j++ {
			labour += int64(f.Labor[j])
		}
		// Draw for every scored household, so that one household's draws
		// do not depend on another's income.
		took := res.Percentile[i] <= opt.Cutoff && rng.Float64() < opt.TakeUp
		eps := 0.25 * rng.NormFloat64()
		if labour <= 0 {
			continue
		}
		follow := float64(labour) * math.Exp(0.03+eps)
		if took {
			follow *= 1 + opt.Effect
		}
		p := "0"
		if took {
			p = "1"
		}
		if err := cw.Write([]string{f.ExtID[i], strconv.FormatFloat(res.Percentile[i], 'f', -1, 64), p,
			strconv.FormatInt(labour, 10), strconv.FormatInt(int64(math.Round(follow)), 10)}); err != nil {
			return n, err
		}
		n++
	}
	cw.Flush()
	return n, cw.Error()
}

// ReadFollowUp reads a follow-up extract into a regression discontinuity
// sample: the percentile as running variable, the log of labour income at
// follow-up minus at baseline as outcome (differencing removes most of the
// households' level differences, so the interval is narrower), and
// participation as treatment when fuzzy is true.
func ReadFollowUp(r io.Reader, fuzzy bool) (impact.RDData, error) {
	var d impact.RDData
	rd, err := csvin.NewReader(r, "followup.csv", FollowUpColumns)
	if err != nil {
		return d, refuse(fosis.EINVALID, "results.err.followup", 1, err.Error())
	}
	for {
		err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return d, refuse(fosis.EINVALID, "results.err.followup", rd.Line(), err.Error())
		}
		x, e1 := strconv.ParseFloat(rd.Field(1), 64)
		base, e2 := strconv.ParseFloat(rd.Field(3), 64)
		follow, e3 := strconv.ParseFloat(rd.Field(4), 64)
		if e1 != nil || e2 != nil || e3 != nil || base <= 0 || follow <= 0 {
			return d, refuse(fosis.EINVALID, "results.err.followup", rd.Line(), "percentile and incomes must be numbers, incomes above zero")
		}
		d.X = append(d.X, x)
		d.Y = append(d.Y, math.Log(follow)-math.Log(base))
		if fuzzy {
			t := 0.0
			if rd.Field(2) == "1" {
				t = 1
			}
			d.D = append(d.D, t)
		}
	}
	return d, nil
}
