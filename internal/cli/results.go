package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/results/impact"
)

// resultsCmd is the results slice: coverage funnel, focalisation, open data
// and indicators (docs/results.md).
func resultsCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "results",
		Short: "Coverage funnel, focalisation, open data and indicators with their alerts",
	}
	var asJSON bool
	printJSON := func(a *App, v any) error {
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}

	var flt results.FunnelFilter
	var stored bool
	funnel := &cobra.Command{
		Use:   "funnel [--line L] [--call C] [--period YYYY] [--region R] [--by commune|region|call|line]",
		Short: "Compute the coverage funnel of every call (eligible → applied → selected → enrolled → completed → graduated) and print it",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			if !stored {
				run, err := a.Results.ComputeFunnel(ctx)
				if err != nil {
					return err
				}
				for _, call := range run.Unpreviewed {
					fmt.Fprintf(a.Stderr, "call %s: no eligible count (its scoring run is gone)\n", call)
				}
			}
			fu, err := a.Results.Funnel(ctx, flt)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, fu)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "line\tcall\tperiod\tregion\tcommune\teligible\tapplied\tselected\tenrolled\tcompleted\tgraduated\treached %\t")
			row := func(r results.FunnelRow) {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t\n", r.Line, r.Call, r.Period, r.Region, r.Name,
					r.Eligible, r.Applied, r.Selected, r.Enrolled, r.Completed, r.Graduated, r.Reached())
			}
			for _, r := range fu.Rows {
				row(r)
			}
			row(results.FunnelRow{Line: "total", Counts: fu.Total})
			return tw.Flush()
		}),
	}
	funnel.Flags().StringVar(&flt.Line, "line", "", "programme line code")
	funnel.Flags().StringVar(&flt.Call, "call", "", "call code")
	funnel.Flags().StringVar(&flt.Period, "period", "", "the calls' year (YYYY)")
	funnel.Flags().StringVar(&flt.Region, "region", "", "region code")
	funnel.Flags().StringVar(&flt.By, "by", "commune", "one row per commune, region, call or line")
	funnel.Flags().BoolVar(&stored, "stored", false, "print the last computation without computing again")
	funnel.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var call, truth string
	var target float64
	focal := &cobra.Command{
		Use:   "focalisation --call C [--truth truth.csv --target 40]",
		Short: "A call's applicants by bracket and percentile; with the generator's truth file, its inclusion and exclusion errors",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			fo, err := a.Results.Focalisation(ctx, call)
			if err != nil {
				return err
			}
			var te *results.TargetErrors
			if truth != "" {
				f, err := os.Open(truth)
				if err != nil {
					return err
				}
				defer f.Close()
				if te, err = a.Results.TargetErrors(ctx, call, f, target); err != nil {
					return err
				}
			}
			if asJSON {
				return printJSON(a, struct {
					*results.Focalisation
					Errors *results.TargetErrors `json:"errors,omitempty"`
				}{fo, te})
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "bracket\tapplied\tselected\tenrolled\t")
			for _, b := range fo.Brackets {
				fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t\n", b.Label, b.Applied, b.Selected, b.Enrolled)
			}
			fmt.Fprintf(tw, "unscored\t%d\t%d\t%d\t\n", fo.Unscored.Applied, fo.Unscored.Selected, fo.Unscored.Enrolled)
			fmt.Fprintln(tw, "\t\t\t\t")
			fmt.Fprintln(tw, "percentile\tapplied\tselected\tenrolled\t")
			for _, p := range fo.Percentiles {
				fmt.Fprintf(tw, "%d–%d\t%d\t%d\t%d\t\n", p.Label-10, p.Label, p.Applied, p.Selected, p.Enrolled)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if te != nil {
				fmt.Fprintf(a.Stdout, "\ntarget: the %g %% of households with the lowest true per-capita income\n", te.TargetPct)
				fmt.Fprintf(a.Stdout, "inclusion error: %.1f %% (%d of %d reached are outside the target)\n", te.Inclusion, te.ReachedOutside, te.Reached)
				fmt.Fprintf(a.Stdout, "exclusion error: %.1f %% (%d of %d target households of the call's territory not reached)\n", te.Exclusion, te.TargetMissed, te.Target)
				if te.Unmatched > 0 {
					fmt.Fprintf(a.Stdout, "%d households of the truth file are not in the registry\n", te.Unmatched)
				}
			}
			return nil
		}),
	}
	focal.Flags().StringVar(&call, "call", "", "call code")
	focal.Flags().StringVar(&truth, "truth", "", "the synthetic generator's truth.csv (fosis registry generate)")
	focal.Flags().Float64Var(&target, "target", 40, "the target population: this per cent of households with the lowest true per-capita income")
	focal.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	focal.MarkFlagRequired("call")

	var out string
	opendata := &cobra.Command{
		Use:   "opendata --out DIR",
		Short: "Write the coverage as open data (coverage.csv, coverage.json): communes × lines per period and stage, small cells suppressed",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			if !stored {
				if _, err := a.Results.ComputeFunnel(ctx); err != nil {
					return err
				}
			}
			od, err := a.Results.OpenData(ctx)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			for name, write := range map[string]func(*os.File) error{
				"coverage.csv":  func(f *os.File) error { return od.WriteCSV(f) },
				"coverage.json": func(f *os.File) error { return od.WriteJSON(f) },
			} {
				f, err := os.Create(filepath.Join(out, name))
				if err != nil {
					return err
				}
				if err := write(f); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
			}
			hidden := 0
			for _, t := range od.Tables {
				hidden += t.Hidden
			}
			fmt.Fprintf(a.Stdout, "wrote %s and %s: %d tables, %d cells suppressed (counts under %d and their complements)\n",
				filepath.Join(out, "coverage.csv"), filepath.Join(out, "coverage.json"), len(od.Tables), hidden, results.MinCell)
			return nil
		}),
	}
	opendata.Flags().StringVar(&out, "out", "", "directory to write into")
	opendata.Flags().BoolVar(&stored, "stored", false, "publish the last computed funnel without computing again")
	opendata.MarkFlagRequired("out")

	var line, lang, format, reportFollowUp string
	var reportCutoff float64
	var reportFuzzy bool
	report := &cobra.Command{
		Use:   "report --out FILE [--format xlsx|pdf] [--line L] [--lang es|en] [--followup FILE --cutoff 40 [--fuzzy]]",
		Short: "Write a line's results report as a workbook (coverage, indicators, alerts, focalisation) or a PDF (funnel, indicators, agencies behind, impact)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			if format != "xlsx" && format != "pdf" {
				return fosis.KeyedErrorf(fosis.EINVALID, "results.err.report_format", results.Messages["results.err.report_format"], format)
			}
			var imp *results.ReportImpact
			if reportFollowUp != "" {
				if format != "pdf" {
					return fosis.KeyedErrorf(fosis.EINVALID, "results.err.report_followup", "the impact estimate of a follow-up extract goes into the PDF report only: add --format pdf")
				}
				fu, err := os.Open(reportFollowUp)
				if err != nil {
					return err
				}
				data, err := results.ReadFollowUp(fu, reportFuzzy)
				fu.Close()
				if err != nil {
					return err
				}
				est, err := impact.EstimateRD(data, impact.RDOptions{Cutoff: reportCutoff, EligibleBelow: true})
				if err != nil {
					return err
				}
				imp = &results.ReportImpact{Households: len(data.X), Estimate: est}
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			write := func() error { return a.Results.WriteReport(ctx, f, line, lang) }
			if format == "pdf" {
				write = func() error { return a.Results.WriteReportPDF(ctx, f, line, lang, imp) }
			}
			if err := write(); err != nil {
				f.Close()
				os.Remove(out)
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "wrote %s\n", out)
			return nil
		}),
	}
	report.Flags().StringVar(&out, "out", "", "the workbook or PDF to write")
	report.Flags().StringVar(&format, "format", "xlsx", "xlsx or pdf")
	report.Flags().StringVar(&reportFollowUp, "followup", "", "PDF only: a follow-up extract (fosis results followup) whose impact estimate the report shows")
	report.Flags().Float64Var(&reportCutoff, "cutoff", 40, "the eligibility cut-off percentile of --followup")
	report.Flags().BoolVar(&reportFuzzy, "fuzzy", false, "fuzzy design for --followup")
	report.Flags().StringVar(&line, "line", "", "programme line code (all lines if empty)")
	report.Flags().StringVar(&lang, "lang", "es", "es or en")
	report.MarkFlagRequired("out")

	var fu results.FollowUpOptions
	followup := &cobra.Command{
		Use:   "followup --run R --out FILE [--cutoff 40] [--effect 0.12] [--takeup 1] [--seed 1]",
		Short: "On a synthetic registry, write a follow-up extract with a planted effect of taking part on labour income",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			n, err := a.Results.PlantFollowUp(ctx, f, fu)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(out)
				return err
			}
			fmt.Fprintf(a.Stdout, "wrote %s: %d households with labour income, effect %+g for participants at or below percentile %g (take-up %g)\n", out, n, fu.Effect, fu.Cutoff, fu.TakeUp)
			return nil
		}),
	}
	followup.Flags().Int64Var(&fu.Run, "run", 0, "scoring run whose percentiles are the running variable")
	followup.Flags().Float64Var(&fu.Cutoff, "cutoff", 40, "eligible at or below this percentile")
	followup.Flags().Float64Var(&fu.Effect, "effect", 0.12, "proportional effect on labour income at follow-up (0.12: +12 %; 0: none)")
	followup.Flags().Float64Var(&fu.TakeUp, "takeup", 1, "share of the eligible who take part (1: sharp design)")
	followup.Flags().Uint64Var(&fu.Seed, "seed", 1, "random seed")
	followup.Flags().StringVar(&out, "out", "", "the extract to write")
	followup.MarkFlagRequired("run")
	followup.MarkFlagRequired("out")

	var file string
	var cutoff float64
	var fuzzy bool
	impactCmd := &cobra.Command{
		Use:   "impact --followup FILE [--cutoff 40] [--fuzzy]",
		Short: "Regression discontinuity at the cut-off on a follow-up extract: estimate, robust interval, placebos, density test",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			data, err := results.ReadFollowUp(f, fuzzy)
			if err != nil {
				return err
			}
			o := impact.RDOptions{Cutoff: cutoff, EligibleBelow: true}
			est, err := impact.EstimateRD(data, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "outcome: change in log labour income; %d households\n", len(data.X))
			fmt.Fprintf(a.Stdout, "bandwidths h %.2f, b %.2f; within h: %d eligible, %d others\n", est.H, est.B, est.NEligibleH, est.NControlH)
			fmt.Fprintf(a.Stdout, "conventional %.4f (se %.4f)\n", est.Estimate, est.SE)
			fmt.Fprintf(a.Stdout, "bias-corrected %.4f, robust 95%% interval [%.4f, %.4f], p %.4f  (%+.1f %%)\n", est.BiasCorrected, est.RobustCI[0], est.RobustCI[1], est.PValue, 100*(math.Exp(est.BiasCorrected)-1))
			if est.Fuzzy {
				fmt.Fprintf(a.Stdout, "first stage (take-up jump) %.3f, intention to treat %.4f\n", est.FirstStage, est.ReducedForm)
			}
			for _, c := range est.Caveats {
				fmt.Fprintf(a.Stdout, "caveat: %s (docs/results.md, \"When not to trust it\")\n", c)
			}
			ps, err := impact.Placebos(data, o, nil)
			if err != nil {
				return err
			}
			for _, p := range ps {
				if p.Err != nil {
					fmt.Fprintf(a.Stdout, "placebo at %.1f: %v\n", p.Cutoff, p.Err)
					continue
				}
				fmt.Fprintf(a.Stdout, "placebo at %.1f: %.4f [%.4f, %.4f]\n", p.Cutoff, p.Estimate.BiasCorrected, p.Estimate.RobustCI[0], p.Estimate.RobustCI[1])
			}
			if dt, err := impact.McCrary(data.X, cutoff, true, 0); err == nil {
				fmt.Fprintf(a.Stdout, "density test: theta %.3f (se %.3f), p %.3f\n", dt.Theta, dt.SE, dt.PValue)
			} else {
				fmt.Fprintf(a.Stdout, "density test: %v\n", err)
			}
			return nil
		}),
	}
	impactCmd.Flags().StringVar(&file, "followup", "", "a follow-up extract (fosis results followup)")
	impactCmd.Flags().Float64Var(&cutoff, "cutoff", 40, "the eligibility cut-off percentile")
	impactCmd.Flags().BoolVar(&fuzzy, "fuzzy", false, "fuzzy design: use the participant column as take-up")
	impactCmd.MarkFlagRequired("followup")

	c.AddCommand(funnel, focal, opendata, report, followup, impactCmd, indicatorsCmd(cfg), alertsCmd(cfg))
	return c
}

// indicatorsCmd declares, lists and computes indicators.
func indicatorsCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{Use: "indicators", Short: "Indicators declared per programme line version, computed per month"}
	var line, period, region string
	var asJSON bool
	declare := &cobra.Command{
		Use:   "declare FILE.json",
		Short: "Declare (or replace) indicators from a JSON list (docs/results.md, \"Indicators\")",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var list []results.Indicator
			if err := json.Unmarshal(b, &list); err != nil {
				return fosis.KeyedErrorf(fosis.EINVALID, "results.err.definition_json", results.Messages["results.err.definition_json"], err.Error())
			}
			for k, in := range list {
				saved, err := a.Results.SaveIndicator(ctx, in)
				if err != nil {
					return fmt.Errorf("indicator %d (%s): %w", k+1, in.Code, err)
				}
				fmt.Fprintf(a.Stdout, "indicator %s of %s version %d saved\n", saved.Code, saved.Line, saved.Version)
			}
			return nil
		}),
	}
	list := &cobra.Command{
		Use: "list [--line L]", Short: "List the declared indicators", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			is, err := a.Results.Indicators(ctx, line)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(is)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "line\tversion\tcode\tunit\ttolerance\tnumerator\tdenominator")
			for _, i := range is {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%g\t%s\t%s\n", i.Line, i.Version, i.Code, i.Unit, i.Tolerance, i.Numerator, i.Denominator)
			}
			return tw.Flush()
		}),
	}
	list.Flags().StringVar(&line, "line", "", "programme line code")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	compute := &cobra.Command{
		Use: "compute --period YYYY-MM", Short: "Compute every indicator for a month and store the values (run it monthly)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			c, err := a.Results.ComputeIndicators(ctx, period)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %d indicators over %d cases, %d values stored, %d off track\n", c.Period, c.Indicators, c.Cases, c.Values, c.OffTrack)
			return nil
		}),
	}
	compute.Flags().StringVar(&period, "period", "", "the month, YYYY-MM")
	compute.MarkFlagRequired("period")
	show := &cobra.Command{
		Use: "show [--period YYYY-MM] [--line L] [--region R]", Short: "Print the latest values and their status against the targets", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			vs, err := a.Results.Values(ctx, results.ValueFilter{Line: line, Period: period, Region: region})
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(vs)
			}
			return printValues(a, vs)
		}),
	}
	show.Flags().StringVar(&period, "period", "", "the month, YYYY-MM")
	show.Flags().StringVar(&line, "line", "", "programme line code")
	show.Flags().StringVar(&region, "region", "", "region code")
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.AddCommand(declare, list, compute, show)
	return c
}

// alertsCmd prints the off-track indicators.
func alertsCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use: "alerts", Short: "Indicators off track in their latest month (below target by more than the tolerance) and executing agencies behind their schedule of sessions", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			vs, err := a.Results.Alerts(ctx)
			if err != nil {
				return err
			}
			behind, err := a.Results.AgenciesBehind(ctx, "")
			if err != nil {
				return err
			}
			if len(vs) == 0 {
				fmt.Fprintln(a.Stdout, "no indicator is off track")
			} else if err := printValues(a, vs); err != nil {
				return err
			}
			if len(behind) == 0 {
				fmt.Fprintln(a.Stdout, "no executing agency is behind its schedule of sessions this month")
				return nil
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "agency behind	region	period	recorded	due	share %	scheduled in month")
			for _, b := range behind {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.1f\t%d\n", b.Agency, b.Region, b.Period, b.Actual, b.Expected, b.SharePct, b.Scheduled)
			}
			return tw.Flush()
		}),
	}
}

func printValues(a *App, vs []results.Value) error {
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "line\tindicator\tperiod\tregion\tvalue\ttarget\tstatus")
	opt := func(p *float64) string {
		if p == nil {
			return "—"
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	for _, v := range vs {
		region := v.Region
		if region == "" {
			region = "national"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Line, v.Code, v.Period, region, opt(v.Value), opt(v.Target), v.Status)
	}
	return tw.Flush()
}
