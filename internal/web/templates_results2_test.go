package web

import (
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/results"
)

// The funnel's table with the services directory's coverage per commune,
// and the indicators page with the agencies behind their schedule.
func init() {
	c := results.Counts{Eligible: 1200, Applied: 300, Selected: 40, Enrolled: 38, Completed: 20, Graduated: 15}
	fu := &results.Funnel{Filter: results.FunnelFilter{By: "commune"}, ComputedAt: "2026-12-07 10:00", Total: c,
		Rows: []results.FunnelRow{{Line: "puente", Version: 1, Call: "P-2026", Period: "2026", Region: "13", Commune: "13101", Name: "Santiago", Counts: c, ReachedPct: 3.2},
			{Line: "puente", Version: 1, Call: "P-2026", Period: "2026", Region: "13", Commune: "13102", Name: "Cerrillos", Counts: c, ReachedPct: 3.2}}}
	funnel := resultsFunnelData{Filter: fu.Filter, Funnel: fu, Chart: drawFunnel(c), National: true, Dimensions: delivery.ServiceDimensions,
		Services: map[string]delivery.CommuneServices{"13101": {Commune: "13101", Region: "13", Total: 3, ByDimension: map[string]int64{"salud": 2, "trabajo": 1}}}}
	behind := resultsIndicatorsData{Behind: []results.AgencyBehind{{Agency: "ong-norte", Region: "13", Period: "2026-12", Measure: "sessions", Actual: 2, Expected: 10, Scheduled: 14, SharePct: 20}}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"results_funnel", funnel, `id="services-h"`},
		templateCase{"results_funnel", funnel, `<a href="/services?commune=13101">3 `},
		templateCase{"results_funnel", funnel, `data-dimension="salud">`},
		templateCase{"results_funnel", funnel, `<a href="/services?commune=13102">0 `},
		templateCase{"results_funnel", funnel, `id="report-pdf-link"`},
		templateCase{"results_indicators", behind, `data-agency="ong-norte" data-region="13"`},
		templateCase{"results_indicators", resultsIndicatorsData{}, `id="behind-none"`},
	)
}
