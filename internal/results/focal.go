package results

import (
	"context"
	"io"
	"sort"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/synth"
)

// Focalisation is who a call reached, by the bracket and percentile of
// the Registro Social de Hogares they had when they applied.
type Focalisation struct {
	Call string `json:"call"`
	// Brackets: one row per bracket (40, 50, … 100) with applicants.
	Brackets []FocalRow `json:"brackets"`
	// Percentiles: ten rows, percentiles 0–10, 10–20, … 90–100.
	Percentiles []FocalRow `json:"percentiles"`
	// Unscored counts applicants without a score.
	Unscored FocalRow `json:"unscored"`
	Total    FocalRow `json:"total"`
}

// FocalRow counts one bracket's (or percentile band's) applicants by
// stage.
type FocalRow struct {
	// Label is the bracket (40) or the band's upper percentile (10 for
	// 0–10).
	Label    int   `json:"label"`
	Applied  int64 `json:"applied"`
	Selected int64 `json:"selected"`
	Enrolled int64 `json:"enrolled"`
}

func (r *FocalRow) count(status string) {
	r.Applied++
	if status == programs.AppSelected || status == programs.AppEnrolled {
		r.Selected++
	}
	if status == programs.AppEnrolled {
		r.Enrolled++
	}
}

// Focalisation counts call ref's applicants by bracket and percentile band,
// those the caller may see (a regional officer: their region's).
func (s *Store) Focalisation(ctx context.Context, ref string) (*Focalisation, error) {
	if _, err := s.access(ctx); err != nil {
		return nil, err
	}
	apps, err := s.prog.CallApplicants(ctx, ref)
	if err != nil {
		return nil, err
	}
	out := &Focalisation{Call: ref, Brackets: []FocalRow{}, Percentiles: make([]FocalRow, 10)}
	for i := range out.Percentiles {
		out.Percentiles[i].Label = 10 * (i + 1)
	}
	brackets := map[int]*FocalRow{}
	for _, a := range apps {
		out.Total.count(a.Status)
		if !a.Scored {
			out.Unscored.count(a.Status)
			continue
		}
		b := brackets[a.Bracket]
		if b == nil {
			b = &FocalRow{Label: a.Bracket}
			brackets[a.Bracket] = b
		}
		b.count(a.Status)
		k := min(max(int(a.Percentile/10), 0), 9)
		if a.Percentile == float64(10*k) && k > 0 {
			k-- // a band includes its upper percentile: 40 is in 30–40
		}
		out.Percentiles[k].count(a.Status)
	}
	for _, b := range brackets {
		out.Brackets = append(out.Brackets, *b)
	}
	sort.Slice(out.Brackets, func(i, j int) bool { return out.Brackets[i].Label < out.Brackets[j].Label })
	return out, nil
}

// TargetErrors are a call's targeting errors against the true per-capita
// income of synthetic households (the generator's truth.csv): the target
// population is the TargetPct per cent of households with the lowest true
// per-capita income in the whole country.
type TargetErrors struct {
	Call      string  `json:"call"`
	TargetPct float64 `json:"target_pct"`
	// Reached counts the households selected or enrolled; ReachedOutside
	// those of them outside the target population.
	Reached        int64 `json:"reached"`
	ReachedOutside int64 `json:"reached_outside"`
	// Target counts the target households living in the call's territory;
	// TargetMissed those of them not reached.
	Target       int64 `json:"target"`
	TargetMissed int64 `json:"target_missed"`
	// Inclusion is ReachedOutside / Reached; Exclusion TargetMissed /
	// Target, in per cent.
	Inclusion float64 `json:"inclusion_error_pct"`
	Exclusion float64 `json:"exclusion_error_pct"`
	// Unmatched counts truth rows whose household is not in the registry.
	Unmatched int64 `json:"unmatched"`
}

// TargetErrors compares call ref's selection with truth, a truth.csv of
// the synthetic generator (synth.TruthColumns). The exclusion error is
// against every target household of the call's territory, whatever the
// call's places: a call with few places has a large one by construction.
// It needs national reach (it reads the whole registry's frame).
func (s *Store) TargetErrors(ctx context.Context, ref string, truth io.Reader, targetPct float64) (*TargetErrors, error) {
	if _, err := s.computer(ctx); err != nil {
		return nil, err
	}
	if !(targetPct >= 1 && targetPct <= 99) {
		return nil, invalid("target", "results.err.target_pct", targetPct)
	}
	c, err := s.prog.Call(ctx, ref)
	if err != nil {
		return nil, err
	}
	apps, err := s.prog.CallApplicants(ctx, ref)
	if err != nil {
		return nil, err
	}
	// The truth: household id → true per-capita income.
	income := map[string]int64{}
	rd, err := csvin.NewReader(truth, "truth.csv", synth.TruthColumns)
	if err != nil {
		return nil, refuse(fosis.EINVALID, "results.err.truth_header", err.Error())
	}
	for {
		err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, refuse(fosis.EINVALID, "results.err.truth", rd.Line(), err.Error())
		}
		v, perr := strconv.ParseInt(rd.Field(1), 10, 64)
		if perr != nil || rd.Field(0) == "" {
			return nil, refuse(fosis.EINVALID, "results.err.truth", rd.Line(), "per_capita_income_clp: "+rd.Field(1))
		}
		income[rd.Field(0)] = v
	}
	// The cut: the income below which TargetPct per cent of households live.
	all := make([]int64, 0, len(income))
	for _, v := range income {
		all = append(all, v)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	cut := int64(-1)
	if n := len(all); n > 0 {
		cut = all[min(n-1, max(0, int(float64(n)*targetPct/100)-1))]
	}
	f, err := s.reg.SharedFrame(ctx, true)
	if err != nil {
		return nil, err
	}
	terr := s.reg.Territory()
	reached := map[int64]bool{}
	for _, a := range apps {
		if a.Status == programs.AppSelected || a.Status == programs.AppEnrolled {
			reached[a.Household] = true
		}
	}
	out := &TargetErrors{Call: c.Code, TargetPct: targetPct}
	seen := 0
	for i, key := range f.Key {
		v, ok := income[f.ExtID[i]]
		if !ok {
			continue
		}
		seen++
		target := v <= cut
		if reached[key] {
			out.Reached++
			if !target {
				out.ReachedOutside++
			}
		}
		commune := terr.Communes[f.Commune[i]]
		if target && c.Covers(commune.Code, commune.RegionCode) {
			out.Target++
			if !reached[key] {
				out.TargetMissed++
			}
		}
	}
	out.Unmatched = int64(len(income) - seen)
	if out.Reached > 0 {
		out.Inclusion = round1(100 * float64(out.ReachedOutside) / float64(out.Reached))
	}
	if out.Target > 0 {
		out.Exclusion = round1(100 * float64(out.TargetMissed) / float64(out.Target))
	}
	return out, nil
}
