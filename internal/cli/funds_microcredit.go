package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// borrowersHook looks microcredit borrowers up through the registry's and
// the scoring's exported functions (never their tables): the household of
// each RUN and its bracket in the latest scoring run. It reads as the
// system: an institution's user does not read the registry, yet its
// borrowers must be checked.
func borrowersHook(reg *registry.Store, tgt *targeting.Store) funds.BorrowersFunc {
	return func(ctx context.Context, runs []int64) (map[int64]funds.Borrower, error) {
		sys := auth.WithPrincipal(ctx, auth.System())
		out := make(map[int64]funds.Borrower, len(runs))
		latest, err := tgt.Run(sys, "latest")
		if err != nil && fosis.ErrorCode(err) != fosis.ENOTFOUND {
			return nil, err
		}
		for _, r := range runs {
			h, err := reg.HouseholdOfRUN(sys, rut.Format(r))
			if fosis.ErrorCode(err) == fosis.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			b := funds.Borrower{Found: true}
			if latest != nil {
				res, err := tgt.Result(sys, latest.ID, h.Key)
				switch {
				case err == nil:
					b.Scored, b.Bracket = true, int(res.Bracket)
				case fosis.ErrorCode(err) != fosis.ENOTFOUND:
					return nil, err
				}
			}
			out[r] = b
		}
		return out, nil
	}
}

// writeXLSX writes t to path (the --xlsx flag of the funds commands).
func writeXLSX(a *App, path string, t funds.Table) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := t.WriteXLSX(f, funds.English); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(a.Stderr, "wrote %s (%d rows)\n", path, len(t.Rows))
	return nil
}

// parseBands reads MIN-MAX=SUBSIDY bands.
func parseBands(specs []string) ([]funds.Band, error) {
	var out []funds.Band
	for _, s := range specs {
		rng, sub, ok := strings.Cut(s, "=")
		lo, hi, ok2 := strings.Cut(rng, "-")
		if !ok || !ok2 {
			return nil, fosis.Errorf(fosis.EINVALID, "band %q: write MIN-MAX=SUBSIDY, such as 1-500000=20000", s)
		}
		var b funds.Band
		var err1, err2, err3 error
		b.Min, err1 = strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
		b.Max, err2 = strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
		b.Subsidy, err3 = strconv.ParseInt(strings.TrimSpace(sub), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fosis.Errorf(fosis.EINVALID, "band %q: MIN, MAX and SUBSIDY are whole pesos", s)
		}
		out = append(out, b)
	}
	return out, nil
}

// microcreditCmds are the microcredit subsidy's and the execution report's
// commands under `fosis funds` (docs/funds.md).
func microcreditCmds(cfg *Config) []*cobra.Command {
	var (
		inst, month, xlsx string
		asJSON            bool
	)
	pesos := func(v int64) string { return fosis.GroupDigits(v, '.') }

	institution := &cobra.Command{Use: "institution", Short: "Microcredit partner institutions (foundations, credit unions, banks) and their staff"}
	var in funds.Institution
	var kind string
	add := &cobra.Command{
		Use: "add --code C --name N --kind foundation|credit_union|bank --tax-id RUT", Short: "Record a partner institution", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			in.Kind = funds.InstitutionKind(kind)
			got, err := a.Funds.CreateInstitution(ctx, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "institution %s (%s, %s, tax id %s)\n", got.Code, got.Name, got.Kind, got.TaxID)
			return nil
		}),
	}
	add.Flags().StringVar(&in.Code, "code", "", "short code (lower case)")
	add.Flags().StringVar(&in.Name, "name", "", "name")
	add.Flags().StringVar(&kind, "kind", "", "foundation, credit_union or bank")
	add.Flags().StringVar(&in.TaxID, "tax-id", "", "tax id (RUT with check digit)")
	add.Flags().StringVar(&in.Bank, "bank", "", "bank code (three digits) its settlements are paid to; none: settlements make no payment")
	add.Flags().StringVar(&in.AccountKind, "account-kind", "", "checking, savings or vista")
	add.Flags().StringVar(&in.Account, "account", "", "account number")
	for _, f := range []string{"code", "name", "kind", "tax-id"} {
		add.MarkFlagRequired(f)
	}
	var username string
	staff := &cobra.Command{
		Use: "staff --institution C --username U", Short: "Let a user with the institution role report for an institution", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			u, err := a.Auth.UserByUsername(ctx, username)
			if err != nil {
				return err
			}
			if err := a.Funds.AddInstitutionStaff(ctx, inst, u); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s reports for %s\n", u.Username, inst)
			return nil
		}),
	}
	staff.Flags().StringVar(&inst, "institution", "", "institution code")
	staff.Flags().StringVar(&username, "username", "", "the user (role institution)")
	staff.MarkFlagRequired("institution")
	staff.MarkFlagRequired("username")
	list := &cobra.Command{
		Use: "list", Short: "The institutions with their loans, subsidy and settlements", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			is, err := a.Funds.Institutions(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(is)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CODE\tNAME\tKIND\tTAX ID\tLOANS\tSUBSIDY\tSETTLED")
			for _, i := range is {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", i.Code, i.Name, i.Kind, i.TaxID, i.Loans, pesos(i.Subsidy), pesos(i.Settled))
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	institution.AddCommand(add, staff, list)

	var ag funds.Agreement
	var bands []string
	agreement := &cobra.Command{
		Use:   "agreement --institution C --call ENVELOPE --from YYYY-MM-01 --to YYYY-MM-DD --cap PESOS --band MIN-MAX=SUBSIDY …",
		Short: "Record an institution's subsidy agreement (whole months; subsidy per loan by loan-size band; caps)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			var err error
			if ag.Bands, err = parseBands(bands); err != nil {
				return err
			}
			ag.Institution = inst
			got, err := a.Funds.CreateAgreement(ctx, ag)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "agreement %d of %s: %s to %s, envelope %s, cap %s (monthly %s), bracket ≤ %d %%, business ≥ %d months, %d bands\n",
				got.ID, got.Institution, got.StartsOn, got.EndsOn, got.Call, pesos(got.Cap), pesos(got.MonthlyCap), got.MaxBracket, got.MinBusinessMonths, len(got.Bands))
			return nil
		}),
	}
	agreement.Flags().StringVar(&inst, "institution", "", "institution code")
	agreement.Flags().StringVar(&ag.Call, "call", "", "the envelope (call code) the settlements draw on")
	agreement.Flags().StringVar(&ag.StartsOn, "from", "", "first day (a 1st)")
	agreement.Flags().StringVar(&ag.EndsOn, "to", "", "last day (a month's last)")
	agreement.Flags().Int64Var(&ag.Cap, "cap", 0, "the most the agreement's settlements commit, pesos")
	agreement.Flags().Int64Var(&ag.MonthlyCap, "monthly-cap", 0, "the most one month's settlement commits (0: none)")
	agreement.Flags().IntVar(&ag.MaxBracket, "max-bracket", 60, "the borrower's highest eligible bracket")
	agreement.Flags().IntVar(&ag.MinBusinessMonths, "min-business-months", 0, "how long the borrower's business must have run")
	agreement.Flags().StringArrayVar(&bands, "band", nil, "a loan-size band and its subsidy, MIN-MAX=SUBSIDY (repeat)")
	for _, f := range []string{"institution", "call", "from", "to", "cap", "band"} {
		agreement.MarkFlagRequired(f)
	}

	loans := &cobra.Command{Use: "loans", Short: "Loans reported by the institutions"}
	imp := &cobra.Command{
		Use: "import FILE --institution C", Short: "Import a CSV of loans (run, amount, placed_on, term_months, business_since): all rows or none", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			rep, err := a.Funds.ImportLoansCSV(ctx, inst, f, args[0])
			if rep != nil {
				for _, p := range rep.Problems {
					fmt.Fprintf(a.Stdout, "row %d, %s: %s\n", p.Row, p.Field, p.Message)
				}
			}
			if err != nil {
				return err
			}
			if rep.Again {
				fmt.Fprintf(a.Stdout, "this report was received before (batch %d, %d loans): nothing changed\n", rep.Batch, rep.Stored)
				return nil
			}
			fmt.Fprintf(a.Stdout, "batch %d: %d loans stored, subsidy %s pesos\n", rep.Batch, rep.Stored, pesos(rep.Subsidy))
			return nil
		}),
	}
	imp.Flags().StringVar(&inst, "institution", "", "institution code")
	imp.MarkFlagRequired("institution")
	lst := &cobra.Command{
		Use: "list --institution C [--month YYYY-MM] [--xlsx FILE]", Short: "An institution's loans", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ls, err := a.Funds.Loans(ctx, inst, funds.LoanFilter{Month: month})
			if err != nil {
				return err
			}
			if xlsx != "" {
				return writeXLSX(a, xlsx, funds.LoansTable(ls))
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(ls)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tRUN\tAMOUNT\tPLACED\tTERM\tBRACKET\tSUBSIDY\tSETTLEMENT")
			for _, l := range ls {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%d\n", l.ID, l.RUN, pesos(l.Amount), l.PlacedOn, l.TermMonths, l.Bracket, pesos(l.Subsidy), l.Settlement)
			}
			return tw.Flush()
		}),
	}
	lst.Flags().StringVar(&inst, "institution", "", "institution code")
	lst.Flags().StringVar(&month, "month", "", "only this month (YYYY-MM)")
	lst.Flags().StringVar(&xlsx, "xlsx", "", "write an XLSX file instead")
	lst.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	lst.MarkFlagRequired("institution")
	loans.AddCommand(imp, lst)

	settle := &cobra.Command{
		Use: "settle --institution C --month YYYY-MM", Short: "Settle an institution's month: compute what is owed (within the caps) and commit it", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			st, err := a.Funds.Settle(ctx, inst, month)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "settlement %d: %s %s, %d loans, owed %s, committed %s (left by the caps %s) on envelope %s\n",
				st.ID, st.Institution, st.Month, st.Loans, pesos(st.Owed), pesos(st.Amount), pesos(st.Capped()), st.Call)
			return nil
		}),
	}
	settle.Flags().StringVar(&inst, "institution", "", "institution code")
	settle.Flags().StringVar(&month, "month", "", "the month (YYYY-MM), ended")
	settle.MarkFlagRequired("institution")
	settle.MarkFlagRequired("month")

	settlements := &cobra.Command{
		Use: "settlements --institution C [--xlsx FILE]", Short: "An institution's monthly settlements", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ss, err := a.Funds.Settlements(ctx, inst)
			if err != nil {
				return err
			}
			if xlsx != "" {
				return writeXLSX(a, xlsx, funds.SettlementsTable(ss))
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(ss)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tMONTH\tLOANS\tOWED\tCOMMITTED\tCAPPED\tENVELOPE\tMOVEMENT")
			for _, s := range ss {
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%d\n", s.ID, s.Month, s.Loans, pesos(s.Owed), pesos(s.Amount), pesos(s.Capped()), s.Call, s.Movement)
			}
			return tw.Flush()
		}),
	}
	settlements.Flags().StringVar(&inst, "institution", "", "institution code")
	settlements.Flags().StringVar(&xlsx, "xlsx", "", "write an XLSX file instead")
	settlements.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	settlements.MarkFlagRequired("institution")

	var ef funds.ExecFilter
	execution := &cobra.Command{
		Use: "execution --year Y [--month M] [--line L] [--region R] [--xlsx FILE]", Short: "Budget execution by programme line, region and month", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			rep, err := a.Funds.Execution(ctx, ef)
			if err != nil {
				return err
			}
			if xlsx != "" {
				return writeXLSX(a, xlsx, funds.ExecutionTable(rep))
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(rep)
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "LINE\tREGION\tASSIGNED\tCOMMITTED\tPAID\tJUSTIFIED\tRECOVERED\tPAID %\t")
			for _, l := range rep.Lines {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t\n", l.Line, l.Region, pesos(l.Assigned), pesos(l.Total.Committed), pesos(l.Total.Paid),
					pesos(l.Total.Justified), pesos(l.Total.Recovered), l.Share())
			}
			fmt.Fprintf(tw, "total\t\t%s\t%s\t%s\t%s\t%s\t\t\n", pesos(rep.Assigned), pesos(rep.Total.Committed), pesos(rep.Total.Paid), pesos(rep.Total.Justified), pesos(rep.Total.Recovered))
			fmt.Fprintln(tw, "\nMONTH\tCOMMITTED\tPAID\tJUSTIFIED\tRECOVERED\t")
			for m, e := range rep.Months {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t\n", m+1, pesos(e.Committed), pesos(e.Paid), pesos(e.Justified), pesos(e.Recovered))
			}
			return tw.Flush()
		}),
	}
	execution.Flags().IntVar(&ef.Year, "year", 0, "budget year")
	execution.Flags().IntVar(&ef.Month, "month", 0, "only this month (1–12)")
	execution.Flags().StringVar(&ef.Line, "line", "", "programme line code")
	execution.Flags().StringVar(&ef.Region, "region", "", "region code")
	execution.Flags().StringVar(&xlsx, "xlsx", "", "write an XLSX file instead")
	execution.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	execution.MarkFlagRequired("year")

	return []*cobra.Command{institution, agreement, loans, settle, settlements, execution}
}
