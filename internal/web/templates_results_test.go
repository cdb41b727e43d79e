package web

import "github.com/fosis/fosis/internal/results"

func init() {
	keyPrefixes = append(keyPrefixes, "results")
	c := results.Counts{Eligible: 1200, Applied: 300, Selected: 40, Enrolled: 38, Completed: 20, Graduated: 15}
	fu := &results.Funnel{Filter: results.FunnelFilter{By: "commune"}, ComputedAt: "2026-12-07 10:00", Total: c,
		Rows: []results.FunnelRow{{Line: "puente", Version: 1, Call: "P-2026", Period: "2026", Region: "13", Commune: "13101", Name: "Santiago", Counts: c, ReachedPct: 3.2}}}
	area := mapArea{Code: "13101", Name: "Santiago", Href: "/results/funnel?region=13", D: "M0,0L10,0L10,10Z", Fill: "#fde0dd", Share: 3.2, Count: 38, Households: 1200}
	funnel := resultsFunnelData{Filter: fu.Filter, Funnel: fu, Chart: drawFunnel(c), National: true, Computes: true, Done: true, NotReached: map[string]int64{"13101": 1162},
		Map: choropleth{Width: 200, Height: 200, Drawn: true, Areas: []mapArea{area}, Legend: []legendClass{{Fill: "#fde0dd", From: 0, To: 5}, {Fill: "#dee2e6", Empty: true}}}}
	byLine := funnel
	byLine.Filter.By = "line"
	empty := resultsFunnelData{Filter: results.FunnelFilter{By: "commune"}, Funnel: &results.Funnel{}, Chart: drawFunnel(results.Counts{})}
	fo := &results.Focalisation{Call: "P-2026", Brackets: []results.FocalRow{{Label: 40, Applied: 200, Selected: 35, Enrolled: 33}},
		Percentiles: []results.FocalRow{{Label: 10, Applied: 50, Selected: 20, Enrolled: 19}}, Total: results.FocalRow{Applied: 300, Selected: 40, Enrolled: 38}}
	v, tg := 33.33, 50.0
	val := results.Value{Indicator: 1, Line: "puente", Version: 1, Code: "graduation", NameES: "Egreso exitoso", NameEN: "Graduation", Unit: results.UnitPercent,
		Period: "2026-11", Region: "13", Value: &v, Target: &tg, Tolerance: 5, Status: results.StatusOffTrack}
	older := val
	w := 40.0
	older.Period, older.Value, older.Status = "2026-10", &w, results.StatusOffTrack
	ind := resultsIndicatorsData{Alerts: []results.Value{val}, Computes: true, Done: true, Period: "2026-11",
		Rows: []indicatorRow{{Value: val, Spark: drawSparkline([]results.Value{older, val}), Periods: 2}}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"results_funnel", funnel, `id="funnel-chart"`},
		templateCase{"results_funnel", funnel, `<td>Santiago</td>`},
		templateCase{"results_funnel", funnel, `id="area-13101"`},
		templateCase{"results_funnel", byLine, `id="funnel-table"`},
		templateCase{"results_funnel", empty, `id="funnel-empty"`},
		templateCase{"results_focal", resultsFocalData{Call: "P-2026", Focal: fo}, `id="focal-brackets"`},
		templateCase{"results_focal", resultsFocalData{}, `id="focal-form"`},
		templateCase{"results_indicators", ind, `<polyline points=`},
		templateCase{"results_indicators", ind, `data-indicator="graduation"`},
		templateCase{"results_indicators", resultsIndicatorsData{}, `id="indicators-empty"`},
	)
}
