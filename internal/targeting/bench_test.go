package targeting

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/fosis/fosis/internal/registry"
)

// syntheticFrame builds a deterministic frame of n households with roughly
// Chilean shapes (sizes 1–7, many zero incomes, a few disabilities, isapre
// members and vehicles). It is for speed and consistency tests, not realism.
func syntheticFrame(n int, seed uint64) *registry.Frame {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	m := n * 3
	f := &registry.Frame{
		Key: make([]int64, n), Commune: make([]int32, n), Region: make([]uint8, n),
		Zone: make([]uint8, n), Tenure: make([]uint8, n), Rooms: make([]uint8, n),
		Floor: make([]uint8, n), Walls: make([]uint8, n), Roof: make([]uint8, n),
		Water: make([]uint8, n), Sanitation: make([]uint8, n), Vehicle: make([]int64, n),
		Property: make([]int64, n), SchoolFees: make([]int64, n), MemberStart: make([]int32, 1, n+1),
		BirthDay: make([]int32, 0, m), Relation: make([]uint8, 0, m), Sex: make([]uint8, 0, m),
		Schooling: make([]uint8, 0, m), InSchool: make([]bool, 0, m), Employed: make([]bool, 0, m),
		Labor: make([]int32, 0, m), Pension: make([]int32, 0, m), Capital: make([]int32, 0, m),
		HealthPlan: make([]uint8, 0, m), Disability: make([]uint8, 0, m), Dependency: make([]uint8, 0, m),
		Indigenous: make([]bool, 0, m), Pregnant: make([]bool, 0, m),
	}
	sizes := []int{1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7}
	for i := range n {
		f.Key[i] = int64(i + 1)
		f.Region[i] = uint8(1 + rng.IntN(16))
		f.Commune[i] = int32(f.Region[i])*1000 + 101
		f.Zone[i] = uint8(1 + rng.IntN(2))
		f.Tenure[i] = uint8(1 + rng.IntN(6))
		f.Rooms[i] = uint8(1 + rng.IntN(6))
		f.Floor[i], f.Walls[i], f.Roof[i] = uint8(1+rng.IntN(3)), uint8(1+rng.IntN(3)), uint8(1+rng.IntN(3))
		f.Water[i], f.Sanitation[i] = uint8(1+rng.IntN(5)), uint8(1+rng.IntN(4))
		if rng.IntN(10) == 0 {
			f.Vehicle[i] = int64(rng.IntN(40_000_000))
		}
		if rng.IntN(4) == 0 {
			f.Property[i] = int64(rng.IntN(200_000_000))
		}
		if rng.IntN(8) == 0 {
			f.SchoolFees[i] = int64(rng.IntN(300_000))
		}
		size := sizes[rng.IntN(len(sizes))]
		for k := range size {
			age := 18 + rng.IntN(70)
			rel := registry.RelHead
			if k > 0 {
				age = rng.IntN(90)
				rel = uint8(2 + rng.IntN(7))
			}
			f.BirthDay = append(f.BirthDay, testAsOf-int32(age*365+rng.IntN(365)))
			f.Relation = append(f.Relation, rel)
			f.Sex = append(f.Sex, uint8(1+rng.IntN(2)))
			f.Schooling = append(f.Schooling, uint8(min(age, 6+rng.IntN(12))))
			f.InSchool = append(f.InSchool, age >= 5 && age <= 26 && rng.IntN(3) > 0)
			employed := age >= 18 && rng.IntN(2) == 0
			f.Employed = append(f.Employed, employed)
			var labor, pension, capital int32
			if employed {
				labor = int32(200_000 + rng.IntN(1_800_000))
			}
			if age >= 65 {
				pension = int32(100_000 + rng.IntN(600_000))
			}
			if rng.IntN(20) == 0 {
				capital = int32(rng.IntN(500_000))
			}
			f.Labor, f.Pension, f.Capital = append(f.Labor, labor), append(f.Pension, pension), append(f.Capital, capital)
			health := uint8(1 + rng.IntN(4))
			if rng.IntN(8) == 0 {
				health = registry.HealthIsapre
			}
			f.HealthPlan = append(f.HealthPlan, health)
			f.Disability = append(f.Disability, severity(rng))
			f.Dependency = append(f.Dependency, severity(rng))
			f.Indigenous = append(f.Indigenous, rng.IntN(10) == 0)
			f.Pregnant = append(f.Pregnant, age >= 18 && age < 45 && rng.IntN(30) == 0)
		}
		f.MemberStart = append(f.MemberStart, int32(len(f.BirthDay)))
	}
	return f
}

func severity(rng *rand.Rand) uint8 {
	switch r := rng.IntN(100); {
	case r < 3:
		return registry.SevSevere
	case r < 8:
		return registry.SevModerate
	case r < 12:
		return registry.SevMild
	}
	return registry.SevNone
}

// BenchmarkScore scores and ranks 1M synthetic households under each
// built-in model (7M too when FOSIS_BENCH_7M is set). Target on 2 cores:
// 1M in ≤ 0.3 s, 7M in ≤ 2 s. The baseline sub-benchmark sorts the same
// number of float64 values with slices.Sort on one core, the naive ranking,
// so that figures from a noisy machine can be read as ratios to it.
func BenchmarkScore(b *testing.B) {
	sizes := []struct {
		name string
		n    int
	}{{"1M", 1_000_000}}
	if os.Getenv("FOSIS_BENCH_7M") != "" {
		sizes = append(sizes, struct {
			name string
			n    int
		}{"7M", 7_000_000})
	}
	for _, size := range sizes {
		f := syntheticFrame(size.n, 1)
		values := mustScore(b, f, DefaultModel()).Value
		b.Run(size.name+"/baseline-slices.Sort", func(b *testing.B) {
			buf := make([]float64, len(values))
			for b.Loop() {
				copy(buf, values)
				slices.Sort(buf)
			}
		})
		for _, m := range BuiltinModels() {
			b.Run(size.name+"/"+m.ID, func(b *testing.B) {
				for b.Loop() {
					if _, err := Score(context.Background(), f, m, testAsOf); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(size.n), "ns/household")
			})
		}
	}
}

// BenchmarkRank measures the ranking alone (radix sort, tie-breaking with
// the proxy-means score of the tied households, and assignment) on 1M
// households under the default model.
func BenchmarkRank(b *testing.B) {
	f := syntheticFrame(1_000_000, 1)
	res := mustScore(b, f, DefaultModel())
	c := compile(DefaultModel(), f, testAsOf)
	tie2 := func(i int) float64 { return c.proxyScore(f, i) }
	pairs := make([]rankPair, res.Len())
	for b.Loop() {
		for i, v := range res.Value {
			pairs[i] = rankPair{key: floatKey(v), idx: uint32(i)}
		}
		if err := rank(context.Background(), res, pairs, tie2); err != nil {
			b.Fatal(err)
		}
	}
}
