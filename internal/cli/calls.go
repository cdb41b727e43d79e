package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/programs"
)

func callsCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "calls",
		Short: "Calls for applications: create, open, apply, select, publish, withdraw, enrol",
		Long: `A call goes draft → open → closed → selected → published. Applications are taken
while it is open (one by one with 'apply', or in bulk with 'import'); 'select' ranks and
places them once the call is closed and freezes the record ('verify' re-runs it);
'withdraw' gives a place to the next on the waiting list; 'enroll' creates the
participation and reserves the amount from the envelope. docs/selection.md and
docs/eligibility.md describe the rules.`,
	}
	c.AddCommand(callsListCmd(cfg), callsShowCmd(cfg), callsCreateCmd(cfg),
		callsStatusCmd(cfg, "open", programs.StatusOpen, "Open a draft call for applications"),
		callsStatusCmd(cfg, "close", programs.StatusClosed, "Close an open call"),
		callsStatusCmd(cfg, "publish", programs.StatusPublished, "Publish a selected call's results"),
		callsApplyCmd(cfg), callsImportCmd(cfg), callsPreviewCmd(cfg), callsWhatIfCmd(cfg), callsSelectCmd(cfg),
		callsVerifyCmd(cfg), callsApplicationsCmd(cfg), callsTraceCmd(cfg), callsWithdrawCmd(cfg), callsEnrollCmd(cfg))
	return c
}

func callsListCmd(cfg *Config) *cobra.Command {
	var jsonOut bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List calls, newest first",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			cs, err := a.Programs.Calls(ctx)
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a, cs)
			}
			return printList(a, false, cs, "no calls yet: 'fosis calls create FILE.json' creates one", "CODE\tSTATUS\tPROGRAMME\tOPENS\tCLOSES\tPLACES\tBUDGET CLP\tCOMMITTED CLP\tRUN", func(tw io.Writer, i int) {
				k := cs[i]
				fmt.Fprintf(tw, "%s\t%s\t%s v%d\t%s\t%s\t%d\t%d\t%d\t%d\n", k.Code, k.Status, k.Program, k.ProgramVersion, k.OpensOn, k.ClosesOn,
					k.Places, k.BudgetCLP, k.CommittedCLP, k.Run)
			})
		}),
	}
	c.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return c
}

func callsShowCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "show CODE",
		Short: "Show a call (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			k, err := a.Programs.Call(ctx, args[0])
			if err != nil {
				return err
			}
			return printJSON(a, k)
		}),
	}
}

func callsCreateCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "create FILE.json",
		Short: "Create a call in draft from a JSON file (see docs/selection.md for an example)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var in programs.CallInput
			if err := readJSONFile(args[0], &in); err != nil {
				return err
			}
			k, err := a.Programs.CreateCall(ctx, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "call %s created (draft): %d places, budget $%d; 'fosis calls open %s' opens it\n", k.Code, k.Places, k.BudgetCLP, k.Code)
			return nil
		}),
	}
}

// callsStatusCmd moves a call to status to (open, close, publish).
func callsStatusCmd(cfg *Config, use, to, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use + " CODE",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			k, err := a.Programs.SetStatus(ctx, args[0], to)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "call %s is %s\n", k.Code, k.Status)
			return nil
		}),
	}
}

func callsApplyCmd(cfg *Config) *cobra.Command {
	var household string
	c := &cobra.Command{
		Use:   "apply CODE [RUN]",
		Short: "Submit an application (by RUN; --household ID for household programmes) and print its trace",
		Args:  cobra.RangeArgs(1, 2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			in := programs.ApplyInput{Household: household}
			if len(args) == 2 {
				in.RUN = args[1]
			}
			app, err := a.Programs.Apply(ctx, args[0], in)
			if err != nil {
				return err
			}
			return printTrace(a, app)
		}),
	}
	c.Flags().StringVar(&household, "household", "", "household id (household programmes)")
	return c
}

func callsImportCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "import CODE FILE.csv",
		Short: "Import applications from a CSV (column run, or household_id): all or nothing, with a per-row report",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			f, err := os.Open(args[1])
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "cannot read %s: %v", args[1], err)
			}
			defer f.Close()
			rep, err := a.Programs.ImportApplications(ctx, args[0], f, args[1])
			if err != nil {
				return err
			}
			if len(rep.Errors) > 0 {
				for _, e := range rep.Errors {
					fmt.Fprintf(a.Stdout, "%s line %d: %s\n", args[1], e.Line, e.Message)
				}
				return &exitError{code: ExitRejected, err: fmt.Errorf("%d of %d row(s) rejected: nothing was imported; correct the file and import it again", len(rep.Errors), rep.Rows)}
			}
			fmt.Fprintf(a.Stdout, "%d application(s) imported: %d eligible, %d not eligible\n", rep.Stored, rep.Eligible, rep.Ineligible)
			return nil
		}),
	}
}

func callsPreviewCmd(cfg *Config) *cobra.Command {
	var jsonOut bool
	var rulesFile, unit string
	var run int64
	c := &cobra.Command{
		Use:   "preview [CODE]",
		Short: "Count who would be eligible, by region and commune",
		Long: `With CODE, previews the call's rules (with its cool-down and incompatibilities) against
its scoring run, over the call's territory (its communes with a quota and every commune of a
region with a regional pool). With --rules FILE.json (a list of rules), --unit and --run,
previews rules over the whole registry before a call exists.`,
		Args: cobra.RangeArgs(0, 1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var rep *programs.PreviewReport
			var err error
			if len(args) == 1 {
				rep, err = a.Programs.PreviewCall(ctx, args[0])
			} else {
				if rulesFile == "" || run == 0 {
					return fosis.Errorf(fosis.EINVALID, "give a call CODE, or --rules FILE.json with --run N")
				}
				var rules []programs.Rule
				if err := readJSONFile(rulesFile, &rules); err != nil {
					return err
				}
				rep, err = a.Programs.PreviewRules(ctx, rules, unit, run)
			}
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a, rep)
			}
			fmt.Fprintf(a.Stdout, "run %d, %s applicants: %d of %d eligible (%d households) — read %v, evaluated %v over %d combinations\n",
				rep.Run, rep.Unit, rep.Eligible, rep.Applicants, rep.Households, rep.Load.Round(time.Millisecond), rep.Evaluate.Round(time.Millisecond), rep.Combinations)
			var where []string
			if len(rep.CallCommunes) > 0 {
				where = append(where, "communes "+strings.Join(rep.CallCommunes, " "))
			}
			if len(rep.CallRegions) > 0 {
				where = append(where, "every commune of regions "+strings.Join(rep.CallRegions, " "))
			}
			if len(where) > 0 {
				fmt.Fprintf(a.Stdout, "over the call's territory: %s\n", strings.Join(where, "; "))
			}
			fmt.Fprintln(a.Stdout)
			tw := newRightTable(a.Stdout, "REGION\tNAME\tAPPLICANTS\tELIGIBLE\tHOUSEHOLDS\t")
			for _, r := range rep.Regions {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", r.Code, r.Name, r.Applicants, r.Eligible, r.Households)
			}
			return tw.Flush()
		}),
	}
	c.Flags().StringVar(&rulesFile, "rules", "", "a JSON list of rules to preview instead of a call's")
	c.Flags().StringVar(&unit, "unit", programs.UnitPerson, "person or household (with --rules)")
	c.Flags().Int64Var(&run, "run", 0, "scoring run id (with --rules)")
	c.Flags().BoolVar(&jsonOut, "json", false, "print JSON (with every commune)")
	return c
}

func callsWhatIfCmd(cfg *Config) *cobra.Command {
	var jsonOut bool
	c := &cobra.Command{
		Use:   "whatif CODE FILE.json",
		Short: "Show who would enter and leave with other quotas, a cut-off or priorities (writes nothing)",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var in programs.WhatIfInput
			if err := readJSONFile(args[1], &in); err != nil {
				return err
			}
			w, err := a.Programs.WhatIf(ctx, args[0], in)
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a, w)
			}
			fmt.Fprintf(a.Stdout, "selected: %d → %d; cost $%d → $%d of a $%d envelope\n", w.Selected, w.SelectedAfter, w.CostCLP, w.CostAfterCLP, w.BudgetCLP)
			fmt.Fprintf(a.Stdout, "enter: %d, leave: %d\n", len(w.Enter), len(w.Leave))
			for _, m := range w.Enter {
				fmt.Fprintf(a.Stdout, "  + application %d  %s  household %s  commune %s  rank %d\n", m.ID, m.RUN, m.HouseholdID, m.Commune, m.Rank)
			}
			for _, m := range w.Leave {
				fmt.Fprintf(a.Stdout, "  - application %d  %s  household %s  commune %s  rank %d\n", m.ID, m.RUN, m.HouseholdID, m.Commune, m.Rank)
			}
			return nil
		}),
	}
	c.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return c
}

func callsSelectCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "select CODE",
		Short: "Rank and place a closed call's applications and freeze the record",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			rec, err := a.Programs.RunSelection(ctx, args[0])
			if err != nil {
				return err
			}
			counts := map[string]int{}
			for _, p := range rec.Placements {
				counts[p.Seat]++
			}
			fmt.Fprintf(a.Stdout, "selection %d of call %s (run %d, rules %s…): %d applications — %d reserved, %d commune, %d region (flow-over), %d waitlisted, %d not eligible\ndigest %s\n",
				rec.ID, rec.Call, rec.Run, rec.RulesDigest[:12], len(rec.Placements), counts[programs.SeatReserved], counts[programs.SeatCommune],
				counts[programs.SeatRegion], counts[programs.SeatWaitlist], counts[programs.SeatIneligible], rec.Digest)
			return nil
		}),
	}
}

func callsVerifyCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "verify CODE",
		Short: "Re-run a call's frozen selection from its record and check it gives the same placements",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			rec, err := a.Programs.VerifySelection(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "selection %d of call %s re-runs to the same %d placements (digest %s)\n", rec.ID, rec.Call, len(rec.Placements), rec.Digest)
			return nil
		}),
	}
}

func callsApplicationsCmd(cfg *Config) *cobra.Command {
	var jsonOut bool
	var statusFilter string
	c := &cobra.Command{
		Use:   "applications CODE",
		Short: "List a call's applications in rank order (--status to filter)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			as, err := a.Programs.Applications(ctx, args[0], statusFilter)
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a, as)
			}
			return printList(a, false, as, "no applications", "ID\tRANK\tSTATUS\tRUN\tHOUSEHOLD\tCOMMUNE\tBRACKET\tPERCENTILE\tWAIT\tREASON", func(tw io.Writer, i int) {
				x := as[i]
				fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%d\t%.2f\t%d\t%s\n", x.ID, x.Rank, x.Status, x.RUN, x.HouseholdID, x.Commune,
					x.Attrs.Bracket, x.Attrs.Percentile, x.WaitPos, x.Reason)
			})
		}),
	}
	c.Flags().StringVar(&statusFilter, "status", "", "only this status (submitted, ineligible, selected, waitlisted, withdrawn, enrolled)")
	c.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return c
}

func callsTraceCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "trace ID",
		Short: "Show an application's decision trace: eligible or not and why, rank, quota, waitlist position",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := appID(args[0])
			if err != nil {
				return err
			}
			app, err := a.Programs.Application(ctx, id)
			if err != nil {
				return err
			}
			return printTrace(a, app)
		}),
	}
}

func callsWithdrawCmd(cfg *Config) *cobra.Command {
	var why string
	c := &cobra.Command{
		Use:   "withdraw ID",
		Short: "Withdraw an application; a place it held goes to the next eligible applicant of the same quota",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := appID(args[0])
			if err != nil {
				return err
			}
			p, err := a.Programs.Withdraw(ctx, id, why)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "application %d withdrawn\n", id)
			if p != nil {
				fmt.Fprintf(a.Stdout, "application %d promoted from the waiting list: %s\n", p.ID, p.Reason)
			}
			return nil
		}),
	}
	c.Flags().StringVar(&why, "reason", "at the applicant's request", "why (kept in the trace and the audit trail)")
	return c
}

func callsEnrollCmd(cfg *Config) *cobra.Command {
	var starts string
	c := &cobra.Command{
		Use:   "enroll ID",
		Short: "Enrol a selected application: create the participation and reserve the amount from the envelope",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := appID(args[0])
			if err != nil {
				return err
			}
			day := time.Now().UTC()
			if starts != "" {
				if day, err = time.Parse(time.DateOnly, starts); err != nil {
					return fosis.Errorf(fosis.EINVALID, "--starts %q is not a date (YYYY-MM-DD)", starts)
				}
			}
			app, err := a.Programs.Enroll(ctx, id, day)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "application %d enrolled in call %s\n", app.ID, app.Call)
			return nil
		}),
	}
	c.Flags().StringVar(&starts, "starts", "", "participation start date (default today)")
	return c
}

func appID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, fosis.Errorf(fosis.EINVALID, "%q is not an application id (a number)", s)
	}
	return id, nil
}

// printTrace prints an application's decision trace for a person.
func printTrace(a *App, x *programs.Application) error {
	who := x.RUN
	if who == "" {
		who = "household " + x.HouseholdID
	}
	fmt.Fprintf(a.Stdout, "application %d to call %s: %s (household %s, commune %s)\n", x.ID, x.Call, who, x.HouseholdID, x.Commune)
	fmt.Fprintf(a.Stdout, "status: %s\n", x.Status)
	if x.Eligible {
		fmt.Fprintln(a.Stdout, "eligible: yes")
	} else {
		fmt.Fprintln(a.Stdout, "eligible: no — failed rules:")
		for _, f := range x.Failed {
			fmt.Fprintf(a.Stdout, "  - %s / %s: %v", f.NameES, f.NameEN, f.Values)
			if f.Error != "" {
				fmt.Fprintf(a.Stdout, " (%s)", f.Error)
			}
			fmt.Fprintln(a.Stdout)
		}
	}
	if x.Rank > 0 {
		fmt.Fprintf(a.Stdout, "rank: %d\n", x.Rank)
	}
	if x.WaitPos > 0 {
		fmt.Fprintf(a.Stdout, "waiting list position: %d\n", x.WaitPos)
	}
	if x.Reason != "" {
		fmt.Fprintf(a.Stdout, "why: %s\n", x.Reason)
	}
	return nil
}
