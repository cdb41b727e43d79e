package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// fundsParticipantCmds are the participants' side of the funds slice:
// tranche schedules, a case's money, tranche orders and their settlement,
// receipts and their review, overdue flags and recoveries (docs/funds.md,
// "Participants").
func fundsParticipantCmds(cfg *Config) []*cobra.Command {
	pesos := func(v int64) string { return fosis.GroupDigits(v, '.') }
	caseArg := func(s string) (int64, error) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return 0, fosis.Errorf(fosis.EINVALID, "%q is not a case number", s)
		}
		return id, nil
	}

	// tranches set / show
	tranches := &cobra.Command{Use: "tranches", Short: "The tranche schedule of a programme line version (how a plan's money is paid)"}
	var line, spec string
	var version int
	set := &cobra.Command{
		Use:   "set --line L --version V --schedule 70:approval:participant:90,30:justified:participant:90",
		Short: "Declare a line version's tranches: percent:due[:payee[:days to justify]], due approval or justified, payee participant or supplier",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rules, err := funds.ParseTranches(spec)
			if err != nil {
				return err
			}
			if err := a.Funds.SetTranches(ctx, line, version, rules); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s version %d: %d tranche(s) set\n", line, version, len(rules))
			return nil
		}),
	}
	set.Flags().StringVar(&line, "line", "", "programme line code")
	set.Flags().IntVar(&version, "version", 1, "line version")
	set.Flags().StringVar(&spec, "schedule", "", "the tranches, comma separated")
	set.MarkFlagRequired("line")
	set.MarkFlagRequired("schedule")
	show := &cobra.Command{
		Use: "show --line L --version V", Short: "A line version's tranche schedule", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rules, def, err := a.Funds.Tranches(ctx, line, version)
			if err != nil {
				return err
			}
			if def {
				fmt.Fprintf(a.Stdout, "%s version %d declares no schedule; the default applies:\n", line, version)
			}
			for _, r := range rules {
				fmt.Fprintf(a.Stdout, "%d. %d %% at %s, to the %s, justified within %d days\n", r.Seq, r.Percent, r.Due, r.Payee, r.JustifyDays)
			}
			return nil
		}),
	}
	show.Flags().StringVar(&line, "line", "", "programme line code")
	show.Flags().IntVar(&version, "version", 1, "line version")
	show.MarkFlagRequired("line")
	tranches.AddCommand(set, show)

	// participant CASE
	var asJSON bool
	participant := &cobra.Command{
		Use: "participant CASE", Short: "A case's money: reserved, committed, paid, justified; tranches, payments, receipts", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseArg(args[0])
			if err != nil {
				return err
			}
			pm, err := a.Funds.Participant(ctx, id, today())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(pm)
			}
			m := pm.Money
			fmt.Fprintf(a.Stdout, "case %d, household %s, call %s: %s\n", id, pm.Case.HouseholdID, pm.Call, pm.Status)
			fmt.Fprintf(a.Stdout, "line amount %s; reserved %s, committed %s, ordered %s, paid %s, justified %s, recovered %s, released %s\n",
				pesos(m.Amount), pesos(m.Reserved), pesos(m.Committed), pesos(m.Ordered), pesos(m.Paid), pesos(m.Justified), pesos(m.Recovered), pesos(m.Released))
			if pm.PlanVersion > 0 {
				fmt.Fprintf(a.Stdout, "plan v%d (%s) approved %s: %s\n", pm.PlanVersion, pm.PlanKind, pm.ApprovedOn, pesos(pm.PlanTotal))
			}
			for _, l := range pm.Lines {
				fmt.Fprintf(a.Stdout, "  line %d %s: %s, justified %s, held %s\n", l.Line, l.Item, pesos(l.Amount), pesos(l.Justified), pesos(l.Held))
			}
			for _, t := range pm.Tranches {
				ready := ""
				if t.Ready {
					ready = " (due: may be ordered)"
				}
				fmt.Fprintf(a.Stdout, "tranche %d: %d %% = %s at %s to the %s, %s%s\n", t.Seq, t.Percent, pesos(t.Amount), t.Due, t.Payee, t.Status, ready)
			}
			for _, y := range pm.Payments {
				fmt.Fprintf(a.Stdout, "payment %d: tranche %d, %s to %s %s, %s %s\n", y.ID, y.Seq, pesos(y.Amount), y.PayeeRUT, y.PayeeName, y.Status, y.Reason)
			}
			for _, r := range pm.Receipts {
				fmt.Fprintf(a.Stdout, "receipt %d: %s %s of %s, %s, %s, plan line %d: %s %s\n", r.ID, r.DocType, r.DocNumber, r.SupplierRUT, r.IssuedOn,
					pesos(r.Amount), r.PlanLine, r.Status, r.Reason)
			}
			if pm.JustifyBy != "" {
				fmt.Fprintf(a.Stdout, "receipts due by %s", pm.JustifyBy)
				if pm.Overdue {
					fmt.Fprint(a.Stdout, " (overdue)")
				}
				fmt.Fprintln(a.Stdout)
			}
			return nil
		}),
	}
	participant.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	// participants [--region R] [--pending]
	var region string
	var pending bool
	participants := &cobra.Command{
		Use: "participants [--region R] [--pending]", Short: "Participants whose money is on the ledger (--pending: receipts to review or flags to recover)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rows, err := a.Funds.Participants(ctx, funds.ParticipantFilter{Region: region, Pending: pending}, 1000)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CASE\tCALL\tREGION\tHOUSEHOLD\tSTATUS\tAMOUNT\tPLAN\tHELD\tFLAGGED")
			for _, r := range rows {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", r.CaseID, r.Call, r.Region, r.HouseholdID, r.Status, pesos(r.Amount), pesos(r.PlanTotal), r.Held, r.Flagged)
			}
			return tw.Flush()
		}),
	}
	participants.Flags().StringVar(&region, "region", "", "region code")
	participants.Flags().BoolVar(&pending, "pending", false, "only those with something to do")

	// order CASE SEQ
	var in funds.OrderInput
	order := &cobra.Command{
		Use: "order CASE TRANCHE [--supplier-rut R --supplier-name N] [--key K]", Short: "Order a due tranche of a case as a payment", Args: cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseArg(args[0])
			if err != nil {
				return err
			}
			if in.Seq, err = strconv.Atoi(args[1]); err != nil {
				return fosis.Errorf(fosis.EINVALID, "%q is not a tranche number", args[1])
			}
			y, err := a.Funds.OrderTranche(ctx, id, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "payment %d: %s pesos to %s %s, %s (key %s)\n", y.ID, pesos(y.Amount), y.PayeeRUT, y.PayeeName, y.Status, y.IdempotencyKey)
			return nil
		}),
	}
	order.Flags().StringVar(&in.SupplierRUT, "supplier-rut", "", "the supplier's RUT (tranches paid to suppliers)")
	order.Flags().StringVar(&in.SupplierName, "supplier-name", "", "the supplier's name")
	order.Flags().StringVar(&in.Key, "key", "", "idempotency key: the same key answers the same payment")

	// payments list / paid / rejected
	payments := &cobra.Command{Use: "payments", Short: "Participants' payments ordered to the bank, and the bank's answer"}
	listPay := &cobra.Command{
		Use: "ordered", Short: "Payments ordered and not yet settled (what the bank's batch file carries)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ys, err := a.Funds.OrderedPayments(ctx, 0, 0)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCASE\tTRANCHE\tAMOUNT\tPAYEE\tNAME\tKEY")
			for _, y := range ys {
				fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%s\n", y.ID, y.CaseID, y.Seq, pesos(y.Amount), y.PayeeRUT, y.PayeeName, y.IdempotencyKey)
			}
			return tw.Flush()
		}),
	}
	var reason string
	settle := func(paid bool) func(ctx context.Context, a *App, args []string) error {
		return func(ctx context.Context, a *App, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "%q is not a payment number", args[0])
			}
			y, err := a.Funds.SettlePayment(ctx, id, paid, reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "payment %d: %s\n", y.ID, y.Status)
			return nil
		}
	}
	paidCmd := &cobra.Command{Use: "paid PAYMENT", Short: "The bank paid it", Args: cobra.ExactArgs(1), RunE: withApp(cfg, settle(true))}
	rejectedCmd := &cobra.Command{Use: "rejected PAYMENT --reason R", Short: "The bank rejected it (the tranche may be ordered again)", Args: cobra.ExactArgs(1), RunE: withApp(cfg, settle(false))}
	rejectedCmd.Flags().StringVar(&reason, "reason", "", "the bank's reason")
	payments.AddCommand(listPay, paidCmd, rejectedCmd)

	// receipts add / review / file
	receipts := &cobra.Command{Use: "receipts", Short: "Receipts justifying a participant's purchases"}
	var rin funds.ReceiptInput
	var file string
	add := &cobra.Command{
		Use: "add CASE --type factura --number N --supplier RUT --date YYYY-MM-DD --amount PESOS --plan-line N --file PATH", Short: "Record a receipt with its image or PDF",
		Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseArg(args[0])
			if err != nil {
				return err
			}
			f, err := os.Open(file)
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "file: %v", err)
			}
			defer f.Close()
			rin.File, rin.FileName = f, filepath.Base(file)
			r, err := a.Funds.AddReceipt(ctx, id, rin)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "receipt %d: %s %s\n", r.ID, r.Status, r.Reason)
			return nil
		}),
	}
	add.Flags().StringVar(&rin.DocType, "type", "boleta", "document type: "+strings.Join(funds.DocTypes, ", "))
	add.Flags().StringVar(&rin.DocNumber, "number", "", "document number")
	add.Flags().StringVar(&rin.SupplierRUT, "supplier", "", "the supplier's RUT")
	add.Flags().StringVar(&rin.IssuedOn, "date", time.Now().UTC().Format(time.DateOnly), "the document's date")
	add.Flags().Int64Var(&rin.Amount, "amount", 0, "whole pesos")
	add.Flags().IntVar(&rin.PlanLine, "plan-line", 0, "the plan's budget line (1, 2, …; 0 for none)")
	add.Flags().StringVar(&file, "file", "", "the receipt's image (JPEG, PNG) or PDF")
	for _, f := range []string{"number", "supplier", "amount", "file"} {
		add.MarkFlagRequired(f)
	}
	var note string
	review := func(accept bool) func(ctx context.Context, a *App, args []string) error {
		return func(ctx context.Context, a *App, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fosis.Errorf(fosis.EINVALID, "%q is not a receipt number", args[0])
			}
			r, err := a.Funds.ReviewReceipt(ctx, id, accept, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "receipt %d: %s\n", r.ID, r.Status)
			return nil
		}
	}
	accept := &cobra.Command{Use: "accept RECEIPT", Short: "Accept a held receipt (it justifies its amount)", Args: cobra.ExactArgs(1), RunE: withApp(cfg, review(true))}
	reject := &cobra.Command{Use: "reject RECEIPT", Short: "Reject a held receipt", Args: cobra.ExactArgs(1), RunE: withApp(cfg, review(false))}
	accept.Flags().StringVar(&note, "note", "", "the reviewer's note")
	reject.Flags().StringVar(&note, "note", "", "the reviewer's note")
	receipts.AddCommand(add, accept, reject)

	// overdue / recover
	var asOf string
	overdue := &cobra.Command{
		Use: "overdue [--as-of YYYY-MM-DD]", Short: "Flag for recovery the paid money not justified by its deadline", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			day := today()
			if asOf != "" {
				var err error
				if day, err = time.Parse(time.DateOnly, asOf); err != nil {
					return fosis.Errorf(fosis.EINVALID, "--as-of: %q is not a date", asOf)
				}
			}
			n, err := a.Funds.FlagOverdue(ctx, day)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%d participant(s) flagged for recovery\n", n)
			return nil
		}),
	}
	overdue.Flags().StringVar(&asOf, "as-of", "", "the day to judge deadlines by (today)")
	var amount int64
	recover := &cobra.Command{
		Use: "recover CASE --amount PESOS", Short: "Record money a participant gave back (paid → recovered)", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := caseArg(args[0])
			if err != nil {
				return err
			}
			m, err := a.Funds.Recover(ctx, id, amount, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "movement %d: recover %s pesos from paid to recovered (case %d)\n", m.ID, pesos(m.Amount), id)
			return nil
		}),
	}
	recover.Flags().Int64Var(&amount, "amount", 0, "whole pesos")
	recover.Flags().StringVar(&note, "note", "", "a note (the deposit's reference)")
	recover.MarkFlagRequired("amount")
	return []*cobra.Command{tranches, participant, participants, order, payments, receipts, overdue, recover}
}
