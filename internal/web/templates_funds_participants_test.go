package web

import (
	"errors"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

func init() {
	keyPrefixes = append(keyPrefixes, "fundsp")
	for _, k := range []string{"receipt", "held", "ordered", "recovered", "accepted", "rejected"} {
		moreHandlerKeys = append(moreHandlerKeys, "fundsp.done."+k)
	}
	for _, k := range []string{"reserved", "committed", "closed"} {
		moreHandlerKeys = append(moreHandlerKeys, "fundsp.status."+k)
	}
	for _, k := range funds.DocTypes {
		moreHandlerKeys = append(moreHandlerKeys, "fundsp.doc."+k)
	}
	for _, k := range []string{"outside_plan", "line_overspent", "exceeds_paid"} {
		moreHandlerKeys = append(moreHandlerKeys, "fundsp.reason."+k)
	}
	moreHandlerKeys = append(moreHandlerKeys, "fundsp.due.approval", "fundsp.due.justified", "fundsp.payee.participant", "fundsp.payee.supplier",
		"fundsp.recovery.flagged", "fundsp.recovery.recovered", "funds.tranche.waiting", "funds.tranche.ordered", "funds.tranche.paid",
		"funds.tranche.cancelled", "funds.payment.ordered", "funds.payment.paid", "funds.payment.rejected", "funds.receipt.accepted",
		"funds.receipt.held", "funds.receipt.rejected")
	pm := &funds.ParticipantMoney{
		Case: funds.CaseInfo{ID: 42, Line: "yo-emprendo-semilla", Version: 1, HouseholdID: "H0000042", Region: "13"}, Participation: 7,
		Call: "semilla-publicada", Status: funds.PartCommitted, PlanVersion: 1, PlanKind: "business", PlanTotal: 500_000, ApprovedOn: "2026-03-01",
		Money:    funds.Money{Amount: 575_000, Reserved: 75_000, Paid: 50_000, Justified: 300_000, Committed: 150_000, Planned: 500_000, Confirmed: 350_000},
		Lines:    []funds.PlanLineState{{Line: 1, Item: "Máquina de coser", Amount: 320_000, Justified: 224_000}, {Line: 2, Item: "Telas", Amount: 180_000, Justified: 76_000, Held: 25_000}},
		Tranches: []funds.Tranche{{ID: 1, Seq: 1, Percent: 70, Amount: 350_000, Due: funds.DueApproval, Payee: funds.PayeeParticipant, Status: funds.TranchePaid}, {ID: 2, Seq: 2, Percent: 30, Amount: 150_000, Due: funds.DueJustified, Payee: funds.PayeeSupplier, Status: funds.TrancheWaiting, Ready: true}},
		Payments: []funds.TranchePayment{{ID: 3, CaseID: 42, Seq: 1, Amount: 350_000, PayeeKind: funds.PayeeParticipant, PayeeRUT: "12345678-5", PayeeName: "H0000042", Status: funds.PayPaid, JustifyBy: "2026-06-01"}},
		Receipts: []funds.Receipt{{ID: 9, CaseID: 42, DocType: "factura", DocNumber: "1001", SupplierRUT: "76086428-5", IssuedOn: "2026-03-10", Amount: 224_000, PlanLine: 1, Status: funds.ReceiptAccepted},
			{ID: 10, CaseID: 42, DocType: "boleta", DocNumber: "B7", SupplierRUT: "76086428-5", IssuedOn: "2026-03-11", Amount: 25_000, PlanLine: 0, Status: funds.ReceiptHeld, Reason: funds.HeldOutsidePlan}},
		Recoveries: []funds.Recovery{{ID: 1, CaseID: 42, Amount: 50_000, Deadline: "2026-06-01", Status: funds.RecoveryFlagged, FlaggedOn: "2026-06-02"}},
		JustifyBy:  "2026-06-01", Overdue: true, CanMove: true, CanAdd: true,
	}
	reader := *pm
	reader.CanMove, reader.CanAdd, reader.Overdue = false, false, false
	reserved := &funds.ParticipantMoney{Case: funds.CaseInfo{ID: 43, HouseholdID: "H1"}, Call: "c", Status: funds.PartReserved, Money: funds.Money{Amount: 575_000, Reserved: 575_000}}
	bad := &fosis.Error{Code: fosis.EINVALID, Message: "supplier_rut: bad", Key: "funds.err.rut", Args: []any{"1-2"},
		Fields: []fosis.FieldError{{Field: "supplier_rut", Key: "funds.err.rut", Args: []any{"1-2"}, Message: `"1-2" is not a valid RUT`}}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"funds_participant", moneyData{Money: pm, DocTypes: funds.DocTypes, Today: "2026-06-10", Done: "held"}, `id="order-2"`},
		templateCase{"funds_participant", moneyData{Money: pm, DocTypes: funds.DocTypes, Today: "2026-06-10"}, `id="accept-10"`},
		templateCase{"funds_participant", moneyData{Money: pm, DocTypes: funds.DocTypes, Today: "2026-06-10"}, `id="money-overdue"`},
		templateCase{"funds_participant", moneyData{Money: pm, DocTypes: funds.DocTypes, Today: "2026-06-10", Error: bad, Form: funds.ReceiptInput{SupplierRUT: "1-2", PlanLine: 2}}, `id="money-error"`},
		templateCase{"funds_participant", moneyData{Money: &reader, DocTypes: funds.DocTypes}, `href="/funds/receipts/9/file"`},
		templateCase{"funds_participant", moneyData{Money: reserved, DocTypes: funds.DocTypes, Error: errors.New("x")}, `id="money-no-plan"`},
		templateCase{"funds_participants", participantsData{Rows: []funds.ParticipantRow{{CaseID: 42, Call: "semilla-publicada", Region: "13", HouseholdID: "H0000042",
			Status: funds.PartCommitted, Amount: 575_000, PlanTotal: 500_000, Held: 1}}}, `href="/cases/42/money"`},
		templateCase{"funds_participants", participantsData{Pending: true}, `id="participants-empty"`},
	)
}
