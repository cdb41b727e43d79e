package programs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
)

// Messages are the slice's refusals, by the key that names them in the web
// catalogs (internal/web/i18n/<lang>/programs_errors.json), in English: the
// text the API, the command line and the logs show. Every *fosis.Error and
// fosis.FieldError the slice returns to a user is made from one of them
// (refuse, invalid, field), so that the pages can say it in the reader's
// language; a test checks that both catalogs have every key with arguments
// that fit. Rules' CEL compiler messages stay as CEL writes them, inside a
// translated sentence.
var Messages = map[string]string{
	// Applying online, in the citizen portal (online.go).
	"programs.err.online.consent": "accept the processing of your data to apply",
	"programs.err.online.contact": "give a phone number or an e-mail address so that we can reach you",
	"programs.err.online.email":   "%q is not an e-mail address",
	"programs.err.online.phone":   "%q is not a phone number (digits, spaces and +)",
	// Who may do what.
	"programs.err.sign_in":          "sign in first",
	"programs.err.no_agency":        "your user is not staff of an executing agency with a contract; ask an administrator to add you (fosis programs agency-staff)",
	"programs.err.role_no_access":   "your role (%s) does not give access to programmes and calls",
	"programs.err.managers_only":    "only administrators and national analysts manage programmes and calls; your role is %s",
	"programs.err.read_only":        "your role (%s) only reads",
	"programs.err.preview_national": "the preview counts the whole national registry; your role (%s) does not allow it",

	// The catalogue.
	"programs.err.no_programme":       "no programme %q ('fosis programs list' shows them)",
	"programs.err.no_programme_plain": "no programme %q",
	"programs.err.no_version":         "programme %q has no version %d",
	"programs.err.area_unit_fixed":    "programme %s is a %s line for each %s; its area and unit cannot change (create a new line instead)",
	"programs.err.invalid_programme":  "invalid programme: %s: %s",
	"programs.err.programme_code":     "%q is not a programme code: use lower-case letters, digits, - and _",
	"programs.err.not_area":           "%q is not an area (entrepreneurship, employment or social_development)",
	"programs.err.not_unit":           "%q is not an applicant unit (person or household)",
	"programs.err.programme_name":     "a programme needs a name in Spanish (name_es) and in English (name_en)",
	"programs.err.amount_negative":    "the amount per participant cannot be negative",
	"programs.err.duration":           "the duration must be at least one month",
	"programs.err.invalid_rule":       "invalid eligibility rule: %s: %s",
	"programs.err.invalid_rule_more":  "invalid eligibility rule: %s: %s (and %d more)",
	"programs.err.rule_id":            "%q is not a rule id: use lower-case letters, digits, - and _",
	"programs.err.rule_id_twice":      "rule id %q is used twice",
	"programs.err.rule_names":         "a rule needs a name in Spanish (name_es) and in English (name_en): it is shown to staff and to the family",
	"programs.err.expr_empty":         "the expression is empty",
	"programs.err.expr_cel":           "line %d, column %d: %s",
	"programs.err.expr_cel_more":      "line %d, column %d: %s (and %d more)",
	"programs.err.expr_program":       "%s",
	"programs.err.expr_not_bool":      "the expression gives a %s; a rule must give true or false",
	"programs.err.required":           "required",
	"programs.err.code_chars":         "lower-case letters, digits, - and _",
	"programs.err.not_commune":        "%q is not a commune code",
	"programs.err.not_region":         "%q is not a region code",

	// Agencies and contracts.
	"programs.err.agency_code":       "%q is not an agency code: use lower-case letters, digits, - and _",
	"programs.err.agency_name":       "an agency needs a name",
	"programs.err.agency_exists":     "there is already an agency with code %q",
	"programs.err.no_agency_code":    "no agency %q",
	"programs.err.no_user":           "no user with id %d",
	"programs.err.invalid_contract":  "invalid contract: %s: %s",
	"programs.err.contract_dates":    "give starts_on and ends_on as YYYY-MM-DD, the end not before the start",
	"programs.err.contract_families": "a contract covers at least one family",
	"programs.err.contract_budget":   "a contract has a positive budget",
	"programs.err.contract_communes": "a contract covers at least one commune",
	"programs.err.tender_exists":     "tender %q is already recorded",

	// Calls.
	"programs.err.no_call":               "no call %q ('fosis calls list' shows them)",
	"programs.err.call_exists":           "there is already a call with code %q",
	"programs.err.call_code":             "%q is not a call code: use lower-case letters, digits, - and _",
	"programs.err.call_title":            "a call needs a title",
	"programs.err.call_programme":        "no programme %q ('fosis programs list' shows them)",
	"programs.err.call_dates":            "give opens_on and closes_on as YYYY-MM-DD",
	"programs.err.call_date":             "%q is not a date: write it as YYYY-MM-DD",
	"programs.err.invalid_call":          "invalid call: %s: %s",
	"programs.err.invalid_spec":          "invalid call rules: %s: %s",
	"programs.err.unchanged":             "nothing changed: version %d of %s already says all this",
	"programs.err.closes_before_opens":   "the call closes (%s) before it opens (%s)",
	"programs.err.no_run":                "no scoring run %d: bind the call to a stored run ('fosis score runs' lists them)",
	"programs.err.no_communes":           "a call covers at least one commune (commune code → quota) or region (region code → quota)",
	"programs.err.commune_quota":         "the quota of commune %s is negative",
	"programs.err.region_quota":          "the quota of region %s is negative",
	"programs.err.commune_outside":       "commune %q is not in the territory",
	"programs.err.region_below_communes": "region %s has a quota of %d places, fewer than its communes' quotas (%d)",
	"programs.err.share_range":           "reserved share %d is %v; it must be more than 0 and at most 1",
	"programs.err.shares_total":          "the reserved shares add up to %.2f, more than the whole quota",
	"programs.err.budget_negative":       "the budget cannot be negative",
	"programs.err.over_budget":           "the quotas add up to %d places × $%v = $%v, more than the budget envelope of $%v: lower the quotas or raise the budget",
	"programs.err.cooldown_negative":     "the cool-down cannot be negative",
	"programs.err.zero_or_more":          "0 or more",
	"programs.err.incompatible_code":     "%q is not a programme code",
	"programs.err.programme_codes":       "programme codes",
	"programs.err.too_many_groups":       "a call has at most 32 priority groups and 32 reserved shares",
	"programs.err.not_a_status":          "%q is not a status a call can be moved to (%v; selection is its own step)",
	"programs.err.status_move":           "call %s is %s; only a %s call can become %s",

	// Applications.
	"programs.err.invitation_call":           "call %s is an invitation call (line %s takes no applications): when it closes, 'fosis calls select' invites the best-ranked eligible households of its territory",
	"programs.err.invitation_unit":           "only a household line can be filled by invitation: set unit to household or drop spec.invitation",
	"programs.err.call_not_open":             "call %s is %s: applications are taken only while it is open",
	"programs.err.bad_run":                   "invalid RUN %q: %v",
	"programs.err.person_call":               "call %s is for persons: name the applicant by RUN",
	"programs.err.name_applicant":            "name the applicant: a RUN (or, for household programmes, a household id)",
	"programs.err.not_in_registry":           "%s is not in the social registry (or not in your territory): the family must register in the RSH first",
	"programs.err.household_not_in_registry": "household %s is not in the social registry (or not in your territory): the family must register in the RSH first",
	"programs.err.commune_not_covered":       "the applicant lives in %s (%s), a commune call %s does not cover (neither a commune quota nor a regional quota of its region)",
	"programs.err.no_head":                   "household %s has no head in the registry: correct the registry first",
	"programs.err.already_applied":           "%s has already applied to call %s (one application per person per call)",
	"programs.err.household_already_applied": "household %s has already applied to call %s (one application per household per call)",
	"programs.err.same_applicant":            "the same applicant as line %d (one application per %s per call)",
	"programs.err.file":                      "%v",
	"programs.err.csv_row":                   "%v",
	"programs.err.no_application":            "no application %d",
	"programs.err.bad_cursor":                "after is not an application of this list: start again from the first page",
	"programs.err.unknown_cursor":            "unknown cursor",

	// Selection, withdrawal, enrolment.
	"programs.err.select_not_closed":     "call %s is %s: the selection runs once, on a closed call",
	"programs.err.no_selection":          "call %s has no selection yet (it is %s)",
	"programs.err.verify_differs":        "the frozen selection of call %s does not re-run to the same placements (application %d differs)",
	"programs.err.verify_digest":         "the frozen selection of call %s does not match its digest",
	"programs.err.verify_differs_hidden": "the frozen selection of call %s does not re-run to the same placements",
	"programs.err.already_withdrawn":     "application %d is already withdrawn",
	"programs.err.verify_lottery":        "the frozen selection of call %s does not match its lottery: application %d's lottery number is not the SHA-256 of the seed and its id",
	"programs.err.application_changed":   "application %d changed meanwhile (someone else decided on it); reload it and try again",
	"programs.err.call_changed":          "call %s changed meanwhile (someone else moved it); reload it and try again",
	"programs.err.withdraw_enrolled":     "application %d is enrolled: end the participation instead",
	"programs.err.enroll_not_selected":   "application %d is %s: only a selected application can be enrolled",
	"programs.err.envelope":              "the envelope of call %s cannot cover another $%v: nothing was enrolled",

	// The reasons of the decision trace (storeReason: their arguments are
	// kept as text, so every verb is %s).
	"programs.reason.reserved":           "rank %s: reserved place (share %s) of commune %s",
	"programs.reason.commune":            "rank %s: place of commune %s",
	"programs.reason.region":             "rank %s: place of region %s (unused commune places, flow-over)",
	"programs.reason.waitlist":           "rank %s: position %s on the waiting list of region %s",
	"programs.reason.ineligible":         "not eligible: see the failed rules",
	"programs.reason.no_longer_eligible": "no longer eligible when its turn came",
	"programs.reason.promoted":           "rank %s: promoted from the waiting list to the place application %s left",
	"programs.reason.withdrawn":          "withdrawn: %s",
	"programs.reason.waitlist_position":  "position %s on the waiting list of region %s",
}

// storedReason is a decision's reason as applications.reason keeps it:
// its key in Messages and its arguments as text, in JSON, so that the
// trace page can say it in the reader's language while the API and the
// command line read its English.
type storedReason struct {
	Key  string   `json:"key"`
	Args []string `json:"args,omitempty"`
}

// storeReason returns the reason key with args as applications.reason
// keeps it.
func storeReason(key string, args ...any) string {
	r := storedReason{Key: key}
	for _, a := range args {
		r.Args = append(r.Args, fmt.Sprint(a))
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // strings only
	}
	return string(b)
}

// readReason reads applications.reason: a stored reason, or the English
// text rows written before reasons were kept by key hold (said as it is).
func readReason(s string) fosis.Phrase {
	var r storedReason
	if strings.HasPrefix(s, `{"key":`) && json.Unmarshal([]byte(s), &r) == nil {
		if en, ok := Messages[r.Key]; ok {
			args := make([]any, len(r.Args))
			for i, a := range r.Args {
				args[i] = a
			}
			return fosis.Phrase{Key: r.Key, Args: args, Text: fmt.Sprintf(en, args...)}
		}
	}
	return fosis.Phrase{Text: s}
}

// refuse returns the slice's refusal key with its English message.
func refuse(code, key string, args ...any) *fosis.Error {
	return fosis.KeyedErrorf(code, key, english(key), args...)
}

// problem returns a field's problem key with its English message.
func problem(name, key string, args ...any) fosis.FieldError {
	return fosis.KeyedField(name, key, english(key), args...)
}

// invalid is an invalid-input refusal about one field: the message names
// the field in English; the field problem, and the key, say the rest.
func invalid(name, key string, args ...any) *fosis.Error {
	fe := problem(name, key, args...)
	return &fosis.Error{Code: fosis.EINVALID, Message: name + ": " + fe.Message, Key: key, Args: args, Fields: []fosis.FieldError{fe}}
}

// invalidAs re-states e (a keyed refusal of a check that does not know the
// field, such as Quotas.Validate) as a problem of field name.
func invalidAs(name string, err error) error {
	var e *fosis.Error
	if !errors.As(err, &e) {
		return err
	}
	return &fosis.Error{Code: fosis.EINVALID, Message: name + ": " + e.Message, Key: e.Key, Args: e.Args,
		Fields: []fosis.FieldError{{Field: name, Message: e.Message, Key: e.Key, Args: e.Args}}}
}

// firstOf is the refusal of a list of field problems: key (a format with
// the first problem's field and message) over all of them.
func firstOf(key string, bad []fosis.FieldError) *fosis.Error {
	e := refuse(fosis.EINVALID, key, bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
	e.Fields = bad
	return e
}

func english(key string) string {
	if m, ok := Messages[key]; ok {
		return m
	}
	return key + ": %v"
}

// roleTerm is a role as a word of the catalogs.
func roleTerm(r auth.Role) fosis.Phrase {
	return fosis.Phrase{Key: "role." + string(r), Text: string(r)}
}

// statusTerm is a call's status as a word of the catalogs.
func statusTerm(s string) fosis.Phrase { return fosis.Phrase{Key: "calls.status." + s, Text: s} }

// appStatusTerm is an application's status as a word of the catalogs.
func appStatusTerm(s string) fosis.Phrase { return fosis.Phrase{Key: "calls.app." + s, Text: s} }

// unitTerm is an applicant unit as a word of the catalogs.
func unitTerm(u string) fosis.Phrase { return fosis.Phrase{Key: "programs.unit_word." + u, Text: u} }

// areaTerm is a programme area as a word of the catalogs.
func areaTerm(a string) fosis.Phrase { return fosis.Phrase{Key: "programs.area_word." + a, Text: a} }

// runReason is why a RUN did not parse, as a term of the catalogs (Text is
// the parser's English).
func runReason(err error) fosis.Phrase {
	t := fosis.Phrase{Text: err.Error()}
	switch {
	case errors.Is(err, rut.ErrEmpty):
		t.Key = "programs.err.run.empty"
	case errors.Is(err, rut.ErrSyntax):
		t.Key = "programs.err.run.syntax"
	case errors.Is(err, rut.ErrCheckDigit):
		t.Key = "programs.err.run.check_digit"
	case errors.Is(err, rut.ErrRange):
		t.Key = "programs.err.run.range"
	}
	return t
}

// TermKeys returns the catalog keys of every word the slice passes as a
// message argument (statuses, units, areas, roles, why a RUN is invalid),
// for the catalogs' test.
func TermKeys() []string {
	var keys []string
	for _, s := range []string{StatusDraft, StatusOpen, StatusClosed, StatusSelected, StatusPublished} {
		keys = append(keys, statusTerm(s).Key)
	}
	for _, s := range []string{AppSubmitted, AppIneligible, AppSelected, AppWaitlisted, AppWithdrawn, AppEnrolled} {
		keys = append(keys, appStatusTerm(s).Key)
	}
	for _, u := range []string{UnitPerson, UnitHousehold} {
		keys = append(keys, unitTerm(u).Key)
	}
	for _, a := range []string{AreaEntrepreneurship, AreaEmployment, AreaSocialDevelopment} {
		keys = append(keys, areaTerm(a).Key)
	}
	for _, r := range auth.Roles {
		keys = append(keys, roleTerm(r).Key)
	}
	for _, err := range []error{rut.ErrEmpty, rut.ErrSyntax, rut.ErrCheckDigit, rut.ErrRange} {
		keys = append(keys, runReason(err).Key)
	}
	return keys
}
