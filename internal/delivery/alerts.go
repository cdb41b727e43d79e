package delivery

import (
	"context"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
)

// Alert kinds.
const (
	AlertNoContact = "no_contact" // an active case without a held session for too long
	AlertOverdue   = "overdue"    // a scheduled session whose date passed without being recorded
	// AlertPlanDue: an action of the case's current (latest approved) plan
	// whose due date passed without being done; Since is the oldest such
	// date.
	AlertPlanDue = "plan_due"
	// AlertAttendance: a participant of a course whose attendance so far
	// is under the course's rule; Since is the course's start.
	AlertAttendance = "low_attendance"
)

// DefaultNoContactDays is how long an active case may go without contact
// before it raises an alert.
const DefaultNoContactDays = 30

// Alert is something about a case that needs doing.
type Alert struct {
	Kind        string `json:"kind"`
	CaseID      int64  `json:"case_id"`
	HouseholdID string `json:"household_id"`
	Counsellor  string `json:"counsellor,omitempty"`
	Since       string `json:"since"` // the last contact, the opening or the session's date
	Days        int    `json:"days"`  // since then
}

// Alerts lists, for the active cases the caller may see, those without a
// held session for more than noContactDays (the opening counts as the
// first contact), the scheduled sessions whose day has passed, the plans
// with actions past due and the course participants under their
// attendance rule, oldest first, at most limit.
func (s *Store) Alerts(ctx context.Context, noContactDays, limit int) ([]Alert, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if noContactDays < 1 {
		noContactDays = DefaultNoContactDays
	}
	if limit < 1 || limit > 1000 {
		limit = 200
	}
	today := s.today()
	d := s.db
	where, args := r.scopeSQL()
	// Each kind is cut at limit in its own order before the kinds are
	// merged, and the counsellors' names are joined to what is left.
	active := ` AND c.state <> 'graduated' AND c.state <> 'exited'`
	q := `SELECT a.kind, a.id, a.household_id, COALESCE(u.username, ''), a.since FROM (
		SELECT * FROM (SELECT 'no_contact' AS kind, c.id, c.household_id, c.counsellor, COALESCE(c.last_contact_on, c.opened_on) AS since
			FROM delivery_cases c
			WHERE ` + where + active + ` AND COALESCE(c.last_contact_on, c.opened_on) < ?
			ORDER BY 5, 2 LIMIT ?) b1
		UNION ALL
		SELECT * FROM (SELECT 'overdue' AS kind, c.id, c.household_id, c.counsellor, x.on_date AS since
			FROM delivery_sessions x JOIN delivery_cases c ON c.id = x.case_id
			WHERE ` + where + active + ` AND x.status = 'scheduled' AND x.on_date < ?
			ORDER BY 5, 2 LIMIT ?) b2
		UNION ALL
		SELECT * FROM (SELECT 'plan_due' AS kind, c.id, c.household_id, c.counsellor, min(a.due_on) AS since
			FROM delivery_plan_actions a JOIN delivery_plans p ON p.id = a.plan_id JOIN delivery_cases c ON c.id = a.case_id
			WHERE ` + where + active + ` AND a.done_on IS NULL AND a.due_on < ? AND p.status = 'approved'
				AND p.version = (SELECT max(q.version) FROM delivery_plans q WHERE q.case_id = p.case_id AND q.status = 'approved')
			GROUP BY c.id, c.household_id, c.counsellor
			ORDER BY 5, 2 LIMIT ?) b3
		UNION ALL
		SELECT * FROM (SELECT 'low_attendance' AS kind, c.id, c.household_id, c.counsellor, k.starts_on AS since
			FROM delivery_course_participants cp JOIN delivery_courses k ON k.id = cp.course_id JOIN delivery_cases c ON c.id = cp.case_id
			WHERE ` + where + active + `
				AND 100 * (SELECT COALESCE(SUM(att.minutes), 0) FROM delivery_attendance att JOIN delivery_course_sessions s ON s.id = att.session_id
					WHERE att.case_id = cp.case_id AND s.course_id = k.id)
				< k.attendance_pct * (SELECT COALESCE(SUM(s.minutes), 0) FROM delivery_course_sessions s WHERE s.course_id = k.id AND s.status = 'held')
			ORDER BY 5, 2 LIMIT ?) b4
		) a LEFT JOIN users u ON u.id = a.counsellor
		ORDER BY 5, 2 LIMIT ?`
	var all []any
	for _, since := range []any{d.Date(today.AddDate(0, 0, -noContactDays)), d.Date(today), d.Date(today)} {
		all = append(append(append(all, args...), since), limit)
	}
	all = append(append(append(all, args...), limit), limit)
	rows, err := d.QueryContext(ctx, q, all...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var since db.Day
		if err := rows.Scan(&a.Kind, &a.CaseID, &a.HouseholdID, &a.Counsellor, &since); err != nil {
			return nil, err
		}
		a.Since = since.Format(time.DateOnly)
		a.Days = int(today.Sub(since.Time).Hours() / 24)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AgendaItem is a scheduled session in the agenda.
type AgendaItem struct {
	Session     int64  `json:"session"`
	CaseID      int64  `json:"case_id"`
	HouseholdID string `json:"household_id"`
	Counsellor  string `json:"counsellor,omitempty"`
	Date        string `json:"date"`
	Kind        string `json:"kind"`
	Component   string `json:"component"`
}

// Agenda lists the sessions scheduled from today for days days (1: today,
// 7: this week) on the active cases the caller may see, by date.
func (s *Store) Agenda(ctx context.Context, days int) ([]AgendaItem, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if days < 1 || days > 60 {
		days = 7
	}
	today := s.today()
	where, args := r.scopeSQL()
	args = append(args, s.db.Date(today), s.db.Date(today.AddDate(0, 0, days-1)))
	rows, err := s.db.QueryContext(ctx, `SELECT x.id, c.id, c.household_id, COALESCE(u.username, ''), x.on_date, x.kind, x.component
		FROM delivery_sessions x JOIN delivery_cases c ON c.id = x.case_id LEFT JOIN users u ON u.id = c.counsellor
		WHERE `+where+` AND c.state <> 'graduated' AND c.state <> 'exited' AND x.status = 'scheduled' AND x.on_date >= ? AND x.on_date <= ?
		ORDER BY x.on_date, x.id LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AgendaItem{}
	for rows.Next() {
		var a AgendaItem
		var on db.Day
		if err := rows.Scan(&a.Session, &a.CaseID, &a.HouseholdID, &a.Counsellor, &on, &a.Kind, &a.Component); err != nil {
			return nil, err
		}
		a.Date = on.Format(time.DateOnly)
		out = append(out, a)
	}
	return out, rows.Err()
}
