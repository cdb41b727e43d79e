package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// envInt is the integer in environment variable name, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// Exit codes.
const (
	ExitOK       = 0
	ExitError    = 1 // the command failed
	ExitRejected = 2 // the command ran, but some input was rejected (see its report)
)

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Run runs the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := NewRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "fosis:", userMessage(err))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitError
}

// userMessage shows a fosis.Error's message with the underlying detail, and
// other errors as they are.
func userMessage(err error) string {
	var fe *fosis.Error
	if errors.As(err, &fe) && fe.Code != fosis.EINTERNAL {
		if err.Error() != fe.Error() {
			return fe.Message + " (" + err.Error() + ")"
		}
		return fe.Message
	}
	return err.Error()
}

// NewRoot builds the command tree.
func NewRoot() *cobra.Command {
	cfg := &Config{}
	root := &cobra.Command{
		Use:   "fosis",
		Short: "fosis — the information system of a social investment fund",
		Long: `fosis keeps a country's social registry and ranks its households by vulnerability with a
scorecard; opens calls for programme lines, selects and enrols families within quotas; runs
South-South and Triangular Cooperation projects (IATI and SEGIB reports) and a knowledge
catalogue; and serves all of it as a web application in Spanish and English and a JSON API.

Every command takes --db: a SQLite file path (default ` + db.DefaultPath + `) or a postgres:// URL.
The FOSIS_DB environment variable does the same.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&cfg.DB, "db", envOr("FOSIS_DB", db.DefaultPath), "database: SQLite file path or postgres:// URL (env FOSIS_DB)")
	pf.StringVar(&cfg.TerritoryFile, "territory", envOr("FOSIS_TERRITORY", ""), "another country's territory CSV (env FOSIS_TERRITORY; default: Chile, embedded)")
	pf.StringVar(&cfg.Country, "country", envOr("FOSIS_COUNTRY", ""), "ISO 3166-1 code of the --territory file's country (env FOSIS_COUNTRY)")
	pf.StringVar(&cfg.CountryPack, "country-pack", envOr("FOSIS_COUNTRY_PACK", ""), "a country pack's directory: territory and national ID (env FOSIS_COUNTRY_PACK; default: Chile, built in)")
	pf.StringVar(&cfg.LogLevel, "log-level", envOr("FOSIS_LOG_LEVEL", "warn"), "debug, info, warn or error (env FOSIS_LOG_LEVEL)")
	pf.StringVar(&cfg.LogFormat, "log-format", envOr("FOSIS_LOG_FORMAT", "text"), "text or json (env FOSIS_LOG_FORMAT)")
	pf.BoolVarP(&cfg.Quiet, "quiet", "q", false, "no progress bars")
	pf.IntVar(&cfg.MaxProblems, "max-problems", envInt("FOSIS_MAX_PROBLEMS", registry.DefaultMaxProblems),
		"an import stops after this many problems, importing nothing (env FOSIS_MAX_PROBLEMS)")
	root.AddCommand(migrateCmd(cfg), registryCmd(cfg), scoreCmd(cfg), serveCmd(cfg), demoCmd(cfg), benchCmd(cfg),
		usersCmd(cfg), tokensCmd(cfg), auditCmd(cfg), programsCmd(cfg), callsCmd(cfg), backupCmd(cfg), restoreCmd(cfg),
		cooperationCmd(cfg), knowledgeCmd(cfg), casesCmd(cfg), fundsCmd(cfg), resultsCmd(cfg))
	root.AddCommand(territoryCmd(cfg), countryPackCmd(cfg), portalCmd(cfg))
	root.AddCommand(servicesCmd(cfg))
	return root
}

func migrateCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or update the database schema (other commands also do this on start)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			cur, newest, err := a.DB.SchemaStatus(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: schema version %d (newest %d)\n", a.DB, cur, newest)
			return nil
		}),
	}
}
