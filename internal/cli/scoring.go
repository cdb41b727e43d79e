package cli

import (
	"context"
	"time"

	"github.com/fosis/fosis/internal/targeting"
)

// seedScoringDemo stores an earlier run of the demo's registry with the
// built-in pmt model, dated a month back, so that the diff page (/runs/diff)
// compares two models from the start. The default model's run that follows
// stays the latest, the one household pages explain.
func seedScoringDemo(ctx context.Context, a *App) error {
	if a.Territory.Country != "CL" {
		return nil // the pmt model's weights name Chile's regions
	}
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			_, err := a.Targeting.ScoreAll(ctx, m, time.Now().UTC().AddDate(0, -1, 0), "demo: the pmt model, to compare with", nil)
			return err
		}
	}
	return nil
}
