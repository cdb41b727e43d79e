package scopetest

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// FundParticipants gives a case of each region money on the ledger (the
// envelopes of fundsWorld): reserved, committed by a plan, a tranche paid
// and a receipt held for review, whose ids become the walk's "receipt"
// values. It returns the funds store, reading cases through the delivery
// slice as cli wires it.
func FundParticipants(t testing.TB, w *World) *funds.Store {
	t.Helper()
	fs := funds.New(w.DB)
	fs.ReadCasesWith(func(ctx context.Context, id int64) (funds.CaseInfo, error) {
		c, err := w.Delivery.Case(ctx, id)
		if err != nil {
			return funds.CaseInfo{}, err
		}
		return funds.CaseInfo{ID: c.ID, Line: c.Line, Version: c.Version, HouseholdID: c.HouseholdID, RUN: c.RUN, Commune: c.Commune,
			Region: c.Region, Agency: c.Agency, Counsellor: c.Counsellor, State: c.State}, nil
	})
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...)
	receipts := map[string]string{}
	for i, region := range []string{Own, w.Other} {
		ref, call := w.Values[CaseRef].Own[0], "walk-propia"
		if region != Own {
			ref, call = w.Values[CaseRef].Other[0], "walk-otra"
		}
		caseID, _ := strconv.ParseInt(ref, 10, 64)
		c, err := w.Delivery.Case(ctx, caseID)
		if err != nil {
			t.Fatal(err)
		}
		err = w.DB.Transact(ctx, func(tx *db.Tx) error {
			if err := fs.OnEnrol(ctx, tx, funds.Enrolment{Participation: 900_000 + caseID, CaseID: caseID, Call: call, Line: c.Line, Version: c.Version,
				Region: c.Region, Commune: c.Commune, HouseholdID: c.HouseholdID, RUN: c.RUN, Amount: 500_000}); err != nil {
				return err
			}
			return fs.OnPlanApproved(ctx, tx, funds.PlanApproval{CaseID: caseID, PlanID: 1, Version: 1, Kind: "business",
				Lines: []funds.PlanLine{{Item: "Máquina", Amount: 400_000}}, Total: 400_000, On: time.Now().UTC()})
		})
		if err != nil {
			t.Fatal(err)
		}
		y, err := fs.OrderTranche(ctx, caseID, funds.OrderInput{Seq: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fs.SettlePayment(ctx, y.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		rc, err := fs.AddReceipt(ctx, caseID, funds.ReceiptInput{DocType: "boleta", DocNumber: "W" + strconv.Itoa(i), SupplierRUT: "76086428-5",
			IssuedOn: time.Now().UTC().Format(time.DateOnly), Amount: 10_000, PlanLine: 0, FileName: "walk.png", File: bytes.NewReader(png)})
		if err != nil {
			t.Fatal(err)
		}
		receipts[region] = strconv.FormatInt(rc.ID, 10)
	}
	w.Values[ReceiptRef] = Values{Own: []string{receipts[Own]}, Other: []string{receipts[w.Other]}, None: "999999"}
	return fs
}

// ReceiptRef is a funds receipt id (FundParticipants makes one per region).
const ReceiptRef = "receipt"
