package delivery

// trainingMessages are the refusals of courses, attendance, progress gates,
// deliveries of goods and plan actions (added to Messages; their catalog
// is internal/web/i18n/<lang>/training_errors.json).
var trainingMessages = map[string]string{
	"delivery.err.component_requires":     "requires %q, which is not another component of the methodology",
	"delivery.err.course_role":            "counsellors do not organise courses; the agency's coordinator does",
	"delivery.err.no_training":            "%q is not a training component of %s",
	"delivery.err.no_commune":             "no commune %q in your reach",
	"delivery.err.course_dates":           "the course ends before it starts",
	"delivery.err.invalid_course":         "the course was not saved: %s: %s",
	"delivery.err.no_course":              "no course %d (or it is outside your reach)",
	"delivery.err.invalid_course_session": "the course session was not saved: %s: %s",
	"delivery.err.course_raced":           "someone added a session to course %d at the same time; reload and try again",
	"delivery.err.course_line":            "case %d is of %s, not of the course's line %s",
	"delivery.err.invalid_participants":   "nobody was added to the course: %s: %s",
	"delivery.err.no_course_session":      "no course session %d (or it is outside your reach)",
	"delivery.err.invalid_attendance":     "the attendance was not saved: %s: %s",
	"delivery.err.attendance_raced":       "someone saved the attendance of session %d of %q meanwhile; reload it and try again",
	"delivery.err.not_participant":        "case %d is not a participant of this course (or it is outside your reach)",
	"delivery.err.mark_repeated":          "case %d is marked twice",
	"delivery.err.attended_minutes":       "%d minutes attended is not between 0 and the session's %d",
	"delivery.err.no_component":           "%q is not a component of the %s methodology",
	"delivery.err.gate":                   "%s of case %d cannot go ahead yet: %s",
	"delivery.err.waits_training":         "the training %s is not passed (%d of %d hours attended, %d%% attendance of the %d%% needed)",
	"delivery.err.waits_plan":             "the plan %s is not approved yet",
	"delivery.err.waits_count":            "%s has %d of the %d %s needed",
	"delivery.err.no_deliveries":          "%q is not a deliveries component of the %s methodology",
	"delivery.err.bad_quantity":           "%d is not a quantity (1 to %d)",
	"delivery.err.bad_cost":               "the unit cost is whole pesos, 0 or more",
	"delivery.err.goods_future_date":      "%s is after today; record goods once received",
	"delivery.err.invalid_good":           "the delivery was not saved: %s: %s",
	"delivery.err.goods_state":            "goods are delivered while the case is in intervention or closing; it is %s",
	"delivery.err.action_plan":            "only the actions of an approved plan are marked done; this plan is %s",
	"delivery.err.no_action":              "no action %d in plan %d",
	"delivery.err.action_done":            "%q was marked done already",
	"delivery.err.import_present":         "present %q is not yes or no (1, 0, si, no, yes)",
	"delivery.err.import_session":         "course %s has no session %s (or the course is outside your reach)",
}

func init() {
	for k, v := range trainingMessages {
		Messages[k] = v
	}
}

// trainingTermKeys are the catalog keys of the words the training
// refusals pass as arguments.
func trainingTermKeys() []string {
	var keys []string
	for _, u := range Units {
		keys = append(keys, "training.unit."+u)
	}
	return keys
}
