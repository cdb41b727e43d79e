package targeting

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/registry"
)

func TestBracketFor(t *testing.T) {
	tests := []struct {
		r, n int
		want uint8
	}{
		{1, 1, 100},
		{1, 100, 40},
		{2, 5, 40},            // exactly 40 %
		{400000, 1000000, 40}, // exactly 40 %
		{400001, 1000000, 50}, // 40.0001 %
		{41, 100, 50},
		{50, 100, 50},
		{51, 100, 60},
		{90, 100, 90},
		{91, 100, 100},
		{100, 100, 100},
		{7, 7, 100},
		{2, 7, 40}, // 28.6 %
		{3, 7, 50}, // 42.9 %
		{6, 7, 90}, // 85.7 %
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d", tt.r, tt.n), func(t *testing.T) {
			if got := bracketFor(tt.r, tt.n); got != tt.want {
				t.Errorf("bracketFor(%d, %d) = %d, want %d", tt.r, tt.n, got, tt.want)
			}
		})
	}
}

func TestInPoorest5(t *testing.T) {
	tests := []struct {
		r, n int
		want bool
	}{
		{5, 100, true},  // exactly 5 %
		{6, 100, false}, // 6 %
		{1, 20, true},   // 5 %
		{1, 19, false},  // 5.26 %
		{50000, 1000000, true},
		{50001, 1000000, false},
		{1, 1, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d", tt.r, tt.n), func(t *testing.T) {
			if got := inPoorest5(tt.r, tt.n); got != tt.want {
				t.Errorf("inPoorest5(%d, %d) = %v, want %v", tt.r, tt.n, got, tt.want)
			}
		})
	}
}

func TestFloatKeyOrder(t *testing.T) {
	vals := []float64{math.Inf(-1), -1e300, -2.5, -1, -math.SmallestNonzeroFloat64, 0,
		math.SmallestNonzeroFloat64, 1, 2.5, 1e300, math.Inf(1)}
	for k := 1; k < len(vals); k++ {
		if floatKey(vals[k-1]) >= floatKey(vals[k]) {
			t.Errorf("floatKey(%v) >= floatKey(%v)", vals[k-1], vals[k])
		}
	}
	if floatKey(math.Copysign(0, -1)) != floatKey(0) {
		t.Error("-0 and +0 have different keys; they must tie")
	}
	if floatKey(math.NaN()) <= floatKey(math.Inf(1)) {
		t.Error("NaN does not rank after +Inf")
	}
}

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func() float64{
		"spread":      func() float64 { return rng.NormFloat64() * 1e6 },
		"few values":  func() float64 { return float64(rng.IntN(5)) },
		"all equal":   func() float64 { return 42 },
		"integers":    func() float64 { return float64(rng.IntN(1 << 20)) },
		"mixed signs": func() float64 { return rng.Float64() - 0.5 },
	}
	// The larger size is split between workers when GOMAXPROCS > 1.
	for _, size := range []int{5000, 3*chunkSize + 5} {
		for name, gen := range gens {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				pairs := make([]rankPair, size)
				for i := range pairs {
					pairs[i] = rankPair{key: floatKey(gen()), idx: uint32(i)}
				}
				want := slices.Clone(pairs)
				slices.SortStableFunc(want, func(a, b rankPair) int { return cmp.Compare(a.key, b.key) })
				got := radixSort(pairs, make([]rankPair, len(pairs)))
				if !slices.Equal(want, got) {
					t.Errorf("radixSort differs from a stable sort")
				}
			})
		}
	}
}

// ranking is the part of Results the ranking tests compare.
type ranking struct {
	Percentile []float64
	Bracket    []uint8
	Poorest5   []bool
	Upgrade    []uint8
}

func rankingOf(r *Results) ranking {
	return ranking{r.Percentile, r.Bracket, r.Poorest5, r.Upgrade}
}

func TestScoreRanking(t *testing.T) {
	twenty := make([]uint8, 20)
	for i := range twenty {
		twenty[i] = uint8(20 - i) // most vulnerable last, to test the index bookkeeping
	}
	tests := []struct {
		name string
		vals []uint8
		want ranking
	}{
		{"empty", nil, ranking{[]float64{}, []uint8{}, []bool{}, []uint8{}}},
		{"one household", []uint8{3}, ranking{[]float64{100}, []uint8{100}, []bool{false}, []uint8{0}}},
		// 100 × (1 + none smaller) / 5: a tie shares the rank of its most
		// vulnerable position, so a registry of equals is all in bracket 40.
		{"all equal", []uint8{2, 2, 2, 2, 2},
			ranking{[]float64{20, 20, 20, 20, 20}, []uint8{40, 40, 40, 40, 40}, make([]bool, 5), make([]uint8, 5)}},
		{"all equal, 20 households", []uint8{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
			ranking{slices.Repeat([]float64{5}, 20), slices.Repeat([]uint8{40}, 20), slices.Repeat([]bool{true}, 20), make([]uint8, 20)}},
		{"ties share a percentile", []uint8{1, 1, 2, 3},
			ranking{[]float64{25, 25, 75, 100}, []uint8{40, 40, 80, 100}, make([]bool, 4), make([]uint8, 4)}},
		{"exactly 40 is bracket 40", []uint8{5, 4, 3, 2, 1},
			ranking{[]float64{100, 80, 60, 40, 20}, []uint8{100, 80, 60, 40, 40}, make([]bool, 5), make([]uint8, 5)}},
		{"tie just above 40", []uint8{1, 2, 3, 3, 5},
			ranking{[]float64{20, 40, 60, 60, 100}, []uint8{40, 40, 60, 60, 100}, make([]bool, 5), make([]uint8, 5)}},
	}
	p5 := ranking{Percentile: make([]float64, 20), Bracket: make([]uint8, 20), Poorest5: make([]bool, 20), Upgrade: make([]uint8, 20)}
	for i, v := range twenty {
		p5.Percentile[i] = float64(v) * 5
		p5.Bracket[i] = bracketFor(int(v), 20)
		p5.Poorest5[i] = v == 1
	}
	tests = append(tests, struct {
		name string
		vals []uint8
		want ranking
	}{"poorest 5 boundary", twenty, p5})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustScore(t, valueFrame(t, tt.vals...), roomsModel(nil))
			if diff := gocmp.Diff(tt.want, rankingOf(res)); diff != "" {
				t.Errorf("ranking (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpgradesAfterRanking(t *testing.T) {
	mt := &MeansTest{UpgradeToBracket: 60, VehicleMinCLP: ptr[int64](100)}
	f := valueFrame(t, 1, 2, 3, 4, 5)
	f.Vehicle = []int64{200, 0, 99, 200, 0}
	res := mustScore(t, f, roomsModel(mt))
	want := ranking{
		// household 0 is upgraded but still holds rank 1, so household 1 is at 40 %.
		Percentile: []float64{20, 40, 60, 80, 100},
		Bracket:    []uint8{60, 40, 60, 80, 100}, // 40 → 60 raised; 80 not lowered to 60
		Poorest5:   make([]bool, 5),
		Upgrade:    []uint8{UpgradeVehicle, 0, 0, UpgradeVehicle, 0},
	}
	if diff := gocmp.Diff(want, rankingOf(res)); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
}

func TestPoorest5IgnoresUpgrades(t *testing.T) {
	vals := make([]uint8, 20)
	for i := range vals {
		vals[i] = uint8(i + 1)
	}
	f := valueFrame(t, vals...)
	f.SchoolFees[0] = 500000
	res := mustScore(t, f, roomsModel(&MeansTest{UpgradeToBracket: 90, SchoolFeesMinCLP: ptr[int64](100000)}))
	if got := [3]any{res.Bracket[0], res.Poorest5[0], res.Upgrade[0]}; got != [3]any{uint8(90), true, UpgradeSchoolFees} {
		t.Errorf("household 0 (bracket, poorest5, upgrade) = %v, want [90 true %d]", got, UpgradeSchoolFees)
	}
}

func TestScoreLarge(t *testing.T) {
	// More than one chunk, so that several workers rank and assign.
	f := syntheticFrame(3*chunkSize+17, 7)
	res := mustScore(t, f, DefaultModel())
	n := res.Len()
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	key := func(i int) [3]float64 { return [3]float64{res.Value[i], res.Tie1[i], res.Tie2[i]} }
	slices.SortFunc(idx, func(a, b int) int {
		ka, kb := key(a), key(b)
		return cmp.Or(cmp.Compare(ka[0], kb[0]), cmp.Compare(ka[1], kb[1]), cmp.Compare(ka[2], kb[2]))
	})
	for p, i := range idx {
		less := p
		for less > 0 && key(idx[less-1]) == key(i) {
			less--
		}
		want := 100 * float64(less+1) / float64(n)
		if res.Percentile[i] != want {
			t.Fatalf("household %d: percentile %v, want %v", i, res.Percentile[i], want)
		}
		b := bracketFor(less+1, n)
		if res.Upgrade[i] != 0 {
			b = max(b, res.UpgradeTo)
		}
		if res.Bracket[i] != b {
			t.Fatalf("household %d: bracket %d, want %d", i, res.Bracket[i], b)
		}
	}
}

func TestScoreCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Score(ctx, syntheticFrame(2*chunkSize, 1), DefaultModel(), testAsOf)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Score with a cancelled context: error %v, want context.Canceled", err)
	}
}

func TestScoreRejectsMalformedFrame(t *testing.T) {
	f := valueFrame(t, 1, 2)
	f.Labor = f.Labor[:1]
	if _, err := Score(context.Background(), f, roomsModel(nil), testAsOf); err == nil {
		t.Error("Score of a frame with a short Labor column: no error")
	}
}

func TestAgeCut(t *testing.T) {
	day := func(y, m, d int) int32 {
		return registry.DayNumber(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC))
	}
	asOfs := []int32{day(2024, 2, 29), day(2026, 2, 28), day(2026, 3, 1), day(2026, 6, 1), day(2025, 12, 31)}
	for _, asOf := range asOfs {
		for _, years := range []int{1, 18, 25, 60, 65} {
			cut := ageCut(asOf, years)
			for born := cut - 800; born <= cut+800; born++ {
				if got, want := born <= cut, registry.AgeYears(born, asOf) >= years; got != want {
					t.Fatalf("asOf %s, born %s, %d years: cut says %v, AgeYears says %v",
						registry.DayTime(asOf).Format(time.DateOnly), registry.DayTime(born).Format(time.DateOnly), years, got, want)
				}
			}
		}
	}
}
