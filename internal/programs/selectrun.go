package programs

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
			res, err := st.ExecContext(ctx, status, db.Bool(apps[i].Eligible), string(failed), seat+"@"+p.Quota, p.Rank, p.WaitPos, reason(p), now, p.ID, apps[i].Status)
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
func (s *Store) recheck(ctx context.Context, tx db.Querier, c *Call, apps []Application, now time.Time) error {
	type part struct {
		run    int64
		code   string
		months int64
	}
	byHousehold := map[int64][]part{}
	err := db.Each(ctx, tx, func(rows *sql.Rows) error {
		var h, run int64
		var code string
		var ends sql.Null[db.Day]
		if err := rows.Scan(&h, &run, &code, &ends); err != nil {
			return err
		}
		m := int64(0)
		if ends.Valid {
			m = monthsBetween(ends.V.Time, now)
		}
		byHousehold[h] = append(byHousehold[h], part{run, code, m})
		return nil
	}, `SELECT p.household, p.person_run, l.code, p.ends_on FROM participations p JOIN program_lines l ON l.id = p.line
		WHERE p.household IN (SELECT household FROM applications WHERE call = ?)`, c.ID)
	if err != nil {
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
