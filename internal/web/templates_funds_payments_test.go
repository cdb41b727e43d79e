package web

import (
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

func init() {
	keyPrefixes = append(keyPrefixes, "payrun", "payments", "contract")
	moreHandlerKeys = append(moreHandlerKeys, funds.PaymentTermKeys()...)
	moreHandlerKeys = append(moreHandlerKeys, "payments.kind.checking", "payments.kind.savings", "payments.kind.vista",
		"contract.state_draft", "contract.state_signed", "payrun.err_upload")
	py := funds.Payee{Name: "María Pérez", TaxID: "12345678-5", Bank: "012", AccountKind: "vista", Account: "12345678"}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ps := []funds.Payment{
		{ID: 1, Key: "plan:1/1", Call: "YE-2026-13", Purpose: funds.PurposeTranche, Payee: py, Amount: 430_000, State: funds.PaymentPaid, Run: 1, CreatedAt: at},
		{ID: 2, Key: "plan:2/1", Call: "YE-2026-13", Purpose: funds.PurposeTranche, Payee: py, Amount: 180_000, State: funds.PaymentRejected, Run: 1, BankReason: "R04", CreatedAt: at},
		{ID: 3, Key: "plan:2/1/r2", Call: "YE-2026-13", Purpose: funds.PurposeTranche, Payee: py, Amount: 180_000, State: funds.PaymentReady, ReissueOf: 2, CreatedAt: at},
	}
	run := funds.Run{ID: 1, State: funds.RunClosed, PreparedBy: "maker", ApprovedBy: "checker", Count: 2, Total: 610_000, Paid: 1, Rejected: 1}
	prepared := funds.Run{ID: 2, State: funds.RunPrepared, PreparedBy: "maker", Count: 1, Total: 180_000, Pending: 1}
	bad := &fosis.Error{Code: fosis.EINVALID, Message: "line 3: …", Key: "funds.err.res_status", Args: []any{3, "MAYBE"},
		Fields: []fosis.FieldError{
			{Field: "line 3", Key: "funds.err.res_status", Args: []any{3, "MAYBE"}, Message: "line 3: bad"},
			{Field: "line 4", Key: "funds.err.res_reason", Args: []any{4}, Message: "line 4: bad"},
		}}
	ct := funds.Contract{Code: "CT-1", Agency: "AG1", Call: "FAM-13", Region: "13", State: "signed", Amount: 100_000_000, Released: 30_000_000,
		StartsOn: "2026-03-01", EndsOn: "2026-12-31", Payee: py,
		Territories: []funds.TerritoryAmount{{Territory: "13101", Amount: 60_000_000}, {Territory: "13102", Amount: 40_000_000}},
		Milestones: []funds.Milestone{
			{ID: 1, Seq: 1, Percent: 30, Amount: 30_000_000, Condition: funds.CondStart, State: funds.MilestoneReleased, Payment: 9, RequestedBy: "maker"},
			{ID: 2, Seq: 2, Percent: 40, Amount: 40_000_000, Condition: funds.CondMidtermReport, State: funds.MilestoneRequested, RequestedBy: "maker"},
			{ID: 3, Seq: 3, Percent: 30, Amount: 30_000_000, Condition: funds.CondCoverage, Target: 150, State: funds.MilestonePending},
		},
		Guarantees: []funds.Guarantee{{Kind: "bank_guarantee", Number: "BG-1", Issuer: "BancoEstado", Amount: 5_000_000, ExpiresOn: "2026-03-20", Alert: "expiring"}},
		Spending:   []funds.Spending{{Month: "2026-03", Category: "personnel", Amount: 8_000_000, By: "elena"}},
	}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"funds_payments", paymentsData{States: funds.PaymentStates, Purposes: funds.Purposes, Kinds: funds.AccountKinds, Payments: ps, CanMove: true,
			Form: funds.NewPayment{Purpose: funds.PurposeTranche}}, `action="/funds/payments/2/reissue"`},
		templateCase{"funds_payments", paymentsData{Done: "created"}, `id="payments-empty"`},
		templateCase{"funds_payruns", payrunsData{Runs: []funds.Run{run, prepared}, Ready: 3, CanMove: true}, `id="prepare-form"`},
		templateCase{"funds_payruns", payrunsData{}, `id="payruns-empty"`},
		templateCase{"funds_payrun", payrunData{Run: prepared, Payments: ps[2:], CanMove: true}, `id="approve-form"`},
		templateCase{"funds_payrun", payrunData{Run: prepared, Payments: ps[2:], CanMove: true, Mine: true}, `id="maker-note"`},
		templateCase{"funds_payrun", payrunData{Run: funds.Run{ID: 3, State: funds.RunClosed, PreparedBy: "maker", CancelledBy: "maker"}, CanMove: true, Done: "cancelled"}, `<dd class="col-6 col-md-9">maker</dd>`},
		templateCase{"funds_payrun", payrunData{Run: run, Payments: ps[:2], CanMove: true, formError: formError{bad}, Done: "imported"}, `id="form-problems"`},
		templateCase{"funds_contracts", fundsContractsData{Contracts: []funds.Contract{ct}, Alerts: ct.Guarantees, Kinds: funds.AccountKinds, CanMove: true}, `id="contract-form"`},
		templateCase{"funds_contracts", fundsContractsData{}, `id="contracts-empty"`},
		templateCase{"funds_contract", fundsContractData{Contract: ct, Kinds: funds.GuaranteeKinds, Categories: funds.SpendCategories, CanMove: true, CanAccept: true,
			CanReport: true, User: "checker"}, `/milestones/2/release"`},
		templateCase{"funds_contract", fundsContractData{Contract: ct, Kinds: funds.GuaranteeKinds, Categories: funds.SpendCategories, CanMove: true, CanAccept: true,
			User: "maker"}, `id="milestones-table"`},
	)
}

// TestFundsPaymentRefusalKeys: every refusal of payments, runs, bank files
// and contracts, and every word they pass as an argument, has a key in
// both languages with arguments that fit its English format.
func TestFundsPaymentRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range funds.PaymentTermKeys() {
		checkMessage(t, c, key, "")
	}
}
