package targeting

import (
	"context"
	"database/sql"
	"slices"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// CommuneBrackets is how a run's households of one commune spread over the
// brackets: the values of a commune map.
type CommuneBrackets struct {
	Code       string `json:"commune_code"`
	Name       string `json:"commune_name"`
	RegionCode string `json:"region_code"`
	// Households is the commune's number of households in the run.
	Households int64 `json:"households"`
	// Counts[i] is the number of households in bracket Brackets()[i].
	Counts []int64 `json:"counts"`
}

// CommuneDistribution returns, for run runID, the number of households per
// commune and bracket for every commune of region regionCode, in commune code
// order (communes without households in the run have zero counts). A region
// outside the caller's territory answers like an unknown one: not found.
// Like Distribution, the national result is computed once per run and kept.
func (s *Store) CommuneDistribution(ctx context.Context, runID int64, regionCode string) ([]CommuneBrackets, error) {
	p, err := s.callerRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if _, ok := s.reg.Territory().RegionIndex(regionCode); !ok || !p.SeesRegion(regionCode) {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no region %q", regionCode)
	}
	var all []CommuneBrackets
	if v, ok := s.cdists.Load(runID); ok {
		all = v.([]CommuneBrackets)
	} else {
		if all, err = s.loadCommuneDistribution(ctx, runID); err != nil {
			return nil, err
		}
		s.cdists.Store(runID, all)
	}
	out := []CommuneBrackets{}
	for _, c := range all {
		if c.RegionCode == regionCode {
			c.Counts = slices.Clone(c.Counts) // the cached slice stays unshared
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *Store) loadCommuneDistribution(ctx context.Context, runID int64) ([]CommuneBrackets, error) {
	t := s.reg.Territory()
	all := make([]CommuneBrackets, len(t.Communes))
	for i, c := range t.Communes {
		all[i] = CommuneBrackets{Code: c.Code, Name: c.Name, RegionCode: c.RegionCode, Counts: make([]int64, len(fosis.Brackets()))}
	}
	// Read-only, like loadDistribution: the run's results next to the
	// households' communes.
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var code string
		var bracket, n int64
		if err := rows.Scan(&code, &bracket, &n); err != nil {
			return err
		}
		i, ok := t.CommuneIndex(code)
		b := fosis.BracketIndex(int(bracket))
		if !ok || b < 0 {
			return nil // a commune the territory lacks has no shape to colour
		}
		all[i].Counts[b] += n
		all[i].Households += n
		return nil
	}, communeBracketsSQL, runID)
	if err != nil {
		return nil, err
	}
	return all, nil
}
