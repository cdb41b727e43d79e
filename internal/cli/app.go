// Package cli is fosis's command line: it reads configuration from flags and
// environment, wires the slices together (the only package that does) and
// runs one subcommand.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/knowledge"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/countrypack"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/observe"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/targeting"
)

// Config is everything the commands share, from flags or environment.
type Config struct {
	DB            string // --db / FOSIS_DB: SQLite path or postgres:// URL
	TerritoryFile string // --territory / FOSIS_TERRITORY: another country's territory CSV
	Country       string // --country / FOSIS_COUNTRY: ISO code of that territory
	// CountryPack (--country-pack / FOSIS_COUNTRY_PACK) is a country pack's
	// directory (docs/country-packs.md): the territory and the national ID
	// come from it, and the database remembers it. Empty: none (Chile built
	// in, or --territory).
	CountryPack string
	LogLevel    string // --log-level / FOSIS_LOG_LEVEL
	LogFormat   string // --log-format / FOSIS_LOG_FORMAT: text or json
	Quiet       bool   // --quiet: no progress bars
	// MaxProblems (--max-problems / FOSIS_MAX_PROBLEMS) is how many problems
	// an import reports before it stops; 0 means registry.DefaultMaxProblems.
	MaxProblems int
}

// App is an opened deployment: the database and the slices over it.
type App struct {
	Config    Config
	Log       *slog.Logger
	DB        *db.DB
	Territory *geo.Territory
	// Pack is the country pack given with --country-pack (nil: none).
	Pack      *countrypack.Pack
	Registry  *registry.Store
	Targeting *targeting.Store
	Programs  *programs.Store
	Auth      *auth.Store
	Stdout    io.Writer
	Stderr    io.Writer

	// Cooperation is South-South and Triangular Cooperation; Knowledge is
	// its catalogue of what can be shared.
	Cooperation *cooperation.Store
	Knowledge   *knowledge.Store

	// Delivery is what happens after enrolment: cases, diagnoses, sessions.
	// Every enrolment opens a case (programs.Store.OnEnrol).
	Delivery *delivery.Store

	// Funds is the money ledger: budgets, envelopes and their movements.
	Funds *funds.Store

	// Portal serves people their own household (the citizen portal).
	Portal *portal.Store
	// Results is coverage, focalisation, open data and indicators.
	Results *results.Store
}

// Open opens the database, brings its schema up to date and loads the
// territory into it: a new database remembers it, and one made with another
// territory is refused (registry.Store.SyncTerritory).
func Open(ctx context.Context, cfg Config, stdout, stderr io.Writer) (*App, error) {
	terr, err := loadTerritory(cfg)
	if err != nil {
		return nil, err
	}
	return openWith(ctx, cfg, terr, true, stdout, stderr)
}

// openWith opens the database with territory terr; with sync false it
// neither writes nor checks the territory (for the command that changes it).
func openWith(ctx context.Context, cfg Config, terr *geo.Territory, sync bool, stdout, stderr io.Writer) (*App, error) {
	ctx = auth.WithPrincipal(ctx, auth.System())
	log := newLogger(cfg, stderr)
	d, err := db.Open(ctx, cfg.DB, log)
	if err != nil {
		return nil, err
	}
	if applied, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	} else if len(applied) > 0 {
		log.Info("schema migrated", "db", d.String(), "versions", applied)
	}
	pack, err := loadPack(cfg)
	if err != nil {
		d.Close()
		return nil, err
	}
	reg := registry.NewStore(d, terr, log)
	reg.SetMaxProblems(cfg.MaxProblems)
	if pack != nil {
		reg.SetCountryPack(registry.PackIdentity{Code: pack.Code, Version: pack.Version, Digest: pack.Digest})
		reg.SetIDScheme(&pack.ID)
	}
	if sync {
		if err := reg.SyncTerritory(ctx); err != nil {
			d.Close()
			return nil, fmt.Errorf("load the territory into the database: %w", err)
		}
	}
	tgt := targeting.NewStore(d, reg, log)
	coop := cooperation.NewStore(d, log, time.Now)
	prog := programs.NewStore(d, reg, tgt, log)
	dl := delivery.NewStore(d, prog, reg, log, time.Now)
	fs := funds.New(d)
	wireFunds(prog, dl, fs)
	fs.AgencyOf = prog.AgencyOf // contracts scope agency staff
	fs.Borrowers = borrowersHook(reg, tgt)
	return &App{
		Config: cfg, Log: log, DB: d, Territory: terr, Pack: pack, Registry: reg,
		Targeting: tgt, Programs: prog, Auth: auth.NewStore(d, time.Now),
		Stdout: stdout, Stderr: stderr,

		Cooperation: coop, Knowledge: knowledge.NewStore(d, coop),
		Delivery: dl, Funds: fs,
		Portal:  portal.NewStore(d, reg, tgt, time.Now),
		Results: results.NewStore(d, prog, dl, reg, tgt, log, time.Now),
	}, nil
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// loadPack reads the country pack of --country-pack, or returns nil when
// none is given.
func loadPack(cfg Config) (*countrypack.Pack, error) {
	if cfg.CountryPack == "" {
		return nil, nil
	}
	if cfg.TerritoryFile != "" {
		return nil, fmt.Errorf("give either --country-pack or --territory, not both: a country pack holds its territory")
	}
	return countrypack.LoadDir(cfg.CountryPack)
}

func loadTerritory(cfg Config) (*geo.Territory, error) {
	if p, err := loadPack(cfg); err != nil || p != nil {
		if err != nil {
			return nil, err
		}
		return p.Territory()
	}
	if cfg.TerritoryFile == "" {
		return geo.Chile(), nil
	}
	f, err := os.Open(cfg.TerritoryFile)
	if err != nil {
		return nil, fmt.Errorf("territory file: %w", err)
	}
	defer f.Close()
	if cfg.Country == "" {
		return nil, fmt.Errorf("--country (or FOSIS_COUNTRY) is required with a territory file")
	}
	t, err := geo.Load(f, cfg.Country)
	if err != nil {
		return nil, err
	}
	t.Source = filepath.Base(cfg.TerritoryFile)
	return t, nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	// Every line logged with a request's context carries its request id.
	if strings.EqualFold(cfg.LogFormat, "json") {
		return slog.New(observe.LogHandler{Handler: slog.NewJSONHandler(w, opts)})
	}
	return slog.New(observe.LogHandler{Handler: slog.NewTextHandler(w, opts)})
}

// bar returns a progress bar on stderr (a no-op one with --quiet).
func (a *App) bar(total int64, desc string) *progressbar.ProgressBar {
	return newBar(a.Config.Quiet, a.Stderr, total, desc)
}

func newBar(quiet bool, w io.Writer, total int64, desc string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetVisibility(!quiet),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(150*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// withApp wraps a command body that needs an opened App.
func withApp(cfg *Config, fn func(ctx context.Context, a *App, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		// Commands are run by an operator on the server: they act as the system.
		ctx := auth.WithPrincipal(cmd.Context(), auth.System())
		if err := refuseNewDefaultDB(cmd, *cfg); err != nil {
			return err
		}
		a, err := Open(ctx, *cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		defer a.Close()
		return fn(ctx, a, args)
	}
}
