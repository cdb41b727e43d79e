package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// casesCmd is `fosis cases`: the delivery slice from the command line.
func casesCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "cases",
		Short: "Cases after enrolment: list, methodologies, counsellors, import of sessions from an agency's CSV",
	}
	var jsonOut bool
	var f delivery.Filter
	var after int64
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List cases (filters: --state, --program, --commune, --agency, --counsellor, --active)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			page, err := a.Delivery.Cases(ctx, f, after, limit)
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a, page)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPROGRAM\tVERSION\tHOUSEHOLD\tCOMMUNE\tAGENCY\tCOUNSELLOR\tSTATE\tOPENED\tLAST CONTACT")
			for _, c := range page.Items {
				state := c.State
				if c.ExitReason != "" {
					state += " (" + c.ExitReason + ")"
				}
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Line, c.Version, c.HouseholdID, c.Commune, dash(c.Agency),
					dash(c.Counsellor), state, c.OpenedOn, dash(c.LastContactOn))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if page.Next != 0 {
				fmt.Fprintf(a.Stdout, "more: --after %d\n", page.Next)
			}
			return nil
		}),
	}
	list.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	list.Flags().StringVar(&f.State, "state", "", "only cases in this state (open, in_diagnosis, in_intervention, closing, graduated, exited)")
	list.Flags().StringVar(&f.Line, "program", "", "only cases of this programme line")
	list.Flags().StringVar(&f.Commune, "commune", "", "only cases of this commune code")
	list.Flags().StringVar(&f.Agency, "agency", "", "only cases of this agency code")
	list.Flags().StringVar(&f.Counsellor, "counsellor", "", "only cases of this counsellor (username)")
	list.Flags().BoolVar(&f.Active, "active", false, "only cases not graduated or exited")
	list.Flags().Int64Var(&after, "after", 0, "list cases after this id")
	list.Flags().IntVar(&limit, "limit", 100, "at most this many cases (up to 500)")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a case with its timeline, diagnosis and sessions (JSON; notes are not shown)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			c, err := a.Delivery.Case(ctx, id)
			if err != nil {
				return err
			}
			tl, err := a.Delivery.Timeline(ctx, id)
			if err != nil {
				return err
			}
			dx, err := a.Delivery.Diagnosis(ctx, id)
			if err != nil {
				return err
			}
			ss, err := a.Delivery.Sessions(ctx, id)
			if err != nil {
				return err
			}
			return printJSON(a, map[string]any{"case": c, "timeline": tl, "diagnosis": dx, "sessions": ss})
		}),
	}

	seed := &cobra.Command{
		Use:   "seed",
		Short: "Store the built-in methodology of every programme line that has none",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			n, err := a.Delivery.SeedMethodologies(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%d methodologies added\n", n)
			return nil
		}),
	}

	var supervisor string
	var caseload int
	counsellor := &cobra.Command{
		Use:   "counsellor USERNAME AGENCY",
		Short: "Make a user with the counsellor role a counsellor of an executing agency",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			if err := a.Delivery.AddCounsellor(ctx, args[0], args[1], supervisor, caseload); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s counsels for %s\n", args[0], args[1])
			return nil
		}),
	}
	counsellor.Flags().StringVar(&supervisor, "supervisor", "", "the username of their supervisor (reads their session notes)")
	counsellor.Flags().IntVar(&caseload, "caseload", delivery.DefaultCaseload, "the most open cases they carry")

	grant := &cobra.Command{
		Use:   "grant-notes USERNAME",
		Short: "Authorise a FOSIS staff user to read session notes within their reach (audited)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			if err := a.Delivery.GrantNotes(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s may read session notes\n", args[0])
			return nil
		}),
	}

	importCmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import sessions and attendance from an agency's CSV: all or nothing, every bad row named, safe to run again",
		Long: "Columns (any order, ',' or ';'): case, ref, date, component, kind, status, minutes, attendees, dimensions, notes.\n" +
			"attendees and dimensions are lists separated by '|'; ref is the agency's own id of the session (a row whose ref\n" +
			"the case already has is skipped). See docs/delivery.md.",
		Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			fh, err := os.Open(args[0])
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "cannot read %s: %v", args[0], err)
			}
			defer fh.Close()
			res, err := a.Delivery.ImportSessions(ctx, fh, filepath.Base(args[0]))
			if err != nil {
				if e, ok := err.(*fosis.Error); ok && len(e.Fields) > 0 {
					for _, p := range e.Fields {
						fmt.Fprintf(a.Stderr, "  %s: %s\n", p.Field, p.Message)
					}
				}
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %d rows, %d sessions added, %d already imported\n", res.File, res.Rows, res.Added, res.Already)
			return nil
		}),
	}

	var in delivery.OpenInput
	open := &cobra.Command{
		Use:   "open PROGRAM HOUSEHOLD_ID",
		Short: "Open a case for a household assigned without a call (as Familias and Habitabilidad families are)",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			in.Line, in.HouseholdID = args[0], args[1]
			c, err := a.Delivery.Open(ctx, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "case %d opened: %s version %d, household %s, counsellor %s\n", c.ID, c.Line, c.Version, c.HouseholdID, dash(c.Counsellor))
			return nil
		}),
	}
	open.Flags().StringVar(&in.Agency, "agency", "", "the executing agency that runs the case (its counsellor with room gets it)")
	open.Flags().StringVar(&in.RUN, "run", "", "the participant's RUN (default: the head of household)")
	open.Flags().StringVar(&in.OpenedOn, "on", "", "the opening date (default: today)")

	var reason, note string
	move := &cobra.Command{
		Use:   "move ID FROM TO",
		Short: "Move a case from one state to the next (--reason for an exit: completed, dropped_out, moved, deceased, other)",
		Args:  cobra.ExactArgs(3),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			c, err := a.Delivery.Transition(ctx, id, args[1], args[2], reason, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "case %d is %s\n", c.ID, c.State)
			return nil
		}),
	}
	move.Flags().StringVar(&reason, "reason", "", "why the case exits")
	move.Flags().StringVar(&note, "note", "", "a note for the timeline")

	c.AddCommand(list, show, open, seed, counsellor, grant, importCmd, move)
	c.AddCommand(referralCmds(cfg)...) // directory.go
	c.AddCommand(casesTrainingCmds(cfg)...)
	return c
}

func caseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, fosis.Errorf(fosis.EINVALID, "%q is not a case id (a number)", s)
	}
	return id, nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
