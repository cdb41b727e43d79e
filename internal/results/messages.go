package results

import (
	"time"

	"github.com/fosis/fosis"
)

// Messages are the slice's refusals, by the key that names them in the web
// catalogs (internal/web/i18n/<lang>/results_errors.json), in English: the
// text the API, the command line and the logs show. Every *fosis.Error the
// slice returns to a user is made from one of them (refuse, invalid).
var Messages = map[string]string{
	"results.err.sign_in":       "sign in first",
	"results.err.role":          "your role (%s) does not give access to the results; national staff and regional officers read them",
	"results.err.national_only": "only administrators and national analysts run the results' computations; your role is %s",
	"results.err.lock":          "the %s computation has no lock row: the database is not migrated",
	"results.err.by":            "%q is not a grouping: use commune, region, call or line",
	"results.err.period":        "%q is not a period: use a month as YYYY-MM, such as 2026-11",
	"results.err.truth":         "truth file, line %d: %s",
	"results.err.truth_header":  "the truth file needs the columns household_id and per_capita_income_clp: %s",
	"results.err.target_pct":    "the target population is a percentile between 1 and 99; %v is not",
	"results.err.format":        "%q is not an open-data format: use csv or json",
	"results.err.takeup":        "the take-up is a share above 0 and at most 1; %v is not",
	"results.err.cutoff":        "the cut-off is a percentile between 0 and 100; %v is not",
	"results.err.followup":      "follow-up file, line %d: %s",

	// Indicators.
	"results.err.no_indicator":    "no indicator %q for line %s version %d",
	"results.err.no_history":      "no values of indicator %d in that region",
	"results.err.indicator_code":  "%q is not an indicator code: use lower-case letters, digits, - and _ (up to 40)",
	"results.err.version":         "the version must be a whole number above zero; %d is not",
	"results.err.names":           "an indicator needs a name in Spanish (name_es) and in English (name_en)",
	"results.err.unit":            "%q is not a unit: use percent, ratio, count or pesos",
	"results.err.tolerance":       "the tolerance cannot be negative (%v)",
	"results.err.expr_empty":      "the expression is empty",
	"results.err.expr_cel":        "line %d, column %d: %s",
	"results.err.expr_type":       "the expression gives a %s; it must give true or false (counted) or a number (summed)",
	"results.err.target_period":   "target %d: %q is not a period: use a month as YYYY-MM",
	"results.err.target_region":   "target %d: %q is not a region code",
	"results.err.target_twice":    "target %d: period %s and region %s already have a target",
	"results.err.definition_json": "the indicator file is not valid JSON: %s",
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

// zeroTime is "no limit" for CaseFactsOf.
var zeroTime time.Time
