package web_test

import (
	"context"
	"testing"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/scopetest"
)

// paymentsWorld gives the scope walk a signed contract in each region
// (coded 13 and <other>, with a guarantee and a month's spending), and
// a prepared payment run (1) with its payment (1).
func paymentsWorld(t *testing.T, w *scopetest.World, fs *funds.Store) {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	for region, call := range map[string]string{scopetest.Own: "walk-propia", w.Other: "walk-otra"} {
		commune := w.OwnCommune
		if region != scopetest.Own {
			commune = w.OtherCommune
		}
		code := region // the walk varies the region in the path
		_, err := fs.CreateContract(ctx, funds.NewContract{Code: code, Agency: "walk", Call: call, Region: region,
			Payee:    funds.Payee{Name: "Fundación " + region, TaxID: "76.543.210-3", Bank: "001", AccountKind: "checking", Account: "1"},
			StartsOn: "2026-03-01", EndsOn: "2026-12-31", Territories: []funds.TerritoryAmount{{Territory: commune, Amount: 100_000}},
			Schedule: []funds.MilestoneSpec{{Percent: 30, Condition: funds.CondStart}, {Percent: 70, Condition: funds.CondFinalReport}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fs.SignContract(ctx, code); err != nil {
			t.Fatal(err)
		}
		if _, err := fs.AddGuarantee(ctx, code, funds.Guarantee{Kind: "bank_guarantee", Number: "BG-" + region, Issuer: "BancoEstado", Amount: 10_000, ExpiresOn: "2026-01-31"}); err != nil {
			t.Fatal(err)
		}
		if _, err := fs.ReportSpending(ctx, code, "2026-03", map[string]int64{"personnel": 5_000}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := fs.CreatePayment(ctx, funds.NewPayment{Key: "walk:1", Call: "walk-propia", Purpose: funds.PurposeTranche,
		Payee: funds.Payee{Name: "Walk", TaxID: "12.345.678-5", Bank: "012", AccountKind: "vista", Account: "1"}, Amount: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.PrepareRun(ctx, "", "walk"); err != nil {
		t.Fatal(err)
	}
}
