package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// The decisions on a submitted change request: approve (apply it), reject,
// withdraw. Each runs in one transaction that moves the request out of
// "submitted" only if it is still there (compare-and-set on the state,
// rows affected checked), so that two decisions on the same request cannot
// both happen. On PostgreSQL the request's row is also locked when it is
// read, so that the deciders queue there and all but the first see it
// decided before doing any work (TestChangeDecidedOnce fires forty at once).

// Decision names a transition.
type Decision string

// The decisions.
const (
	Approve  Decision = "approve"
	Reject   Decision = "reject"
	Withdraw Decision = "withdraw"
)

// maxComment bounds a decision's comment.
const maxComment = 2000

// Decide approves, rejects or withdraws change request id. Approving applies
// the change to the household in the same transaction, after checking it
// again against the household as it is now (a conflict if it changed
// underneath). The checker must be another user than the maker; only the
// maker may withdraw. A rejection needs a comment saying why.
func (s *Store) Decide(ctx context.Context, id int64, d Decision, comment, ip string) (*ChangeRequest, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	switch {
	case d != Approve && d != Reject && d != Withdraw:
		return nil, fosis.Errorf(fosis.EINVALID, "unknown decision %q", d)
	case len(comment) > maxComment:
		return nil, changeError(fosis.EINVALID, "the comment is too long", []FieldProblem{{Field: "comment", Code: "too_long", Args: []string{strconv.Itoa(maxComment)}}})
	case d == Reject && comment == "":
		return nil, changeError(fosis.EINVALID, "say why the request is rejected", []FieldProblem{{Field: "comment", Code: "required"}})
	}
	var out *ChangeRequest
	householdID := ""
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		var region string
		lock := ""
		if tx.DB().Engine == db.Postgres {
			lock = " FOR UPDATE OF r"
		}
		r, err := scanChange(tx.QueryRowContext(ctx, changeSelect+` WHERE r.id = ?`+lock, id), &region)
		if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(region)) {
			return outOfScope(fmt.Sprintf("change request %d", id))
		}
		if err != nil {
			return err
		}
		householdID = r.HouseholdID
		if r.State != StateSubmitted {
			return fosis.Errorf(fosis.ECONFLICT, "change request %d is already %s", id, r.State)
		}
		mine := r.Maker == p.Username
		switch {
		case d == Withdraw && !mine:
			return fosis.Errorf(fosis.EFORBIDDEN, "only %s, who submitted change request %d, may withdraw it", r.Maker, id)
		case d != Withdraw && mine:
			return fosis.Errorf(fosis.EFORBIDDEN, "you submitted change request %d: another user must %s it", id, d)
		}
		state := map[Decision]string{Approve: StateApproved, Reject: StateRejected, Withdraw: StateWithdrawn}[d]
		before := map[string]any{"state": r.State}
		after := map[string]any{"state": state}
		if comment != "" {
			after["comment"] = comment
		}
		if d == Approve {
			h, _, err := s.loadRecord(ctx, tx, r.key, true)
			if err != nil {
				return err
			}
			next, err := s.apply(ctx, tx, p, h, r.Changes)
			if err != nil {
				return err
			}
			if err := ensureBaseline(ctx, tx, r.key, h); err != nil {
				return err
			}
			if err := writeRecord(ctx, tx, r.key, next); err != nil {
				return err
			}
			// After writeRecord's bump, not before: the shared frame finds
			// the households approvals changed by this version's id, which
			// must be drawn while the bump is held (see frameState).
			if err := writeVersion(ctx, tx, r.key, next, tx.Now, "change", id); err != nil {
				return err
			}
			logged := r.Changes.clone()
			logged.mask()
			before["household"], after["household"] = valuesOf(logged, true), valuesOf(logged, false)
			after["household_id"] = r.HouseholdID
		}
		checker, checkerRole := p.Username, string(p.Role)
		if d == Withdraw {
			checker, checkerRole = "", ""
		}
		res, err := tx.ExecContext(ctx, `UPDATE change_requests SET state = ?, checker = ?, checker_role = ?, decided_at = ?, comment = ?
			WHERE id = ? AND state = ?`, state, checker, checkerRole, tx.DB().Time(tx.Now), comment, id, StateSubmitted)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fosis.Errorf(fosis.ECONFLICT, "change request %d was decided by someone else meanwhile", id)
		}
		r.State, r.Checker, r.CheckerRole, r.Comment = state, checker, checkerRole, comment
		t := tx.Now
		r.DecidedAt = &t
		out = r
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "change_request." + string(d),
			Entity: "change_request", EntityID: strconv.FormatInt(id, 10), IP: ip, Before: before, After: after})
		return err
	})
	if err != nil {
		return nil, s.auditDisclosed(ctx, p, householdID, ip, err)
	}
	return s.shown(p, out), nil
}

// valuesOf lists the values a change set replaces (from) or writes, field
// by field, for the audit trail.
func valuesOf(cs ChangeSet, from bool) map[string]any {
	pick := func(f, t string) string {
		if from {
			return f
		}
		return t
	}
	fields := map[string]string{}
	for _, c := range cs.Household {
		fields[c.Field] = pick(c.From, c.To)
	}
	for _, c := range cs.Members {
		fields[c.RUN+"."+c.Field] = pick(c.From, c.To)
	}
	out := map[string]any{"fields": fields}
	if from && len(cs.Remove) > 0 {
		out["members"] = cs.Remove
	}
	if !from && len(cs.Add) > 0 {
		out["members"] = cs.Add
	}
	return out
}

// HouseholdChanges lists the change requests of the household with the
// given extract id, newest first, if it is in the caller's territory.
func (s *Store) HouseholdChanges(ctx context.Context, householdID string) ([]ChangeRequest, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var key int64
	var region string
	err = s.db.QueryRowContext(ctx, `SELECT h.id, c.region_code FROM households h JOIN communes c ON c.code = h.commune_code
		WHERE h.household_id = ?`, householdID).Scan(&key, &region)
	if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(region)) {
		return nil, outOfScope(fmt.Sprintf("household with id %q", householdID))
	}
	if err != nil {
		return nil, err
	}
	return s.collect(ctx, p, changeSelect+` WHERE r.household = ? ORDER BY r.id DESC`, key)
}

// ChangesOf is HouseholdChanges for a household the caller has just read
// (HouseholdFileByID, which checked its territory): one query instead of
// two, for the household page.
func (s *Store) ChangesOf(ctx context.Context, file *HouseholdFile) ([]ChangeRequest, error) {
	p, key, err := s.fileScope(ctx, file)
	if err != nil {
		return nil, err
	}
	return s.collect(ctx, p, changeSelect+` WHERE r.household = ? ORDER BY r.id DESC`, key)
}

// fileScope checks again that file's household is in the caller's
// territory (the caller may have changed since it was read) and returns
// the caller and the household's key.
func (s *Store) fileScope(ctx context.Context, file *HouseholdFile) (*auth.Principal, int64, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, 0, err
	}
	if file == nil || file.view == nil {
		return nil, 0, fmt.Errorf("registry: a household file without its household")
	}
	if !p.SeesRegion(file.view.RegionCode) {
		return nil, 0, outOfScope(fmt.Sprintf("household with id %q", file.view.ID))
	}
	return p, file.view.Key, nil
}

// collect reads the change requests q selects (changeSelect) that p may
// see, as p may see them.
func (s *Store) collect(ctx context.Context, p *auth.Principal, q string, args ...any) ([]ChangeRequest, error) {
	out := []ChangeRequest{}
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var region string
		r, err := scanChange(rows, &region)
		if err != nil {
			return err
		}
		if p.SeesRegion(region) {
			out = append(out, *s.shown(p, r))
		}
		return nil
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ChangeQueue lists change requests in a state (submitted when state is
// ""), newest first, of households in the caller's territory: the checkers'
// queue. It pages by id: after is the id of the last request of the page
// before (0 for the first page).
func (s *Store) ChangeQueue(ctx context.Context, state string, after int64, limit int) (*Page[ChangeRequest], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if state == "" {
		state = StateSubmitted
	}
	if !contains(ChangeStates, state) {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("state %q is not one of %s", state, strings.Join(ChangeStates, ", ")),
			Fields: []fosis.FieldError{{Field: "state", Message: "not a state of a change request"}}}
	}
	limit = min(max(limit, 1), 200)
	where, args := ` WHERE r.state = ?`, []any{state}
	if !p.SeesAllRegions() {
		where += ` AND c.region_code = ? AND ` + changeSubmittedInCurrent
		args = append(args, p.RegionCode)
	}
	page := &Page[ChangeRequest]{}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM change_requests r JOIN households h ON h.id = r.household
		JOIN communes c ON c.code = h.commune_code`+where, args...).Scan(&page.Total); err != nil {
		return nil, err
	}
	if after > 0 {
		where += ` AND r.id < ?`
		args = append(args, after)
	}
	items, err := s.collect(ctx, p, changeSelect+where+` ORDER BY r.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, err
	}
	if len(items) > limit {
		items = items[:limit]
		page.Next = strconv.FormatInt(items[limit-1].ID, 10)
	}
	page.Items = items
	return page, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
