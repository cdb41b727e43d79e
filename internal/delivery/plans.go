package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Plan kinds.
const (
	PlanFamily   = "family"   // family intervention plan: actions per unmet condition
	PlanBusiness = "business" // business plan: the activity and its budget
	PlanWork     = "work"     // work-placement plan: the goal, steps and budget
)

// Plan statuses.
const (
	PlanProposed = "proposed"
	PlanApproved = "approved"
	PlanRejected = "rejected"
)

// PlanAction is an agreed action: for which condition (family plans), what,
// who does it and by when.
type PlanAction struct {
	Condition string `json:"condition,omitempty"`
	Action    string `json:"action"`
	Who       string `json:"who"`
	By        string `json:"by"`
}

// BudgetLine is one line of a plan's budget, in whole pesos.
type BudgetLine struct {
	Item      string `json:"item"`
	AmountCLP int64  `json:"amount_clp"`
}

// Plan is one version of a case's plan.
type Plan struct {
	ID        int64        `json:"id"`
	CaseID    int64        `json:"case_id"`
	Version   int          `json:"version"`
	Kind      string       `json:"kind"`
	Goal      string       `json:"goal"`
	Actions   []PlanAction `json:"actions"`
	Budget    []BudgetLine `json:"budget"`
	TotalCLP  int64        `json:"total_clp"`
	Status    string       `json:"status"`
	MadeBy    string       `json:"made_by"`
	MadeAt    string       `json:"made_at"`
	CheckedBy string       `json:"checked_by,omitempty"`
	CheckedAt string       `json:"checked_at,omitempty"`
	Comment   string       `json:"comment,omitempty"`
}

// planBody is what the body column holds.
type planBody struct {
	Goal    string       `json:"goal"`
	Actions []PlanAction `json:"actions"`
	Budget  []BudgetLine `json:"budget"`
}

// ProposePlan stores a new version of a case's plan, proposed by the caller
// for someone else to approve. The case must be in intervention and its
// methodology must have a plan component; the budget's lines are positive
// whole pesos whose total stays within the line version's amount per
// participant.
func (s *Store) ProposePlan(ctx context.Context, caseID int64, in Plan) (*Plan, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	var out *Plan
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.caseFor(ctx, tx, r, caseID)
		if err != nil {
			return err
		}
		if c.State != StateIntervention {
			return refuse(fosis.ECONFLICT, "delivery.err.plan_state", stateTerm(c.State))
		}
		m, err := s.methodologyByID(ctx, tx, c.MethodologyID)
		if err != nil {
			return err
		}
		hasPlan := false
		for _, k := range m.Components {
			hasPlan = hasPlan || k.Kind == KindPlan
		}
		if !hasPlan {
			return refuse(fosis.ECONFLICT, "delivery.err.no_plan", c.Line)
		}
		prog, err := s.prog.Program(auth.WithPrincipal(ctx, auth.System()), c.Line, c.Version)
		if err != nil {
			return err
		}
		conds := m.Conditions()
		var bad []fosis.FieldError
		if !oneOf(in.Kind, PlanFamily, PlanBusiness, PlanWork) {
			bad = append(bad, field("kind", "delivery.err.plan_kind", in.Kind))
		}
		if strings.TrimSpace(in.Goal) == "" {
			bad = append(bad, field("goal", "delivery.err.required"))
		}
		for i, a := range in.Actions {
			f := fmt.Sprintf("actions[%d]", i)
			if strings.TrimSpace(a.Action) == "" || strings.TrimSpace(a.Who) == "" {
				bad = append(bad, field(f, "delivery.err.plan_action"))
			}
			if _, err := time.Parse(time.DateOnly, a.By); err != nil {
				bad = append(bad, field(f+".by", "delivery.err.bad_date", a.By))
			}
			if _, ok := conds[a.Condition]; a.Condition != "" && !ok {
				bad = append(bad, field(f+".condition", "delivery.err.no_condition", a.Condition, c.Line))
			}
		}
		var total int64
		for i, b := range in.Budget {
			if strings.TrimSpace(b.Item) == "" || b.AmountCLP <= 0 {
				bad = append(bad, field(fmt.Sprintf("budget[%d]", i), "delivery.err.budget_line"))
			}
			total += b.AmountCLP
		}
		if total > prog.AmountCLP {
			bad = append(bad, field("budget", "delivery.err.over_amount", fosis.Pesos(total), fosis.Pesos(prog.AmountCLP), c.Line))
		}
		if len(bad) > 0 {
			e := refuse(fosis.EINVALID, "delivery.err.invalid_plan", bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
			e.Fields = bad
			return e
		}
		var version int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) + 1 FROM delivery_plans WHERE case_id = ?`, caseID).Scan(&version); err != nil {
			return err
		}
		body, err := json.Marshal(planBody{Goal: clean(in.Goal), Actions: in.Actions, Budget: in.Budget})
		if err != nil {
			return err
		}
		d := tx.DB()
		id, err := tx.InsertID(ctx, `INSERT INTO delivery_plans (case_id, version, kind, body, total_clp, status, made_by, made_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			caseID, version, in.Kind, string(body), total, PlanProposed, r.p.Username, d.Time(tx.Now))
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return refuse(fosis.ECONFLICT, "delivery.err.plan_raced", caseID)
		}
		if err != nil {
			return err
		}
		if err := insertActions(ctx, tx, id, caseID, in.Actions); err != nil {
			return err
		}
		if err := event(ctx, tx, r, caseID, "plan", "", "", fmt.Sprintf("%s plan v%d proposed, %s", in.Kind, version, fosis.Pesos(total))); err != nil {
			return err
		}
		if err := record(ctx, tx, r, "plan.propose", "case", itoa(caseID), nil, map[string]any{"version": version, "total_clp": total}); err != nil {
			return err
		}
		out, err = s.plan(ctx, tx, id)
		return err
	})
	return out, err
}

// DecidePlan approves or rejects a proposed plan version. The checker may
// not be the maker, nor the case's counsellor; counsellors never approve.
// Only a version still proposed is decided (compare-and-set): of two
// decisions at once, one wins.
func (s *Store) DecidePlan(ctx context.Context, planID int64, approve bool, comment string) (*Plan, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if r.counsellor != 0 {
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.plan_checker_role")
	}
	var out *Plan
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.plan(ctx, tx, planID)
		if db.IsNoRows(err) {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_plan_id", planID)
		}
		if err != nil {
			return err
		}
		c, err := s.caseFor(ctx, tx, r, p.CaseID)
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_plan_id", planID)
		}
		if err != nil {
			return err
		}
		if p.MadeBy == r.p.Username || c.Counsellor == r.p.Username {
			return refuse(fosis.EFORBIDDEN, "delivery.err.plan_same_person")
		}
		status := PlanRejected
		if approve {
			status = PlanApproved
			if err := s.gatePlan(ctx, tx, c); err != nil {
				return err
			}
		}
		d := tx.DB()
		res, err := tx.ExecContext(ctx, `UPDATE delivery_plans SET status = ?, checked_by = ?, checked_at = ?, comment = ? WHERE id = ? AND status = ?`,
			status, r.p.Username, d.Time(tx.Now), clean(comment), planID, PlanProposed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "delivery.err.plan_decided", p.Version, fosis.Phrase{Key: "cases.plan." + p.Status, Text: p.Status})
		}
		if err := event(ctx, tx, r, p.CaseID, "plan", "", "", fmt.Sprintf("plan v%d %s", p.Version, status)); err != nil {
			return err
		}
		if err := record(ctx, tx, r, "plan."+status, "case", itoa(p.CaseID), map[string]any{"version": p.Version, "status": PlanProposed},
			map[string]any{"version": p.Version, "status": status}); err != nil {
			return err
		}
		out, err = s.plan(ctx, tx, planID)
		if err == nil && approve && s.onPlanApproved != nil {
			err = s.onPlanApproved(ctx, tx, *c, *out)
		}
		return err
	})
	return out, err
}

// Plans lists every version of a case's plan, newest first.
func (s *Store) Plans(ctx context.Context, caseID int64) ([]Plan, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, s.db, r, caseID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, planSelect+` WHERE case_id = ? ORDER BY version DESC`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Plan{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

const planSelect = `SELECT id, case_id, version, kind, body, total_clp, status, made_by, made_at, checked_by, checked_at, comment FROM delivery_plans`

func (s *Store) plan(ctx context.Context, q querier, id int64) (*Plan, error) {
	return scanPlan(q.QueryRowContext(ctx, planSelect+` WHERE id = ?`, id))
}

func scanPlan(sc rowScanner) (*Plan, error) {
	var p Plan
	var body string
	var made db.Instant
	var checked nullInstant
	if err := sc.Scan(&p.ID, &p.CaseID, &p.Version, &p.Kind, &body, &p.TotalCLP, &p.Status, &p.MadeBy, &made, &p.CheckedBy, &checked, &p.Comment); err != nil {
		return nil, err
	}
	var b planBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return nil, err
	}
	p.Goal, p.Actions, p.Budget = b.Goal, b.Actions, b.Budget
	if p.Actions == nil {
		p.Actions = []PlanAction{}
	}
	if p.Budget == nil {
		p.Budget = []BudgetLine{}
	}
	p.MadeAt = made.Format(time.RFC3339)
	if checked.Valid {
		p.CheckedAt = checked.V.Format(time.RFC3339)
	}
	return &p, nil
}

type nullInstant = sql.Null[db.Instant]
