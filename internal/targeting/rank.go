package targeting

import (
	"cmp"
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
)

// rankPair is one household in the ranking sort: its value as an order-
// preserving integer key, and its index.
type rankPair struct {
	key uint64
	idx uint32
}

// floatKey maps a value to a uint64 with the same order, so that the ranking
// can radix-sort integers. -0 and +0 get the same key (they tie); every NaN
// gets the largest key (all NaNs tie, ranked least vulnerable).
func floatKey(v float64) uint64 {
	if v != v {
		return math.MaxUint64
	}
	if v == 0 {
		return 1 << 63
	}
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// bracketFor returns the bracket of a household whose percentile is
// 100 × r / n, in integers so that exactly 40 % is bracket 40: the smallest
// t×10 (t ≥ 4) with 100r ≤ 10t×n, that is t = ⌈10r/n⌉.
func bracketFor(r, n int) uint8 {
	t := (10*r + n - 1) / n
	return uint8(max(t, 4) * 10)
}

// inPoorest5 reports whether percentile 100 × r / n is at most 5.
func inPoorest5(r, n int) bool { return 20*r <= n }

// rank fills res's Percentile, Bracket and Poorest5 from pairs (one per
// household, keyed by value) and applies the upgrades in res.Upgrade. The
// radix sort orders by value; households of equal value are then ordered by
// Tie1, and households equal on both by Tie2, so the ranking is
// lexicographic on the three keys. tie2, if not nil, computes Tie2 of a
// household: it is called (in parallel) only for the households that share
// their Value and Tie1 with another.
func rank(ctx context.Context, res *Results, pairs []rankPair, tie2 func(i int) float64) error {
	n := len(pairs)
	if n == 0 {
		return nil
	}
	ranks := make([]uint32, n)
	buf := make([]rankPair, n)
	sorted := radixSort(pairs, buf)
	free := buf // the buffer radixSort did not leave the result in: scratch
	if &sorted[0] == &buf[0] {
		free = pairs
	}
	sameValue := func(a, b rankPair) bool { return a.key == b.key }
	sameTwo := func(a, b rankPair) bool { return a.key == b.key && res.Tie1[a.idx] == res.Tie1[b.idx] }
	sortRuns(sorted, free, sameValue, res.Tie1)
	if tie2 != nil {
		var tied []rankPair
		forRuns(sorted, sameTwo, func(lo, hi int) { tied = append(tied, sorted[lo:hi]...) })
		if err := parallel(ctx, len(tied), func(lo, hi int) {
			for _, p := range tied[lo:hi] {
				res.Tie2[p.idx] = tie2(int(p.idx))
			}
		}); err != nil {
			return err
		}
	}
	sortRuns(sorted, free, sameTwo, res.Tie2)
	tiedRanks(sorted, res.Tie1, res.Tie2, ranks)
	// Writing the results in household order keeps the stores sequential;
	// only tiedRanks writes in sorted (random) order, 4 bytes at a time.
	return parallel(ctx, n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := int(ranks[i])
			res.Percentile[i] = 100 * float64(r) / float64(n)
			res.Poorest5[i] = inPoorest5(r, n)
			b := bracketFor(r, n)
			if res.Upgrade[i] != 0 && b < res.UpgradeTo {
				b = res.UpgradeTo
			}
			res.Bracket[i] = b
		}
	})
}

// forRuns calls fn(lo, hi) for each run sorted[lo:hi] of two or more
// consecutive pairs equal by same (most runs are a single household, and
// are skipped).
func forRuns(sorted []rankPair, same func(a, b rankPair) bool, fn func(lo, hi int)) {
	for lo := 0; lo < len(sorted); {
		hi := lo + 1
		for hi < len(sorted) && same(sorted[lo], sorted[hi]) {
			hi++
		}
		if hi-lo > 1 {
			fn(lo, hi)
		}
		lo = hi
	}
}

// radixRun is the length from which a run of ties is radix-sorted rather
// than compared: the block of households without income can hold a fifth of
// the registry.
const radixRun = 1024

// sortRuns sorts each run of pairs equal by same by their households' next
// key t, in place, using free (as long as sorted) as scratch: the next key
// orders households the previous keys could not tell apart. Within a run
// every pair has the same value key, so the key field is borrowed for t's
// order-preserving key during the sort and restored after it; the sort
// reads t once per household, not once per comparison.
func sortRuns(sorted, free []rankPair, same func(a, b rankPair) bool, t []float64) {
	byKey := func(a, b rankPair) int { return cmp.Compare(a.key, b.key) }
	forRuns(sorted, same, func(lo, hi int) {
		run := sorted[lo:hi]
		value := run[0].key
		for k := range run {
			run[k].key = floatKey(t[run[k].idx])
		}
		if len(run) >= radixRun {
			if out := radixSort(run, free[lo:hi]); &out[0] != &run[0] {
				copy(run, out)
			}
		} else {
			slices.SortFunc(run, byKey)
		}
		for k := range run {
			run[k].key = value
		}
	})
}

// tiedRanks sets ranks[idx] of each pair of a sorted slice to 1 + the number
// of pairs strictly before it on (value key, t1, t2), so that households
// equal on every key share a rank.
func tiedRanks(sorted []rankPair, t1, t2 []float64, ranks []uint32) {
	r := uint32(1)
	for p, pair := range sorted {
		if p > 0 {
			prev := sorted[p-1]
			if pair.key != prev.key || t1[pair.idx] != t1[prev.idx] || t2[pair.idx] != t2[prev.idx] {
				r = uint32(p) + 1
			}
		}
		ranks[pair.idx] = r
	}
}

// radixBits is the digit width of the radix sort: 2^11 counters fit in L1
// cache, and 64-bit keys take six passes, fewer when a digit is the same in
// every key (common in the high bits of a narrow range of values).
const radixBits = 11

const (
	radixPasses  = (64 + radixBits - 1) / radixBits
	radixBuckets = 1 << radixBits
	radixMask    = radixBuckets - 1
)

// histogram counts the keys of a by digit d.
type histogram [radixBuckets]int

// radixSort sorts a by key (stable, LSD) using tmp as scratch of the same
// length, and returns whichever of the two holds the result. Each pass
// splits the slice into one part per worker: every part counts its digits,
// then scatters into its own ranges of each bucket, which keeps the sort
// stable and needs no locking.
func radixSort(a, tmp []rankPair) []rankPair {
	n := len(a)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/chunkSize))
	bounds := make([]int, workers+1)
	for w := range bounds {
		bounds[w] = w * n / workers
	}
	counts := make([]histogram, workers)
	run := func(f func(w int)) {
		if workers == 1 {
			f(0)
			return
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() { f(w) })
		}
		wg.Wait()
	}
	for d := range radixPasses {
		shift := uint(d * radixBits)
		run(func(w int) {
			c := &counts[w]
			*c = histogram{}
			for _, p := range a[bounds[w]:bounds[w+1]] {
				c[(p.key>>shift)&radixMask]++
			}
		})
		if constantDigit(counts, a[0].key>>shift&radixMask, n) {
			continue // every key has this digit: the pass would not move anything
		}
		// counts[w][b] becomes where part w writes its first key of bucket b.
		sum := 0
		for b := range radixBuckets {
			for w := range workers {
				counts[w][b], sum = sum, sum+counts[w][b]
			}
		}
		run(func(w int) {
			c := &counts[w]
			for _, p := range a[bounds[w]:bounds[w+1]] {
				b := (p.key >> shift) & radixMask
				tmp[c[b]] = p
				c[b]++
			}
		})
		a, tmp = tmp, a
	}
	return a
}

func constantDigit(counts []histogram, b uint64, n int) bool {
	total := 0
	for w := range counts {
		total += counts[w][b]
	}
	return total == n
}
