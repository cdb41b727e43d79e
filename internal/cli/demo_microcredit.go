package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
)

// demoMicrocredit gives the demo a year of the microcredit subsidy
// (docs/funds.md): the Metropolitan region's budget for the Acceso al
// Microfinanciamiento line and its envelope, three partner institutions (a
// foundation, a credit union, a bank) with their agreements, loans reported
// every month of this year that has ended (borrowers of the 40–60 %
// brackets, read through the registry's listing), and each month settled.
// The demo's institution account reports for the foundation. It does
// nothing when institutions exist already.
func demoMicrocredit(ctx context.Context, a *App) error {
	if is, err := a.Funds.Institutions(ctx); err != nil || len(is) > 0 {
		return err
	}
	run, err := a.Targeting.Run(ctx, "latest")
	if err != nil {
		return nil // no scoring run: no eligible borrowers to show
	}
	now := time.Now().UTC()
	year := now.Year()
	months := int(now.Month()) - 1 // the months of this year that have ended
	if months < 1 {
		return nil
	}
	// Borrowers: adults of households of the 40–60 % brackets, in the
	// Metropolitan region's communes.
	var runs []string
	for _, c := range a.Territory.Communes {
		if c.RegionCode != "13" || len(runs) >= 3*months*12 {
			continue
		}
		page, err := a.Registry.ListCommune(ctx, c.Code, registry.ListFilter{Run: run.ID, Brackets: []int{40, 50, 60}}, 0, 20)
		if err != nil {
			return err
		}
		for _, item := range page.Items {
			h, err := a.Registry.HouseholdByKey(ctx, item.Key) // the listing carries no members
			if err != nil {
				return err
			}
			for _, m := range h.Members {
				if m.Age >= 18 && m.RUN != "" {
					runs = append(runs, m.RUN)
					break
				}
			}
		}
	}
	if len(runs) < 3*months {
		return nil
	}
	k := funds.Key{Year: year, Line: "acceso-microfinanciamiento", Region: "13"}
	call := fmt.Sprintf("AM-%d-13", year)
	if _, err := a.Funds.Assign(ctx, k, 400_000_000, "Ley de Presupuestos (demo)"); err != nil {
		return err
	}
	if _, err := a.Funds.Allocate(ctx, k, call, 150_000_000, "subsidio al microcrédito (demo)"); err != nil {
		return err
	}
	institutions := []struct {
		in           funds.Institution
		cap, monthly int64
	}{
		{funds.Institution{Code: "fundacion-emprende", Name: "Fundación Emprende Microfinanzas", Kind: funds.Foundation, TaxID: rut.Format(65_123_456)}, 6_000_000, 750_000},
		{funds.Institution{Code: "coopeuch-demo", Name: "Cooperativa de Ahorro y Crédito del Sur", Kind: funds.CreditUnion, TaxID: rut.Format(81_234_567)}, 4_000_000, 500_000},
		{funds.Institution{Code: "banco-demo", Name: "Banco del Emprendedor", Kind: funds.Bank, TaxID: rut.Format(97_345_678)}, 2_500_000, 120_000}, // the bank's monthly cap bites
	}
	bands := []funds.Band{{Min: 100_000, Max: 500_000, Subsidy: 25_000}, {Min: 500_001, Max: 1_500_000, Subsidy: 35_000}, {Min: 1_500_001, Max: 3_000_000, Subsidy: 45_000}}
	for _, x := range institutions {
		if _, err := a.Funds.CreateInstitution(ctx, x.in); err != nil {
			return err
		}
		if _, err := a.Funds.CreateAgreement(ctx, funds.Agreement{Institution: x.in.Code, Call: call, StartsOn: fmt.Sprintf("%d-01-01", year),
			EndsOn: fmt.Sprintf("%d-12-31", year), Cap: x.cap, MonthlyCap: x.monthly, MaxBracket: 60, MinBusinessMonths: 6, Bands: bands}); err != nil {
			return err
		}
	}
	if u, err := a.Auth.UserByUsername(ctx, "institucion"); err == nil {
		if err := a.Funds.AddInstitutionStaff(ctx, institutions[0].in.Code, u); err != nil {
			return err
		}
	}
	// Each institution reports each month's loans (one CSV a month) and the
	// finance office settles the month.
	next := 0
	var loans, settled int64
	for m := 1; m <= months; m++ {
		for i, x := range institutions {
			if next >= len(runs) {
				break // a small demo registry has borrowers for part of the year
			}
			var csv strings.Builder
			csv.WriteString("run;amount;placed_on;term_months;business_since\n")
			count := 3 + (m+i)%4
			for j := 0; j < count && next < len(runs); j++ {
				amount := []int64{250_000, 400_000, 800_000, 1_200_000, 2_000_000}[(next+j)%5]
				fmt.Fprintf(&csv, "%s;%d;%d-%02d-%02d;%d;%d-%02d-01\n", runs[next], amount, year, m, 2+3*j, []int{6, 12, 18, 24}[j%4], year-1-j%3, 1+j%12)
				next++
			}
			rep, err := a.Funds.ImportLoansCSV(ctx, x.in.Code, strings.NewReader(csv.String()), fmt.Sprintf("%s-%d-%02d.csv", x.in.Code, year, m))
			if err != nil {
				return fmt.Errorf("demo microcredit %s %d-%02d: %w", x.in.Code, year, m, err)
			}
			loans += int64(rep.Stored)
			st, err := a.Funds.Settle(ctx, x.in.Code, fmt.Sprintf("%d-%02d", year, m))
			if err != nil {
				return err
			}
			settled += st.Amount
		}
	}
	fmt.Fprintf(a.Stdout, "microcredit: 3 institutions, %d loans in %d months, %d pesos settled (envelope %s; /funds/institutions)\n", loans, months, settled, call)
	return nil
}
