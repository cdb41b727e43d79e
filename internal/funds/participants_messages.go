package funds

// participantMessages are the refusals of the participants' side, added to
// Messages (one table for the slice's catalogs and their test).
var participantMessages = map[string]string{
	"funds.err.case_closed":          "case %d has ended: its money was released",
	"funds.err.plan_above_line":      "the plan's budget (%s pesos) is above the line's amount per participant (%s pesos, line %s): nothing was committed",
	"funds.err.plan_above_reserved":  "the plan's budget (%s pesos) is above what the participant holds reserved (%s pesos): nothing was committed",
	"funds.err.plan_after_payment":   "case %d already has payments ordered: its plan's budget can no longer change",
	"funds.err.participant_changed":  "the money of case %d changed meanwhile; look again and retry",
	"funds.err.tranche_spec":         "%q is not a tranche: write percent:due[:payee[:days]], such as 70:approval:participant:90",
	"funds.err.tranche_percent":      "%q is not a percentage between 1 and 100",
	"funds.err.tranche_days":         "%q is not a number of days between 1 and 730",
	"funds.err.tranche_count":        "a schedule has between 1 and 6 tranches, not %d",
	"funds.err.tranche_due":          "%q is not when a tranche falls due: use approval or justified",
	"funds.err.tranche_payee":        "%q is not a payee: use participant or supplier",
	"funds.err.tranche_first":        "the first tranche falls due at plan approval",
	"funds.err.tranche_sum":          "the tranches add up to %d %%, not 100 %%",
	"funds.err.version":              "%d is not a line version: use 1 or more",
	"funds.err.key":                  "the idempotency key is longer than 100 characters",
	"funds.err.key_used":             "the idempotency key %q was already used for another payment",
	"funds.err.no_participant":       "case %d has no money on the ledger (its call has no envelope)",
	"funds.err.not_committed":        "case %d has no approved plan committed, or it has ended",
	"funds.err.no_tranche":           "there is no tranche %d for case %d",
	"funds.err.tranche_ordered":      "tranche %d is already %s",
	"funds.err.tranche_not_due":      "tranche %d is not due yet: the earlier tranches must be paid and their purchases justified",
	"funds.err.tranche_empty":        "tranche %d is of zero pesos",
	"funds.err.rut":                  "%q is not a valid RUT: check the number and its check digit",
	"funds.err.supplier_name":        "name the supplier (up to 120 characters)",
	"funds.err.reject_reason":        "say why the bank rejected the payment",
	"funds.err.no_payment":           "there is no payment %d",
	"funds.err.payment_settled":      "payment %d is already %s",
	"funds.err.file_missing":         "attach the receipt's image or PDF",
	"funds.err.file_large":           "the receipt's file is larger than %d MB",
	"funds.err.file_type":            "the receipt's file is %s: attach a JPEG or PNG image or a PDF",
	"funds.err.no_plan":              "case %d has no approved plan yet: receipts come after the plan is approved",
	"funds.err.plan_line":            "the plan has no line %d: choose one of its %d lines, or 0 for a purchase outside the plan",
	"funds.err.receipt_duplicate":    "the %s number %s of %s is already recorded",
	"funds.err.doc_type":             "%q is not a document type (%s)",
	"funds.err.doc_number":           "%q is not a document number: letters, digits and -, up to 20",
	"funds.err.date":                 "%q is not a date: write it as 2026-03-31",
	"funds.err.no_receipt":           "there is no receipt %d",
	"funds.err.same_person":          "you submitted this receipt: someone else must review it",
	"funds.err.receipt_exceeds_paid": "the receipt (%s pesos) is more than the participant holds paid and not justified (%s pesos)",
	"funds.err.receipt_decided":      "receipt %d is already %s",
	"funds.err.recover_above_paid":   "%s pesos is more than the participant holds paid and not justified (%s pesos)",
	"funds.err.read_only":            "your role (%s) only reads",
	"funds.err.no_case":              "there is no case %d",
}

func init() {
	for k, v := range participantMessages {
		Messages[k] = v
	}
}

// participantTerms are the catalog keys of the words the participants' side
// passes as arguments (tranche, payment and receipt statuses).
func participantTerms() []string {
	return []string{"funds.tranche.waiting", "funds.tranche.ordered", "funds.tranche.paid", "funds.tranche.cancelled",
		"funds.payment.ordered", "funds.payment.paid", "funds.payment.rejected",
		"funds.receipt.accepted", "funds.receipt.held", "funds.receipt.rejected"}
}
