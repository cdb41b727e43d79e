package funds

// paymentMessages are the refusals of payments, payment runs, bank files
// and agencies' contracts (payments.go, payruns.go, bankfile.go,
// contracts.go), merged into Messages. Their catalogs are
// internal/web/i18n/<lang>/funds_payments_errors.json.
var paymentMessages = map[string]string{
	"funds.err.pay_role":             "your role (%s) does not give access to payments; ask for the finance officer role",
	"funds.err.pay_name":             "the payee's name is required (up to 120 characters)",
	"funds.err.pay_tax_id":           "%q is not a valid RUN/RUT: write it as 12.345.678-5 with its check digit",
	"funds.err.pay_bank":             "%q is not a bank code: use the bank's three-digit code, such as 012",
	"funds.err.pay_account_kind":     "%q is not a kind of account (%s)",
	"funds.err.pay_account":          "%q is not an account number: up to 20 digits",
	"funds.err.pay_key":              "%q is not an idempotency key: letters, digits and : / . _ - (up to 120)",
	"funds.err.pay_purpose":          "%q is not a payment purpose (tranche, milestone, microcredit)",
	"funds.err.pay_key_used":         "the idempotency key %q was already used by payment %d for a different payment; nothing was recorded",
	"funds.err.pay_none":             "there is no payment %d",
	"funds.err.pay_not_rejected":     "payment %d is %s: only a payment the bank rejected can be re-issued",
	"funds.err.run_none":             "there is no payment run %d",
	"funds.err.run_empty":            "there are no ready payments to gather into a run",
	"funds.err.run_maker_checker":    "you prepared payment run %d: another finance officer must approve it (maker-checker)",
	"funds.err.run_state":            "payment run %d is %s: only a prepared run can be approved",
	"funds.err.run_overspends":       "the payments of call %s are not covered: %s",
	"funds.err.run_not_prepared":     "payment run %d is %s: only a prepared run can be cancelled",
	"funds.err.run_not_approved":     "payment run %d is not approved yet: approve it before writing its bank file or importing results",
	"funds.err.res_not_in_run":       "line %d: payment %d is not in payment run %d",
	"funds.err.res_amount":           "line %d: payment %d is for %s pesos in the file but %s in the run",
	"funds.err.res_contradicts":      "line %d: payment %d is already %s; the bank's earlier answer stands",
	"funds.err.res_empty":            "the result file has no payments",
	"funds.err.res_column":           "the result file's header has no %q column (payment, amount, status, reason)",
	"funds.err.res_syntax":           "line %d: the row cannot be read (quotes or separators)",
	"funds.err.res_after_control":    "line %d: nothing may follow the TOTAL control row",
	"funds.err.res_control_syntax":   "line %d: the TOTAL row needs the sum of the amounts in amount and the number of rows in status",
	"funds.err.res_too_many":         "line %d: a result file has at most %d rows",
	"funds.err.res_payment":          "line %d: %q is not a payment number",
	"funds.err.res_amount_syntax":    "line %d: %q is not an amount in whole pesos",
	"funds.err.res_reason":           "line %d: a rejected payment needs the bank's reason code",
	"funds.err.res_status":           "line %d: %q is not a status: use PAID or REJECTED",
	"funds.err.res_duplicate":        "line %d: payment %d was already answered on line %d",
	"funds.err.res_no_control":       "the result file has no TOTAL control row",
	"funds.err.res_control":          "line %d: the control row says %d payments for %s pesos but the file has %d for %s",
	"funds.err.layout_syntax":        "the layout cannot be read: %s",
	"funds.err.layout_separator":     "%q cannot separate CSV fields: use one character such as ; or ,",
	"funds.err.layout_format":        "%q is not a layout format: use fixed or csv",
	"funds.err.layout_line_end":      "%q is not a line end: use crlf or lf",
	"funds.err.layout_no_detail":     "the layout has no detail record",
	"funds.err.layout_source":        "%s: %q is not a field source",
	"funds.err.layout_source_record": "%s: the source %q cannot appear in the %s record",
	"funds.err.layout_align":         "%s: %q is not an alignment: use left or right",
	"funds.err.layout_pad":           "%s: the padding %q must be one character",
	"funds.err.layout_width":         "%s: the width %d is not usable (a fixed-width field needs 1 to 500)",
	"funds.err.layout_literal":       "%s: the literal %q is longer than its width %d",
	"funds.err.layout_truncate":      "%s: %q may not be truncated: only names and literals may",
	"funds.err.layout_detail_id":     "the detail record needs the payment number or its key: the bank's answer refers to it",
	"funds.err.layout_detail_amount": "the detail record needs the amount",
	"funds.err.layout_control":       "the header or the trailer needs the control totals: count and total",
	"funds.err.layout_too_long":      "payment %d: the %s %q does not fit its %d characters; correct the payment or widen the field",
	"funds.err.ct_code":              "%q is not a contract code: use letters, digits, - and _ (up to 60)",
	"funds.err.ct_agency":            "%q is not an agency code",
	"funds.err.ct_date":              "%q is not a date: write it as 2026-03-01",
	"funds.err.ct_dates":             "the contract ends (%[2]s) before it starts (%[1]s)",
	"funds.err.ct_no_territory":      "a contract needs its amount in at least one territory",
	"funds.err.ct_territory":         "%q is not a territory code, or it is repeated",
	"funds.err.ct_territory_syntax":  "%q is not a territory and amount: write 13101=30000000",
	"funds.err.ct_schedule":          "the payment schedule's percentages add up to %d, not 100",
	"funds.err.ct_schedule_syntax":   "%q is not a schedule step: write 30:start, 40:midterm_report or 20:coverage:150",
	"funds.err.ct_condition":         "%q is not a milestone condition (%s)",
	"funds.err.ct_percent":           "%d is not a percentage between 1 and 100",
	"funds.err.ct_target":            "a coverage milestone needs its target (participants)",
	"funds.err.ct_region":            "the contract's region %s is not call %s's, which draws on region %s",
	"funds.err.ct_exists":            "contract %s already exists",
	"funds.err.ct_none":              "there is no contract %s",
	"funds.err.ct_not_draft":         "contract %s is already signed",
	"funds.err.ct_not_signed":        "contract %s is not signed yet",
	"funds.err.ct_no_agency":         "your account is not staff of any executing agency",
	"funds.err.ms_none":              "there is no milestone %d",
	"funds.err.ms_state":             "milestone %d is not %s any more: someone else acted on it first",
	"funds.err.ms_accept_role":       "your role (%s) cannot accept a milestone's condition",
	"funds.err.ms_coverage":          "a coverage of %d does not reach the milestone's target of %d",
	"funds.err.ms_evidence":          "say which report was accepted and by which act (up to 300 characters)",
	"funds.err.ms_condition":         "milestone %d cannot be released yet: its condition (%s) has not been accepted",
	"funds.err.ms_maker_checker":     "you requested the release of milestone %d: another finance officer must approve it (maker-checker)",
	"funds.err.gu_kind":              "%q is not a kind of guarantee (%s)",
	"funds.err.gu_number":            "%q is not a document number",
	"funds.err.gu_issuer":            "the guarantee's issuer is required (up to 120 characters)",
	"funds.err.sp_role":              "your role (%s) cannot report an agency's spending",
	"funds.err.sp_month":             "%q is not a month: write it as 2026-03",
	"funds.err.sp_category":          "%q is not a spending category (%s)",
	"funds.err.sp_amount":            "%s: %d is not an amount of whole pesos of zero or more",
	"funds.err.sp_empty":             "report the spending of at least one category",
	"funds.err.sp_reported":          "contract %s already has %[3]s reported for %[2]s; the accountability is not rewritten",
}

func init() {
	for k, v := range paymentMessages {
		Messages[k] = v
	}
}

// PaymentTermKeys are the catalog keys of the words the payments and
// contracts refusals and pages pass as arguments (states, conditions,
// categories, kinds).
func PaymentTermKeys() []string {
	var keys []string
	for _, s := range PaymentStates {
		keys = append(keys, "funds.paystate."+string(s))
	}
	for _, s := range []RunState{RunPrepared, RunApproved, RunClosed} {
		keys = append(keys, "funds.runstate."+string(s))
	}
	for _, s := range []string{MilestonePending, MilestoneMet, MilestoneRequested, MilestoneReleased} {
		keys = append(keys, "funds.msstate."+s)
	}
	for _, c := range Conditions {
		keys = append(keys, "funds.cond."+c)
	}
	for _, c := range SpendCategories {
		keys = append(keys, "funds.spend."+c)
	}
	for _, k := range GuaranteeKinds {
		keys = append(keys, "funds.gukind."+k)
	}
	for _, p := range Purposes {
		keys = append(keys, "funds.purpose."+string(p))
	}
	return keys
}
