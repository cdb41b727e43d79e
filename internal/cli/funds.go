package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// fundsCmd is the funds ledger: budgets, envelopes and their movements
// (docs/funds.md).
func fundsCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "funds",
		Short: "Budgets by year, programme line and region; call envelopes; the money ledger and its check",
	}
	var (
		k          funds.Key
		amount     int64
		note, call string
		ref        string
		asJSON     bool
		// movementsXLSX is movements' --xlsx (internal/cli/funds_microcredit.go).
		movementsXLSX string
	)
	keyFlags := func(cmd *cobra.Command, required bool) {
		cmd.Flags().IntVar(&k.Year, "year", 0, "budget year")
		cmd.Flags().StringVar(&k.Line, "line", "", "programme line code (e.g. yo-emprendo)")
		cmd.Flags().StringVar(&k.Region, "region", "", "region code (e.g. 13)")
		if required {
			cmd.MarkFlagRequired("year")
			cmd.MarkFlagRequired("line")
			cmd.MarkFlagRequired("region")
		}
	}
	printMove := func(a *App, m funds.Movement) {
		fmt.Fprintf(a.Stdout, "movement %d: %s %s pesos from %s to %s (%s", m.ID, m.Kind, fosis.GroupDigits(m.Amount, '.'), m.From, m.To, m.Budget)
		if m.Call != "" {
			fmt.Fprintf(a.Stdout, ", call %s", m.Call)
		}
		fmt.Fprintln(a.Stdout, ")")
	}

	budget := &cobra.Command{Use: "budget", Short: "The budget law's assignment to a line and region, and its modifications"}
	assign := &cobra.Command{
		Use: "assign --year Y --line L --region R --amount PESOS", Short: "Record the budget law's assignment (adds to what is assigned)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			m, err := a.Funds.Assign(ctx, k, amount, note)
			if err != nil {
				return err
			}
			printMove(a, m)
			return nil
		}),
	}
	keyFlags(assign, true)
	assign.Flags().Int64Var(&amount, "amount", 0, "whole pesos")
	assign.Flags().StringVar(&note, "note", "", "the legal instrument (law, decree)")
	assign.MarkFlagRequired("amount")
	modify := &cobra.Command{
		Use: "modify --year Y --line L --region R --amount ±PESOS", Short: "Record a budget modification, up (positive) or down (negative)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			m, err := a.Funds.Modify(ctx, k, amount, note)
			if err != nil {
				return err
			}
			printMove(a, m)
			return nil
		}),
	}
	keyFlags(modify, true)
	modify.Flags().Int64Var(&amount, "amount", 0, "whole pesos, negative to reduce")
	modify.Flags().StringVar(&note, "note", "", "the legal instrument (decree)")
	modify.MarkFlagRequired("amount")
	budget.AddCommand(assign, modify)

	allocate := &cobra.Command{
		Use: "allocate --call CODE --year Y --line L --region R [--amount PESOS]", Short: "Move budget into a call's envelope (the call's budget by default)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			cl, err := a.Programs.Call(ctx, call)
			if err != nil {
				return err
			}
			if amount == 0 {
				amount = cl.BudgetCLP
			}
			m, err := a.Funds.Allocate(ctx, k, cl.Code, amount, note)
			if err != nil {
				return err
			}
			printMove(a, m)
			return nil
		}),
	}
	keyFlags(allocate, true)
	allocate.Flags().StringVar(&call, "call", "", "the call's code")
	allocate.Flags().Int64Var(&amount, "amount", 0, "whole pesos (default: the call's budget)")
	allocate.Flags().StringVar(&note, "note", "", "a note")
	allocate.MarkFlagRequired("call")

	kinds := []string{}
	for _, kd := range []funds.Kind{funds.KindReserve, funds.KindCommit, funds.KindOrder, funds.KindConfirm, funds.KindReject,
		funds.KindJustify, funds.KindRecover, funds.KindReleaseReserved, funds.KindReleaseCommitted, funds.KindReturn} {
		kinds = append(kinds, string(kd))
	}
	move := &cobra.Command{
		Use:   "move KIND --call CODE --amount PESOS [--ref R]",
		Short: "Post an envelope movement: " + strings.Join(kinds, ", "),
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			m, err := a.Funds.Move(ctx, call, funds.Kind(args[0]), amount, ref, note)
			if err != nil {
				return err
			}
			printMove(a, m)
			return nil
		}),
	}
	move.Flags().StringVar(&call, "call", "", "the call's code")
	move.Flags().Int64Var(&amount, "amount", 0, "whole pesos")
	move.Flags().StringVar(&ref, "ref", "", "what the money is for (enrolment, plan, payment)")
	move.Flags().StringVar(&note, "note", "", "a note")
	move.MarkFlagRequired("call")
	move.MarkFlagRequired("amount")

	balances := &cobra.Command{
		Use: "balances [--year Y] [--line L] [--region R]", Short: "Each budget line's accounts, then its envelopes'", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rows, err := a.Funds.Balances(ctx, funds.Filter{Year: k.Year, Line: k.Line, Region: k.Region})
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(a.Stdout, "no budget yet: record one with 'fosis funds budget assign'")
				return nil
			}
			p := func(v int64) string { return fosis.GroupDigits(v, '.') }
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "YEAR\tLINE\tREGION\tCALL\tASSIGNED\tUNALLOCATED\tENVELOPE\tRESERVED\tCOMMITTED\tORDERED\tPAID\tJUSTIFIED\tRECOVERED\t")
			for _, r := range rows {
				assigned, unalloc := p(r.Assigned), p(r.Unallocated)
				if r.Call != "" {
					assigned, unalloc = "", ""
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Budget.Year, r.Budget.Line, r.Budget.Region, r.Call,
					assigned, unalloc, p(r.Envelope), p(r.Reserved), p(r.Committed), p(r.Ordered), p(r.Paid), p(r.Justified), p(r.Recovered))
			}
			return tw.Flush()
		}),
	}
	keyFlags(balances, false)
	balances.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	movements := &cobra.Command{
		Use: "movements --call CODE", Short: "The movements of a call's envelope, oldest first", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ms, err := a.Funds.Movements(ctx, call)
			if err != nil {
				return err
			}
			if movementsXLSX != "" {
				return writeXLSX(a, movementsXLSX, funds.MovementsTable(ms))
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(ms)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tAT\tKIND\tAMOUNT\tFROM\tTO\tREF\tACTOR\tNOTE")
			for _, m := range ms {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.At.Format("2006-01-02 15:04"), m.Kind,
					fosis.GroupDigits(m.Amount, '.'), m.From, m.To, m.Ref, m.Actor, m.Note)
			}
			return tw.Flush()
		}),
	}
	movements.Flags().StringVar(&call, "call", "", "the call's code")
	movements.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	movements.Flags().StringVar(&movementsXLSX, "xlsx", "", "write an XLSX file instead")
	movements.MarkFlagRequired("call")

	verify := &cobra.Command{
		Use: "verify", Short: "Check every invariant of the ledger; exit 1 naming each problem", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rep, err := a.Funds.Verify(ctx)
			if err != nil {
				return err
			}
			for _, p := range rep.Problems {
				fmt.Fprintln(a.Stdout, "problem:", p)
			}
			if !rep.OK() {
				return &exitError{code: ExitError, err: fmt.Errorf("the funds ledger has %d problem(s) (listed above): it has been altered outside fosis or fosis has a bug; restore from a backup and report it", len(rep.Problems))}
			}
			fmt.Fprintf(a.Stdout, "ok: %d movements, %d entries; every movement balanced, every balance adds up, nothing negative, every payment justified or pending\n",
				rep.Movements, rep.Entries)
			return nil
		}),
	}
	c.AddCommand(budget, allocate, move, balances, movements, verify)
	c.AddCommand(fundsPaymentCmds(cfg)...) // funds_payments.go
	c.AddCommand(microcreditCmds(cfg)...)
	c.AddCommand(fundsParticipantCmds(cfg)...) // funds_participants.go
	return c
}
