package delivery

import (
	"context"

	"github.com/fosis/fosis/internal/platform/auth"
)

// CaseCounts returns how many cases the caller may see are in each state
// (states without cases are absent), for the home pages.
func (s *Store) CaseCounts(ctx context.Context) (map[string]int, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	where, args := r.scopeSQL()
	rows, err := s.db.QueryContext(ctx, `SELECT c.state, count(*) FROM delivery_cases c WHERE `+where+` GROUP BY c.state`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// PlanLimit returns the most a plan of the case may budget: its line
// version's amount per participant (0: the line's plans carry no budget).
func (s *Store) PlanLimit(ctx context.Context, caseID int64) (int64, error) {
	c, err := s.Case(ctx, caseID)
	if err != nil {
		return 0, err
	}
	prog, err := s.prog.Program(auth.WithPrincipal(ctx, auth.System()), c.Line, c.Version)
	if err != nil {
		return 0, err
	}
	return prog.AmountCLP, nil
}

// PlanKindOf is the kind of plan a line makes: a business plan for the
// entrepreneurship lines, a work-placement plan for the labour lines, a
// family intervention plan otherwise.
func PlanKindOf(line string) string {
	switch line {
	case "yo-emprendo-semilla", "yo-emprendo", "yo-emprendo-grupal", "acceso-microfinanciamiento":
		return PlanBusiness
	case "yo-trabajo", "yo-trabajo-jovenes", "apoyo-plan-laboral":
		return PlanWork
	}
	return PlanFamily
}
