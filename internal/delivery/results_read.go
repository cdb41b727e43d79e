package delivery

import (
	"context"
	"database/sql"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// CaseFacts is one case as the results slice (internal/results) reads it
// for its funnel and indicators: where it is, how far it went, and its
// sessions, plans and exit diagnosis counted. No names, no RUN.
type CaseFacts struct {
	ID            int64
	Participation int64
	Line          string
	Version       int
	Commune       string
	Region        string
	Agency        string
	State         string
	ExitReason    string
	OpenedOn      string
	ClosedOn      string
	// Sessions by status.
	SessionsHeld, SessionsMissed, SessionsScheduled int64
	// MinutesHeld sums the held sessions' minutes.
	MinutesHeld int64
	// PlansApproved counts approved plan versions; PlanCLP is the latest
	// approved version's total.
	PlansApproved, PlanCLP int64
	// ExitMet and ExitMarked count the exit diagnosis's conditions met and
	// marked (met or not met).
	ExitMet, ExitMarked int64
}

// CaseFactsOf calls fn with the facts of every case of line (every line
// when ""), opened on or before until (no limit when zero). It needs
// national reach: the results slice keeps aggregates and scopes them.
func (s *Store) CaseFactsOf(ctx context.Context, line string, until time.Time, fn func(CaseFacts) error) error {
	r, err := s.access(ctx)
	if err != nil {
		return err
	}
	if !r.national {
		return refuse(fosis.EFORBIDDEN, "delivery.err.national_only")
	}
	q := `SELECT c.id, COALESCE(c.participation, 0), c.line_code, c.program_version, c.commune_code, c.region_code,
		COALESCE(c.agency_code, ''), c.state, c.exit_reason, c.opened_on, c.closed_on,
		(SELECT COUNT(*) FROM delivery_sessions x WHERE x.case_id = c.id AND x.status = 'held'),
		(SELECT COUNT(*) FROM delivery_sessions x WHERE x.case_id = c.id AND x.status = 'missed'),
		(SELECT COUNT(*) FROM delivery_sessions x WHERE x.case_id = c.id AND x.status = 'scheduled'),
		(SELECT COALESCE(SUM(x.minutes), 0) FROM delivery_sessions x WHERE x.case_id = c.id AND x.status = 'held'),
		(SELECT COUNT(*) FROM delivery_plans p WHERE p.case_id = c.id AND p.status = 'approved'),
		COALESCE((SELECT p.total_clp FROM delivery_plans p WHERE p.case_id = c.id AND p.status = 'approved' ORDER BY p.version DESC LIMIT 1), 0),
		(SELECT COUNT(*) FROM delivery_diagnoses d WHERE d.case_id = c.id AND d.phase = 'exit' AND d.status = 'met'),
		(SELECT COUNT(*) FROM delivery_diagnoses d WHERE d.case_id = c.id AND d.phase = 'exit' AND d.status <> 'na')
		FROM delivery_cases c WHERE (? = '' OR c.line_code = ?)`
	args := []any{line, line}
	if !until.IsZero() {
		q += ` AND c.opened_on <= ?`
		args = append(args, s.db.Date(until))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY c.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var f CaseFacts
		var opened db.Day
		var closed sql.Null[db.Day]
		if err := rows.Scan(&f.ID, &f.Participation, &f.Line, &f.Version, &f.Commune, &f.Region, &f.Agency, &f.State, &f.ExitReason,
			&opened, &closed, &f.SessionsHeld, &f.SessionsMissed, &f.SessionsScheduled, &f.MinutesHeld,
			&f.PlansApproved, &f.PlanCLP, &f.ExitMet, &f.ExitMarked); err != nil {
			return err
		}
		f.OpenedOn = opened.Format(time.DateOnly)
		if closed.Valid {
			f.ClosedOn = closed.V.Format(time.DateOnly)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return rows.Err()
}
