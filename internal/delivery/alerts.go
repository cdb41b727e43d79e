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
// first contact) and the scheduled sessions whose day has passed, oldest
// first, at most limit.
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
		ORDER BY 5, 2 LIMIT ?`
	all := append(append(append(append([]any{}, args...), d.Date(today.AddDate(0, 0, -noContactDays))), args...), d.Date(today), limit)
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
