package programs

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// WithdrawOwn withdraws the person's own application id (theirs, or their
// household's) while it still waits for the selection (submitted): a
// guarded update under the call's lock, audited with the person as actor.
// Anyone else's application is not found; one already selected, waitlisted
// or decided is a conflict (they ask the office, which withdraws it with
// Withdraw and gives the place to the next).
func (s *Store) WithdrawOwn(ctx context.Context, id int64) (*Application, error) {
	p, err := citizenOf(ctx)
	if err != nil {
		return nil, err
	}
	var household int64
	if f, err := s.reg.OwnHouseholdFile(ctx); err == nil {
		household = f.View().Key
	} else if fosis.ErrorCode(err) != fosis.ENOTFOUND {
		return nil, err
	}
	missing := fosis.KeyedErrorf(fosis.ENOTFOUND, "portal2.err.no_application", "you have no application number %d", id)
	var mine int64
	err = s.db.QueryRowContext(ctx, `SELECT id FROM applications WHERE id = ? AND (person_run = ? OR (household = ? AND applicant = household))`,
		id, p.PersonKey, household).Scan(&mine)
	if err == sql.ErrNoRows {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	sys := onBehalf(ctx)
	v, err := s.who(sys)
	if err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, a, err := s.lockedApplication(sys, tx, v, id)
		if err != nil {
			return err
		}
		if a.Status != AppSubmitted {
			return fosis.KeyedErrorf(fosis.ECONFLICT, "portal2.err.withdraw_state", "application %d can no longer be withdrawn here; ask the office", id)
		}
		res, err := tx.ExecContext(ctx, `UPDATE applications SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
			AppWithdrawn, storeReason("programs.reason.withdrawn", "portal"), tx.DB().Time(tx.Now), id, AppSubmitted)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fosis.KeyedErrorf(fosis.ECONFLICT, "portal2.err.withdraw_state", "application %d can no longer be withdrawn here; ask the office", id)
		}
		return record(ctx, tx, "application.withdraw", "application", strconv.FormatInt(id, 10),
			map[string]string{"status": a.Status}, map[string]string{"status": AppWithdrawn, "channel": ChannelOnline})
	})
	if err != nil {
		return nil, err
	}
	return s.Application(sys, id)
}
