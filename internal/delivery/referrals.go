package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Referral statuses: a case is referred to a service (sent), the family is
// attended there, and the referral ends resolved or refused.
const (
	RefSent     = "sent"
	RefAttended = "attended"
	RefResolved = "resolved"
	RefRefused  = "refused"
)

// ReferralStatuses lists the statuses in the order they come.
var ReferralStatuses = []string{RefSent, RefAttended, RefResolved, RefRefused}

// refNext is the referrals' state machine.
var refNext = map[string][]string{
	RefSent:     {RefAttended, RefRefused},
	RefAttended: {RefResolved, RefRefused},
}

// ReferralNext returns the statuses a referral in status may move to.
func ReferralNext(status string) []string { return refNext[status] }

// Referral is a case sent to a service of the directory, with its status,
// dates and outcome. A resolved referral with a condition may satisfy it:
// the condition is then marked met in the case's exit line, with the
// referral as its evidence.
type Referral struct {
	ID          int64  `json:"id"`
	CaseID      int64  `json:"case_id"`
	ServiceID   int64  `json:"service_id"`
	Institution string `json:"institution"`
	Service     string `json:"service"`
	Commune     string `json:"commune"`
	Condition   string `json:"condition,omitempty"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	Outcome     string `json:"outcome,omitempty"`
	SentOn      string `json:"sent_on"`
	AttendedOn  string `json:"attended_on,omitempty"`
	ClosedOn    string `json:"closed_on,omitempty"`
	SatisfiedOn string `json:"satisfied_on,omitempty"`
	SatisfiedBy string `json:"satisfied_by,omitempty"`
	CreatedBy   string `json:"created_by"`
}

// Satisfiable reports whether the referral may still satisfy its condition.
func (x Referral) Satisfiable() bool {
	return x.Status == RefResolved && x.Condition != "" && x.SatisfiedOn == ""
}

const referralSelect = `SELECT x.id, x.case_id, x.service_id, v.institution, v.name, v.commune_code, x.condition, x.status, x.reason, x.outcome,
	x.sent_on, x.attended_on, x.closed_on, x.satisfied_on, x.satisfied_by, x.created_by
	FROM delivery_referrals x JOIN delivery_services v ON v.id = x.service_id`

func scanReferral(sc rowScanner) (*Referral, error) {
	var x Referral
	var sent db.Day
	var attended, closed, satisfied sql.Null[db.Day]
	if err := sc.Scan(&x.ID, &x.CaseID, &x.ServiceID, &x.Institution, &x.Service, &x.Commune, &x.Condition, &x.Status, &x.Reason, &x.Outcome,
		&sent, &attended, &closed, &satisfied, &x.SatisfiedBy, &x.CreatedBy); err != nil {
		return nil, err
	}
	x.SentOn = sent.Format(time.DateOnly)
	day := func(v sql.Null[db.Day]) string {
		if !v.Valid {
			return ""
		}
		return v.V.Format(time.DateOnly)
	}
	x.AttendedOn, x.ClosedOn, x.SatisfiedOn = day(attended), day(closed), day(satisfied)
	return &x, nil
}

// ReferralInput is a new referral.
type ReferralInput struct {
	ServiceID int64 `json:"service_id"`
	// Condition is the minimum condition (a code of the case's methodology)
	// the referral is meant to satisfy ("" for none).
	Condition string `json:"condition,omitempty"`
	Reason    string `json:"reason,omitempty"`
	SentOn    string `json:"sent_on,omitempty"` // default today
}

// parseDay reads a date of field f ("" is today); not after today.
func (s *Store) parseDay(v, f string) (time.Time, *fosis.FieldError) {
	if strings.TrimSpace(v) == "" {
		return s.today(), nil
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
	if err != nil {
		fe := field(f, "delivery.err.bad_date", v)
		return t, &fe
	}
	if t.After(s.today()) {
		fe := field(f, "delivery.err.future_date", v)
		return t, &fe
	}
	return t, nil
}

// Refer sends a case to an active service of the directory (any commune:
// a family may be referred to a neighbouring one). Whoever may record on
// the case refers; a closed case refers no more.
func (s *Store) Refer(ctx context.Context, caseID int64, in ReferralInput) (*Referral, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.caseFor(ctx, tx, r, caseID)
		if err != nil {
			return err
		}
		if Final(c.State) {
			return refuse(fosis.ECONFLICT, "delivery.err.closed", caseID, stateTerm(c.State))
		}
		var bad []fosis.FieldError
		v, err := scanService(tx.QueryRowContext(ctx, serviceSelect+` WHERE id = ?`, in.ServiceID))
		switch {
		case db.IsNoRows(err):
			bad = append(bad, field("service_id", "delivery.err.no_service", in.ServiceID))
		case err != nil:
			return err
		case !v.Active:
			bad = append(bad, field("service_id", "delivery.err.service_inactive", serviceLabel(v)))
		}
		if in.Condition != "" {
			m, err := s.methodologyByID(ctx, tx, c.MethodologyID)
			if err != nil {
				return err
			}
			if _, ok := m.Conditions()[in.Condition]; !ok {
				bad = append(bad, field("condition", "delivery.err.no_condition", in.Condition, c.Line))
			}
		}
		on, fe := s.parseDay(in.SentOn, "sent_on")
		if fe != nil {
			bad = append(bad, *fe)
		}
		if len([]rune(in.Reason)) > 2000 {
			bad = append(bad, field("reason", "delivery.err.too_long", 2000))
		}
		if len(bad) > 0 {
			e := refuse(fosis.EINVALID, "delivery.err.invalid_referral", bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
			e.Fields = bad
			return e
		}
		d := tx.DB()
		id, err = tx.InsertID(ctx, `INSERT INTO delivery_referrals (case_id, service_id, condition, status, reason, sent_on, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, v.ID, in.Condition, RefSent, strings.TrimSpace(in.Reason), d.Date(on), r.p.Username, d.Time(tx.Now), d.Time(tx.Now))
		if err != nil {
			return err
		}
		// Timeline details carry data only (no words): the pages say the
		// event in the reader's language.
		detail := fmt.Sprintf("#%d %s", id, serviceLabel(v))
		if in.Condition != "" {
			detail += " (" + in.Condition + ")"
		}
		if err := event(ctx, tx, r, caseID, "referral", "", "", detail); err != nil {
			return err
		}
		return record(ctx, tx, r, "referral.send", "case", itoa(caseID), nil, map[string]any{"referral": id, "service": v.ID, "condition": in.Condition})
	})
	if err != nil {
		return nil, err
	}
	return s.Referral(ctx, id)
}

// Referral returns a referral of a case the caller may see.
func (s *Store) Referral(ctx context.Context, id int64) (*Referral, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	return s.referralFor(ctx, s.db, r, id)
}

func (s *Store) referralFor(ctx context.Context, q querier, r *reach, id int64) (*Referral, error) {
	x, err := scanReferral(q.QueryRowContext(ctx, referralSelect+` WHERE x.id = ?`, id))
	if db.IsNoRows(err) {
		return nil, refuse(fosis.ENOTFOUND, "delivery.err.no_referral", id)
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, q, r, x.CaseID); fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return nil, refuse(fosis.ENOTFOUND, "delivery.err.no_referral", id)
	} else if err != nil {
		return nil, err
	}
	return x, nil
}

// Referrals lists a case's referrals, newest first.
func (s *Store) Referrals(ctx context.Context, caseID int64) ([]Referral, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, s.db, r, caseID); err != nil {
		return nil, err
	}
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (Referral, error) {
		x, err := scanReferral(rows)
		if err != nil {
			return Referral{}, err
		}
		return *x, nil
	}, referralSelect+` WHERE x.case_id = ? ORDER BY x.id DESC`, caseID)
}

// refTerm is a referral status as a word of the catalogs.
func refTerm(s string) fosis.Phrase { return fosis.Phrase{Key: "referrals.status." + s, Text: s} }

// MoveReferral moves a referral from status from to status to on day on
// ("" is today), if it is still in from (a compare-and-set: of two people
// moving it at once, one wins). A resolved or refused referral needs its
// outcome.
func (s *Store) MoveReferral(ctx context.Context, id int64, from, to, on, outcome string) (*Referral, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ReferralNext(from), to) {
		return nil, refuse(fosis.ECONFLICT, "delivery.err.referral_transition", refTerm(from), refTerm(to))
	}
	outcome = strings.TrimSpace(outcome)
	var bad []fosis.FieldError
	day, fe := s.parseDay(on, "on")
	if fe != nil {
		bad = append(bad, *fe)
	}
	if (to == RefResolved || to == RefRefused) && outcome == "" {
		bad = append(bad, field("outcome", "delivery.err.referral_outcome"))
	}
	if len([]rune(outcome)) > 2000 {
		bad = append(bad, field("outcome", "delivery.err.too_long", 2000))
	}
	if len(bad) > 0 {
		e := refuse(fosis.EINVALID, "delivery.err.invalid_referral", bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
		e.Fields = bad
		return nil, e
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		x, err := s.referralFor(ctx, tx, r, id)
		if err != nil {
			return err
		}
		if day.Format(time.DateOnly) < x.SentOn {
			e := refuse(fosis.EINVALID, "delivery.err.before_sent", on, x.SentOn)
			return withField(e, "on")
		}
		d := tx.DB()
		col := "attended_on"
		if to != RefAttended {
			col = "closed_on"
		}
		res, err := tx.ExecContext(ctx, `UPDATE delivery_referrals SET status = ?, `+col+` = ?, outcome = CASE WHEN ? = '' THEN outcome ELSE ? END, updated_at = ?
			WHERE id = ? AND status = ?`, to, d.Date(day), outcome, outcome, d.Time(tx.Now), id, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "delivery.err.referral_moved", id, refTerm(from), refTerm(x.Status))
		}
		detail := fmt.Sprintf("#%d %s — %s", id, x.Institution, x.Service)
		if outcome != "" {
			detail += ": " + clean(outcome)
		}
		if err := event(ctx, tx, r, x.CaseID, "referral_"+to, "", "", detail); err != nil {
			return err
		}
		return record(ctx, tx, r, "referral.move", "referral", itoa(id), map[string]string{"status": from}, map[string]string{"status": to, "outcome": outcome})
	})
	if err != nil {
		return nil, err
	}
	return s.Referral(ctx, id)
}

// SatisfyCondition marks the condition of a resolved referral met in the
// case's exit line, with the referral as its evidence ("#12 CESFAM Norte —
// Inscripción: the outcome"), while the case is in
// intervention or closing (the exit line is what the case closes with; the
// entry stays as measured). It is a compare-and-set on the referral not
// having satisfied it yet, and it is audited with the mark it replaced.
func (s *Store) SatisfyCondition(ctx context.Context, id int64) (*Referral, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		x, err := s.referralFor(ctx, tx, r, id)
		if err != nil {
			return err
		}
		if x.Status != RefResolved || x.Condition == "" {
			return refuse(fosis.ECONFLICT, "delivery.err.referral_unsatisfiable", id)
		}
		lock := ""
		if tx.DB().Engine == db.Postgres {
			lock = " FOR UPDATE OF c"
		}
		c, err := scanCase(tx.QueryRowContext(ctx, caseSelect+` WHERE c.id = ?`+lock, x.CaseID))
		if err != nil {
			return err
		}
		if c.State != StateIntervention && c.State != StateClosing {
			return refuse(fosis.ECONFLICT, "delivery.err.satisfy_state", stateTerm(c.State))
		}
		m, err := s.methodologyByID(ctx, tx, c.MethodologyID)
		if err != nil {
			return err
		}
		dim, ok := m.Conditions()[x.Condition]
		if !ok {
			return refuse(fosis.ECONFLICT, "delivery.err.no_condition", x.Condition, c.Line)
		}
		d := tx.DB()
		today := s.today()
		res, err := tx.ExecContext(ctx, `UPDATE delivery_referrals SET satisfied_on = ?, satisfied_by = ?, updated_at = ?
			WHERE id = ? AND status = ? AND satisfied_on IS NULL`, d.Date(today), r.p.Username, d.Time(tx.Now), id, RefResolved)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "delivery.err.referral_satisfied", id)
		}
		var was string
		err = tx.QueryRowContext(ctx, `SELECT status FROM delivery_diagnoses WHERE case_id = ? AND phase = ? AND condition = ?`, c.ID, PhaseExit, x.Condition).Scan(&was)
		if err != nil && !db.IsNoRows(err) {
			return err
		}
		evidence := fmt.Sprintf("#%d %s — %s: %s", id, x.Institution, x.Service, clean(x.Outcome))
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_diagnoses (case_id, phase, condition, dimension, status, evidence, recorded_on, recorded_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (case_id, phase, condition) DO UPDATE SET status = excluded.status, evidence = excluded.evidence,
				recorded_on = excluded.recorded_on, recorded_by = excluded.recorded_by`,
			c.ID, PhaseExit, x.Condition, dim, Met, evidence, d.Date(today), r.p.Username); err != nil {
			return err
		}
		if err := event(ctx, tx, r, c.ID, "referral_satisfied", "", "", fmt.Sprintf("%s · #%d %s — %s", x.Condition, id, x.Institution, x.Service)); err != nil {
			return err
		}
		return record(ctx, tx, r, "referral.satisfies", "case", itoa(c.ID), map[string]any{"condition": x.Condition, "status": was},
			map[string]any{"condition": x.Condition, "status": Met, "referral": id})
	})
	if err != nil {
		return nil, err
	}
	return s.Referral(ctx, id)
}
