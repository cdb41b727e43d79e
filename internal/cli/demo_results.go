package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/fosis/fosis/internal/results"
)

// demoIndicators are the demo's indicators: the share of Acción en
// Familia's and Yo Emprendo Semilla's closed cases that graduated (Puente
// lasts 24 months: the demo's 18 have no graduate yet), and Puente's
// sessions held per open case, with targets for the last six months (the
// Metropolitan region's higher, so that its officer sees an alert).
func demoIndicators(months []string) []results.Indicator {
	var grad, grad13, sess []results.Target
	for _, m := range months {
		grad = append(grad, results.Target{Period: m, Target: 60})
		grad13 = append(grad13, results.Target{Period: m, Target: 60}, results.Target{Period: m, Region: "13", Target: 85})
		sess = append(sess, results.Target{Period: m, Target: 4})
	}
	return []results.Indicator{
		{Line: "accion-en-familia", Version: 1, Code: "graduation", NameES: "Egreso exitoso", NameEN: "Graduation",
			Numerator: "graduated", Denominator: "closed", Unit: results.UnitPercent, Tolerance: 5, Targets: grad13},
		{Line: "yo-emprendo-semilla", Version: 1, Code: "graduation", NameES: "Egreso exitoso", NameEN: "Graduation",
			Numerator: "graduated", Denominator: "closed", Unit: results.UnitPercent, Tolerance: 5, Targets: grad},
		{Line: "puente", Version: 1, Code: "sessions", NameES: "Sesiones realizadas por caso abierto", NameEN: "Sessions held per open case",
			Numerator: "closed ? 0 : sessions_held", Denominator: "!closed", Unit: results.UnitRatio, Tolerance: 0.5, Targets: sess},
	}
}

// demoResults declares the demo's indicators, computes the funnel and the
// indicators of the last six months. It does nothing if indicators exist.
func demoResults(ctx context.Context, a *App) error {
	if is, err := a.Results.Indicators(ctx, ""); err != nil || len(is) > 0 {
		return err
	}
	now := time.Now().UTC()
	var months []string
	for k := 5; k >= 0; k-- {
		months = append(months, time.Date(now.Year(), now.Month()-time.Month(k), 1, 0, 0, 0, 0, time.UTC).Format("2006-01"))
	}
	for _, in := range demoIndicators(months) {
		if _, err := a.Results.SaveIndicator(ctx, in); err != nil {
			return fmt.Errorf("demo indicator %s/%s: %w", in.Line, in.Code, err)
		}
	}
	if _, err := a.Results.ComputeFunnel(ctx); err != nil {
		return err
	}
	for _, m := range months {
		if _, err := a.Results.ComputeIndicators(ctx, m); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.Stdout, "results: the coverage funnel and %d indicators computed for %s to %s (/results/funnel, /results/indicators; fosis results alerts)\n",
		len(demoIndicators(nil)), months[0], months[len(months)-1])
	return nil
}
