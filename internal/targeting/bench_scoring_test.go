package targeting_test

import (
	"context"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

// BenchmarkScoringPages measures, on a registry of 100,000 households (the
// demo's), the scoring pages' work against a baseline in the same process:
// ScoreAll (read the registry, score, write a run) is the baseline; WhatIf
// reads the registry and scores it twice, writing nothing; DiffRuns (its
// first call per pair of runs, and later ones, kept) and the first page of
// Moved compare two stored runs; CommuneDistribution's first
// call per run counts by commune (later calls come from memory).
//
//	go test ./internal/targeting -run '^$' -bench ScoringPages -benchtime 3x
func BenchmarkScoringPages(b *testing.B) {
	sys := auth.WithPrincipal(context.Background(), auth.System())
	_, reg := registrytest.Imported(b, 100_000, 7)
	ts := targeting.NewStore(reg.DB(), reg, nil)
	first, err := ts.ScoreAll(sys, targeting.DefaultModel(), day, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	other := targeting.DefaultModel()
	other.Version, other.Income.EquivalenceExponent = 2, 0.5
	second, err := ts.ScoreAll(sys, other, day, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	a, c := first.Run.ID, second.Run.ID
	b.Run("baseline-ScoreAll", func(b *testing.B) {
		for b.Loop() {
			if _, err := ts.ScoreAll(sys, targeting.DefaultModel(), day, "bench", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("WhatIf", func(b *testing.B) {
		var w *targeting.WhatIfResult
		for b.Loop() {
			if w, err = ts.WhatIf(analyst, other, day); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(w.Total.Households), "households")
	})
	b.Run("DiffRuns-uncached", func(b *testing.B) {
		for b.Loop() {
			fresh := targeting.NewStore(reg.DB(), reg, nil) // no kept comparison
			if _, err := fresh.DiffRuns(analyst, a, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DiffRuns-kept", func(b *testing.B) {
		if _, err := ts.DiffRuns(analyst, a, c); err != nil { // computed and kept before the clock starts
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := ts.DiffRuns(regional, a, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Moved-first-page", func(b *testing.B) {
		for b.Loop() {
			if _, err := ts.Moved(analyst, a, c, "", 50); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CommuneDistribution-uncached", func(b *testing.B) {
		for b.Loop() {
			fresh := targeting.NewStore(reg.DB(), reg, nil) // no cached counts
			if _, err := fresh.CommuneDistribution(analyst, a, "13"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
