package results

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
)

// BenchmarkFunnelByCommune reads one line's funnel by commune from a
// snapshot of national size: 20 lines × 25 calls (500 calls) × every
// commune of Chile (346), 173,000 rows. The budget for the funnel of
// a line by commune at 7 million households is 3 s; the snapshot makes the
// read independent of the registry's size (the computation runs the
// programmes' preview once per call, benchmarked there).
func BenchmarkFunnelByCommune(b *testing.B) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d := dbtest.Open(b)
	reg := registry.NewStore(d, geo.Chile(), nil)
	if err := reg.SyncTerritory(ctx); err != nil {
		b.Fatal(err)
	}
	s := NewStore(d, nil, nil, reg, nil, nil, nil)
	terr := reg.Territory()
	rng := rand.New(rand.NewPCG(1, 2))
	var rows [][]any
	at := d.Time(time.Now())
	for l := 0; l < 20; l++ {
		for c := 0; c < 25; c++ {
			for _, cm := range terr.Communes {
				e := rng.Int64N(5000)
				ap := e / 5
				rows = append(rows, []any{fmt.Sprintf("call-%02d-%02d", l, c), fmt.Sprintf("line-%02d", l), 1, fmt.Sprint(2020 + c%6), cm.RegionCode, cm.Code,
					e, ap, ap / 3, ap / 4, ap / 8, ap / 10, at})
			}
		}
	}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		_, err := tx.CopyFrom(ctx, "results_funnel", []string{"call_code", "line_code", "program_version", "period", "region_code", "commune_code",
			"eligible", "applied", "selected", "enrolled", "completed", "graduated", "computed_at"}, &db.SliceSource{Rows: rows})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Analyze(ctx, "results_funnel"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		f, err := s.Funnel(ctx, FunnelFilter{Line: "line-07", By: "commune"})
		if err != nil || len(f.Rows) != 25*len(terr.Communes) {
			b.Fatalf("%d rows, %v", len(f.Rows), err)
		}
	}
	b.ReportMetric(float64(len(rows)), "snapshot-rows")
}

// BenchmarkSuppress suppresses one open-data table of national size: every
// commune (346) × 16 lines, a third of the cells small.
func BenchmarkSuppress(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	cells := make([][]int64, 346)
	for r := range cells {
		cells[r] = make([]int64, 16)
		for c := range cells[r] {
			switch rng.IntN(3) {
			case 0:
				cells[r][c] = 1 + rng.Int64N(9)
			default:
				cells[r][c] = rng.Int64N(400)
			}
		}
	}
	var hidden int
	for b.Loop() {
		s := Suppress(cells)
		hidden = s.Primary + s.Complementary
	}
	b.ReportMetric(float64(hidden), "hidden-cells")
}

// BenchmarkIndicatorEval evaluates three indicators (a condition, a sum,
// a ratio) over 500,000 cases' facts: the evaluation part of computing
// all indicators for a month at the scale (reading the facts from
// the database is delivery's query, one pass per line).
func BenchmarkIndicatorEval(b *testing.B) {
	s := &Store{reg: registry.NewStore(nil, geo.Chile(), nil)}
	inds := []Indicator{
		{Code: "grad", NameES: "x", NameEN: "x", Version: 1, Numerator: "graduated", Denominator: "closed", Unit: UnitPercent},
		{Code: "sess", NameES: "x", NameEN: "x", Version: 1, Numerator: "closed ? 0 : sessions_held", Denominator: "!closed", Unit: UnitRatio},
		{Code: "exit", NameES: "x", NameEN: "x", Version: 1, Numerator: "exit_marked > 0 && exit_met * 10 >= exit_marked * 8", Denominator: "exit_marked > 0", Unit: UnitPercent},
	}
	var nums, dens []*compiled
	for i := range inds {
		n, d, err := s.check(&inds[i])
		if err != nil {
			b.Fatal(err)
		}
		nums, dens = append(nums, n), append(dens, d)
	}
	const N = 500_000
	rng := rand.New(rand.NewPCG(5, 6))
	facts := make([]delivery.CaseFacts, N)
	states := delivery.States
	for i := range facts {
		facts[i] = delivery.CaseFacts{Version: 1, Region: "13", Commune: "13101", State: states[rng.IntN(len(states))], OpenedOn: "2025-06-01",
			SessionsHeld: rng.Int64N(30), ExitMet: rng.Int64N(10), ExitMarked: 10}
	}
	start, end, _ := periodBounds("2026-11")
	vars := map[string]any{}
	for b.Loop() {
		var sum float64
		for i := range facts {
			fillVars(vars, facts[i], start, end)
			for k := range inds {
				sum += nums[k].eval(vars) + dens[k].eval(vars)
			}
		}
		if sum == 0 {
			b.Fatal("nothing summed")
		}
	}
	b.ReportMetric(N, "cases")
}
