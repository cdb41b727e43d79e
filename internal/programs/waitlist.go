package programs

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// The waiting list after a selection: a withdrawal gives its place to the
// next eligible applicant of the same quota, and the region's list is
// renumbered (docs/selection.md).

// Withdraw withdraws an application. If it held a place, the place goes at
// once to the next eligible applicant of the same quota (see
// docs/selection.md: same reserved group and commune, then the commune,
// then the region's waiting list), and the region's waiting list is
// renumbered. It returns the promoted application, if any.
func (s *Store) Withdraw(ctx context.Context, id int64, why string) (*Application, error) {
	var promoted *Application
	err := s.decideOn(ctx, id, func(tx *db.Tx, c *Call, a *Application) error {
		switch a.Status {
		case AppWithdrawn:
			return refuse(fosis.ECONFLICT, "programs.err.already_withdrawn", id)
		case AppEnrolled:
			return refuse(fosis.ECONFLICT, "programs.err.withdraw_enrolled", id)
		}
		now := tx.DB().Time(tx.Now)
		res, err := tx.ExecContext(ctx, `UPDATE applications SET status = ?, reason = ?, seat = '', waitlist_pos = 0, updated_at = ? WHERE id = ? AND status = ?`,
			AppWithdrawn, storeReason("programs.reason.withdrawn", why), now, id, a.Status)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return refuse(fosis.ECONFLICT, "programs.err.application_changed", id)
		}
		if err := record(ctx, tx, "application.withdraw", "application", strconv.FormatInt(id, 10),
			map[string]string{"status": a.Status, "seat": a.Seat}, map[string]string{"status": AppWithdrawn, "why": why}); err != nil {
			return err
		}
		if a.Status == AppSelected {
			var err error
			if promoted, err = s.promote(ctx, tx, c, a); err != nil {
				return err
			}
		}
		return s.renumber(ctx, tx, c, a.Region)
	})
	return promoted, err
}

// promote gives the place that a left to the next eligible waitlisted
// applicant of the same quota.
func (s *Store) promote(ctx context.Context, tx *db.Tx, c *Call, gone *Application) (*Application, error) {
	wait, err := s.applications(ctx, tx, nil, c, AppWaitlisted)
	if err != nil {
		return nil, err
	}
	// wait is in rank order. The seat is "kind[:share]@quota".
	kind, quota, share := parseSeat(gone.Seat)
	// Each tier says who fits and which seat they then hold: a reserved
	// place taken by someone outside the group is a commune place, and a
	// place taken by someone of another commune is a place of the region.
	type tier struct {
		fits func(a *Application) bool
		seat string
	}
	var tiers []tier
	if kind == SeatReserved {
		tiers = append(tiers, tier{func(a *Application) bool { return a.Commune == quota && a.Reserved&(1<<(share-1)) != 0 }, gone.Seat})
	}
	if kind == SeatReserved || kind == SeatCommune {
		tiers = append(tiers, tier{func(a *Application) bool { return a.Commune == quota }, SeatCommune + "@" + quota})
	}
	tiers = append(tiers, tier{func(a *Application) bool { return a.Region == gone.Region }, SeatRegion + "@" + gone.Region})
	now := tx.DB().Time(tx.Now)
	for _, tr := range tiers {
		for i := range wait {
			a := &wait[i]
			if a.Status != AppWaitlisted || !tr.fits(a) {
				continue
			}
			one := []Application{*a}
			if err := s.recheck(ctx, tx, c, one, tx.Now); err != nil {
				return nil, err
			}
			if !one[0].Eligible {
				failed, _ := json.Marshal(one[0].Failed)
				res, err := tx.ExecContext(ctx, `UPDATE applications SET status = ?, eligible = 0, failed = ?, reason = ?, waitlist_pos = 0, updated_at = ? WHERE id = ? AND status = ?`,
					AppIneligible, string(failed), storeReason("programs.reason.no_longer_eligible"), now, a.ID, AppWaitlisted)
				if err != nil {
					return nil, err
				}
				if n, err := res.RowsAffected(); err != nil || n != 1 {
					return nil, refuse(fosis.ECONFLICT, "programs.err.application_changed", a.ID)
				}
				a.Status = AppIneligible
				continue
			}
			seat := tr.seat
			msg := storeReason("programs.reason.promoted", a.Rank, gone.ID)
			res, err := tx.ExecContext(ctx, `UPDATE applications SET status = ?, seat = ?, waitlist_pos = 0, reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
				AppSelected, seat, msg, now, a.ID, AppWaitlisted)
			if err != nil {
				return nil, err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return nil, refuse(fosis.ECONFLICT, "programs.err.application_changed", a.ID)
			}
			a.Status, a.Seat, a.WaitPos, a.reason = AppSelected, seat, 0, readReason(msg)
			a.Reason = a.reason.Text
			return a, record(ctx, tx, "application.promote", "application", strconv.FormatInt(a.ID, 10),
				map[string]string{"status": AppWaitlisted}, map[string]any{"status": AppSelected, "seat": seat, "replaces": gone.ID})
		}
	}
	return nil, nil
}

// parseSeat splits "kind[:share]@quota".
func parseSeat(seat string) (kind, quota string, share int) {
	kind = seat
	for i := len(seat) - 1; i >= 0; i-- {
		if seat[i] == '@' {
			kind, quota = seat[:i], seat[i+1:]
			break
		}
	}
	for i := 0; i < len(kind); i++ {
		if kind[i] == ':' {
			share, _ = strconv.Atoi(kind[i+1:])
			kind = kind[:i]
			break
		}
	}
	return kind, quota, share
}

// renumber closes the gaps in a region's waiting list.
func (s *Store) renumber(ctx context.Context, tx *db.Tx, c *Call, region string) error {
	ids, err := db.Collect(ctx, tx, db.Column[int64], `SELECT id FROM applications WHERE call = ? AND region_code = ? AND status = ? ORDER BY rank, id`, c.ID, region, AppWaitlisted)
	if err != nil {
		return err
	}
	for k, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET waitlist_pos = ?, seat = ?, reason = ? WHERE id = ?`, k+1, SeatWaitlist+"@"+region,
			storeReason("programs.reason.waitlist_position", k+1, region), id); err != nil {
			return err
		}
	}
	return nil
}
