package funds

import (
	"github.com/fosis/fosis"
)

// Messages are the slice's refusals, by the key that names them in the web
// catalogs (internal/web/i18n/<lang>/funds_errors.json), in English: the text
// the API, the command line and the logs show. Every *fosis.Error the slice
// returns to a user is made from one of them (refuse, invalid), so that the
// pages can say it in the reader's language.
var Messages = map[string]string{
	"funds.err.sign_in":       "sign in first",
	"funds.err.role_no_read":  "your role (%s) does not give access to the fund's budgets; ask for the finance officer role",
	"funds.err.role_no_move":  "only finance officers and administrators move money; your role is %s",
	"funds.err.not_national":  "checking the whole ledger needs national reach; your role (%s) sees one region",
	"funds.err.year":          "%d is not a budget year: use a year between 2000 and 2100",
	"funds.err.line":          "%q is not a programme line code: use lower-case letters, digits, - and _ (up to 40)",
	"funds.err.region":        "%q is not a region code: use the region's code, such as 13",
	"funds.err.call":          "%q is not a call code: use letters, digits, - and _ (up to 60)",
	"funds.err.amount":        "the amount must be a whole number of pesos above zero; %d is not",
	"funds.err.delta":         "a modification changes the budget by a whole number of pesos, up or down, not zero",
	"funds.err.no_budget":     "no budget for %d, line %s, region %s: assign it first (fosis funds budget assign)",
	"funds.err.no_envelope":   "call %s has no envelope: allocate one first (fosis funds allocate)",
	"funds.err.other_budget":  "call %s already has an envelope from %d, line %s, region %s; allocate to it from that budget",
	"funds.err.insufficient":  "the %s account holds %s pesos, less than the %s asked: nothing was moved; lower the amount or move money into it first",
	"funds.err.release_from":  "%q cannot be released: release from reserved or committed",
	"funds.err.account":       "%q is not an account (%s)",
	"funds.err.out_of_region": "that envelope is outside your region",
}

// refuse returns a keyed refusal with the English message of key.
func refuse(code, key string, args ...any) *fosis.Error {
	return fosis.KeyedErrorf(code, key, Messages[key], args...)
}

// invalid returns a keyed refusal of one field.
func invalid(field, key string, args ...any) *fosis.Error {
	fe := fosis.KeyedField(field, key, Messages[key], args...)
	return &fosis.Error{Code: fosis.EINVALID, Message: field + ": " + fe.Message, Key: key, Args: args, Fields: []fosis.FieldError{fe}}
}

// TermKeys are the catalog keys of the words the slice passes as arguments
// of its refusals (accounts, roles), for the catalogs' test.
func TermKeys() []string {
	var keys []string
	for _, a := range append(append([]Account{}, BudgetAccounts...), EnvelopeAccounts...) {
		keys = append(keys, "funds.account."+string(a))
	}
	return append(keys, participantTerms()...)
}
