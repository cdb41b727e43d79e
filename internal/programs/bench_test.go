package programs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchProgrammes measures the two targets and writes them to
// bench/programmes.txt. It is heavy (a 7-million-household frame, ~3 GB), so
// it runs only when asked:
//
//	FOSIS_BENCH_PROGRAMS=1 go test -run TestBenchProgrammes -v -timeout 30m ./internal/programs/
//
// FOSIS_BENCH_HOUSEHOLDS changes the size (default 7,000,000). Figures, not
// assertions: speed is reported, never asserted.
func TestBenchProgrammes(t *testing.T) {
	if os.Getenv("FOSIS_BENCH_PROGRAMS") == "" {
		t.Skip("set FOSIS_BENCH_PROGRAMS=1 to run the programmes benchmark")
	}
	n := 7_000_000
	if s := os.Getenv("FOSIS_BENCH_HOUSEHOLDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	var out strings.Builder
	say := func(format string, args ...any) {
		fmt.Fprintf(&out, format+"\n", args...)
		t.Logf(format, args...)
	}
	say("fosis programmes benchmark, %s, GOMAXPROCS=%d, %s", time.Now().UTC().Format(time.DateTime), runtime.GOMAXPROCS(0), runtime.Version())
	t0 := time.Now()
	in := syntheticInput(n, 42)
	say("synthetic frame: %d households, %d persons, built in %v", in.Frame.Len(), len(in.Frame.BirthDay), time.Since(t0).Round(time.Millisecond))
	rs, err := CompileRules([]Rule{
		{"adult", "a", "a", "age >= 18"},
		{"tramo40", "b", "b", "scored && bracket <= 40"},
		{"not-employed", "c", "c", "!employed"},
		{"cooldown", "d", "d", `!("yo-trabajo" in participations) || participations["yo-trabajo"] >= 24`},
		{"pct", "e", "e", "percentile <= 38.5 || poorest5"},
	}, "rules")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	best := time.Duration(1 << 62)
	var res *PreviewResult
	for range 3 {
		t0 = time.Now()
		if res, err = Preview(ctx, rs, in); err != nil {
			t.Fatal(err)
		}
		best = min(best, time.Since(t0))
	}
	say("eligibility preview (distinct combinations): %d applicants, %d eligible in %d households, %d combinations: best of 3 %v (target ≤ 3 s)",
		res.Applicants, res.Eligible, res.Households, res.Combinations, best.Round(time.Millisecond))
	// Baseline: one CEL evaluation per applicant, on a sample.
	sample := min(n, 200_000)
	sub := *in
	sub.Frame = syntheticInput(sample, 42).Frame
	sub.Results = syntheticInput(sample, 42).Results
	t0 = time.Now()
	if _, err := PreviewPlain(ctx, rs, &sub); err != nil {
		t.Fatal(err)
	}
	plain := time.Since(t0)
	perHH := plain / time.Duration(sample)
	say("baseline, plain CEL per applicant: %d households in %v, so %v for %d households (extrapolated): %.0fx slower",
		sample, plain.Round(time.Millisecond), (perHH * time.Duration(n)).Round(10*time.Millisecond), n, float64(perHH*time.Duration(n))/float64(best))

	// Selection: 200,000 applications across 346 commune quotas.
	apps, q, regionOf := syntheticApplications(200_000, 346, 7)
	bestSel := time.Duration(1 << 62)
	var placed int
	for range 3 {
		t0 = time.Now()
		ps := Select(apps, q, regionOf)
		bestSel = min(bestSel, time.Since(t0))
		placed = 0
		for _, p := range ps {
			if p.Selected() {
				placed++
			}
		}
	}
	say("selection: %d applications, %d commune quotas, %d places filled: best of 3 %v (target ≤ 2 s)", len(apps), len(q.Communes), placed, bestSel.Round(time.Millisecond))
	t0 = time.Now()
	idx := make([]int, len(apps))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return apps[idx[a]].Percentile < apps[idx[b]].Percentile })
	say("baseline, sorting the applications by percentile alone: %v", time.Since(t0).Round(time.Millisecond))
	if dir := os.Getenv("FOSIS_BENCH_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "programmes.txt"), []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// syntheticApplications returns n applications spread over c communes of
// 16 regions, with quotas for about a fifth of them and a reserved share.
func syntheticApplications(n, c int, seed uint64) ([]Applicant, Quotas, func(string) (string, bool)) {
	rng := rand.New(rand.NewPCG(seed, 3))
	region := map[string]string{}
	q := Quotas{Communes: map[string]int{}, Regions: map[string]int{}, Shares: []float64{0.2}}
	codes := make([]string, c)
	for k := range c {
		codes[k] = fmt.Sprintf("%05d", 1000+k)
		region[codes[k]] = fmt.Sprintf("%02d", 1+k%16)
		q.Communes[codes[k]] = n / c / 5
	}
	apps := make([]Applicant, n)
	for i := range apps {
		cc := codes[rng.IntN(c)]
		apps[i] = Applicant{ID: int64(i + 1), Commune: cc, Region: region[cc], Eligible: rng.IntN(10) > 0,
			Bracket: 40 + 10*rng.IntN(3), Percentile: float64(rng.IntN(6000)) / 100, Priority: uint32(rng.IntN(8)),
			Reserved: uint32(rng.IntN(4) / 3), SubmittedAt: int64(rng.IntN(1_000_000))}
	}
	return apps, q, func(s string) (string, bool) { r, ok := region[s]; return r, ok }
}

// BenchmarkSelect is the selection at the size, for go test -bench.
func BenchmarkSelect(b *testing.B) {
	apps, q, regionOf := syntheticApplications(200_000, 346, 7)
	for b.Loop() {
		Select(apps, q, regionOf)
	}
}
