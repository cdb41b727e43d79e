package cli

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/synth"
	"github.com/fosis/fosis/internal/targeting"
)

// DefaultBenchPostgres is the server the benchmark creates its databases on.
const DefaultBenchPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func benchCmd(cfg *Config) *cobra.Command {
	var n int
	var engines, pgURL, out, only, loader string
	var clients int
	var duration, warmup time.Duration
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure generate, import and scoring against their baselines, on each engine",
		Long: `Generates a synthetic extract, then on each engine (in fresh databases):
  - import: a bare bulk insert of the same rows (parsed and validated beforehand,
    untimed) against 'fosis registry import' of the files;
  - scoring: the floor (reading the model's inputs + bulk-writing the snapshot rows)
    against a full scoring run, and the same run written as one SQL statement with
    window functions;
  - what-if: re-scoring and re-ranking from memory.
All figures come from the same process, side by side, because shared machines are
noisy. --only score measures a scoring run on the existing --db instead (for 7M);
--only api serves the existing --db on loopback and loads it with concurrent clients
looking up random households, against the health endpoint as a baseline; the load
comes from wrk in a process of its own when it is installed (--loader), and each
load is run unmeasured for --warmup first, so that the figures are the steady
state and not the first touches of a cold cache.
With --only api, FOSIS_CPUPROFILE=FILE writes a CPU profile of each measured load to
FILE.healthz, FILE.api and FILE.page (go tool pprof).
Results are printed and, with --out, written as Markdown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := auth.WithPrincipal(cmd.Context(), auth.System())
			b := &bench{cfg: *cfg, w: cmd.OutOrStdout(), log: cmd.ErrOrStderr(), n: n, pgURL: pgURL}
			switch only {
			case "score":
				return b.scoreOnly(ctx, out)
			case "api":
				return b.apiOnly(ctx, out, loader, clients, duration, warmup)
			}
			return b.run(ctx, strings.Split(engines, ","), out)
		},
	}
	f := c.Flags()
	f.IntVar(&n, "households", 1_000_000, "households in the synthetic extract")
	f.StringVar(&engines, "engines", "sqlite,postgres", "engines to measure")
	f.StringVar(&pgURL, "pg", envOr("FOSIS_BENCH_POSTGRES_URL", DefaultBenchPostgres), "PostgreSQL server to create benchmark databases on")
	f.StringVar(&out, "out", "", "also write the results as Markdown to this file")
	f.StringVar(&only, "only", "", "'score': measure one scoring run on the existing --db; 'api': load the API of the existing --db")
	f.IntVar(&clients, "clients", 50, "with --only api: concurrent clients")
	f.DurationVar(&duration, "duration", 15*time.Second, "with --only api: how long each load runs")
	f.DurationVar(&warmup, "warmup", 5*time.Second, "with --only api: how long each load runs unmeasured before it is measured (0: none)")
	f.StringVar(&loader, "loader", "auto", "with --only api: 'wrk' (a process of its own), 'go' (goroutines in this process) or 'auto' (wrk if installed)")
	return c
}

type bench struct {
	cfg   Config
	w     io.Writer
	log   io.Writer
	n     int
	pgURL string
	lines []string
}

func (b *bench) say(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	fmt.Fprintln(b.w, line)
	b.lines = append(b.lines, line)
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.log, "… "+format+"\n", args...)
}

func (b *bench) run(ctx context.Context, engines []string, out string) error {
	dir, err := os.MkdirTemp("", "fosis-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b.header()
	b.progress("generating %d households", b.n)
	t0 := time.Now()
	st, err := synth.GenerateDir(ctx, filepath.Join(dir, "extract"), synth.Options{Households: b.n, Seed: 7}, nil)
	if err != nil {
		return err
	}
	gen := time.Since(t0)
	rows := int64(st.Households + st.Persons)
	b.say("| generate | %d households, %d persons | %s | target ≤ 15 s at 1M |", st.Households, st.Persons, secs(gen))
	opt := registry.ImportOptions{
		Households: filepath.Join(dir, "extract", "households.csv"),
		Persons:    filepath.Join(dir, "extract", "persons.csv"),
		ErrorsPath: filepath.Join(dir, "errors.csv"),
	}
	for _, e := range engines {
		if err := b.engine(ctx, strings.TrimSpace(e), dir, opt, rows); err != nil {
			return fmt.Errorf("%s: %w", e, err)
		}
	}
	b.say("")
	b.say("Peak resident memory of the whole benchmark process: %s.", peakRSS())
	if out != "" {
		return writeLines(out, b.lines)
	}
	return nil
}

func writeLines(path string, lines []string) error {
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

func (b *bench) header() {
	host, _ := os.Hostname()
	b.say("# fosis benchmark")
	b.say("")
	b.say("- date: %s", time.Now().UTC().Format(time.RFC3339))
	b.say("- machine: %s, %d cores (GOMAXPROCS %d), %s, %s", host, runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.Version())
	b.say("- households: %d", b.n)
	b.say("")
	b.say("| step | what | time | comparison |")
	b.say("|---|---|---|---|")
}

// open opens the configured database quietly, for a measure on it as it is.
func (b *bench) open(ctx context.Context) (*App, error) {
	c := b.cfg
	c.Quiet = true
	return Open(ctx, c, io.Discard, b.log)
}

// fresh returns a new empty, migrated database of engine e and a function
// that removes it.
func (b *bench) fresh(ctx context.Context, e, dir, name string) (*App, func(), error) {
	c := b.cfg
	c.Quiet = true
	var drop func()
	switch e {
	case "sqlite":
		c.DB = filepath.Join(dir, name+".db")
		drop = func() {
			for _, s := range []string{"", "-wal", "-shm"} {
				os.Remove(c.DB + s)
			}
		}
	case "postgres":
		admin, err := sql.Open("pgx", b.pgURL)
		if err != nil {
			return nil, nil, err
		}
		dbname := fmt.Sprintf("fosis_bench_%d_%s", os.Getpid(), name)
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+dbname)
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+dbname); err != nil {
			admin.Close()
			return nil, nil, fmt.Errorf("create benchmark database (is PostgreSQL running at %s?): %w", b.pgURL, err)
		}
		u, _ := url.Parse(b.pgURL)
		u.Path = "/" + dbname
		c.DB = u.String()
		drop = func() {
			admin.Exec("DROP DATABASE IF EXISTS " + dbname + " WITH (FORCE)")
			admin.Close()
		}
	default:
		return nil, nil, fmt.Errorf("unknown engine %q (sqlite or postgres)", e)
	}
	a, err := Open(ctx, c, io.Discard, b.log)
	if err != nil {
		drop()
		return nil, nil, err
	}
	return a, func() { a.Close(); drop() }, nil
}

func (b *bench) engine(ctx context.Context, e, dir string, opt registry.ImportOptions, rows int64) error {
	// Import: bare bulk insert of the same rows, then the real import.
	bare, closeBare, err := b.fresh(ctx, e, dir, "bare")
	if err != nil {
		return err
	}
	b.progress("%s: preparing the bare-insert rows (untimed)", e)
	br, err := bare.Registry.PrepareBare(ctx, opt)
	if err != nil {
		closeBare()
		return err
	}
	b.progress("%s: bare bulk insert", e)
	t0 := time.Now()
	err = bare.Registry.BareInsert(ctx, br)
	bareT := time.Since(t0)
	closeBare()
	br = nil
	runtime.GC()
	if err != nil {
		return err
	}
	a, closeA, err := b.fresh(ctx, e, dir, "import")
	if err != nil {
		return err
	}
	defer closeA()
	b.progress("%s: fosis registry import", e)
	t0 = time.Now()
	sum, err := a.Registry.Import(ctx, opt)
	impT := time.Since(t0)
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return fmt.Errorf("the synthetic extract had %d rejected households", sum.Rejected)
	}
	bareRate, impRate := float64(rows)/bareT.Seconds(), float64(rows)/impT.Seconds()
	b.say("| %s import | bare bulk insert of the same %d rows | %s (%.0f rows/s) | |", e, rows, secs(bareT), bareRate)
	b.say("| %s import | fosis registry import (read, validate, write) | %s (%.0f rows/s) | %.0f%% of the bare rate (target ≥ 60%%); target ≤ 60 s at 1M |",
		e, secs(impT), impRate, 100*impRate/bareRate)

	// Scoring: the floor, the real run, and the SQL window-function version.
	m, err := a.Targeting.ActiveModel(ctx)
	if err != nil {
		return err
	}
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	b.progress("%s: scoring run", e)
	t0 = time.Now()
	outc, err := a.Targeting.ScoreAll(ctx, m, asOf, "bench", nil)
	runT := time.Since(t0)
	if err != nil {
		return err
	}
	b.progress("%s: floor (read inputs + bulk-write snapshot rows)", e)
	t0 = time.Now()
	f, err := a.Registry.LoadFrame(ctx, false)
	if err != nil {
		return err
	}
	readT := time.Since(t0)
	t0 = time.Now()
	if err := a.Targeting.WriteSnapshot(ctx, m, f, outc.Results, asOf, "bench floor"); err != nil {
		return err
	}
	writeT := time.Since(t0)
	floor := readT + writeT
	b.progress("%s: the same run as one SQL statement", e)
	t0 = time.Now()
	if _, err := a.Targeting.ScoreSQL(ctx, m, asOf, "bench sql"); err != nil {
		return err
	}
	sqlT := time.Since(t0)
	b.say("| %s scoring | floor: read the model's inputs (%s) + bulk-write %d snapshot rows (%s) | %s | |",
		e, secs(readT), f.Len(), secs(writeT), secs(floor))
	b.say("| %s scoring | full run: read %s, score and rank %s, write %s | %s | %.2f× the floor (target ≤ 1.5×); target ≤ 8 s at 1M |",
		e, secs(outc.Load), secs(outc.Compute), secs(outc.Write), secs(runT), runT.Seconds()/floor.Seconds())
	b.say("| %s scoring | the same run as one SQL statement with window functions | %s | fosis is %.1f× faster |",
		e, secs(sqlT), sqlT.Seconds()/runT.Seconds())

	// What-if from memory, on the frame already loaded.
	other := otherModel(m)
	t0 = time.Now()
	ra, err := targeting.Score(ctx, f, other, registry.DayNumber(asOf))
	if err != nil {
		return err
	}
	whatT := time.Since(t0)
	cmp := targeting.Compare(f, outc.Results, ra)
	b.say("| %s what-if | re-score and re-rank %d households from memory under %s (%d change bracket) | %s | target ≤ 0.3 s at 1M, ≤ 2 s at 7M |",
		e, f.Len(), other.ID, cmp.Total.Up+cmp.Total.Down, secs(whatT))
	return nil
}

// scoreOnly measures one scoring run on the configured database.
func (b *bench) scoreOnly(ctx context.Context, out string) error {
	a, err := b.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	hh, _, err := a.Registry.Count(ctx)
	if err != nil {
		return err
	}
	b.n = int(hh)
	b.header()
	m, err := a.Targeting.ActiveModel(ctx)
	if err != nil {
		return err
	}
	t0 := time.Now()
	o, err := a.Targeting.ScoreAll(ctx, m, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "bench", nil)
	if err != nil {
		return err
	}
	runT := time.Since(t0)
	t0 = time.Now()
	if _, err := targeting.Score(ctx, o.Frame, otherModel(m), registry.DayNumber(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		return err
	}
	whatT := time.Since(t0)
	b.say("| %s scoring | full run: read %s, score and rank %s, write %s | %s | target ≤ 60 s at 7M |",
		a.DB.Engine, secs(o.Load), secs(o.Compute), secs(o.Write), secs(runT))
	b.say("| %s what-if | re-score and re-rank %d households from memory | %s | target ≤ 2 s at 7M |", a.DB.Engine, o.Frame.Len(), secs(whatT))
	b.say("")
	b.say("Peak resident memory: %s (target ≤ 4 GB at 7M).", peakRSS())
	if out != "" {
		return writeLines(out, b.lines)
	}
	return nil
}

// otherModel returns a built-in model different from m, for the what-if.
func otherModel(m *targeting.Model) *targeting.Model {
	for _, o := range targeting.BuiltinModels() {
		if o.ID != m.ID {
			return o
		}
	}
	return m
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%d", &kb)
			return fmt.Sprintf("%.2f GB", float64(kb)/1e6)
		}
	}
	return "unknown"
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}
