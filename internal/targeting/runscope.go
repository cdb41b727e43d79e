package targeting

import (
	"context"

	"github.com/fosis/fosis/internal/platform/auth"
)

// scopeRun makes run's Households the number of households of p's
// territory in the run: a regional officer is not told the national count
// (issue 11, item 14(a)), which would reveal how many households the other
// regions hold. National roles keep the run's total. The count comes from
// the run's distribution by region (Distribution), computed once per run
// and kept, as the maps use it.
func (s *Store) scopeRun(ctx context.Context, p *auth.Principal, run *Run) error {
	if p.SeesAllRegions() {
		return nil
	}
	dist, err := s.Distribution(ctx, run.ID)
	if err != nil {
		return err
	}
	run.Households = 0
	for _, rb := range dist {
		run.Households += rb.Households
	}
	return nil
}
