package results

import (
	"context"

	"github.com/fosis/fosis/internal/delivery"
)

// ServicesByCommune counts the services directory's active services per
// commune, in all and by dimension, for the funnel's table (docs/results.md,
// "Coverage funnel"): the social services available beside the coverage.
// A regional officer gets their region's communes only; region narrows
// the national view to one region.
func (s *Store) ServicesByCommune(ctx context.Context, region string) (map[string]delivery.CommuneServices, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national {
		if region != "" && region != r.region {
			return map[string]delivery.CommuneServices{}, nil
		}
		region = r.region
	}
	return s.dl.ServiceCoverage(ctx, region)
}
