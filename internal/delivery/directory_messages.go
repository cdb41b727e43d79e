package delivery

import "maps"

// directoryMessages are the refusals of the services directory, the
// referrals and the plan form (keys in
// internal/web/i18n/<lang>/directory_errors.json). They join Messages when
// the package loads, so that the slice keeps one table.
var directoryMessages = map[string]string{
	"delivery.err.directory_staff":        "the directory of services is edited by national staff and regional officers (their region's communes)",
	"delivery.err.no_service":             "no service %d in the directory (or it is outside your region)",
	"delivery.err.service_commune":        "%q is not a commune of your territory",
	"delivery.err.service_dimension":      "%q is not a dimension (identificacion, salud, educacion, dinamica, habitabilidad, trabajo, ingresos)",
	"delivery.err.service_active":         "%q is not an active flag (1 or 0, sí or no)",
	"delivery.err.service_repeated":       "the same commune, institution and service is already at line %d",
	"delivery.err.service_exists":         "%s already has %q in commune %s",
	"delivery.err.service_inactive":       "%s is no longer active in the directory",
	"delivery.err.invalid_service":        "the service was not saved: %s: %s",
	"delivery.err.too_long":               "may have up to %d characters",
	"delivery.err.import_header":          "%s: the header must name the columns %s",
	"delivery.err.import_file":            "choose a CSV file of services (at most 16 MiB)",
	"delivery.err.import_shape":           "the row cannot be read: its columns or quotes are wrong",
	"delivery.err.future_date":            "%q is after today",
	"delivery.err.invalid_referral":       "the referral was not saved: %s: %s",
	"delivery.err.no_referral":            "no referral %d (or it is outside your reach)",
	"delivery.err.referral_transition":    "a referral cannot go from %s to %s",
	"delivery.err.referral_outcome":       "say what came of it (the outcome)",
	"delivery.err.referral_moved":         "referral %d is no longer %s (someone moved it to %s); reload and try again",
	"delivery.err.before_sent":            "%q is before the day the referral was sent (%s)",
	"delivery.err.referral_unsatisfiable": "referral %d is not resolved, or names no condition to satisfy",
	"delivery.err.referral_satisfied":     "referral %d has already satisfied its condition",
	"delivery.err.satisfy_state":          "a condition is satisfied while the case is in intervention or closing; it is %s",
}

func init() { maps.Copy(Messages, directoryMessages) }

// DirectoryTermKeys returns the catalog keys of the words the directory and
// the referrals pass as message arguments, for the catalogs' test.
func DirectoryTermKeys() []string {
	var keys []string
	for _, s := range ReferralStatuses {
		keys = append(keys, refTerm(s).Key)
	}
	return keys
}
