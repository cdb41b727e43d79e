package targeting

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/fosis/fosis/internal/registry"
)

// Results are the scores of every household of a frame under one model, as
// columns aligned with the frame (index i is household i).
type Results struct {
	ModelID      string // id of the model that produced them
	ModelVersion int
	ModelDigest  string // Model.Digest of that model
	AsOf         int32  // scoring date, days since 1970-01-01
	UpgradeTo    uint8  // bracket the means test raises to; 0 if the model has none

	// Value is the model's value, rounded to the precision the ranking uses
	// (cents for income models, 1/10,000 point for pmt models); lower is
	// more vulnerable. It is the first ranking key.
	Value []float64
	// Tie1 and Tie2 are the second and third ranking keys, which order
	// households of equal Value (lower is more vulnerable; see TieKeyNames).
	// Income models: minus the needs index, then the proxy-means score of
	// ProxyModelID — computed only for households that share their Value
	// and Tie1 with another, and 0 for the others, which it never orders.
	// Pmt models: the monthly per-capita income, then 0.
	Tie1, Tie2 []float64
	// Percentile is 100 × (1 + households strictly more vulnerable) / N,
	// comparing (Value, Tie1, Tie2) lexicographically: households equal on
	// every key share the rank of their most vulnerable position, so the
	// most vulnerable household is at 100/N and a unique largest at 100.
	Percentile []float64
	// Bracket is the smallest of 40, 50, …, 100 at or above the percentile,
	// then raised to UpgradeTo for upgraded households.
	Bracket []uint8
	// Poorest5 is percentile ≤ 5, decided before upgrades (an upgraded
	// household keeps its flag; combine with Upgrade == 0 if needed).
	Poorest5 []bool
	// Upgrade is the mask of means tests that applied (UpgradeVehicle, …);
	// 0 for none.
	Upgrade []uint8
}

// Len returns the number of households of the run (the length of Bracket,
// the one column Compare and MeasureAccuracy need).
func (r *Results) Len() int { return len(r.Bracket) }

// Flagged returns how many households have the Poorest5 flag.
func (r *Results) Flagged() int {
	n := 0
	for _, p := range r.Poorest5 {
		if p {
			n++
		}
	}
	return n
}

// TieKeyNames names a kind's second and third ranking keys, as the
// documentation and the export describe them.
func TieKeyNames(k Kind) [2]string {
	if k == KindIncome {
		return [2]string{"minus_needs_index", "proxy_means_score"}
	}
	return [2]string{"per_capita_income_clp", "none"}
}

// chunkSize is the number of households a worker takes at a time: big enough
// to amortise the scheduling, small enough to balance and to notice a
// cancelled context quickly.
const chunkSize = 1 << 16

// Score scores every household of f under m on day asOf (days since
// 1970-01-01, the day ages are computed on) and ranks them nationally. The
// work runs on runtime.GOMAXPROCS workers in chunks; ctx is checked between
// chunks. m is validated first; its error is returned unchanged.
func Score(ctx context.Context, f *registry.Frame, m *Model, asOf int32) (*Results, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := checkFrame(f); err != nil {
		return nil, err
	}
	n := f.Len()
	res := &Results{
		ModelID: m.ID, ModelVersion: m.Version, ModelDigest: m.Digest(), AsOf: asOf,
		Value:      make([]float64, n),
		Tie1:       make([]float64, n),
		Tie2:       make([]float64, n),
		Percentile: make([]float64, n),
		Bracket:    make([]uint8, n),
		Poorest5:   make([]bool, n),
		Upgrade:    make([]uint8, n),
	}
	if m.MeansTest != nil {
		res.UpgradeTo = uint8(m.MeansTest.UpgradeToBracket)
	}
	c := compile(m, f, asOf)
	pairs := make([]rankPair, n)
	err := parallel(ctx, n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			k, u := c.score(f, i)
			res.Value[i], res.Tie1[i], res.Tie2[i], res.Upgrade[i] = k.value, k.tie1, k.tie2, u
			pairs[i] = rankPair{key: floatKey(k.value), idx: uint32(i)}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("score %s: %w", m.label(), err)
	}
	var tie2 func(i int) float64
	if c.kind == KindIncome {
		tie2 = func(i int) float64 { return c.proxyScore(f, i) }
	}
	if err := rank(ctx, res, pairs, tie2); err != nil {
		return nil, fmt.Errorf("rank %s: %w", m.label(), err)
	}
	return res, nil
}

// parallel runs work over [0, n) in chunks of chunkSize on GOMAXPROCS
// workers and returns ctx's error if it was cancelled before the end.
func parallel(ctx context.Context, n int, work func(lo, hi int)) error {
	chunks := (n + chunkSize - 1) / chunkSize
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= chunks {
					return
				}
				lo := k * chunkSize
				work(lo, min(lo+chunkSize, n))
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// checkFrame verifies that the columns Score reads have consistent lengths,
// so that a malformed frame is an error rather than a panic in a worker.
func checkFrame(f *registry.Frame) error {
	n := f.Len()
	if n >= 1<<32-1 {
		return fmt.Errorf("targeting: frame has %d households, more than a ranking can index", n)
	}
	if n == 0 && len(f.MemberStart) == 0 {
		return nil // an empty frame needs no sentinel
	}
	if len(f.MemberStart) != n+1 {
		return fmt.Errorf("targeting: frame MemberStart has %d entries, want %d", len(f.MemberStart), n+1)
	}
	households := map[string]int{
		"Region": len(f.Region), "Zone": len(f.Zone), "Tenure": len(f.Tenure), "Rooms": len(f.Rooms),
		"Floor": len(f.Floor), "Walls": len(f.Walls), "Roof": len(f.Roof), "Water": len(f.Water),
		"Sanitation": len(f.Sanitation), "Vehicle": len(f.Vehicle), "Property": len(f.Property),
		"SchoolFees": len(f.SchoolFees),
	}
	for _, name := range sortedKeys(households) {
		if households[name] != n {
			return fmt.Errorf("targeting: frame column %s has %d entries, want %d", name, households[name], n)
		}
	}
	m := int(f.MemberStart[n])
	prev := int32(0)
	for i, s := range f.MemberStart {
		if s < prev {
			return fmt.Errorf("targeting: frame MemberStart decreases at household %d", i)
		}
		prev = s
	}
	members := map[string]int{
		"BirthDay": len(f.BirthDay), "Relation": len(f.Relation), "Sex": len(f.Sex),
		"Schooling": len(f.Schooling), "InSchool": len(f.InSchool), "Employed": len(f.Employed),
		"Labor": len(f.Labor), "Pension": len(f.Pension), "Capital": len(f.Capital),
		"HealthPlan": len(f.HealthPlan), "Disability": len(f.Disability),
		"Dependency": len(f.Dependency), "Pregnant": len(f.Pregnant),
	}
	for _, name := range sortedKeys(members) {
		if members[name] < m {
			return fmt.Errorf("targeting: frame member column %s has %d entries, want %d", name, members[name], m)
		}
	}
	return nil
}
