package programs

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// Enrolment is what other slices learn of an enrolment: who, in which
// line version, where, and which executing agency runs it there.
type Enrolment struct {
	Participation int64     `json:"participation"`
	Application   int64     `json:"application"`
	Call          string    `json:"call"`
	Line          string    `json:"program"`
	Version       int       `json:"program_version"`
	Unit          string    `json:"unit"`
	AmountCLP     int64     `json:"amount_clp"`
	Household     int64     `json:"-"`
	HouseholdID   string    `json:"household_id"`
	PersonRUN     int64     `json:"-"`
	Commune       string    `json:"commune"`
	Region        string    `json:"region"`
	Agency        string    `json:"agency,omitempty"` // "" when no agency runs the line there yet
	StartsOn      time.Time `json:"starts_on"`
}

// RUN returns the enrolled person's RUN as written.
func (e *Enrolment) RUN() string { return rut.Format(e.PersonRUN) }

// EnrolHook is called inside an enrolment's transaction, after the
// participation is written: an error rolls the enrolment back. The hook
// writes only its own slice's tables through tx.
type EnrolHook func(ctx context.Context, tx *db.Tx, e Enrolment) error

// OnEnrol sets the hook every enrolment calls (the command line wires the
// delivery slice here, which opens a case). Set it once, before serving.
func (s *Store) OnEnrol(h EnrolHook) { s.onEnrol = h }

// enrolled builds the Enrolment of application a of call c and calls the
// hook, if any.
func (s *Store) enrolled(ctx context.Context, tx *db.Tx, c *Call, a *Application, participation int64, startsOn time.Time) error {
	if s.onEnrol == nil {
		return nil
	}
	e := Enrolment{Participation: participation, Application: a.ID, Call: c.Code, Line: c.Program, Version: c.ProgramVersion,
		Unit: c.Unit, AmountCLP: c.AmountCLP, Household: a.household, HouseholdID: a.HouseholdID, PersonRUN: a.personRUN,
		Commune: a.Commune, Region: a.Region, StartsOn: startsOn}
	var agency sql.NullString
	// The agency that applied on the family's behalf, else the one whose
	// contract for the line covers the commune on the starting day.
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(
		(SELECT g.code FROM applications x JOIN agencies g ON g.id = x.agency WHERE x.id = ?),
		(SELECT g.code FROM agency_contracts k JOIN agencies g ON g.id = k.agency
			JOIN agency_contract_communes cc ON cc.contract = k.id
			WHERE k.line = ? AND cc.commune_code = ? AND k.starts_on <= ? AND k.ends_on >= ? ORDER BY k.id LIMIT 1))`,
		a.ID, c.line, a.Commune, tx.DB().Date(startsOn), tx.DB().Date(startsOn)).Scan(&agency)
	if err != nil {
		return err
	}
	e.Agency = agency.String
	return s.onEnrol(ctx, tx, e)
}

// AgencyOf returns the code of the executing agency user userID is staff
// of ("" for none). Other slices scope agency staff with it.
func (s *Store) AgencyOf(ctx context.Context, userID int64) (string, error) {
	var code string
	err := s.db.QueryRowContext(ctx, `SELECT g.code FROM agency_staff st JOIN agencies g ON g.id = st.agency WHERE st.user_id = ?`, userID).Scan(&code)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return code, err
}

// AgencyExists reports whether an executing agency with code exists.
func (s *Store) AgencyExists(ctx context.Context, code string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM agencies WHERE code = ?`, code).Scan(&n)
	return n > 0, err
}

// Enroll turns a selected application into a participation and reserves the
// programme's amount from the call's envelope. Both happen with conditional
// updates (status still selected; committed + amount ≤ budget), so many
// staff enrolling at once can never enrol one place twice or overdraw the
// envelope, on either engine.
func (s *Store) Enroll(ctx context.Context, id int64, startsOn time.Time) (*Application, error) {
	var out *Application
	err := s.decideOn(ctx, id, func(tx *db.Tx, c *Call, a *Application) error {
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
