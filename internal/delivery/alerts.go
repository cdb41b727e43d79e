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
	q := `SELECT 'no_contact', c.id, c.household_id, COALESCE(u.username, ''), COALESCE(c.last_contact_on, c.opened_on)
		FROM delivery_cases c LEFT JOIN users u ON u.id = c.counsellor
		WHERE ` + where + ` AND c.state <> 'graduated' AND c.state <> 'exited' AND COALESCE(c.last_contact_on, c.opened_on) < ?
		UNION ALL
		SELECT 'overdue', c.id, c.household_id, COALESCE(u.username, ''), x.on_date
		FROM delivery_sessions x JOIN delivery_cases c ON c.id = x.case_id LEFT JOIN users u ON u.id = c.counsellor
		WHERE ` + where + ` AND c.state <> 'graduated' AND c.state <> 'exited' AND x.status = 'scheduled' AND x.on_date < ?
		UNION ALL
		SELECT 'plan_due', c.id, c.household_id, COALESCE(u.username, ''), min(a.due_on)
		FROM delivery_plan_actions a JOIN delivery_plans p ON p.id = a.plan_id JOIN delivery_cases c ON c.id = a.case_id LEFT JOIN users u ON u.id = c.counsellor
		WHERE ` + where + ` AND c.state <> 'graduated' AND c.state <> 'exited' AND a.done_on IS NULL AND a.due_on < ? AND p.status = 'approved'
			AND p.version = (SELECT max(q.version) FROM delivery_plans q WHERE q.case_id = p.case_id AND q.status = 'approved')
		GROUP BY c.id, c.household_id, u.username
		UNION ALL
		SELECT 'low_attendance', c.id, c.household_id, COALESCE(u.username, ''), min(k.starts_on)
		FROM delivery_course_participants cp JOIN delivery_courses k ON k.id = cp.course_id JOIN delivery_cases c ON c.id = cp.case_id
			LEFT JOIN users u ON u.id = c.counsellor
			JOIN delivery_course_sessions s ON s.course_id = k.id AND s.status = 'held'
			LEFT JOIN delivery_attendance att ON att.session_id = s.id AND att.case_id = cp.case_id
		WHERE ` + where + ` AND c.state <> 'graduated' AND c.state <> 'exited'
		GROUP BY c.id, c.household_id, u.username, k.id, k.attendance_pct
		HAVING 100 * SUM(COALESCE(att.minutes, 0)) < k.attendance_pct * SUM(s.minutes)
		ORDER BY 5, 2 LIMIT ?`
	all := append(append(append(append([]any{}, args...), d.Date(today.AddDate(0, 0, -noContactDays))), args...), d.Date(today))
	all = append(append(append(append(all, args...), d.Date(today)), args...), limit)
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
