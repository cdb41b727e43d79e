package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

func scoreCmd(cfg *Config) *cobra.Command {
	var modelFile, whatIf, asOf, note string
	var activate, jsonOut bool
	c := &cobra.Command{
		Use:   "score",
		Short: "Score every household with the active scorecard model and store the run",
		Long: `Runs the active scorecard model (or --model FILE) over the whole registry, ranks
households nationally, stores the run as a snapshot and prints the bracket
distribution by region.

--what-if FILE scores the registry under another model in memory and shows, without
writing anything, how many households would change bracket (by region and by
bracket pair) compared with the active model.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			day, err := parseAsOf(asOf)
			if err != nil {
				return err
			}
			base, err := a.Targeting.ActiveModel(ctx)
			if err != nil {
				return err
			}
			if modelFile != "" {
				if base, err = readModel(modelFile); err != nil {
					return err
				}
			}
			if whatIf != "" {
				other, err := readModel(whatIf)
				if err != nil {
					return err
				}
				return runWhatIf(ctx, a, base, other, day, jsonOut)
			}
			if activate {
				if err := a.Targeting.Activate(ctx, base); err != nil {
					return err
				}
			}
			out, err := a.Targeting.ScoreAll(ctx, base, day, note, func(stage string) {
				if !a.Config.Quiet {
					fmt.Fprintf(a.Stderr, "%s…\n", stage)
				}
			})
			if err != nil {
				return err
			}
			if jsonOut {
				warnPoorest5(a, out.Run)
				return json.NewEncoder(a.Stdout).Encode(map[string]any{"run": out.Run,
					"distribution": distribution(a.Territory, out.Frame, out.Results)})
			}
			fmt.Fprintf(a.Stdout, "run %d: model %s v%d (%s), as of %s, %d households (read %s, score %s, write %s)\n\n",
				out.Run.ID, out.Run.ModelID, out.Run.ModelVersion, out.Run.ModelName, out.Run.AsOf, out.Run.Households,
				out.Load.Round(time.Millisecond), out.Compute.Round(time.Millisecond), out.Write.Round(time.Millisecond))
			fmt.Fprintf(a.Stdout, "%s\n\n", poorest5Line(out.Run))
			warnPoorest5(a, out.Run)
			printDistribution(a.Stdout, a.Territory, out.Frame, out.Results)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&modelFile, "model", "", "score with this model file (JSON or YAML) instead of the active one")
	f.BoolVar(&activate, "activate", false, "with --model: make it the active model")
	f.StringVar(&whatIf, "what-if", "", "compare the active model with this model file, in memory, writing nothing")
	f.StringVar(&asOf, "as-of", "", "scoring date YYYY-MM-DD (ages are computed on it; default today)")
	f.StringVar(&note, "note", "", "a note stored with the run")
	f.BoolVar(&jsonOut, "json", false, "print JSON instead of tables")
	c.AddCommand(runsCmd(cfg), diffCmd(cfg), accuracyCmd(cfg), scoreExportCmd(cfg), modelsCmd(cfg))
	return c
}

// poorest5Line states the share of a run's households flagged as the
// poorest 5 %.
func poorest5Line(r *targeting.Run) string {
	return fmt.Sprintf("poorest 5 %%: %d households flagged (%.2f %% of %d)", r.Poorest5, r.Poorest5Share, r.Households)
}

// warnPoorest5 warns on stderr when a run flagged more than
// targeting.Poorest5WarnShare % of its households.
func warnPoorest5(a *App, r *targeting.Run) {
	if r.Poorest5Warning {
		fmt.Fprintf(a.Stderr, "WARNING: run %d flagged %.2f %% of the households as the poorest 5 %% (more than %.0f %%): "+
			"many households tie at the bottom of the ranking. Programmes reserved for the poorest 5 %% would reach more "+
			"families than intended; check the model's ranking keys (docs/scorecard.md).\n",
			r.ID, r.Poorest5Share, targeting.Poorest5WarnShare)
	}
}

func parseAsOf(s string) (time.Time, error) {
	if s == "" {
		now := time.Now().UTC()
		return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, fosis.Errorf(fosis.EINVALID, "--as-of %q is not a date in the form YYYY-MM-DD", s)
	}
	return t, nil
}

func readModel(path string) (*targeting.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fosis.Errorf(fosis.EINVALID, "cannot read model file: %v", err)
	}
	return targeting.LoadModel(path, data)
}

// regionDist is one region's bracket counts.
type regionDist struct {
	Code   string     `json:"region_code"`
	Name   string     `json:"region_name"`
	Total  int        `json:"households"`
	Counts [7]int     `json:"by_bracket"`
	Share  [7]float64 `json:"share_by_bracket"`
}

func distribution(t *geo.Territory, f *registry.Frame, res *targeting.Results) []regionDist {
	out := make([]regionDist, len(t.Regions)+1)
	for i, r := range t.Regions {
		out[i].Code, out[i].Name = r.Code, r.ShortName
	}
	nat := &out[len(t.Regions)]
	nat.Code, nat.Name = "", "Total"
	for i := range f.Len() {
		k := bracketIdx(res.Bracket[i])
		out[f.Region[i]].Counts[k]++
		out[f.Region[i]].Total++
		nat.Counts[k]++
		nat.Total++
	}
	for i := range out {
		for k := range out[i].Counts {
			if out[i].Total > 0 {
				out[i].Share[k] = 100 * float64(out[i].Counts[k]) / float64(out[i].Total)
			}
		}
	}
	return out
}

func bracketIdx(b uint8) int {
	if b < 40 {
		return 0
	}
	return min(int(b-40)/10, 6)
}

func printDistribution(w io.Writer, t *geo.Territory, f *registry.Frame, res *targeting.Results) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "region\thouseholds\t")
	for _, b := range fosis.Brackets() {
		fmt.Fprintf(tw, "≤%d%%\t", b)
	}
	fmt.Fprintln(tw)
	for _, d := range distribution(t, f, res) {
		if d.Total == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s %s\t%d\t", d.Code, d.Name, d.Total)
		for _, s := range d.Share {
			fmt.Fprintf(tw, "%.1f\t", s)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(w, "\n(share of the region's households in each bracket, %)")
}

func runWhatIf(ctx context.Context, a *App, base, other *targeting.Model, day time.Time, jsonOut bool) error {
	f, err := a.Registry.LoadFrame(ctx, false)
	if err != nil {
		return err
	}
	if f.Len() == 0 {
		return fosis.Errorf(fosis.EINVALID, "the registry is empty: import an extract first")
	}
	t0 := time.Now()
	asOf := registry.DayNumber(day)
	ra, err := targeting.Score(ctx, f, base, asOf)
	if err != nil {
		return err
	}
	rb, err := targeting.Score(ctx, f, other, asOf)
	if err != nil {
		return err
	}
	cmp := targeting.Compare(f, ra, rb)
	elapsed := time.Since(t0)
	if jsonOut {
		return json.NewEncoder(a.Stdout).Encode(map[string]any{"base": base.ID, "base_version": base.Version,
			"other": other.ID, "other_version": other.Version, "comparison": cmp})
	}
	w := a.Stdout
	fmt.Fprintf(w, "what-if: %s v%d → %s v%d over %d households (scored twice in %s; nothing written)\n\n",
		base.ID, base.Version, other.ID, other.Version, cmp.Households, elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "would change bracket: %d (%.1f%%): %d to a higher bracket, %d to a lower one\n\n",
		cmp.Total.Up+cmp.Total.Down, pct(cmp.Total.Up+cmp.Total.Down, cmp.Households), cmp.Total.Up, cmp.Total.Down)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "region\thigher\tlower\tsame\tchanged %\t")
	for _, r := range cmp.ByRegion {
		reg := a.Territory.Regions[r.Region]
		n := r.Up + r.Down + r.Same
		fmt.Fprintf(tw, "%s %s\t%d\t%d\t%d\t%.1f\t\n", reg.Code, reg.ShortName, r.Up, r.Down, r.Same, pct(r.Up+r.Down, n))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nfrom bracket (rows) to bracket (columns):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, b := range fosis.Brackets() {
		fmt.Fprintf(tw, "%d\t", b)
	}
	fmt.Fprintln(tw)
	for i, row := range cmp.Matrix {
		fmt.Fprintf(tw, "%d\t", fosis.Brackets()[i])
		for _, v := range row {
			fmt.Fprintf(tw, "%d\t", v)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func runsCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "runs",
		Short: "List the stored scoring runs",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			runs, err := a.Targeting.Runs(ctx)
			if err != nil {
				return err
			}
			if len(runs) == 0 {
				fmt.Fprintln(a.Stdout, "no scoring runs yet: run 'fosis score'")
				return nil
			}
			tw := newTable(a.Stdout, "run\tmodel\tversion\tas of\tfinished\thouseholds\tpoorest 5 %\tnote")
			for _, r := range runs {
				share := fmt.Sprintf("%.2f %%", r.Poorest5Share)
				if r.Poorest5Warning {
					share += " (!)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.ModelID, r.ModelVersion, r.AsOf,
					r.FinishedAt.Format(time.DateTime), r.Households, share, r.Note)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, r := range runs {
				warnPoorest5(a, &r)
			}
			return nil
		}),
	}
}

func diffCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "diff RUN_A RUN_B",
		Short: "List the households whose bracket differs between two runs (CSV on stdout)",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ra, err := a.Targeting.Run(ctx, args[0])
			if err != nil {
				return err
			}
			rb, err := a.Targeting.Run(ctx, args[1])
			if err != nil {
				return err
			}
			w := a.Stdout
			fmt.Fprintln(w, "household_id,commune_code,from_bracket,to_bracket")
			n, err := a.Targeting.Diff(ctx, ra.ID, rb.ID, func(c targeting.Change) error {
				_, err := fmt.Fprintf(w, "%s,%s,%d,%d\n", c.HouseholdID, c.CommuneCode, c.From, c.To)
				return err
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stderr, "%d households changed bracket between run %d and run %d\n", n, ra.ID, rb.ID)
			return nil
		}),
	}
}

func accuracyCmd(cfg *Config) *cobra.Command {
	var truthPath, runRef string
	var jsonOut bool
	c := &cobra.Command{
		Use:   "accuracy --truth FILE",
		Short: "Inclusion and exclusion errors of a run at the 40% cut-off against a truth file",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			run, err := a.Targeting.Run(ctx, runRef)
			if err != nil {
				return err
			}
			f, err := a.Registry.LoadFrame(ctx, true)
			if err != nil {
				return err
			}
			file, err := os.Open(truthPath)
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "cannot open the truth file: %v", err)
			}
			defer file.Close()
			truth, err := targeting.ReadTruth(file, targeting.HouseholdIndex(f))
			if err != nil {
				return err
			}
			res, err := a.Targeting.LoadResults(ctx, run.ID, f.Key)
			if err != nil {
				return err
			}
			acc, err := targeting.MeasureAccuracy(f, res, truth)
			if err != nil {
				return err
			}
			if jsonOut {
				return json.NewEncoder(a.Stdout).Encode(map[string]any{"run": run.ID, "accuracy": acc})
			}
			w := a.Stdout
			fmt.Fprintf(w, "run %d (%s v%d) against %s, cut-off %d%%\n", run.ID, run.ModelID, run.ModelVersion, truthPath, acc.CutOff)
			fmt.Fprintf(w, "  households with known truth: %d; selected (bracket 40): %d; truly poor: %d\n", acc.Households, acc.Selected, acc.TrulyPoor)
			fmt.Fprintf(w, "  inclusion error: %.1f%% of the selected are not truly poor\n", 100*acc.InclusionError)
			fmt.Fprintf(w, "  exclusion error: %.1f%% of the truly poor are not selected\n\n", 100*acc.ExclusionError)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "region\tselected\ttruly poor\tinclusion %\texclusion %\t")
			for _, r := range acc.ByRegion {
				reg := a.Territory.Regions[r.Region]
				fmt.Fprintf(tw, "%s %s\t%d\t%d\t%.1f\t%.1f\t\n", reg.Code, reg.ShortName, r.Selected, r.TrulyPoor, 100*r.InclusionError, 100*r.ExclusionError)
			}
			return tw.Flush()
		}),
	}
	c.Flags().StringVar(&truthPath, "truth", "", "truth file: household_id,per_capita_income_clp (required)")
	c.Flags().StringVar(&runRef, "run", "latest", "run id or latest")
	c.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	c.MarkFlagRequired("truth")
	return c
}

func scoreExportCmd(cfg *Config) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "export RUN_ID|latest --out FILE",
		Short: "Write one CSV row per household of a run (for municipalities and analysts)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			run, err := a.Targeting.Run(ctx, args[0])
			if err != nil {
				return err
			}
			tmp := out + ".partial"
			f, err := os.Create(tmp)
			if err != nil {
				return err
			}
			bar := a.bar(run.Households, "exporting")
			n, err := a.Targeting.ExportRun(ctx, run.ID, f, func(n int64) { bar.Set64(n) })
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(tmp)
				return err
			}
			if err := os.Rename(tmp, out); err != nil {
				return err
			}
			bar.Finish()
			m, err := a.Targeting.RunModel(ctx, run.ID)
			if err != nil {
				return err
			}
			names := targeting.TieKeyNames(m.Kind)
			fmt.Fprintf(a.Stdout, "wrote %d rows of run %d to %s\n", n, run.ID, out)
			fmt.Fprintf(a.Stdout, "ranked on (value, tie_key_1 = %s, tie_key_2 = %s), lower is more vulnerable; %s\n",
				names[0], names[1], poorest5Line(run))
			return nil
		}),
	}
	c.Flags().StringVar(&out, "out", "", "output CSV file (required)")
	c.MarkFlagRequired("out")
	return c
}

func modelsCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "models",
		Short: "Show the built-in scorecard models and which one is active",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			active, err := a.Targeting.ActiveModel(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "active: %s v%d (%s) digest %s\n\nbuilt in:\n", active.ID, active.Version, active.Name, active.Digest()[:12])
			for _, m := range targeting.BuiltinModels() {
				fmt.Fprintf(a.Stdout, "  %s v%d [%s] %s\n", m.ID, m.Version, m.Kind, m.Name)
			}
			fmt.Fprintln(a.Stdout, "\nUse 'fosis score --model FILE --activate' to score with and activate another model.")
			return nil
		}),
	}
}
