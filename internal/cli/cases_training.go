package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// casesTrainingCmds are `fosis cases` commands of training courses and
// attendance, progress per component and goods delivered.
func casesTrainingCmds(cfg *Config) []*cobra.Command {
	var f delivery.CourseFilter
	var jsonOut bool
	courses := &cobra.Command{
		Use:   "courses",
		Short: "List training courses (filters: --program, --agency, --commune)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ks, err := a.Delivery.Courses(ctx, f)
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a, ks)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPROGRAM\tCOMPONENT\tAGENCY\tCOMMUNE\tDATES\tSESSIONS\tPARTICIPANTS\tTITLE")
			for _, k := range ks {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s..%s\t%d\t%d\t%s\n", k.ID, k.Line, k.Component, k.Agency, k.Commune, k.StartsOn, k.EndsOn, k.Sessions, k.Participants, k.Title)
			}
			return tw.Flush()
		}),
	}
	courses.Flags().StringVar(&f.Line, "program", "", "only courses of this programme line")
	courses.Flags().StringVar(&f.Agency, "agency", "", "only courses of this agency")
	courses.Flags().StringVar(&f.Commune, "commune", "", "only courses in this commune code")
	courses.Flags().BoolVar(&jsonOut, "json", false, "print JSON")

	var in delivery.CourseInput
	courseNew := &cobra.Command{
		Use:   "course-new PROGRAM COMMUNE TITLE",
		Short: "Create a training course of a programme line's training component (--agency, --from, --to)",
		Args:  cobra.ExactArgs(3),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			in.Line, in.Commune, in.Title = args[0], args[1], args[2]
			k, err := a.Delivery.CreateCourse(ctx, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "course %d created: %s %s, %s in %s; pass rule %s %d, %d%% attendance\n", k.ID, k.Line, k.Component, k.Agency, k.Commune, k.Rule, k.RuleMin, k.AttendancePct)
			return nil
		}),
	}
	courseNew.Flags().StringVar(&in.Agency, "agency", "", "the executing agency that gives it")
	courseNew.Flags().StringVar(&in.Component, "component", "", "the training component (default: the line's first)")
	courseNew.Flags().StringVar(&in.StartsOn, "from", "", "the first day (2026-10-01)")
	courseNew.Flags().StringVar(&in.EndsOn, "to", "", "the last day")

	var topic string
	courseSession := &cobra.Command{
		Use:   "course-session COURSE DATE MINUTES",
		Short: "Add the next session of a course",
		Args:  cobra.ExactArgs(3),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			minutes, err := strconv.Atoi(args[2])
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "%q is not a number of minutes", args[2])
			}
			x, err := a.Delivery.AddCourseSession(ctx, id, args[1], minutes, topic)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "session %d of course %d on %s (%d min), id %d\n", x.Number, id, x.Date, x.Minutes, x.ID)
			return nil
		}),
	}
	courseSession.Flags().StringVar(&topic, "topic", "", "what the session is about")

	courseEnrol := &cobra.Command{
		Use:   "course-enrol COURSE [CASE...]",
		Short: "Enrol cases in a course (no case: every active case of the course's line, agency and commune)",
		Args:  cobra.MinimumNArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			var cases []int64
			for _, s := range args[1:] {
				c, err := caseID(s)
				if err != nil {
					return err
				}
				cases = append(cases, c)
			}
			n, err := a.Delivery.EnrolInCourse(ctx, id, cases)
			if err != nil {
				printFields(a, err)
				return err
			}
			fmt.Fprintf(a.Stdout, "%d cases enrolled in course %d\n", n, id)
			return nil
		}),
	}

	attendance := &cobra.Command{
		Use:   "attendance FILE.csv",
		Short: "Import training attendance from an agency's CSV: all or nothing, every bad row named, safe to run again",
		Long: "Columns (any order, ',' or ';'): course, session (its number in the course), case, present (1/0, si/no), minutes\n" +
			"(may be empty: the whole session when present). A row equal to what is stored changes nothing. See docs/delivery.md.",
		Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			fh, err := os.Open(args[0])
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "cannot read %s: %v", args[0], err)
			}
			defer fh.Close()
			res, err := a.Delivery.ImportAttendance(ctx, fh, filepath.Base(args[0]))
			if err != nil {
				printFields(a, err)
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %d rows, %d added, %d changed, %d unchanged\n", res.File, res.Rows, res.Added, res.Changed, res.Unchanged)
			return nil
		}),
	}

	progress := &cobra.Command{
		Use:   "progress ID",
		Short: "Show a case's progress in each component of its methodology, what each waits for, and its plan's actions",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			ps, err := a.Delivery.Progress(ctx, id)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "STEP\tCOMPONENT\tKIND\tSTATUS\tHAVE\tWAITS FOR")
			for _, p := range ps {
				have := fmt.Sprintf("%d/%d %s", p.Have, p.Need, p.Unit)
				if p.RulePct > 0 {
					have += fmt.Sprintf(", %d%% of %d%%", p.AttendancePct, p.RulePct)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.Step, p.Key, p.Kind, p.Status, have, dash(strings.Join(p.WaitingFor, ", ")))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			acts, err := a.Delivery.PlanActions(ctx, id)
			if err != nil {
				return err
			}
			for _, x := range acts {
				state := "due " + x.DueOn
				if x.DoneOn != "" {
					state = "done " + x.DoneOn
				} else if x.Overdue {
					state = "OVERDUE since " + x.DueOn
				}
				fmt.Fprintf(a.Stdout, "action %d of plan %d: %s (%s)\n", x.Index, x.PlanID, x.Action, state)
			}
			return nil
		}),
	}

	var g delivery.Good
	deliver := &cobra.Command{
		Use:   "deliver ID ITEM",
		Short: "Record goods or works delivered to a case (--qty, --cost in whole pesos, --on, --by); its gate must be open",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			g.Item = args[1]
			out, err := a.Delivery.RecordGood(ctx, id, g)
			if err != nil {
				printFields(a, err)
				return err
			}
			fmt.Fprintf(a.Stdout, "case %d: %d × %s (%s), %s, received %s by %s\n", id, out.Quantity, out.Item, out.Component, fosis.Pesos(out.TotalCLP), out.ReceivedOn, out.ReceivedBy)
			return nil
		}),
	}
	deliver.Flags().IntVar(&g.Quantity, "qty", 1, "how many")
	deliver.Flags().Int64Var(&g.UnitCostCLP, "cost", 0, "the unit cost in whole pesos")
	deliver.Flags().StringVar(&g.ReceivedOn, "on", "", "the day it was received (2026-12-01)")
	deliver.Flags().StringVar(&g.ReceivedBy, "by", "", "who received it")
	deliver.Flags().StringVar(&g.Component, "component", "", "the deliveries component (default: the methodology's first)")
	deliver.Flags().StringVar(&g.Notes, "notes", "", "notes")

	goods := &cobra.Command{
		Use:   "goods ID",
		Short: "List the goods and works delivered to a case, with the total",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			gs, err := a.Delivery.CaseGoods(ctx, id)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RECEIVED\tCOMPONENT\tQTY\tITEM\tUNIT\tTOTAL\tBY")
			for _, x := range gs.Items {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", x.ReceivedOn, x.Component, x.Quantity, x.Item, fosis.Pesos(x.UnitCostCLP), fosis.Pesos(x.TotalCLP), x.ReceivedBy)
			}
			fmt.Fprintf(tw, "\t\t\t\t\t%s\t\n", fosis.Pesos(gs.TotalCLP))
			return tw.Flush()
		}),
	}
	return []*cobra.Command{courses, courseNew, courseSession, courseEnrol, attendance, progress, deliver, goods}
}

// printFields writes each field problem of a refusal to stderr.
func printFields(a *App, err error) {
	if e, ok := err.(*fosis.Error); ok {
		for _, p := range e.Fields {
			fmt.Fprintf(a.Stderr, "  %s: %s\n", p.Field, p.Message)
		}
	}
}
