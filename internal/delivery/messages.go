package delivery

import (
	"github.com/fosis/fosis"
)

// Messages are the slice's refusals by the key that names them in the web
// catalogs (internal/web/i18n/<lang>/delivery_errors.json), in English: the
// text the API, the command line and the logs show.
var Messages = map[string]string{
	"delivery.err.sign_in":              "sign in first",
	"delivery.err.no_agency":            "your user is not staff of an executing agency; ask an administrator to add you (fosis programs agency-staff)",
	"delivery.err.role":                 "your role (%s) does not give access to cases",
	"delivery.err.read_only":            "your role (%s) only reads cases",
	"delivery.err.national_only":        "only administrators and national analysts do this",
	"delivery.err.admins_grant":         "only an administrator authorises who reads session notes",
	"delivery.err.open_staff":           "cases are opened by enrolment, or by national or regional staff; ask your regional office",
	"delivery.err.assign_role":          "counsellors do not assign cases; ask your agency's coordinator",
	"delivery.err.required":             "is required",
	"delivery.err.version":              "give the programme version the methodology starts at (1 or more)",
	"delivery.err.months":               "give the duration in months (1 or more)",
	"delivery.err.no_components":        "a methodology needs at least one component",
	"delivery.err.component_key":        "component key %q is empty or repeated",
	"delivery.err.component_kind":       "%q is not a component kind (diagnosis, sessions, training, plan, visits, deliveries, evaluation)",
	"delivery.err.component_done":       "%q is not a completion rule (recorded, count, hours, approved)",
	"delivery.err.component_min":        "a count or hours rule needs a minimum of 1 or more",
	"delivery.err.component_step":       "give the component's step (1 or more; components of one step run in parallel)",
	"delivery.err.component_name":       "give the component's name in Spanish and English",
	"delivery.err.condition":            "condition %q needs a unique code and its text in Spanish and English",
	"delivery.err.invalid_methodology":  "the methodology is not valid: %s: %s",
	"delivery.err.methodology_exists":   "%s version %d already has a methodology; save it for a new programme version",
	"delivery.err.no_methodology":       "programme %s has no methodology yet; ask an administrator to add one (fosis cases seed)",
	"delivery.err.no_case":              "no case %d (or it is outside your reach)",
	"delivery.err.case_exists":          "enrolment %d already has a case",
	"delivery.err.no_household":         "no household %s in your region",
	"delivery.err.bad_run":              "%q is not a valid RUN; write it as 12.345.678-5",
	"delivery.err.bad_date":             "%q is not a date; write it as 2026-12-07",
	"delivery.err.no_agency_code":       "no executing agency %q; check the code on the agencies page",
	"delivery.err.bad_state":            "%q is not a case state",
	"delivery.err.transition":           "a case cannot go from %s to %s",
	"delivery.err.exit_reason":          "%q is not an exit reason (completed, dropped_out, moved, deceased, other)",
	"delivery.err.diagnosis_incomplete": "the %s diagnosis is not complete: mark the %d conditions left (met, not met or not applicable) first",
	"delivery.err.moved":                "case %d is no longer %s (someone moved it to %s); reload the case and try again",
	"delivery.err.closed":               "case %d is %s; nothing more can be recorded",
	"delivery.err.no_counsellor":        "no counsellor %q; an administrator registers counsellors (fosis cases counsellor)",
	"delivery.err.other_agency":         "%s is not a counsellor of agency %s, which runs this case",
	"delivery.err.reassigned":           "case %d was reassigned meanwhile; reload it and try again",
	"delivery.err.bad_phase":            "%q is not a diagnosis phase (entry or exit)",
	"delivery.err.diagnosis_state":      "the %s diagnosis is taken while the case is %s; it is %s",
	"delivery.err.no_condition":         "%q is not a condition of the %s methodology",
	"delivery.err.bad_status":           "%q is not a status (met, not_met, na)",
	"delivery.err.invalid_marks":        "the diagnosis was not saved: %s: %s",
	"delivery.err.bad_component":        "%q is not a session, visit or training component of the %s methodology",
	"delivery.err.bad_kind":             "%q is not a kind of session (home, group, community, office, visit, workshop, remote)",
	"delivery.err.bad_session_status":   "%q is not a session status (scheduled, held, missed)",
	"delivery.err.bad_minutes":          "%d minutes is not a session length (0 to 600)",
	"delivery.err.held_minutes":         "a held session needs its length in minutes",
	"delivery.err.bad_dimension":        "%q is not a dimension of the %s methodology",
	"delivery.err.notes_long":           "notes may have up to %d characters",
	"delivery.err.invalid_session":      "the session was not saved: %s: %s",
	"delivery.err.no_session":           "no session %d (or it is outside your reach)",
	"delivery.err.notes_reserved":       "session notes are reserved to the case's counsellor, their supervisor and authorised staff; this attempt was recorded",
	"delivery.err.bad_limit":            "%d is not a caseload limit (1 or more)",
	"delivery.err.no_user":              "no user %q",
	"delivery.err.not_counsellor":       "user %s does not have the counsellor role; change the role first",
	"delivery.err.import_rows":          "%s: nothing was imported; %d row(s) have problems, the first at line %d: %s",
	"delivery.err.import_case":          "case %s does not exist or is outside your reach",
	"delivery.err.import_number":        "%s %q is not a number",
	"delivery.err.plan_state":           "a plan is made while the case is in intervention; it is %s",
	"delivery.err.no_plan":              "the %s methodology has no plan",
	"delivery.err.plan_kind":            "%q is not a kind of plan (family, business, work)",
	"delivery.err.plan_action":          "an action needs what is done and who does it",
	"delivery.err.budget_line":          "a budget line needs an item and a positive amount in whole pesos",
	"delivery.err.over_amount":          "the budget totals $%s, over the $%s per participant of %s",
	"delivery.err.invalid_plan":         "the plan was not saved: %s: %s",
	"delivery.err.plan_raced":           "someone saved a plan of case %d at the same time; reload and try again",
	"delivery.err.plan_checker_role":    "counsellors do not approve plans; the agency's coordinator or FOSIS staff do",
	"delivery.err.no_plan_id":           "no plan %d (or it is outside your reach)",
	"delivery.err.plan_same_person":     "a plan is approved by someone other than who proposed it and the case's counsellor",
	"delivery.err.plan_decided":         "plan version %d is already %s",
	"delivery.err.import_repeated":      "ref %q is repeated (first at line %d)",
}

// refuse returns the refusal key with args (its English from Messages).
func refuse(code, key string, args ...any) *fosis.Error {
	return fosis.KeyedErrorf(code, key, english(key), args...)
}

// field returns a field problem of key.
func field(name, key string, args ...any) fosis.FieldError {
	return fosis.KeyedField(name, key, english(key), args...)
}

// withField names the field e is about.
func withField(e *fosis.Error, name string) *fosis.Error {
	e.Fields = []fosis.FieldError{{Field: name, Message: e.Message, Key: e.Key, Args: e.Args}}
	return e
}

func english(key string) string {
	if m, ok := Messages[key]; ok {
		return m
	}
	return key + ": %v"
}

// stateTerm is a case state as a word of the catalogs.
func stateTerm(s string) fosis.Phrase { return fosis.Phrase{Key: "cases.state." + s, Text: s} }

// phaseTerm is a diagnosis phase as a word of the catalogs.
func phaseTerm(p string) fosis.Phrase { return fosis.Phrase{Key: "cases.phase." + p, Text: p} }

// TermKeys returns the catalog keys of every word the slice passes as a
// message argument, for the catalogs' test.
func TermKeys() []string {
	var keys []string
	for _, s := range States {
		keys = append(keys, stateTerm(s).Key)
	}
	for _, p := range []string{PhaseEntry, PhaseExit} {
		keys = append(keys, phaseTerm(p).Key)
	}
	for _, p := range []string{PlanProposed, PlanApproved, PlanRejected} {
		keys = append(keys, "cases.plan."+p)
	}
	return append(keys, trainingTermKeys()...)
}
