package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/synth"
)

func registryCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{Use: "registry", Short: "The social registry: generate, import and export national extracts"}
	c.AddCommand(generateCmd(cfg), importCmd(cfg), exportCmd(cfg), countCmd(cfg), checkCmd(cfg))
	return c
}

func generateCmd(cfg *Config) *cobra.Command {
	var n int
	var seed uint64
	var out string
	c := &cobra.Command{
		Use:   "generate",
		Short: "Write a realistic synthetic national extract (households.csv, persons.csv, truth.csv)",
		Long: `Writes a synthetic extract of Chile in the interchange format (docs/extract-format.md)
into --out, plus truth.csv with each household's true per-capita income, which the
registry does not see (for measuring targeting error with 'fosis score accuracy').
The same --seed and --households always give the same files.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 {
				return fmt.Errorf("--households must be at least 1")
			}
			terr, err := loadTerritory(*cfg)
			if err != nil {
				return err
			}
			bar := newBar(cfg.Quiet, cmd.ErrOrStderr(), int64(n), "generating")
			st, err := synth.GenerateDir(cmd.Context(), out, synth.Options{Households: n, Seed: seed, Territory: terr},
				func(done int) { bar.Set(done) })
			if err != nil {
				return err
			}
			bar.Finish()
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d households and %d persons to %s in %s\n",
				st.Households, st.Persons, out, st.Elapsed.Round(time.Millisecond))
			return nil
		},
	}
	c.Flags().IntVar(&n, "households", 100_000, "number of households")
	c.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	c.Flags().StringVar(&out, "out", "extract", "output folder")
	return c
}

func importCmd(cfg *Config) *cobra.Command {
	var errorsPath string
	c := &cobra.Command{
		Use:   "import DIR | HOUSEHOLDS.csv PERSONS.csv",
		Short: "Load a national extract into the registry",
		Long: `Loads households.csv and persons.csv (from DIR, or the two files named). Households
with any problem are rejected whole; every problem (file, line, column, value, reason)
goes to the error report, whose path is printed. Valid households are inserted or
updated in one transaction. Re-importing updates rather than duplicates; a person who
moved household is recorded. Exit status 2 means some households were rejected.
After --max-problems problems (default 10,000) the import stops reading and imports
nothing: an extract that wrong needs fixing at its source.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			opt := registry.ImportOptions{ErrorsPath: errorsPath}
			if len(args) == 1 {
				opt.Households, opt.Persons = filepath.Join(args[0], "households.csv"), filepath.Join(args[0], "persons.csv")
			} else {
				opt.Households, opt.Persons = args[0], args[1]
			}
			readBar := a.bar(-1, "reading  ")
			writeBar := a.bar(-1, "writing  ")
			stage := ""
			opt.Progress = func(s string, done, total int64) {
				b := readBar
				if s == "write" {
					b = writeBar
				}
				if s != stage {
					if stage == "read" {
						readBar.Finish()
					}
					stage = s
					b.ChangeMax64(total)
				}
				b.Set64(done)
			}
			sum, err := a.Registry.Import(ctx, opt)
			if err != nil {
				return err
			}
			writeBar.Finish()
			printImport(a, sum)
			if msg := sum.StopMessage(); msg != "" {
				return &exitError{code: ExitRejected, err: fmt.Errorf("%s (raise --max-problems to see more): see %s", msg, sum.ErrorsPath)}
			}
			if sum.Rejected > 0 || sum.OrphanPersons > 0 {
				return &exitError{code: ExitRejected, err: fmt.Errorf("%d household(s) rejected, %d person row(s) without a household: see %s",
					sum.Rejected, sum.OrphanPersons, sum.ErrorsPath)}
			}
			return nil
		}),
	}
	c.Flags().StringVar(&errorsPath, "errors", "", "where to write the problem report (default: import-errors.csv beside households.csv)")
	return c
}

func printImport(a *App, s *registry.ImportSummary) {
	w := a.Stdout
	fmt.Fprintf(w, "import #%d finished in %s\n", s.ID, s.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  read:      %d households, %d persons\n", s.HouseholdsRead, s.PersonsRead)
	fmt.Fprintf(w, "  imported:  %d new, %d updated households; %d persons\n", s.Inserted, s.Updated, s.PersonsWritten)
	fmt.Fprintf(w, "  rejected:  %d households, %d person rows without a household\n", s.Rejected, s.OrphanPersons)
	if s.PersonsMoved+s.PersonsRemoved > 0 {
		fmt.Fprintf(w, "  changes:   %d persons moved household, %d left their household\n", s.PersonsMoved, s.PersonsRemoved)
	}
	if s.NotInExtract > 0 {
		fmt.Fprintf(w, "  note:      %d households in the registry are not in this extract (kept unchanged)\n", s.NotInExtract)
	}
	for _, u := range s.UnknownColumns {
		fmt.Fprintf(w, "  ignored unknown column %s\n", u)
	}
	if s.Problems > 0 {
		fmt.Fprintf(w, "  problems:  %d, by column:", s.Problems)
		cols := make([]string, 0, len(s.ProblemsByColumn))
		for c := range s.ProblemsByColumn {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		for _, c := range cols {
			fmt.Fprintf(w, " %s=%d", c, s.ProblemsByColumn[c])
		}
		fmt.Fprintf(w, "\n  report:    %s\n", s.ErrorsPath)
	}
}

func exportCmd(cfg *Config) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "export",
		Short: "Write the registry back out as households.csv and persons.csv",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			hh, persons, err := a.Registry.Count(ctx)
			if err != nil {
				return err
			}
			bar := a.bar(hh+persons, "exporting")
			sum, err := a.Registry.Export(ctx, out, func(n int64) { bar.Set64(n) })
			if err != nil {
				return err
			}
			bar.Finish()
			fmt.Fprintf(a.Stdout, "wrote %d households and %d persons to %s\n", sum.Households, sum.Persons, out)
			return nil
		}),
	}
	c.Flags().StringVar(&out, "out", "", "output folder (required)")
	c.MarkFlagRequired("out")
	return c
}

func countCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "count",
		Short: "Print how many households and persons the registry holds",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			hh, persons, err := a.Registry.Count(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%d households, %d persons\n", hh, persons)
			return nil
		}),
	}
}

func checkCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the references households and persons keep without foreign keys",
		Long: `Checks what the database cannot enforce on the bulk tables (households and persons
carry no foreign keys, for the speed of imports): every person's household exists, every
household's commune is in the territory, every household has exactly one head, and each
household's member count agrees with its persons. Prints each problem found and exits
with status 1 if there is any; imports keep all of this true, so a problem means the
tables were written by something else (a restore, a hand-made change).`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rep, err := a.Registry.Integrity(ctx)
			if err != nil {
				return err
			}
			problems := rep.Problems()
			if len(problems) == 0 {
				hh, persons, err := a.Registry.Count(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "registry check: no problems (%d households, %d persons)\n", hh, persons)
				return nil
			}
			for _, p := range problems {
				fmt.Fprintln(a.Stdout, "problem:", p)
			}
			return &exitError{code: ExitError, err: fmt.Errorf("the registry check found %d kind(s) of problem; see above", len(problems))}
		}),
	}
}
