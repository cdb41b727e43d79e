package programs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
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

// TestBenchPreviewStore measures PreviewRules end to end through the Store
// against a real database: the first request after the shared frame is
// dropped (cold: it loads the frame and the run's results), the requests
// after it (warm), and the old path — the frame and the results read at
// every request — as the baseline, in the same process. It needs a database
// with a scoring run (fosis demo makes one):
//
//	go run ./cmd/fosis --db pv1m.db -q demo --no-serve --households 1000000
//	FOSIS_BENCH_PROGRAMS=1 FOSIS_BENCH_DB=pv1m.db go test -run TestBenchPreviewStore -v -timeout 60m ./internal/programs/
//
// FOSIS_BENCH_OUT=dir writes the figures to dir/preview-<engine>-<households>.txt.
func TestBenchPreviewStore(t *testing.T) {
	dsn := os.Getenv("FOSIS_BENCH_DB")
	if os.Getenv("FOSIS_BENCH_PROGRAMS") == "" || dsn == "" {
		t.Skip("set FOSIS_BENCH_PROGRAMS=1 and FOSIS_BENCH_DB to a database with a scoring run")
	}
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	b := openPreviewBench(t, ctx, dsn, "fosis eligibility preview through the Store")
	reg, s, run, rules, say := b.reg, b.s, b.run, b.rules, b.say

	// The old path (everything read at every request) and the cached path's
	// first request after a release (cold), in turns, so that both see the
	// machine in the same state; then the requests that find the frame in
	// memory (warm).
	var base, cold, warm []time.Duration
	var want *PreviewResult
	for i := range 3 {
		runtime.GC()
		t0 := time.Now()
		res, parts, err := uncachedPreview(ctx, s, rules, run)
		if err != nil {
			t.Fatal(err)
		}
		total := time.Since(t0)
		base = append(base, total)
		want = res
		say("baseline %d (frame + results read every time): %v (load %v, evaluate %v); %d eligible of %d applicants, %d households with participations",
			i+1, total.Round(time.Millisecond), parts.load.Round(time.Millisecond), parts.eval.Round(time.Millisecond), res.Eligible, res.Applicants, parts.participations)
		reg.ReleaseFrame()
		runtime.GC()
		t0 = time.Now()
		rep, err := s.PreviewRules(ctx, rules, UnitPerson, run)
		if err != nil {
			t.Fatal(err)
		}
		total = time.Since(t0)
		cold = append(cold, total)
		say("cached, cold %d (loads the shared frame and the run's results): %v (load %v, evaluate %v)",
			i+1, total.Round(time.Millisecond), rep.Load.Round(time.Millisecond), rep.Evaluate.Round(time.Millisecond))
		if rep.Eligible != want.Eligible || rep.Applicants != want.Applicants {
			t.Errorf("cold preview: %d of %d, baseline %d of %d", rep.Eligible, rep.Applicants, want.Eligible, want.Applicants)
		}
	}
	for i := range 5 {
		t0 := time.Now()
		rep, err := s.PreviewRules(ctx, rules, UnitPerson, run)
		if err != nil {
			t.Fatal(err)
		}
		total := time.Since(t0)
		warm = append(warm, total)
		say("cached, warm %d: %v (load %v: revision, run and participations; evaluate %v)",
			i+1, total.Round(time.Millisecond), rep.Load.Round(10*time.Microsecond), rep.Evaluate.Round(time.Millisecond))
		if rep.Eligible != want.Eligible || rep.Applicants != want.Applicants {
			t.Errorf("warm preview: %d of %d, baseline %d of %d", rep.Eligible, rep.Applicants, want.Eligible, want.Applicants)
		}
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	say("summary: baseline best %v, median %v; cold best %v, median %v; warm best %v, median %v (target ≤ 3 s at 7M); warm is %.0fx faster than the baseline (medians)",
		slices.Min(base).Round(time.Millisecond), median(base).Round(time.Millisecond), slices.Min(cold).Round(time.Millisecond), median(cold).Round(time.Millisecond),
		slices.Min(warm).Round(time.Millisecond), median(warm).Round(time.Millisecond), float64(median(base))/float64(median(warm)))
	say("heap in use with the shared frame and the results held: %d MiB (frames loaded: %d)", ms.HeapInuse>>20, reg.FramesLoaded())
	b.write("preview")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// uncachedTimes are the old path's phases.
type uncachedTimes struct {
	load, eval     time.Duration
	participations int
}

// uncachedPreview is PreviewRules as it was before the shared frame: the
// registry and the run's results read at every request.
func uncachedPreview(ctx context.Context, s *Store, rules []Rule, run int64) (*PreviewResult, uncachedTimes, error) {
	var tm uncachedTimes
	rs, err := CompileRules(rules, "rules")
	if err != nil {
		return nil, tm, err
	}
	t0 := time.Now()
	f, err := s.reg.LoadFrame(ctx, false)
	if err != nil {
		return nil, tm, err
	}
	if _, err := s.tgt.Run(ctx, itoa(run)); err != nil {
		return nil, tm, err
	}
	res, err := s.tgt.LoadResults(ctx, run, f.Key)
	if err != nil {
		return nil, tm, err
	}
	now := time.Now()
	parts, err := s.allParticipations(ctx, now)
	if err != nil {
		return nil, tm, err
	}
	tm.load, tm.participations = time.Since(t0), len(parts)
	t0 = time.Now()
	out, err := Preview(ctx, rs, &PreviewInput{Frame: f, Results: res, Territory: s.terr, Unit: UnitPerson, AsOf: registry.DayNumber(now), Participations: parts})
	tm.eval = time.Since(t0)
	return out, tm, err
}

// TestBenchPreviewApproval measures the preview after an approved change
// request: the shared frame spliced (the old frame with the changed
// household read again, the run's results carried over) against the same
// preview after a full reload (the old behaviour: every revision move read
// the registry again), in turns, in the same process, plus the warm preview
// and one splice of many approvals. It WRITES change requests and household
// changes into the database, so point it at a copy:
//
//	cp api1m.db splice1m.db
//	FOSIS_BENCH_PROGRAMS=1 FOSIS_BENCH_WRITE_DB=splice1m.db go test -run TestBenchPreviewApproval -v -timeout 60m ./internal/programs/
//
// FOSIS_BENCH_OUT=dir writes the figures to dir/preview-approval-<engine>-<households>.txt.
func TestBenchPreviewApproval(t *testing.T) {
	dsn := os.Getenv("FOSIS_BENCH_WRITE_DB")
	if os.Getenv("FOSIS_BENCH_PROGRAMS") == "" || dsn == "" {
		t.Skip("set FOSIS_BENCH_PROGRAMS=1 and FOSIS_BENCH_WRITE_DB to a copy of a database with a scoring run (it is written to)")
	}
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	b := openPreviewBench(t, ctx, dsn, "fosis eligibility preview after an approval")
	d, reg, s, run, rules, say := b.d, b.reg, b.s, b.run, b.rules, b.say

	// Households to change: random ones, with their rooms now.
	type target struct {
		id    string
		rooms int
	}
	var targets []target
	rows, err := d.QueryContext(ctx, `SELECT household_id, rooms FROM households ORDER BY random() LIMIT 300`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tg target
		if err := rows.Scan(&tg.id, &tg.rooms); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	rows.Close()
	ana := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Username: "bench-maker", Role: auth.RoleAnalyst})
	boss := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 2, Username: "bench-checker", Role: auth.RoleAdmin})
	approve := func() time.Duration {
		t.Helper()
		tg := &targets[0]
		targets = targets[1:]
		t0 := time.Now()
		cr, err := reg.SubmitChange(ana, tg.id, registry.ChangeInput{Kind: registry.KindUpdate, Reason: "benchmark",
			Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: strconv.Itoa(tg.rooms%9 + 1)}}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Decide(boss, cr.ID, registry.Approve, "", ""); err != nil {
			t.Fatal(err)
		}
		return time.Since(t0)
	}
	preview := func(what string, i int) (time.Duration, *PreviewReport) {
		t.Helper()
		runtime.GC()
		t0 := time.Now()
		rep, err := s.PreviewRules(ctx, rules, UnitPerson, run)
		if err != nil {
			t.Fatal(err)
		}
		total := time.Since(t0)
		say("%s %d: %v (load %v, evaluate %v); %d eligible of %d; frames %+v", what, i, total.Round(time.Millisecond),
			rep.Load.Round(time.Millisecond), rep.Evaluate.Round(time.Millisecond), rep.Eligible, rep.Applicants, reg.FrameStats())
		return total, rep
	}

	preview("first (cold: frame and results read)", 1)
	var warm, spliced, reload []time.Duration
	for i := range 5 {
		d, _ := preview("warm", i+1)
		warm = append(warm, d)
	}
	for i := range 3 {
		a := approve()
		before := reg.FrameStats()
		dt, _ := preview(fmt.Sprintf("after an approval (%v), spliced", a.Round(time.Millisecond)), i+1)
		if st := reg.FrameStats(); st.Splices != before.Splices+1 || st.Loads != before.Loads {
			t.Errorf("not a splice: %+v after %+v", st, before)
		}
		spliced = append(spliced, dt)
		a = approve()
		reg.ReleaseFrame() // the old behaviour: the revision moved, the registry is read again
		before = reg.FrameStats()
		dt, _ = preview(fmt.Sprintf("after an approval (%v), full reload (old behaviour)", a.Round(time.Millisecond)), i+1)
		if st := reg.FrameStats(); st.Loads != before.Loads+1 {
			t.Errorf("not a reload: %+v after %+v", st, before)
		}
		reload = append(reload, dt)
	}
	// A day's worth of approvals before one preview: one splice of them all.
	const many = 200
	t0 := time.Now()
	for range many {
		approve()
	}
	say("%d approvals in %v", many, time.Since(t0).Round(time.Millisecond))
	dMany, _ := preview(fmt.Sprintf("after %d approvals, spliced", many), 1)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	say("summary: warm median %v; after one approval: spliced median %v (best %v), full reload median %v (best %v), %.0fx faster; after %d approvals, spliced %v",
		median(warm).Round(time.Millisecond), median(spliced).Round(time.Millisecond), slices.Min(spliced).Round(time.Millisecond),
		median(reload).Round(time.Millisecond), slices.Min(reload).Round(time.Millisecond), float64(median(reload))/float64(median(spliced)),
		many, dMany.Round(time.Millisecond))
	say("heap in use with the shared frame and the results held: %d MiB (frames %+v)", ms.HeapInuse>>20, reg.FrameStats())
	b.write("preview-approval")
}

// previewBench is where both store benchmarks start: a migrated database
// with a scoring run, its stores, five rules, and the report they print.
type previewBench struct {
	t     *testing.T
	d     *db.DB
	reg   *registry.Store
	tgt   *targeting.Store
	s     *Store
	run   int64
	rules []Rule
	hh    int
	out   strings.Builder
}

// openPreviewBench opens dsn, checks it has a scoring run, and says title
// and what the database holds.
func openPreviewBench(t *testing.T, ctx context.Context, dsn, title string) *previewBench {
	d, err := db.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := &previewBench{t: t, d: d, reg: registry.NewStore(d, geo.Chile(), nil)}
	b.tgt = targeting.NewStore(d, b.reg, nil)
	b.s = NewStore(d, b.reg, b.tgt, nil)
	runs, err := b.tgt.Runs(ctx)
	if err != nil || len(runs) == 0 {
		t.Fatalf("the database needs a scoring run: %v, %v", runs, err)
	}
	b.run = runs[0].ID
	b.rules = []Rule{
		{"adult", "a", "a", "age >= 18"},
		{"tramo40", "b", "b", "scored && bracket <= 40"},
		{"not-employed", "c", "c", "!employed"},
		{"cooldown", "d", "d", `!("yo-trabajo" in participations) || participations["yo-trabajo"] >= 24`},
		{"pct", "e", "e", "percentile <= 38.5 || poorest5"},
	}
	hh, persons, err := b.reg.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b.hh = int(hh)
	b.say("%s, %s, GOMAXPROCS=%d, %s", title, time.Now().UTC().Format(time.DateTime), runtime.GOMAXPROCS(0), runtime.Version())
	b.say("database: %s, %d households, %d persons, scoring run %d; 5 rules, unit person", d.Engine, hh, persons, b.run)
	return b
}

func (b *previewBench) say(format string, args ...any) {
	fmt.Fprintf(&b.out, format+"\n", args...)
	b.t.Logf(format, args...)
}

// write saves the report as FOSIS_BENCH_OUT/<name>-<engine>-<households>.txt.
func (b *previewBench) write(name string) {
	if dir := os.Getenv("FOSIS_BENCH_OUT"); dir != "" {
		file := fmt.Sprintf("%s-%s-%d.txt", name, b.d.Engine, b.hh)
		if err := os.WriteFile(filepath.Join(dir, file), []byte(b.out.String()), 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}
