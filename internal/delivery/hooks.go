package delivery

import (
	"context"

	"github.com/fosis/fosis/internal/platform/db"
)

// PlanHook is called inside a plan's approval transaction, after the plan
// is marked approved: an error rolls the approval back. The hook writes
// only its own slice's tables through tx (cli wires the funds slice, which
// commits the plan's budget).
type PlanHook func(ctx context.Context, tx *db.Tx, c Case, p Plan) error

// CloseHook is called inside the transaction that ends a case (graduated or
// exited; c carries its new state and exit reason): an error keeps the case
// open. cli wires the funds slice, which releases the money not spent.
type CloseHook func(ctx context.Context, tx *db.Tx, c Case) error

// OnPlanApproved sets the hook every plan approval calls. Set it once,
// before serving.
func (s *Store) OnPlanApproved(h PlanHook) { s.onPlanApproved = h }

// OnCaseClosed sets the hook every case ending calls. Set it once, before
// serving.
func (s *Store) OnCaseClosed(h CloseHook) { s.onCaseClosed = h }

// CaseOfParticipation returns the case an enrolment opened (0 for none),
// read inside the enrolment's transaction: the funds slice keys a
// participant's money by case.
func (s *Store) CaseOfParticipation(ctx context.Context, q db.Querier, participation int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM delivery_cases WHERE participation = ?`, participation).Scan(&id)
	if db.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}
