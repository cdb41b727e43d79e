package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
)

// demoTreasurer is the demo's second finance officer: the checker of what
// finanzas prepares.
func demoTreasurer() context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{Username: "tesoreria", Role: auth.RoleFinance})
}

// demoPayRuns gives /funds/payruns a history: an executing agency's
// contract on the Metropolitan region's Yo Trabajo envelope, signed (its
// start milestone met), its first milestone requested by finanzas and
// released by tesoreria; then run 1 with every ready payment (the first
// tranches and the milestone), prepared by finanzas, approved by
// tesoreria, its batch file written in the default layout and the bank's
// result file imported: the tranches paid, the milestone rejected (account
// closed) and re-issued to the agency's new account; run 2 carries the
// re-issue, approved and awaiting the bank.
func demoPayRuns(ctx context.Context, a *App, today time.Time) error {
	fin, tes := demoFinance(), demoTreasurer()
	sched, err := funds.ParseSchedule("30:start,40:midterm_report,30:final_report")
	if err != nil {
		return err
	}
	year := today.Year()
	for _, ct := range []struct{ code, title, territories string }{
		{"A", "Acompañamiento Yo Trabajo, Santiago y La Florida", "13101=1200000,13110=800000"},
		{"B", "Acompañamiento Yo Trabajo, Puente Alto", "13201=1500000"},
	} {
		terr, err := funds.ParseTerritories(ct.territories)
		if err != nil {
			return err
		}
		c, err := a.Funds.CreateContract(fin, funds.NewContract{Code: fmt.Sprintf("CT-YT-%d-13%s", year, ct.code), Agency: "ong-demo", Call: "yo-trabajo-borrador",
			Region: "13", Title: ct.title,
			Payee:    funds.Payee{Name: "ONG Demo Ejecutora", TaxID: "76.543.210-3", Bank: "037", AccountKind: "checking", Account: "71234567"},
			StartsOn: fmt.Sprintf("%d-03-01", year), EndsOn: fmt.Sprintf("%d-12-31", year), Territories: terr, Schedule: sched})
		if err != nil {
			return err
		}
		if c, err = a.Funds.SignContract(fin, c.Code); err != nil {
			return err
		}
		ms := c.Milestones[0].ID
		if _, err := a.Funds.RequestRelease(fin, ms); err != nil {
			return err
		}
		if _, err := a.Funds.ApproveRelease(tes, ms); err != nil {
			return err
		}
	}

	run, err := a.Funds.PrepareRun(fin, "", "Nómina de cuotas y primer hito")
	if err != nil {
		return err
	}
	if run, err = a.Funds.ApproveRun(tes, run.ID); err != nil {
		return err
	}
	var batch bytes.Buffer
	if _, err := a.Funds.ExportRun(fin, run.ID, funds.DefaultLayout(), &batch); err != nil {
		return err
	}
	_, pays, err := a.Funds.Run(fin, run.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("payment;amount;status;reason\n")
	var total int64
	var rejected int64
	for _, pm := range pays {
		if pm.Purpose == funds.PurposeMilestone && rejected == 0 {
			rejected = pm.ID
			fmt.Fprintf(&b, "%d;%d;REJECTED;R04 cuenta cerrada\n", pm.ID, pm.Amount)
		} else {
			fmt.Fprintf(&b, "%d;%d;PAID;\n", pm.ID, pm.Amount)
		}
		total += pm.Amount
	}
	fmt.Fprintf(&b, "TOTAL;%d;%d;\n", total, len(pays))
	if _, err := a.Funds.ImportResults(fin, run.ID, []byte(b.String())); err != nil {
		return err
	}
	if rejected != 0 {
		if _, err := a.Funds.Reissue(fin, rejected, &funds.Payee{Name: "ONG Demo Ejecutora", TaxID: "76.543.210-3", Bank: "012",
			AccountKind: "checking", Account: "29876543"}); err != nil {
			return err
		}
		run2, err := a.Funds.PrepareRun(fin, "yo-trabajo-borrador", "Reemisión del primer hito a la cuenta nueva")
		if err != nil {
			return err
		}
		if _, err := a.Funds.ApproveRun(tes, run2.ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.Stdout, "funds: payment run %d (%d payments, batch file of %d bytes) prepared by finanzas, approved by tesoreria, the bank's answer imported; /funds/payruns\n",
		run.ID, len(pays), batch.Len())
	return nil
}
