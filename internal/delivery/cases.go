package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/programs"
)

// Case states.
const (
	StateOpen         = "open"            // opened, waiting for the first visit
	StateDiagnosis    = "in_diagnosis"    // the baseline is being taken
	StateIntervention = "in_intervention" // sessions, training, plan, deliveries
	StateClosing      = "closing"         // the exit line and the closing
	StateGraduated    = "graduated"       // finished the methodology
	StateExited       = "exited"          // left before graduating (ExitReason says why)
)

// States lists the states in the order they come.
var States = []string{StateOpen, StateDiagnosis, StateIntervention, StateClosing, StateGraduated, StateExited}

// Exit reasons.
const (
	ExitCompleted = "completed"
	ExitDropped   = "dropped_out"
	ExitMoved     = "moved"
	ExitDeceased  = "deceased"
	ExitOther     = "other"
)

// ExitReasons lists the reasons a case may be exited with.
var ExitReasons = []string{ExitCompleted, ExitDropped, ExitMoved, ExitDeceased, ExitOther}

// next is the state machine: where each state may go. Any state that is not
// final may also be exited.
var next = map[string][]string{
	StateOpen:         {StateDiagnosis},
	StateDiagnosis:    {StateIntervention},
	StateIntervention: {StateClosing},
	StateClosing:      {StateGraduated},
}

// Final reports whether state ends a case.
func Final(state string) bool { return state == StateGraduated || state == StateExited }

// Next returns the states a case in state may move to.
func Next(state string) []string {
	if Final(state) {
		return nil
	}
	return append(append([]string{}, next[state]...), StateExited)
}

// Case is one family (or person) in one programme line version.
type Case struct {
	ID             int64  `json:"id"`
	Line           string `json:"program"`
	Version        int    `json:"program_version"`
	MethodologyID  int64  `json:"methodology_id"`
	Participation  int64  `json:"participation,omitempty"`
	HouseholdID    string `json:"household_id"`
	RUN            string `json:"run,omitempty"`
	Commune        string `json:"commune"`
	Region         string `json:"region"`
	Agency         string `json:"agency,omitempty"`
	CounsellorID   int64  `json:"counsellor_id,omitempty"`
	Counsellor     string `json:"counsellor,omitempty"`
	State          string `json:"state"`
	ExitReason     string `json:"exit_reason,omitempty"`
	OpenedOn       string `json:"opened_on"`
	ClosedOn       string `json:"closed_on,omitempty"`
	LastContactOn  string `json:"last_contact_on,omitempty"`
	UpdatedAt      string `json:"updated_at"`
	household      int64
	personRUN      int64
	methodologyRef *Methodology
}

const caseSelect = `SELECT c.id, c.line_code, c.program_version, c.methodology, COALESCE(c.participation, 0), c.household, c.household_id,
	c.person_run, c.commune_code, c.region_code, COALESCE(c.agency_code, ''), COALESCE(c.counsellor, 0), COALESCE(u.username, ''),
	c.state, c.exit_reason, c.opened_on, c.closed_on, c.last_contact_on, c.updated_at
	FROM delivery_cases c LEFT JOIN users u ON u.id = c.counsellor`

func scanCase(sc rowScanner) (*Case, error) {
	var c Case
	var opened db.Day
	var closed, contact sql.Null[db.Day]
	var updated db.Instant
	if err := sc.Scan(&c.ID, &c.Line, &c.Version, &c.MethodologyID, &c.Participation, &c.household, &c.HouseholdID, &c.personRUN,
		&c.Commune, &c.Region, &c.Agency, &c.CounsellorID, &c.Counsellor, &c.State, &c.ExitReason, &opened, &closed, &contact, &updated); err != nil {
		return nil, err
	}
	if c.personRUN > 0 {
		c.RUN = rut.Format(c.personRUN)
	}
	c.OpenedOn = opened.Format(time.DateOnly)
	if closed.Valid {
		c.ClosedOn = closed.V.Format(time.DateOnly)
	}
	if contact.Valid {
		c.LastContactOn = contact.V.Format(time.DateOnly)
	}
	c.UpdatedAt = updated.Format(time.RFC3339)
	return &c, nil
}

// notFound is the one answer for a missing case and a case outside the
// caller's reach.
func notFound(id int64) error { return refuse(fosis.ENOTFOUND, "delivery.err.no_case", id) }

// OnEnrol opens the case of an enrolment inside the enrolment's transaction
// (programs.Store.OnEnrol): the line version is pinned with its methodology
// (the built-in one is stored first if the line has none), and the case goes
// to the agency's counsellor with the fewest open cases under their limit
// (none if all are full: the agency assigns one).
func (s *Store) OnEnrol(ctx context.Context, tx *db.Tx, e programs.Enrolment) error {
	p := auth.FromContext(ctx)
	if p == nil {
		return refuse(fosis.EUNAUTHORIZED, "delivery.err.sign_in")
	}
	r := &reach{p: p, national: true}
	_, err := s.open(ctx, tx, r, opening{line: e.Line, version: e.Version, participation: e.Participation, household: e.Household,
		householdID: e.HouseholdID, run: e.PersonRUN, commune: e.Commune, region: e.Region, agency: e.Agency, on: e.StartsOn,
		why: fmt.Sprintf("enrolment %d (call %s)", e.Participation, e.Call)})
	return err
}

// opening is what a new case needs.
type opening struct {
	line            string
	version         int
	participation   int64
	household       int64
	householdID     string
	run             int64
	commune, region string
	agency          string
	counsellor      int64
	on              time.Time
	why             string
	state           string // for the demo: the state to open in ("" is open)
	exitReason      string
}

func (s *Store) open(ctx context.Context, tx *db.Tx, r *reach, o opening) (*Case, error) {
	m, err := s.methodologyFor(ctx, tx, o.line, o.version)
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		m = seededFor(o.line)
		if m == nil {
			return nil, err
		}
		if err := s.saveMethodology(ctx, tx, r, m); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if o.agency != "" && o.counsellor == 0 {
		// The least-loaded counsellor of the agency with room.
		err := tx.QueryRowContext(ctx, `SELECT k.user_id FROM delivery_counsellors k
			WHERE k.agency_code = ? AND k.caseload_limit > (SELECT count(*) FROM delivery_cases c WHERE c.counsellor = k.user_id AND c.state <> 'graduated' AND c.state <> 'exited')
			ORDER BY (SELECT count(*) FROM delivery_cases c WHERE c.counsellor = k.user_id AND c.state <> 'graduated' AND c.state <> 'exited'), k.user_id LIMIT 1`, o.agency).Scan(&o.counsellor)
		if err != nil && !db.IsNoRows(err) {
			return nil, err
		}
	}
	state := o.state
	if state == "" {
		state = StateOpen
	}
	d := tx.DB()
	var part, agency, counsellor any
	if o.participation != 0 {
		part = o.participation
	}
	if o.agency != "" {
		agency = o.agency
	}
	if o.counsellor != 0 {
		counsellor = o.counsellor
	}
	var closed any
	if Final(state) {
		closed = d.Date(o.on)
	}
	id, err := tx.InsertID(ctx, `INSERT INTO delivery_cases (line_code, program_version, methodology, participation, household, household_id, person_run,
		commune_code, region_code, agency_code, counsellor, state, exit_reason, opened_on, closed_on, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.line, o.version, m.ID, part, o.household, o.householdID, o.run, o.commune, o.region, agency, counsellor, state, o.exitReason,
		d.Date(o.on), closed, d.Time(tx.Now), d.Time(tx.Now))
	if fosis.ErrorCode(err) == fosis.ECONFLICT {
		return nil, refuse(fosis.ECONFLICT, "delivery.err.case_exists", o.participation)
	}
	if err != nil {
		return nil, err
	}
	at := tx.Now
	if o.state != "" {
		at = o.on.Add(9 * time.Hour) // the demo's cases opened in the past
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_events (case_id, at, actor, kind, from_state, to_state, detail) VALUES (?, ?, ?, 'opened', '', ?, ?)`,
		id, d.Time(at), r.p.Username, StateOpen, o.why); err != nil {
		return nil, err
	}
	if o.counsellor != 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_events (case_id, at, actor, kind, from_state, to_state, detail) VALUES (?, ?, ?, 'assigned', '', '', ?)`,
			id, d.Time(at), r.p.Username, "→ "+s.username(ctx, tx, o.counsellor)); err != nil {
			return nil, err
		}
	}
	return &Case{ID: id, Line: o.line, Version: o.version, MethodologyID: m.ID, State: state}, nil
}

// OpenInput names a family (or person) assigned to a line without a call,
// as Familias and Habitabilidad families are (MDSF invites them).
type OpenInput struct {
	Line        string `json:"program"`
	HouseholdID string `json:"household_id"`
	RUN         string `json:"run,omitempty"`
	Agency      string `json:"agency,omitempty"`
	OpenedOn    string `json:"opened_on,omitempty"`
}

// Open opens a case for a household of the registry in the line's current
// version (national and regional staff, within their region).
func (s *Store) Open(ctx context.Context, in OpenInput) (*Case, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national && r.region == "" {
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.open_staff")
	}
	prog, err := s.prog.Program(auth.WithPrincipal(ctx, auth.System()), in.Line, 0)
	if err != nil {
		return nil, err
	}
	h, err := s.reg.Household(ctx, in.HouseholdID)
	if err != nil {
		return nil, err
	}
	if !r.national && h.RegionCode != r.region {
		return nil, refuse(fosis.ENOTFOUND, "delivery.err.no_household", in.HouseholdID)
	}
	var run int64
	if in.RUN != "" {
		if run, err = rut.Parse(in.RUN); err != nil {
			return nil, withField(refuse(fosis.EINVALID, "delivery.err.bad_run", in.RUN), "run")
		}
	} else {
		for _, m := range h.Members {
			if m.Relation == "head" {
				run, _ = rut.Parse(m.RUN)
			}
		}
	}
	on := s.today()
	if in.OpenedOn != "" {
		if on, err = time.Parse(time.DateOnly, in.OpenedOn); err != nil {
			return nil, withField(refuse(fosis.EINVALID, "delivery.err.bad_date", in.OpenedOn), "opened_on")
		}
	}
	if in.Agency != "" {
		ok, err := s.prog.AgencyExists(ctx, in.Agency)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, withField(refuse(fosis.ENOTFOUND, "delivery.err.no_agency_code", in.Agency), "agency")
		}
	}
	var out *Case
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.open(ctx, tx, r, opening{line: prog.Code, version: prog.Version, household: h.Key, householdID: h.ID, run: run,
			commune: h.CommuneCode, region: h.RegionCode, agency: in.Agency, on: on, why: "assigned without a call"})
		if err != nil {
			return err
		}
		out = c
		return record(ctx, tx, r, "case.open", "case", itoa(c.ID), nil, in)
	})
	if err != nil {
		return nil, err
	}
	return s.Case(ctx, out.ID)
}

// Case returns a case the caller may see.
func (s *Store) Case(ctx context.Context, id int64) (*Case, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	return s.caseFor(ctx, s.db, r, id)
}

func (s *Store) caseFor(ctx context.Context, q querier, r *reach, id int64) (*Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, caseSelect+` WHERE c.id = ?`, id))
	if db.IsNoRows(err) || (err == nil && !r.sees(c)) {
		return nil, notFound(id)
	}
	return c, err
}

// Filter narrows a list of cases.
type Filter struct {
	State      string `json:"state,omitempty"`
	Line       string `json:"program,omitempty"`
	Commune    string `json:"commune,omitempty"`
	Agency     string `json:"agency,omitempty"`
	Counsellor string `json:"counsellor,omitempty"` // a username
	// Active keeps the cases that are not graduated or exited.
	Active bool `json:"active,omitempty"`
}

// Page is one page of cases, in id order, and where the next starts.
type Page struct {
	Items []Case `json:"items"`
	Next  int64  `json:"next,omitempty"`
}

// Cases lists the cases the caller may see that match f, after id after,
// at most limit (1–500).
func (s *Store) Cases(ctx context.Context, f Filter, after int64, limit int) (*Page, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > 500 {
		limit = 100
	}
	where, args := r.scopeSQL()
	conds := []string{where, "c.id > ?"}
	args = append(args, after)
	add := func(cond string, v any) { conds = append(conds, cond); args = append(args, v) }
	if f.State != "" {
		if !oneOf(f.State, States...) {
			return nil, withField(refuse(fosis.EINVALID, "delivery.err.bad_state", f.State), "state")
		}
		add("c.state = ?", f.State)
	}
	if f.Active {
		conds = append(conds, "c.state <> 'graduated' AND c.state <> 'exited'")
	}
	if f.Line != "" {
		add("c.line_code = ?", f.Line)
	}
	if f.Commune != "" {
		add("c.commune_code = ?", f.Commune)
	}
	if f.Agency != "" {
		add("c.agency_code = ?", f.Agency)
	}
	if f.Counsellor != "" {
		add("u.username = ?", f.Counsellor)
	}
	rows, err := s.db.QueryContext(ctx, caseSelect+` WHERE `+strings.Join(conds, " AND ")+fmt.Sprintf(` ORDER BY c.id LIMIT %d`, limit+1), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &Page{Items: []Case{}}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		if len(out.Items) == limit {
			out.Next = out.Items[limit-1].ID
			break
		}
		out.Items = append(out.Items, *c)
	}
	return out, rows.Err()
}

// Transition moves a case from state from to state to, if it is still in
// from (a compare-and-set: of two people moving the same case at once, one
// wins and the other is told the case moved). Gates: the entry diagnosis
// must be complete to start the intervention, and the exit line to
// graduate; an exit needs one of ExitReasons.
func (s *Store) Transition(ctx context.Context, id int64, from, to, reason, note string) (*Case, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if !oneOf(to, Next(from)...) {
		return nil, refuse(fosis.ECONFLICT, "delivery.err.transition", stateTerm(from), stateTerm(to))
	}
	if to == StateExited && !oneOf(reason, ExitReasons...) {
		return nil, withField(refuse(fosis.EINVALID, "delivery.err.exit_reason", reason), "reason")
	}
	if to != StateExited {
		reason = ""
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.caseFor(ctx, tx, r, id)
		if err != nil {
			return err
		}
		if to == StateIntervention || to == StateGraduated {
			phase := PhaseEntry
			if to == StateGraduated {
				phase = PhaseExit
			}
			missing, err := s.missingConditions(ctx, tx, c, phase)
			if err != nil {
				return err
			}
			if missing > 0 {
				return refuse(fosis.ECONFLICT, "delivery.err.diagnosis_incomplete", phaseTerm(phase), missing)
			}
		}
		d := tx.DB()
		var closed any
		if Final(to) {
			closed = d.Date(s.today())
		}
		res, err := tx.ExecContext(ctx, `UPDATE delivery_cases SET state = ?, exit_reason = ?, closed_on = ?, updated_at = ? WHERE id = ? AND state = ?`,
			to, reason, closed, d.Time(tx.Now), id, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "delivery.err.moved", id, stateTerm(from), stateTerm(c.State))
		}
		detail := clean(note)
		if reason != "" {
			detail = strings.TrimSpace(reason + " " + detail)
		}
		if err := event(ctx, tx, r, id, "state", from, to, detail); err != nil {
			return err
		}
		if Final(to) && s.onCaseClosed != nil {
			c.State, c.ExitReason = to, reason
			if err := s.onCaseClosed(ctx, tx, *c); err != nil {
				return err
			}
		}
		return record(ctx, tx, r, "case.transition", "case", itoa(id), map[string]string{"state": from}, map[string]string{"state": to, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return s.Case(ctx, id)
}

// Assign gives a case to a counsellor (a username) of the case's agency,
// keeping the former assignment in the timeline. Agency staff, regional and
// national staff assign; a counsellor may not.
func (s *Store) Assign(ctx context.Context, id int64, username string) (*Case, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if r.counsellor != 0 {
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.assign_role")
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.caseFor(ctx, tx, r, id)
		if err != nil {
			return err
		}
		if Final(c.State) {
			return refuse(fosis.ECONFLICT, "delivery.err.closed", id, stateTerm(c.State))
		}
		var uid int64
		var agency string
		err = tx.QueryRowContext(ctx, `SELECT k.user_id, k.agency_code FROM delivery_counsellors k JOIN users u ON u.id = k.user_id WHERE u.username = ?`, username).Scan(&uid, &agency)
		if db.IsNoRows(err) {
			return withField(refuse(fosis.ENOTFOUND, "delivery.err.no_counsellor", username), "counsellor")
		}
		if err != nil {
			return err
		}
		if c.Agency != "" && agency != c.Agency {
			return withField(refuse(fosis.ECONFLICT, "delivery.err.other_agency", username, c.Agency), "counsellor")
		}
		d := tx.DB()
		res, err := tx.ExecContext(ctx, `UPDATE delivery_cases SET counsellor = ?, agency_code = ?, updated_at = ? WHERE id = ? AND COALESCE(counsellor, 0) = ?`,
			uid, agency, d.Time(tx.Now), id, c.CounsellorID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "delivery.err.reassigned", id)
		}
		if err := event(ctx, tx, r, id, "assigned", "", "", fmt.Sprintf("%s → %s", orDash(c.Counsellor), username)); err != nil {
			return err
		}
		return record(ctx, tx, r, "case.assign", "case", itoa(id), map[string]string{"counsellor": c.Counsellor}, map[string]string{"counsellor": username})
	})
	if err != nil {
		return nil, err
	}
	return s.Case(ctx, id)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Event is one entry of a case's timeline.
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Kind   string    `json:"kind"`
	From   string    `json:"from_state,omitempty"`
	To     string    `json:"to_state,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Timeline returns everything that happened to a case, oldest first.
func (s *Store) Timeline(ctx context.Context, id int64) ([]Event, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, s.db, r, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor, kind, from_state, to_state, detail FROM delivery_events WHERE case_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var at db.Instant
		if err := rows.Scan(&at, &e.Actor, &e.Kind, &e.From, &e.To, &e.Detail); err != nil {
			return nil, err
		}
		e.At = at.Time
		out = append(out, e)
	}
	return out, rows.Err()
}

// username returns the username of user id ("" if none).
func (s *Store) username(ctx context.Context, tx *db.Tx, id int64) string {
	var u string
	_ = tx.QueryRowContext(ctx, `SELECT username FROM users WHERE id = ?`, id).Scan(&u)
	return u
}
