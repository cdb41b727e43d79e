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

// servicesCmd is the public services directory: list and import from CSV.
func servicesCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "services",
		Short: "The public services directory per commune (institution, service, dimensions, requirements, contact): list, import",
	}
	var f delivery.ServiceFilter
	var jsonOut bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the directory (filters: --commune, --region, --dimension, --all)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			items, err := a.Delivery.Services(ctx, f, 1000)
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a, items)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCOMMUNE\tINSTITUTION\tSERVICE\tDIMENSIONS\tACTIVE\tCONTACT")
			for _, v := range items {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%v\t%s\n", v.ID, v.Commune, v.Institution, v.Name, dash(strings.Join(v.Dimensions, "|")), v.Active, dash(v.Contact))
			}
			return tw.Flush()
		}),
	}
	list.Flags().StringVar(&f.Commune, "commune", "", "only this commune's services (its code)")
	list.Flags().StringVar(&f.Region, "region", "", "only this region's services (its code)")
	list.Flags().StringVar(&f.Dimension, "dimension", "", "only services of this dimension ("+strings.Join(delivery.ServiceDimensions, ", ")+")")
	list.Flags().BoolVar(&f.All, "all", false, "include services no longer active")
	list.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	importCmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import the directory from a CSV: all or nothing, every bad row named, safe to run again",
		Long: "Columns (any order, ',' or ';'): commune, institution, service, dimensions, requirements, contact, active.\n" +
			"dimensions are separated by '|' (" + strings.Join(delivery.ServiceDimensions, ", ") + "); active is 1/0 or sí/no\n" +
			"(empty: active). A row whose commune, institution and service exist updates that service. See docs/delivery.md.",
		Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			fh, err := os.Open(args[0])
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "cannot read %s: %v", args[0], err)
			}
			defer fh.Close()
			res, err := a.Delivery.ImportServices(ctx, fh, filepath.Base(args[0]))
			if err != nil {
				if e, ok := err.(*fosis.Error); ok && len(e.Fields) > 0 {
					for _, p := range e.Fields {
						fmt.Fprintf(a.Stderr, "  %s: %s\n", p.Field, p.Message)
					}
				}
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: %d rows, %d services added, %d updated, %d unchanged\n", res.File, res.Rows, res.Added, res.Updated, res.Unchanged)
			return nil
		}),
	}
	c.AddCommand(list, importCmd)
	return c
}

// referralCmds are the referral commands under fosis cases: refer a case,
// list its referrals, move one, satisfy its condition.
func referralCmds(cfg *Config) []*cobra.Command {
	var in delivery.ReferralInput
	refer := &cobra.Command{
		Use:   "refer CASE SERVICE",
		Short: "Refer a case to a service of the directory (--condition the minimum condition it aims to meet)",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			if in.ServiceID, err = strconv.ParseInt(args[1], 10, 64); err != nil {
				return fosis.Errorf(fosis.EINVALID, "%q is not a service id (a number)", args[1])
			}
			x, err := a.Delivery.Refer(ctx, id, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "referral %d: case %d to %s — %s, %s\n", x.ID, x.CaseID, x.Institution, x.Service, x.Status)
			return nil
		}),
	}
	refer.Flags().StringVar(&in.Condition, "condition", "", "the minimum condition (code) the referral aims to meet")
	refer.Flags().StringVar(&in.Reason, "reason", "", "why the case is referred")
	refer.Flags().StringVar(&in.SentOn, "on", "", "the day it was sent (default: today)")
	list := &cobra.Command{
		Use:   "referrals CASE",
		Short: "List a case's referrals",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseID(args[0])
			if err != nil {
				return err
			}
			items, err := a.Delivery.Referrals(ctx, id)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSERVICE\tCONDITION\tSTATUS\tSENT\tCLOSED\tSATISFIED\tOUTCOME")
			for _, x := range items {
				fmt.Fprintf(tw, "%d\t%s — %s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Institution, x.Service, dash(x.Condition), x.Status, x.SentOn, dash(x.ClosedOn), dash(x.SatisfiedOn), dash(x.Outcome))
			}
			return tw.Flush()
		}),
	}
	var on, outcome string
	move := &cobra.Command{
		Use:   "referral-move REFERRAL FROM TO",
		Short: "Move a referral (sent → attended | refused, attended → resolved | refused; --outcome for resolved and refused)",
		Args:  cobra.ExactArgs(3),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "%q is not a referral id (a number)", args[0])
			}
			x, err := a.Delivery.MoveReferral(ctx, id, args[1], args[2], on, outcome)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "referral %d is %s\n", x.ID, x.Status)
			return nil
		}),
	}
	move.Flags().StringVar(&on, "on", "", "the day (default: today)")
	move.Flags().StringVar(&outcome, "outcome", "", "what came of it")
	satisfy := &cobra.Command{
		Use:   "satisfy REFERRAL",
		Short: "Mark a resolved referral's condition met in the case's exit line, with the referral as evidence (audited)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "%q is not a referral id (a number)", args[0])
			}
			x, err := a.Delivery.SatisfyCondition(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "referral %d satisfies %s of case %d\n", x.ID, x.Condition, x.CaseID)
			return nil
		}),
	}
	return []*cobra.Command{refer, list, move, satisfy}
}
