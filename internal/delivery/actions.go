package delivery

import (
	"context"
	"database/sql"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// insertActions keeps plan planID's actions one a row, for the alerts of
// actions past due.
func insertActions(ctx context.Context, tx *db.Tx, planID, caseID int64, actions []PlanAction) error {
	d := tx.DB()
	for i, a := range actions {
		by, err := time.Parse(time.DateOnly, a.By)
		if err != nil {
			continue // ProposePlan refused it already
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_plan_actions (plan_id, idx, case_id, action, due_on) VALUES (?, ?, ?, ?, ?)`,
			planID, i, caseID, clean(a.Action), d.Date(by)); err != nil {
			return err
		}
	}
	return nil
}

// gatePlan refuses the approval of case c's plan while the components its
// plan component requires are incomplete (a business plan waits for the
// training passed). It locks the case's row on PostgreSQL first.
func (s *Store) gatePlan(ctx context.Context, tx *db.Tx, c *Case) error {
	if err := lockCase(ctx, tx, c.ID); err != nil {
		return err
	}
	m, err := s.methodologyByID(ctx, tx, c.MethodologyID)
	if err != nil {
		return err
	}
	for _, k := range m.Components {
		if k.Kind == KindPlan {
			return gate(ctx, tx, c, m, k.Key)
		}
	}
	return nil
}

// DueAction is an action of a case's current plan (its latest approved
// version) with its due date and whether it is done.
type DueAction struct {
	PlanID  int64  `json:"plan_id"`
	Version int    `json:"version"`
	Index   int    `json:"index"`
	Action  string `json:"action"`
	DueOn   string `json:"due_on"`
	DoneOn  string `json:"done_on,omitempty"`
	DoneBy  string `json:"done_by,omitempty"`
	Overdue bool   `json:"overdue"`
}

// PlanActions lists the actions of a case's latest approved plan, by due
// date.
func (s *Store) PlanActions(ctx context.Context, caseID int64) ([]DueAction, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, s.db, r, caseID); err != nil {
		return nil, err
	}
	today := s.today()
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (DueAction, error) {
		var a DueAction
		var due db.Day
		var done sql.Null[db.Day]
		err := rows.Scan(&a.PlanID, &a.Version, &a.Index, &a.Action, &due, &done, &a.DoneBy)
		a.DueOn = due.Format(time.DateOnly)
		if done.Valid {
			a.DoneOn = done.V.Format(time.DateOnly)
		}
		a.Overdue = !done.Valid && due.Before(today)
		return a, err
	}, `SELECT a.plan_id, p.version, a.idx, a.action, a.due_on, a.done_on, a.done_by FROM delivery_plan_actions a JOIN delivery_plans p ON p.id = a.plan_id
		WHERE p.case_id = ? AND p.status = 'approved' AND p.version = (SELECT max(version) FROM delivery_plans q WHERE q.case_id = p.case_id AND q.status = 'approved')
		ORDER BY a.due_on, a.idx`, caseID)
}

// CompleteAction marks action index of plan planID done today. It is a
// compare-and-set on the action not being done yet: of two marks at once,
// one wins and the other is told it was done already.
func (s *Store) CompleteAction(ctx context.Context, planID int64, index int) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		var caseID int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT case_id, status FROM delivery_plans WHERE id = ?`, planID).Scan(&caseID, &status)
		if db.IsNoRows(err) {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_plan_id", planID)
		}
		if err != nil {
			return err
		}
		c, err := s.caseFor(ctx, tx, r, caseID)
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_plan_id", planID)
		}
		if err != nil {
			return err
		}
		if Final(c.State) {
			return refuse(fosis.ECONFLICT, "delivery.err.closed", caseID, stateTerm(c.State))
		}
		if status != PlanApproved {
			return refuse(fosis.ECONFLICT, "delivery.err.action_plan", fosis.Phrase{Key: "cases.plan." + status, Text: status})
		}
		var action string
		if err := tx.QueryRowContext(ctx, `SELECT action FROM delivery_plan_actions WHERE plan_id = ? AND idx = ?`, planID, index).Scan(&action); db.IsNoRows(err) {
			return withField(refuse(fosis.ENOTFOUND, "delivery.err.no_action", index, planID), "index")
		} else if err != nil {
			return err
		}
		d := tx.DB()
		res, err := tx.ExecContext(ctx, `UPDATE delivery_plan_actions SET done_on = ?, done_by = ? WHERE plan_id = ? AND idx = ? AND done_on IS NULL`,
			d.Date(s.today()), r.p.Username, planID, index)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "delivery.err.action_done", action)
		}
		if err := event(ctx, tx, r, caseID, "plan", "", "", "done: "+action); err != nil {
			return err
		}
		return record(ctx, tx, r, "plan.action_done", "case", itoa(caseID), nil, map[string]any{"plan": planID, "index": index})
	})
}

// PlanCase returns the case of a plan the caller sees (not found
// otherwise).
func (s *Store) PlanCase(ctx context.Context, planID int64) (int64, error) {
	r, err := s.access(ctx)
	if err != nil {
		return 0, err
	}
	p, err := s.plan(ctx, s.db, planID)
	if db.IsNoRows(err) {
		return 0, refuse(fosis.ENOTFOUND, "delivery.err.no_plan_id", planID)
	}
	if err != nil {
		return 0, err
	}
	if _, err := s.caseFor(ctx, s.db, r, p.CaseID); fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return 0, refuse(fosis.ENOTFOUND, "delivery.err.no_plan_id", planID)
	} else if err != nil {
		return 0, err
	}
	return p.CaseID, nil
}
