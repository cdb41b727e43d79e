package targeting

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Brackets returns the socio-economic brackets a run assigns, in order (a
// fresh copy each call).
func Brackets() []uint8 {
	b := fosis.Brackets()
	return b[:]
}

// RegionBrackets is how a run's households of one region spread over the
// brackets.
type RegionBrackets struct {
	Code string `json:"region_code"`
	Name string `json:"region_name"`
	// Households is the region's number of households in the run.
	Households int64 `json:"households"`
	// Counts[i] is the number of households in bracket Brackets()[i].
	Counts []int64 `json:"counts"`
}

// Distribution returns, for run runID, the number of households per region
// and bracket, for every region of the territory the caller may see, in
// region code order (regions without households in the run have zero
// counts). Runs never change, so the national result is computed once per
// run and kept; each caller gets its own filtered copy.
func (s *Store) Distribution(ctx context.Context, runID int64) ([]RegionBrackets, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	// The run must exist (and its results are then complete: a run and its
	// rows are written in one transaction), or an empty distribution would be
	// kept for an id that a later run takes.
	if _, err := s.runByID(ctx, runID); err != nil {
		return nil, err
	}
	var all []RegionBrackets
	if v, ok := s.dists.Load(runID); ok {
		all = v.([]RegionBrackets)
	} else {
		if all, err = s.loadDistribution(ctx, runID); err != nil {
			return nil, err
		}
		s.dists.Store(runID, all)
	}
	out := []RegionBrackets{}
	for _, r := range all {
		if p.SeesRegion(r.Code) {
			r.Counts = slices.Clone(r.Counts) // the cached slice stays unshared
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Store) loadDistribution(ctx context.Context, runID int64) ([]RegionBrackets, error) {
	var all []RegionBrackets
	at := map[string]int{}
	add := func(code, name string) int {
		all = append(all, RegionBrackets{Code: code, Name: name, Counts: make([]int64, len(fosis.Brackets()))})
		at[code] = len(all) - 1
		return len(all) - 1
	}
	for _, r := range s.reg.Territory().Regions {
		add(r.Code, r.Name)
	}
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var code string
		var bracket, n int64
		if err := rows.Scan(&code, &bracket, &n); err != nil {
			return err
		}
		i, ok := at[code]
		if !ok { // a region the database has and the territory lacks: kept, by code
			i = add(code, code)
		}
		b := fosis.BracketIndex(int(bracket))
		if b < 0 {
			return nil // not a bracket a run assigns
		}
		all[i].Counts[b] += n
		all[i].Households += n
		return nil
	}, regionBracketsSQL, runID)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(a, b RegionBrackets) int { return cmp.Compare(a.Code, b.Code) })
	return all, nil
}
