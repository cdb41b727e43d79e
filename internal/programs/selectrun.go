package programs

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// SelectionRecord is the frozen record of a selection: every input (the
// applicants as ranked, the quotas, the rules and their digest, the scoring
// run), and every placement. Select(Applicants, Quotas) gives Placements
// again: VerifySelection checks it.
type SelectionRecord struct {
	ID          int64       `json:"id"`
	Call        string      `json:"call"`
	Run         int64       `json:"run"`
	RulesDigest string      `json:"rules_digest"`
	Rules       []Rule      `json:"rules"`
	Priorities  []Rule      `json:"priorities"`
	Reserved    []Rule      `json:"reserved"`
	Quotas      Quotas      `json:"quotas"`
	Regions     [][2]string `json:"commune_regions"` // commune → region, for re-running without the territory
	// LotterySeed is the call's lottery seed (empty in records frozen
	// before the lottery existed); each applicant's Lottery derives from it.
	LotterySeed string      `json:"lottery_seed,omitempty"`
	Applicants  []Applicant `json:"applicants"`
	Placements  []Placement `json:"placements"`
	RanAt       time.Time   `json:"ran_at"`
	RanBy       string      `json:"ran_by"`
	Digest      string      `json:"digest"`
}

// digest is the SHA-256 of the record's inputs and placements.
func (r *SelectionRecord) digest() string {
	b, _ := json.Marshal(struct {
		Call        string
		Run         int64
		RulesDigest string
		Quotas      Quotas
		Applicants  []Applicant
		Placements  []Placement
	}{r.Call, r.Run, r.RulesDigest, r.Quotas, r.Applicants, r.Placements})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (r *SelectionRecord) regionOf() func(string) (string, bool) {
	m := make(map[string]string, len(r.Regions))
	for _, cr := range r.Regions {
		m[cr[0]] = cr[1]
	}
	return func(c string) (string, bool) { v, ok := m[c]; return v, ok }
}

// reason is the reason a placement gets in the decision trace, as stored.
func reason(p Placement) string {
	switch p.Seat {
	case SeatReserved:
		return storeReason("programs.reason.reserved", p.Rank, p.Share, p.Quota)
	case SeatCommune:
		return storeReason("programs.reason.commune", p.Rank, p.Quota)
	case SeatRegion:
		return storeReason("programs.reason.region", p.Rank, p.Quota)
	case SeatWaitlist:
		return storeReason("programs.reason.waitlist", p.Rank, p.WaitPos, p.Quota)
	}
	return storeReason("programs.reason.ineligible")
}

// RunSelection ranks a closed call's applications and places them, once:
// eligibility is checked again (participations may have changed since
// submission), the placements are written to the applications, the frozen
// record is stored, and the call becomes selected.
func (s *Store) RunSelection(ctx context.Context, ref string) (*SelectionRecord, error) {
	if _, err := s.manager(ctx); err != nil {
		return nil, err
	}
	// An invitation call's applicants are its invitations, prepared from
	// the registry before the transaction (invite.go).
	var invited []*prepared
	if c, err := s.Call(ctx, ref); err != nil {
		return nil, err
	} else if c.Invitation && c.Status == StatusClosed {
		if invited, err = s.invitees(ctx, c); err != nil {
			return nil, err
		}
	}
	var rec *SelectionRecord
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.lockedCall(ctx, tx, ref)
		if err != nil {
			return err
		}
		if c.Status != StatusClosed {
			return refuse(fosis.ECONFLICT, "programs.err.select_not_closed", c.Code, statusTerm(c.Status))
		}
		apps, err := s.applications(ctx, tx, nil, c, "")
		if err != nil {
			return err
		}
		if c.Invitation && len(apps) == 0 && len(invited) > 0 {
			if err := s.insertRows(ctx, tx, c, invited); err != nil {
				return err
			}
			if apps, err = s.applications(ctx, tx, nil, c, ""); err != nil {
				return err
			}
		}
		sortByID(apps)
		// A call closed before the lottery existed draws its seed now.
		if err := drawSeed(ctx, tx, c); err != nil {
			return err
		}
		if err := s.recheck(ctx, tx, c, apps, tx.Now); err != nil {
			return err
		}
		rec = s.newRecord(c, apps)
		rec.RanAt, rec.RanBy = tx.Now, principalName(ctx)
		rec.Placements = Select(rec.Applicants, rec.Quotas, s.regionOf)
		rec.Digest = rec.digest()
		d := tx.DB()
		st, err := tx.PrepareContext(ctx, `UPDATE applications SET status = ?, eligible = ?, failed = ?, seat = ?, rank = ?, waitlist_pos = ?, reason = ?, updated_at = ? WHERE id = ? AND status = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := d.Time(tx.Now)
		for i, p := range rec.Placements {
			if apps[i].Status == AppWithdrawn {
				continue // withdrawn before the selection: ranked as not eligible, and stays withdrawn
			}
			status := AppWaitlisted
			switch {
			case p.Seat == SeatIneligible:
				status = AppIneligible
			case p.Selected():
				status = AppSelected
			}
			seat := p.Seat
			if p.Seat == SeatReserved {
				seat = fmt.Sprintf("%s:%d", SeatReserved, p.Share)
			}
			failed, _ := json.Marshal(apps[i].Failed)
			res, err := st.ExecContext(ctx, status, b01(apps[i].Eligible), string(failed), seat+"@"+p.Quota, p.Rank, p.WaitPos, reason(p), now, p.ID, apps[i].Status)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return refuse(fosis.ECONFLICT, "programs.err.application_changed", p.ID)
			}
		}
		body, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if rec.ID, err = tx.InsertID(ctx, `INSERT INTO selections (call, ran_at, ran_by, digest, record) VALUES (?, ?, ?, ?, ?)`,
			c.ID, now, rec.RanBy, rec.Digest, string(body)); err != nil {
			return err
		}
		if err := moveCall(ctx, tx, c, StatusClosed, StatusSelected); err != nil {
			return err
		}
		selected := 0
		for _, p := range rec.Placements {
			if p.Selected() {
				selected++
			}
		}
		return record(ctx, tx, "call.select", "call", c.Code, nil, map[string]any{"selection": rec.ID, "digest": rec.Digest,
			"applications": len(apps), "selected": selected, "run": c.Run, "rules_digest": rec.RulesDigest})
	})
	return rec, err
}

// newRecord gathers a selection's inputs from a call and its applications
// (sorted by id).
func (s *Store) newRecord(c *Call, apps []Application) *SelectionRecord {
	rec := &SelectionRecord{Call: c.Code, Run: c.Run, RulesDigest: c.rules.rules.Digest(), Rules: c.rules.rules.Rules(),
		Priorities: c.rules.priorities.Rules(), Reserved: c.rules.reserved.Rules(), Quotas: c.Quotas(), LotterySeed: c.LotterySeed}
	for code := range c.Communes {
		r, _ := s.regionOf(code)
		rec.Regions = append(rec.Regions, [2]string{code, r})
	}
	sortPairs(rec.Regions)
	rec.Applicants = make([]Applicant, len(apps))
	for i := range apps {
		a := &apps[i]
		rec.Applicants[i] = Applicant{ID: a.ID, Commune: a.Commune, Region: a.Region, Eligible: a.Eligible && a.Status != AppWithdrawn,
			Bracket: bracketOrLast(a.Attrs), Percentile: a.Attrs.Percentile, Priority: a.Priority, Reserved: a.Reserved, SubmittedAt: a.submitted}
		if c.LotterySeed != "" { // a what-if before the close ranks without it
			rec.Applicants[i].Lottery = LotteryKey(c.LotterySeed, a.ID)
		}
	}
	return rec
}

func bracketOrLast(a Attrs) int {
	if !a.Scored {
		return 1000 // unscored households rank after every bracket
	}
	return a.Bracket
}

func sortPairs(p [][2]string) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j][0] < p[j-1][0]; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// recheck re-evaluates eligibility of apps with today's participations (one
// query for the whole call), updating Eligible, Failed and Attrs in place.
func (s *Store) recheck(ctx context.Context, tx rowsQuerier, c *Call, apps []Application, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT p.household, p.person_run, l.code, p.ends_on FROM participations p JOIN program_lines l ON l.id = p.line
		WHERE p.household IN (SELECT household FROM applications WHERE call = ?)`, c.ID)
	if err != nil {
		return err
	}
	type part struct {
		run    int64
		code   string
		months int64
	}
	byHousehold := map[int64][]part{}
	for rows.Next() {
		var h, run int64
		var code string
		var ends sql.Null[db.Day]
		if err := rows.Scan(&h, &run, &code, &ends); err != nil {
			rows.Close()
			return err
		}
		m := int64(0)
		if ends.Valid {
			m = monthsBetween(ends.V.Time, now)
		}
		byHousehold[h] = append(byHousehold[h], part{run, code, m})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range apps {
		a := &apps[i]
		if a.Status == AppWithdrawn {
			continue
		}
		ps, hs := map[string]int64{}, map[string]int64{}
		for _, p := range byHousehold[a.household] {
			if old, ok := hs[p.code]; !ok || p.months < old {
				hs[p.code] = p.months
			}
			if c.Unit == UnitHousehold || p.run == a.personRUN {
				if old, ok := ps[p.code]; !ok || p.months < old {
					ps[p.code] = p.months
				}
			}
		}
		a.Attrs.Participations, a.Attrs.SSO = ps, ssoOf(hs)
		a.Failed = c.rules.rules.Eval(&a.Attrs)
		if a.Failed == nil {
			a.Failed = []Failure{}
		}
		a.Eligible = len(a.Failed) == 0
	}
	return nil
}

// Selection returns the latest frozen selection record of a call, as the
// caller may see it: a caller who does not see every applicant (a regional
// officer, agency staff) gets only the applicants and placements they see,
// exactly like the call's list of applications. A call of two regions is
// visible to each region's officer, but its applicants of the other region
// are not. The quotas, rules and digest stay the whole record's (the digest
// can be checked by whoever sees it all).
func (s *Store) Selection(ctx context.Context, ref string) (*SelectionRecord, error) {
	v, c, rec, err := s.selection(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.shownRecord(v, c, rec), nil
}

// shownRecord keeps, of rec, the applicants and placements v may see.
func (s *Store) shownRecord(v *viewer, c *Call, rec *SelectionRecord) *SelectionRecord {
	if rec == nil || v.national {
		return rec
	}
	out := *rec
	seen := map[int64]bool{}
	out.Applicants = []Applicant{}
	for _, a := range rec.Applicants {
		if v.seesApplicant(c.line, a.Commune, a.Region) {
			out.Applicants = append(out.Applicants, a)
			seen[a.ID] = true
		}
	}
	out.Placements = []Placement{}
	for _, p := range rec.Placements {
		if seen[p.ID] {
			out.Placements = append(out.Placements, p)
		}
	}
	return &out
}

// selection returns the caller, the call and its latest whole selection
// record.
func (s *Store) selection(ctx context.Context, ref string) (*viewer, *Call, *SelectionRecord, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := s.Call(ctx, ref)
	if err != nil {
		return nil, nil, nil, err
	}
	rec, err := s.selectionOf(ctx, c)
	return v, c, rec, err
}

func (s *Store) selectionOf(ctx context.Context, c *Call) (*SelectionRecord, error) {
	var body string
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id, record FROM selections WHERE call = ? ORDER BY id DESC LIMIT 1`, c.ID).Scan(&id, &body)
	if err == sql.ErrNoRows {
		return nil, refuse(fosis.ENOTFOUND, "programs.err.no_selection", c.Code, statusTerm(c.Status))
	}
	if err != nil {
		return nil, err
	}
	var rec SelectionRecord
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		return nil, err
	}
	rec.ID = id
	return &rec, nil
}

// VerifySelection re-runs a call's frozen selection from its recorded
// inputs and reports whether it gives the recorded placements and digest.
// It checks the whole record, and returns it as the caller may see it
// (Selection).
func (s *Store) VerifySelection(ctx context.Context, ref string) (*SelectionRecord, error) {
	v, c, rec, err := s.selection(ctx, ref)
	if err != nil {
		return nil, err
	}
	shown := s.shownRecord(v, c, rec)
	if rec.LotterySeed != "" {
		for _, a := range rec.Applicants {
			if a.Lottery != LotteryKey(rec.LotterySeed, a.ID) {
				if !shown.has(a.ID) {
					return shown, refuse(fosis.ECONFLICT, "programs.err.verify_differs_hidden", rec.Call)
				}
				return shown, refuse(fosis.ECONFLICT, "programs.err.verify_lottery", rec.Call, a.ID)
			}
		}
	}
	again := Select(rec.Applicants, rec.Quotas, rec.regionOf())
	for i := range again {
		if i >= len(rec.Placements) || again[i] != rec.Placements[i] {
			if !shown.has(again[i].ID) { // not an application the caller may know of
				return shown, refuse(fosis.ECONFLICT, "programs.err.verify_differs_hidden", rec.Call)
			}
			return shown, refuse(fosis.ECONFLICT, "programs.err.verify_differs", rec.Call, again[i].ID)
		}
	}
	if len(again) != len(rec.Placements) || rec.digest() != rec.Digest {
		return shown, refuse(fosis.ECONFLICT, "programs.err.verify_digest", rec.Call)
	}
	return shown, nil
}

// has reports whether application id is among r's applicants.
func (r *SelectionRecord) has(id int64) bool {
	for _, a := range r.Applicants {
		if a.ID == id {
			return true
		}
	}
	return false
}

// Withdraw withdraws an application. If it held a place, the place goes at
// once to the next eligible applicant of the same quota (see
// docs/selection.md: same reserved group and commune, then the commune,
// then the region's waiting list), and the region's waiting list is
// renumbered. It returns the promoted application, if any.
func (s *Store) Withdraw(ctx context.Context, id int64, why string) (*Application, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	if !v.p.Writes() {
		return nil, refuse(fosis.EFORBIDDEN, "programs.err.read_only", roleTerm(v.p.Role))
	}
	var promoted *Application
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, a, err := s.lockedApplication(ctx, tx, v, id)
		if err != nil {
			return err
		}
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
	rows, err := tx.QueryContext(ctx, `SELECT id FROM applications WHERE call = ? AND region_code = ? AND status = ? ORDER BY rank, id`, c.ID, region, AppWaitlisted)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for k, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET waitlist_pos = ?, seat = ?, reason = ? WHERE id = ?`, k+1, SeatWaitlist+"@"+region,
			storeReason("programs.reason.waitlist_position", k+1, region), id); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Enroll turns a selected application into a participation and reserves the
// programme's amount from the call's envelope. Both happen with conditional
// updates (status still selected; committed + amount ≤ budget), so many
// staff enrolling at once can never enrol one place twice or overdraw the
// envelope, on either engine.
func (s *Store) Enroll(ctx context.Context, id int64, startsOn time.Time) (*Application, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	if !v.p.Writes() {
		return nil, refuse(fosis.EFORBIDDEN, "programs.err.read_only", roleTerm(v.p.Role))
	}
	var out *Application
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, a, err := s.lockedApplication(ctx, tx, v, id)
		if err != nil {
			return err
		}
		d := tx.DB()
		res, err := tx.ExecContext(ctx, `UPDATE applications SET status = ?, updated_at = ? WHERE id = ? AND status = ?`, AppEnrolled, d.Time(tx.Now), id, AppSelected)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "programs.err.enroll_not_selected", id, appStatusTerm(a.Status))
		}
		res, err = tx.ExecContext(ctx, `UPDATE calls SET committed_clp = committed_clp + ?, updated_at = ? WHERE id = ? AND committed_clp + ? <= budget_clp`,
			c.AmountCLP, d.Time(tx.Now), c.ID, c.AmountCLP)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "programs.err.envelope", c.Code, fosis.Pesos(c.AmountCLP))
		}
		part, err := tx.InsertID(ctx, `INSERT INTO participations (line, call, application, household, person_run, starts_on, amount_clp, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.line, c.ID, id, a.household, a.personRUN, d.Date(startsOn), c.AmountCLP, d.Time(tx.Now))
		if err != nil {
			return err
		}
		if err := s.enrolled(ctx, tx, c, a, part, startsOn); err != nil {
			return err
		}
		a.Status = AppEnrolled
		out = a
		return record(ctx, tx, "application.enroll", "application", strconv.FormatInt(id, 10),
			map[string]string{"status": AppSelected}, map[string]any{"status": AppEnrolled, "amount_clp": c.AmountCLP, "call": c.Code})
	})
	return out, err
}

// lockedApplication reads application id and its call in tx for a
// decision on it: it takes the call's lock first (lockedCall), so that
// decisions on one call's applications (withdrawals, promotions,
// enrolments, the selection) happen one after another, then reads the
// application as the last of them left it.
func (s *Store) lockedApplication(ctx context.Context, tx *db.Tx, v *viewer, id int64) (*Call, *Application, error) {
	var call int64
	err := tx.QueryRowContext(ctx, `SELECT call FROM applications WHERE id = ?`, id).Scan(&call)
	if err == sql.ErrNoRows {
		return nil, nil, refuse(fosis.ENOTFOUND, "programs.err.no_application", id)
	}
	if err != nil {
		return nil, nil, err
	}
	c, err := s.lockedCall(ctx, tx, strconv.FormatInt(call, 10))
	if err != nil {
		return nil, nil, err
	}
	a, err := scanApplication(tx.QueryRowContext(ctx, appSelect+` WHERE a.id = ?`, id))
	if err == sql.ErrNoRows || (err == nil && !v.seesApplicant(a.line, a.Commune, a.Region)) {
		return nil, nil, refuse(fosis.ENOTFOUND, "programs.err.no_application", id)
	}
	if err != nil {
		return nil, nil, err
	}
	return c, a, nil
}
