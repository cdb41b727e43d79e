package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// DemoDB is the database the demo uses when --db is not given.
const DemoDB = "fosis-demo.db"

func demoCmd(cfg *Config) *cobra.Command {
	var n int
	var seed uint64
	var noServe, rebuild bool
	var addr string
	c := &cobra.Command{
		Use:   "demo",
		Short: "Build a synthetic Chile (registry and a scoring run) and serve it, in one command",
		Long: `Generates a synthetic national extract, imports it, runs the default scorecard and
serves the API. Without --db it uses ` + DemoDB + ` in the current folder; an existing demo
database is served as it is unless --rebuild is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := auth.WithPrincipal(cmd.Context(), auth.System())
			c := *cfg
			if !cmd.Flags().Changed("db") && os.Getenv("FOSIS_DB") == "" {
				c.DB = DemoDB
			}
			if rebuild && !db.IsPostgres(c.DB) {
				for _, suffix := range []string{"", "-wal", "-shm"} {
					os.Remove(c.DB + suffix)
				}
			}
			a, err := Open(ctx, c, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer a.Close()
			hh, _, err := a.Registry.Count(ctx)
			if err != nil {
				return err
			}
			if hh == 0 {
				if err := buildDemo(ctx, a, n, seed); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(a.Stdout, "using the existing demo data in %s (%d households); --rebuild starts over\n", a.DB, hh)
			}
			if err := printDemoGuide(ctx, a, addr); err != nil {
				return err
			}
			if noServe {
				return nil
			}
			return serve(ctx, a, addr, nil)
		},
	}
	f := c.Flags()
	f.IntVar(&n, "households", 100_000, "households in the synthetic registry")
	f.Uint64Var(&seed, "seed", 7, "random seed")
	f.BoolVar(&noServe, "no-serve", false, "build the demo database and exit")
	f.BoolVar(&rebuild, "rebuild", false, "delete the demo SQLite database first and build it again")
	f.StringVar(&addr, "addr", envOr("FOSIS_ADDR", "127.0.0.1:8080"), "address to serve on")
	return c
}

func buildDemo(ctx context.Context, a *App, n int, seed uint64) error {
	start := time.Now()
	dir, err := os.MkdirTemp("", "fosis-demo-extract-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(a.Stdout, "1/3 generating a synthetic Chile of %d households…\n", n)
	bar := a.bar(int64(n), "generating")
	st, err := registry.GenerateDir(ctx, dir, registry.GenerateOptions{Households: n, Seed: seed, Territory: a.Territory},
		func(done int) { bar.Set(done) })
	if err != nil {
		return err
	}
	bar.Finish()
	fmt.Fprintf(a.Stdout, "2/3 importing %d households and %d persons…\n", st.Households, st.Persons)
	wbar := a.bar(-1, "importing")
	sum, err := a.Registry.Import(ctx, registry.ImportOptions{
		Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv"),
		ErrorsPath: filepath.Join(dir, "import-errors.csv"),
		Progress: func(stage string, done, total int64) {
			if stage == "write" {
				wbar.ChangeMax64(total)
				wbar.Set64(done)
			}
		},
	})
	if err != nil {
		return err
	}
	wbar.Finish()
	if sum.Rejected > 0 {
		return fmt.Errorf("the synthetic extract had %d rejected households; this is a bug", sum.Rejected)
	}
	fmt.Fprintln(a.Stdout, "3/3 scoring every household with the default model…")
	m, err := a.Targeting.ActiveModel(ctx)
	if err != nil {
		return err
	}
	out, err := a.Targeting.ScoreAll(ctx, m, time.Now().UTC(), "demo", nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "demo ready in %s: run %d\n\n", time.Since(start).Round(100*time.Millisecond), out.Run.ID)
	printDistribution(a.Stdout, a.Territory, out.Frame, out.Results)
	return nil
}

// printDemoGuide shows a few real households to try.
func printDemoGuide(ctx context.Context, a *App, addr string) error {
	f, err := a.Registry.LoadFrame(ctx, true)
	if err != nil || f.Len() == 0 {
		return err
	}
	h, err := a.Registry.HouseholdByKey(ctx, f.Key[f.Len()/3])
	if err != nil {
		return err
	}
	run := ""
	if len(h.Members) > 0 {
		run = h.Members[0].RUN
	}
	base := "http://" + addr
	fmt.Fprintf(a.Stdout, "\nTry:\n  curl %s/healthz\n  curl %s/api/v1/households/%s\n  curl %s/api/v1/persons/%s/household?lang=en\n  curl '%s/api/v1/communes/%s/households?limit=5'\n  curl %s/api/v1/score/runs\n\n",
		base, base, h.ID, base, run, base, h.CommuneCode, base)
	return nil
}
