package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
)

// actAs returns ctx acting as the active account name (the command line acts
// as the system otherwise). Maker-checker steps need it: the system cannot
// approve what the system prepared.
func actAs(ctx context.Context, a *App, name string) (context.Context, error) {
	if name == "" {
		return ctx, nil
	}
	u, err := a.Auth.UserByUsername(ctx, name)
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "account %s is not active", u.Username)
	}
	return auth.WithPrincipal(ctx, u.Principal()), nil
}

func pesos(v int64) string { return fosis.GroupDigits(v, '.') }

func parseID(s, what string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fosis.Errorf(fosis.EINVALID, "%q is not a %s number", s, what)
	}
	return id, nil
}

// fundsPaymentCmds are the payments, payment runs, bank files and
// agencies' contracts under "fosis funds" (docs/funds.md).
func fundsPaymentCmds(cfg *Config) []*cobra.Command {
	var (
		as     string
		asJSON bool
		py     funds.Payee
	)
	payeeFlags := func(c *cobra.Command, required bool) {
		c.Flags().StringVar(&py.Name, "payee-name", "", "the payee's name")
		c.Flags().StringVar(&py.TaxID, "tax-id", "", "the payee's RUN/RUT (12.345.678-5)")
		c.Flags().StringVar(&py.Bank, "bank", "", "the bank's three-digit code (012 BancoEstado)")
		c.Flags().StringVar(&py.AccountKind, "account-kind", "", "checking, savings or vista")
		c.Flags().StringVar(&py.Account, "account", "", "the account number")
		if required {
			for _, f := range []string{"payee-name", "tax-id", "bank", "account-kind", "account"} {
				c.MarkFlagRequired(f)
			}
		}
	}
	asFlag := func(c *cobra.Command) {
		c.Flags().StringVar(&as, "as", "", "act as this finance officer's account (maker-checker steps need two people)")
	}
	printJSON := func(a *App, v any) error { return json.NewEncoder(a.Stdout).Encode(v) }

	// Payments.
	payment := &cobra.Command{Use: "payment", Short: "Payments to a payee's bank account, with idempotency keys"}
	var np funds.NewPayment
	var purpose string
	add := &cobra.Command{
		Use: "add --key K --call C --purpose P --amount N --payee-name … --tax-id … --bank … --account-kind … --account …", Short: "Record a ready payment (the same key again is the same payment)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			np.Purpose, np.Payee = funds.Purpose(purpose), py
			pm, created, err := a.Funds.CreatePayment(ctx, np)
			if err != nil {
				return err
			}
			word := "recorded"
			if !created {
				word = "already recorded (same key)"
			}
			fmt.Fprintf(a.Stdout, "payment %d %s: %s pesos to %s (%s), call %s\n", pm.ID, word, pesos(pm.Amount), pm.Payee.Name, pm.Payee.TaxID, pm.Call)
			return nil
		}),
	}
	add.Flags().StringVar(&np.Key, "key", "", "idempotency key (e.g. plan:123/tranche:1)")
	add.Flags().StringVar(&np.Call, "call", "", "the call whose envelope pays")
	add.Flags().StringVar(&purpose, "purpose", "tranche", "tranche, milestone or microcredit")
	add.Flags().StringVar(&np.Ref, "ref", "", "what is paid")
	add.Flags().Int64Var(&np.Amount, "amount", 0, "whole pesos")
	payeeFlags(add, true)
	asFlag(add)
	for _, f := range []string{"key", "call", "amount"} {
		add.MarkFlagRequired(f)
	}
	var pf funds.PaymentFilter
	var state string
	list := &cobra.Command{
		Use: "list [--state S] [--run N] [--call C]", Short: "List payments, newest first", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			pf.State = funds.PaymentState(state)
			ps, err := a.Funds.Payments(ctx, pf)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, ps)
			}
			printPayments(a, ps)
			return nil
		}),
	}
	list.Flags().StringVar(&state, "state", "", "ready, in_run, ordered, paid, rejected or reissued")
	list.Flags().Int64Var(&pf.Run, "run", 0, "payment run")
	list.Flags().StringVar(&pf.Call, "call", "", "call")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	reissue := &cobra.Command{
		Use: "reissue PAYMENT [--bank B --account-kind K --account A]", Short: "Re-issue a payment the bank rejected (optionally to a corrected account)", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			id, err := parseID(args[0], "payment")
			if err != nil {
				return err
			}
			var fix *funds.Payee
			if py.Account != "" || py.Bank != "" {
				old, err := a.Funds.Payment(ctx, id)
				if err != nil {
					return err
				}
				p := old.Payee
				if py.Bank != "" {
					p.Bank = py.Bank
				}
				if py.AccountKind != "" {
					p.AccountKind = py.AccountKind
				}
				if py.Account != "" {
					p.Account = py.Account
				}
				fix = &p
			}
			pm, err := a.Funds.Reissue(ctx, id, fix)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "payment %d re-issues payment %d: %s pesos, ready for the next run\n", pm.ID, id, pesos(pm.Amount))
			return nil
		}),
	}
	payeeFlags(reissue, false)
	asFlag(reissue)
	payment.AddCommand(add, list, reissue)

	// Payment runs.
	payrun := &cobra.Command{Use: "payrun", Short: "Payment runs: prepare, approve (another officer), bank file, results"}
	var call, note, layoutFile, out, file string
	prepare := &cobra.Command{
		Use: "prepare [--call C] [--note N] [--as USER]", Short: "Gather every ready payment into a new run", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			r, err := a.Funds.PrepareRun(ctx, call, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "payment run %d prepared by %s: %d payments, %s pesos; another officer approves it (fosis funds payrun approve %d --as USER)\n",
				r.ID, r.PreparedBy, r.Count, pesos(r.Total), r.ID)
			return nil
		}),
	}
	prepare.Flags().StringVar(&call, "call", "", "only this call's payments")
	prepare.Flags().StringVar(&note, "note", "", "a note")
	asFlag(prepare)
	runs := &cobra.Command{
		Use: "list", Short: "List payment runs, newest first", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rs, err := a.Funds.Runs(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, rs)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tSTATE\tPAYMENTS\tTOTAL\tPAID\tREJECTED\tPENDING\tPREPARED BY\tAPPROVED BY")
			for _, r := range rs {
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\n", r.ID, r.State, r.Count, pesos(r.Total), r.Paid, r.Rejected, r.Pending, r.PreparedBy, r.ApprovedBy)
			}
			return tw.Flush()
		}),
	}
	runs.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	show := &cobra.Command{
		Use: "show RUN", Short: "A run and its payments", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := parseID(args[0], "run")
			if err != nil {
				return err
			}
			r, ps, err := a.Funds.Run(ctx, id)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, map[string]any{"run": r, "payments": ps})
			}
			fmt.Fprintf(a.Stdout, "payment run %d: %s, %d payments, %s pesos (paid %d, rejected %d, pending %d); prepared by %s, approved by %s\n",
				r.ID, r.State, r.Count, pesos(r.Total), r.Paid, r.Rejected, r.Pending, r.PreparedBy, r.ApprovedBy)
			printPayments(a, ps)
			return nil
		}),
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	approve := &cobra.Command{
		Use: "approve RUN --as USER", Short: "Approve a run (not by who prepared it): its payments are ordered in the ledger", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			id, err := parseID(args[0], "run")
			if err != nil {
				return err
			}
			r, err := a.Funds.ApproveRun(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "payment run %d approved by %s: %d payments, %s pesos ordered\n", r.ID, r.ApprovedBy, r.Count, pesos(r.Total))
			return nil
		}),
	}
	asFlag(approve)
	cancel := &cobra.Command{
		Use: "cancel RUN", Short: "Cancel a prepared run: its payments go back to ready", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			id, err := parseID(args[0], "run")
			if err != nil {
				return err
			}
			r, err := a.Funds.CancelRun(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "payment run %d cancelled by %s: its payments are ready again\n", r.ID, r.CancelledBy)
			return nil
		}),
	}
	asFlag(cancel)
	export := &cobra.Command{
		Use: "export RUN [--layout FILE] --out FILE", Short: "Write an approved run's bank batch file (the default layout unless --layout)", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			id, err := parseID(args[0], "run")
			if err != nil {
				return err
			}
			l := funds.DefaultLayout()
			if layoutFile != "" {
				data, err := os.ReadFile(layoutFile)
				if err != nil {
					return err
				}
				if l, err = funds.ParseLayout(data); err != nil {
					return err
				}
			}
			var buf bytes.Buffer
			c, err := a.Funds.ExportRun(ctx, id, l, &buf)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: layout %s, %d payments, %s pesos\n", out, l.Name, c.Count, pesos(c.Total))
			return nil
		}),
	}
	export.Flags().StringVar(&layoutFile, "layout", "", "layout file (JSON or YAML; docs/funds.md)")
	export.Flags().StringVar(&out, "out", "", "where to write the batch file")
	export.MarkFlagRequired("out")
	asFlag(export)
	imp := &cobra.Command{
		Use: "import RUN --file FILE", Short: "Import the bank's result file: each payment paid or rejected (all or nothing; again changes nothing)", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			id, err := parseID(args[0], "run")
			if err != nil {
				return err
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			res, err := a.Funds.ImportResults(ctx, id, data)
			if err != nil {
				if fe, ok := err.(*fosis.Error); ok {
					for _, f := range fe.Fields {
						fmt.Fprintf(a.Stderr, "%s: %s\n", f.Field, f.Message)
					}
				}
				return err
			}
			fmt.Fprintf(a.Stdout, "payment run %d: %d rows, %d paid, %d rejected, %d unchanged", id, res.Rows, res.Paid, res.Rejected, res.Unchanged)
			if res.Closed {
				fmt.Fprint(a.Stdout, "; the run is closed")
			}
			fmt.Fprintln(a.Stdout)
			return nil
		}),
	}
	imp.Flags().StringVar(&file, "file", "", "the bank's result file")
	imp.MarkFlagRequired("file")
	asFlag(imp)
	layout := &cobra.Command{
		Use: "layout [FILE]", Short: "Check a bank file layout, or print the default one", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), funds.DefaultLayoutJSON)
				return nil
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			l, err := funds.ParseLayout(data)
			if err != nil {
				if fe, ok := err.(*fosis.Error); ok {
					for _, f := range fe.Fields {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", f.Field, f.Message)
					}
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "layout %s: %s, %d header, %d detail and %d trailer fields: ok\n", l.Name, l.Format, len(l.Header), len(l.Detail), len(l.Trailer))
			return nil
		},
	}
	payrun.AddCommand(prepare, runs, show, approve, cancel, export, imp, layout)

	// Contracts.
	contract := &cobra.Command{Use: "contract", Short: "Executing agencies' contracts: territories, milestones, guarantees, accountability"}
	var nc funds.NewContract
	var terr, sched string
	cadd := &cobra.Command{
		Use: "add --code C --agency A --call CALL --region R --starts D --ends D --territories 13101=N,… --schedule 30:start,40:midterm_report,30:final_report …", Short: "Record a draft contract", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			var err error
			if nc.Territories, err = funds.ParseTerritories(terr); err != nil {
				return err
			}
			if nc.Schedule, err = funds.ParseSchedule(sched); err != nil {
				return err
			}
			nc.Payee = py
			c, err := a.Funds.CreateContract(ctx, nc)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "contract %s (draft): %s pesos in %d territories, %d milestones\n", c.Code, pesos(c.Amount), len(c.Territories), len(c.Milestones))
			return nil
		}),
	}
	cadd.Flags().StringVar(&nc.Code, "code", "", "contract code")
	cadd.Flags().StringVar(&nc.Agency, "agency", "", "executing agency's code")
	cadd.Flags().StringVar(&nc.Call, "call", "", "the call whose envelope pays")
	cadd.Flags().StringVar(&nc.Region, "region", "", "region code")
	cadd.Flags().StringVar(&nc.Title, "title", "", "title")
	cadd.Flags().StringVar(&nc.StartsOn, "starts", "", "start date (2026-03-01)")
	cadd.Flags().StringVar(&nc.EndsOn, "ends", "", "end date")
	cadd.Flags().StringVar(&terr, "territories", "", "amount per territory: 13101=60000000,13102=40000000")
	cadd.Flags().StringVar(&sched, "schedule", "30:start,40:midterm_report,30:final_report", "payment schedule: percent:condition[:target],…")
	payeeFlags(cadd, true)
	for _, f := range []string{"code", "agency", "call", "region", "starts", "ends", "territories"} {
		cadd.MarkFlagRequired(f)
	}
	clist := &cobra.Command{
		Use: "list", Short: "List contracts", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			cs, err := a.Funds.Contracts(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, cs)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CODE\tAGENCY\tCALL\tREGION\tSTATE\tAMOUNT\tRELEASED")
			for _, c := range cs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Code, c.Agency, c.Call, c.Region, c.State, pesos(c.Amount), pesos(c.Released))
			}
			return tw.Flush()
		}),
	}
	clist.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cshow := &cobra.Command{
		Use: "show CODE", Short: "A contract's territories, milestones, guarantees and accountability", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			c, err := a.Funds.Contract(ctx, args[0], time.Now())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, c)
			}
			fmt.Fprintf(a.Stdout, "contract %s (%s), agency %s, call %s, region %s: %s pesos, %s released\n", c.Code, c.State, c.Agency, c.Call, c.Region, pesos(c.Amount), pesos(c.Released))
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MILESTONE\tSEQ\tPERCENT\tAMOUNT\tCONDITION\tSTATE\tEVIDENCE\tPAYMENT")
			for _, m := range c.Milestones {
				fmt.Fprintf(tw, "%d\t%d\t%d %%\t%s\t%s\t%s\t%s\t%d\n", m.ID, m.Seq, m.Percent, pesos(m.Amount), m.Condition, m.State, m.Evidence, m.Payment)
			}
			tw.Flush()
			for _, g := range c.Guarantees {
				fmt.Fprintf(a.Stdout, "guarantee %s %s (%s): %s pesos, expires %s %s\n", g.Kind, g.Number, g.Issuer, pesos(g.Amount), g.ExpiresOn, g.Alert)
			}
			for _, sp := range c.Spending {
				fmt.Fprintf(a.Stdout, "spent %s %s: %s pesos\n", sp.Month, sp.Category, pesos(sp.Amount))
			}
			return nil
		}),
	}
	cshow.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	sign := &cobra.Command{
		Use: "sign CODE", Short: "Sign a draft contract: its amount is reserved and committed in its envelope", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			c, err := a.Funds.SignContract(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "contract %s signed: %s pesos committed in call %s\n", c.Code, pesos(c.Amount), c.Call)
			return nil
		}),
	}
	asFlag(sign)
	var month string
	var spend []string
	spending := &cobra.Command{
		Use: "spending CODE --month 2026-03 --line personnel=800000 [--line …]", Short: "Record the agency's accountability for a month", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ctx, err := actAs(ctx, a, as)
			if err != nil {
				return err
			}
			lines := map[string]int64{}
			for _, l := range spend {
				k, v, _ := strings.Cut(l, "=")
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return fosis.Errorf(fosis.EINVALID, "%q is not category=pesos", l)
				}
				lines[k] = n
			}
			sp, err := a.Funds.ReportSpending(ctx, args[0], month, lines, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "contract %s, %s: %d categories recorded\n", args[0], month, len(sp))
			return nil
		}),
	}
	spending.Flags().StringVar(&month, "month", "", "month (2026-03)")
	spending.Flags().StringArrayVar(&spend, "line", nil, "category=pesos (personnel, materials, transport, services, participants, other)")
	spending.Flags().StringVar(&note, "note", "", "a note")
	spending.MarkFlagRequired("month")
	asFlag(spending)
	var g funds.Guarantee
	guarantee := &cobra.Command{
		Use: "guarantee CODE --kind K --number N --issuer I --amount N --expires D", Short: "Record a guarantee lodged for a contract", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			got, err := a.Funds.AddGuarantee(ctx, args[0], g)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "guarantee %d: %s %s, %s pesos, expires %s\n", got.ID, got.Kind, got.Number, pesos(got.Amount), got.ExpiresOn)
			return nil
		}),
	}
	guarantee.Flags().StringVar(&g.Kind, "kind", "", "bank_guarantee, insurance_policy or vale_vista")
	guarantee.Flags().StringVar(&g.Number, "number", "", "document number")
	guarantee.Flags().StringVar(&g.Issuer, "issuer", "", "issuing bank or insurer")
	guarantee.Flags().Int64Var(&g.Amount, "amount", 0, "whole pesos")
	guarantee.Flags().StringVar(&g.ExpiresOn, "expires", "", "expiry date (2026-12-31)")
	var days int
	alerts := &cobra.Command{
		Use: "alerts [--days 30]", Short: "Guarantees expired or expiring within the days", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			gs, err := a.Funds.GuaranteeAlerts(ctx, time.Now(), days)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, gs)
			}
			for _, g := range gs {
				fmt.Fprintf(a.Stdout, "%s\tcontract %s (agency %s)\t%s %s\t%s pesos\texpires %s\n", g.Alert, g.Contract, g.Agency, g.Kind, g.Number, pesos(g.Amount), g.ExpiresOn)
			}
			if len(gs) == 0 {
				fmt.Fprintf(a.Stdout, "no guarantee expires within %d days\n", days)
			}
			return nil
		}),
	}
	alerts.Flags().IntVar(&days, "days", 30, "alert window in days")
	alerts.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	contract.AddCommand(cadd, clist, cshow, sign, spending, guarantee, alerts)

	// Milestones.
	milestone := &cobra.Command{Use: "milestone", Short: "A contract's milestones: accept the condition, request, release (another officer)"}
	var evidence string
	var coverage int64
	step := func(use, short string, fn func(ctx context.Context, a *App, id int64) (funds.Milestone, error)) *cobra.Command {
		c := &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(1),
			RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
				ctx, err := actAs(ctx, a, as)
				if err != nil {
					return err
				}
				id, err := parseID(args[0], "milestone")
				if err != nil {
					return err
				}
				m, err := fn(ctx, a, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "milestone %d of contract %s: %s (%s pesos)", m.ID, m.Contract, m.State, pesos(m.Amount))
				if m.Payment != 0 {
					fmt.Fprintf(a.Stdout, "; payment %d is ready for the next run", m.Payment)
				}
				fmt.Fprintln(a.Stdout)
				return nil
			}),
		}
		asFlag(c)
		return c
	}
	accept := step("accept MILESTONE --evidence TEXT [--coverage N]", "Record that a milestone's condition holds (report accepted, coverage reached)",
		func(ctx context.Context, a *App, id int64) (funds.Milestone, error) {
			return a.Funds.AcceptCondition(ctx, id, evidence, coverage)
		})
	accept.Flags().StringVar(&evidence, "evidence", "", "which report was accepted, by which act")
	accept.Flags().Int64Var(&coverage, "coverage", 0, "participants reached (coverage milestones)")
	milestone.AddCommand(accept,
		step("request MILESTONE [--as USER]", "Put a met milestone forward for release (maker)",
			func(ctx context.Context, a *App, id int64) (funds.Milestone, error) {
				return a.Funds.RequestRelease(ctx, id)
			}),
		step("release MILESTONE --as USER", "Release a requested milestone (checker: not who requested it); it becomes a payment",
			func(ctx context.Context, a *App, id int64) (funds.Milestone, error) {
				return a.Funds.ApproveRelease(ctx, id)
			}))
	return []*cobra.Command{payment, payrun, contract, milestone}
}

func printPayments(a *App, ps []funds.Payment) {
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PAYMENT\tKEY\tCALL\tPURPOSE\tPAYEE\tTAX ID\tBANK\tACCOUNT\tAMOUNT\tSTATE\tRUN\tREASON")
	for _, p := range ps {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", p.ID, p.Key, p.Call, p.Purpose, p.Payee.Name, p.Payee.TaxID,
			p.Payee.Bank, p.Payee.Account, pesos(p.Amount), p.State, p.Run, p.BankReason)
	}
	tw.Flush()
}
