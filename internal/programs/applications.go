package programs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
)

// Application statuses.
const (
	AppSubmitted   = "submitted"    // eligible, waiting for the selection
	AppIneligible  = "ineligible"   // failed a rule (Failed says which and why)
	AppSelected    = "selected"     // holds a place
	AppWaitlisted  = "waitlisted"   // eligible, on the region's waiting list
	AppWithdrawn   = "withdrawn"    // gave up the application or the place
	AppEnrolled    = "enrolled"     // participation created, amount reserved
	AppNotSelected = "not_selected" // (reserved for calls without waiting lists)
)

// Channels an application comes through.
const (
	ChannelStaff  = "staff"
	ChannelAgency = "agency"
	ChannelAPI    = "api"
	ChannelCSV    = "csv"
)

// ApplyInput names the applicant: a RUN (any common spelling), or for a
// household programme a household id (or any member's RUN).
type ApplyInput struct {
	RUN       string `json:"run,omitempty"`
	Household string `json:"household_id,omitempty"`
	Channel   string `json:"channel,omitempty"`
}

// inputs is what the application stores as its selection input: the
// attributes as evaluated, the priority and reserved-group masks.
type inputs struct {
	Attrs       Attrs  `json:"attrs"`
	Priority    uint32 `json:"priority"`
	Reserved    uint32 `json:"reserved"`
	HouseholdID string `json:"household_id"`
	Invited     bool   `json:"invited,omitempty"`
}

// Application is an application and its decision trace: eligible or not and
// why, rank, the quota that gave the place, the waiting-list position.
type Application struct {
	ID          int64     `json:"id"`
	Call        string    `json:"call"`
	RUN         string    `json:"run,omitempty"`
	HouseholdID string    `json:"household_id"`
	Commune     string    `json:"commune"`
	Region      string    `json:"region"`
	Channel     string    `json:"channel"`
	Status      string    `json:"status"`
	Eligible    bool      `json:"eligible"`
	Failed      []Failure `json:"failed"`
	Attrs       Attrs     `json:"attrs"`
	Priority    uint32    `json:"priority_groups"`
	Reserved    uint32    `json:"reserved_groups"`
	Seat        string    `json:"seat,omitempty"`
	Rank        int       `json:"rank,omitempty"`
	WaitPos     int       `json:"waitlist_position,omitempty"`
	Reason      string    `json:"reason,omitempty"` // in English: ReasonPhrase says it in other languages
	// Invited: made by the selection of an invitation call (the line takes
	// no applications; docs/selection.md), not applied for.
	Invited     bool      `json:"invited,omitempty"`
	SubmittedAt time.Time `json:"submitted_at"`

	reason fosis.Phrase

	household int64
	personRUN int64
	applicant int64
	line      int64
	submitted int64 // unix microseconds, the selection's tie-break
}

// prepared is an application checked and evaluated, ready to be inserted.
type prepared struct {
	a   Application
	in  inputs
	row int // CSV line, for error reports
}

// Apply submits an application to an open call. The applicant must be in
// the registry (and in the caller's reach), live in a commune the call
// covers, and not have applied already; eligibility is evaluated against the
// call's scoring run and stored with the reasons, so an ineligible applicant
// is recorded with the rules that failed.
func (s *Store) Apply(ctx context.Context, callRef string, in ApplyInput) (*Application, error) {
	v, c, err := s.applyCall(ctx, callRef)
	if err != nil {
		return nil, err
	}
	p, err := s.prepare(ctx, v, c, in, time.Now())
	if err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		return s.insert(ctx, tx, c, []*prepared{p})
	})
	if err != nil {
		return nil, err
	}
	return &p.a, nil
}

// applyCall checks that the caller may apply to call ref and that it is open.
func (s *Store) applyCall(ctx context.Context, ref string) (*viewer, *Call, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !v.p.Writes() {
		return nil, nil, refuse(fosis.EFORBIDDEN, "programs.err.read_only", roleTerm(v.p.Role))
	}
	c, err := s.Call(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if c.Invitation {
		return nil, nil, refuse(fosis.ECONFLICT, "programs.err.invitation_call", c.Code, c.Program)
	}
	if c.Status != StatusOpen {
		return nil, nil, refuse(fosis.ECONFLICT, "programs.err.call_not_open", c.Code, statusTerm(c.Status))
	}
	return v, c, nil
}

// prepare finds the applicant, checks coverage and evaluates the rules.
func (s *Store) prepare(ctx context.Context, v *viewer, c *Call, in ApplyInput, now time.Time) (*prepared, error) {
	rctx := v.registryCtx(ctx)
	var h *registry.HouseholdView
	var err error
	var body int64
	switch {
	case in.RUN != "":
		if body, err = rut.Parse(in.RUN); err != nil {
			return nil, invalid("run", "programs.err.bad_run", in.RUN, runReason(err))
		}
		h, err = s.reg.HouseholdOfRUN(rctx, in.RUN)
	case in.Household != "" && c.Unit == UnitHousehold:
		h, err = s.reg.Household(rctx, in.Household)
	case in.Household != "":
		return nil, invalid("run", "programs.err.person_call", c.Code)
	default:
		return nil, invalid("run", "programs.err.name_applicant")
	}
	if err == nil && !v.seesApplicant(c.line, h.CommuneCode, h.RegionCode) {
		err = fosis.Errorf(fosis.ENOTFOUND, "not in your reach")
	}
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		if in.RUN == "" {
			return nil, refuse(fosis.ENOTFOUND, "programs.err.household_not_in_registry", in.Household)
		}
		return nil, refuse(fosis.ENOTFOUND, "programs.err.not_in_registry", in.RUN)
	}
	if err != nil {
		return nil, err
	}
	if !c.Covers(h.CommuneCode, h.RegionCode) {
		return nil, invalid("run", "programs.err.commune_not_covered", h.CommuneName, h.CommuneCode, c.Code)
	}
	// The person whose attributes count: the applicant, or the household's head.
	var person *registry.PersonView
	for k := range h.Members {
		m := &h.Members[k]
		b, _ := rut.Parse(m.RUN)
		if (c.Unit == UnitPerson && b == body) || (c.Unit == UnitHousehold && m.Relation == "head") {
			person = m
			body = b
			break
		}
	}
	if person == nil {
		return nil, refuse(fosis.ECONFLICT, "programs.err.no_head", h.ID)
	}
	a := Attrs{Age: person.Age, Sex: person.Sex, Relation: person.Relation, Employed: person.Employed, InSchool: person.InSchool,
		Schooling: person.Schooling, Commune: h.CommuneCode, Region: h.RegionCode, Zone: h.Zone, Members: h.MemberCount}
	if s.needsSensitive(c) {
		sr, err := s.reg.Sensitive(rctx, h.ID, "")
		if err != nil {
			return nil, err
		}
		for _, m := range sr.Members {
			if b, _ := rut.Parse(m.RUN); b == body {
				a.Disability = m.Disability != "" && m.Disability != "none"
				a.Indigenous = m.Indigenous
			}
		}
	}
	res, err := s.tgt.Result(rctx, c.Run, h.Key)
	switch {
	case err == nil:
		a.Scored, a.Bracket, a.Percentile, a.Poorest5 = true, int(res.Bracket), res.Percentile, res.Poorest5
	case fosis.ErrorCode(err) != fosis.ENOTFOUND:
		return nil, err
	}
	applicant := body
	if c.Unit == UnitHousehold {
		applicant = h.Key
	}
	if a.Participations, err = s.participations(ctx, s.db, c.Unit, h.Key, body, now); err != nil {
		return nil, err
	}
	// Seguridades y Oportunidades is the household's, whoever applies.
	hp := a.Participations
	if c.Unit != UnitHousehold {
		if hp, err = s.participations(ctx, s.db, UnitHousehold, h.Key, body, now); err != nil {
			return nil, err
		}
	}
	a.SSO = ssoOf(hp)
	channel := in.Channel
	if v.agency != 0 {
		channel = ChannelAgency
	} else if channel == "" {
		channel = ChannelStaff
	}
	p := &prepared{in: inputs{Attrs: a, HouseholdID: h.ID}}
	p.in.Priority, p.in.Reserved = c.rules.priorities.Mask(&a), c.rules.reserved.Mask(&a)
	failed := c.rules.rules.Eval(&a)
	p.a = Application{Call: c.Code, HouseholdID: h.ID, Commune: h.CommuneCode, Region: h.RegionCode, Channel: channel,
		Eligible: len(failed) == 0, Failed: failed, Attrs: a, Priority: p.in.Priority, Reserved: p.in.Reserved,
		household: h.Key, personRUN: body, applicant: applicant, line: c.line}
	if c.Unit == UnitPerson {
		p.a.RUN = rut.FormatDots(body)
	}
	p.a.Status = AppSubmitted
	if !p.a.Eligible {
		p.a.Status = AppIneligible
	}
	if p.a.Failed == nil {
		p.a.Failed = []Failure{}
	}
	return p, nil
}

// needsSensitive reports whether c's rules read sensitive attributes (a
// read of them is audited by the registry).
func (s *Store) needsSensitive(c *Call) bool {
	for _, rs := range []*RuleSet{c.rules.rules, c.rules.priorities, c.rules.reserved} {
		for _, v := range rs.Vars() {
			if v == "disability" || v == "indigenous" {
				return true
			}
		}
	}
	return false
}

// participations returns the lines a person (or household) took part in,
// with the whole months since each last ended (0: still running).
func (s *Store) participations(ctx context.Context, q db.Querier, unit string, household, run int64, now time.Time) (map[string]int64, error) {
	where, arg := `p.person_run = ?`, run
	if unit == UnitHousehold {
		where, arg = `p.household = ?`, household
	}
	out := map[string]int64{}
	err := db.Each(ctx, q, func(rows *sql.Rows) error {
		var code string
		var ends sql.Null[db.Day]
		if err := rows.Scan(&code, &ends); err != nil {
			return err
		}
		m := int64(0)
		if ends.Valid {
			m = monthsBetween(ends.V.Time, now)
		}
		if old, ok := out[code]; !ok || m < old {
			out[code] = m
		}
		return nil
	}, `SELECT l.code, p.ends_on FROM participations p JOIN program_lines l ON l.id = p.line WHERE `+where, arg)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// monthsBetween returns the whole months from a to b (0 if b is not after a).
func monthsBetween(a, b time.Time) int64 {
	m := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if b.Day() < a.Day() {
		m--
	}
	return int64(max(m, 0))
}

// insert writes prepared applications of call c in tx, each with its
// audit entry; a duplicate is a conflict naming the applicant.
func (s *Store) insert(ctx context.Context, tx *db.Tx, c *Call, ps []*prepared) error {
	// The call may have closed since applyCall read it: read it again
	// holding it (sharedCall), so that no application goes in after the
	// close (the close waits for the applications going in).
	now, err := s.sharedCall(ctx, tx, strconv.FormatInt(c.ID, 10))
	if err != nil {
		return err
	}
	if now.Invitation {
		return refuse(fosis.ECONFLICT, "programs.err.invitation_call", c.Code, c.Program)
	}
	if now.Status != StatusOpen {
		return refuse(fosis.ECONFLICT, "programs.err.call_not_open", c.Code, statusTerm(now.Status))
	}
	return s.insertRows(ctx, tx, c, ps)
}

// insertRows writes prepared applications of call c in tx, whatever the
// call's state (insert checks it is open; the selection of an invitation
// call writes its invitations this way).
func (s *Store) insertRows(ctx context.Context, tx *db.Tx, c *Call, ps []*prepared) error {
	d := tx.DB()
	for _, p := range ps {
		in, _ := json.Marshal(p.in)
		failed, _ := json.Marshal(p.a.Failed)
		var agency any
		if ag := s.agencyOf(ctx, tx); ag != 0 {
			agency = ag
		}
		id, err := tx.InsertID(ctx, `INSERT INTO applications (call, applicant, household, person_run, commune_code, region_code, channel, agency,
			status, eligible, failed, attrs, submitted_at, submitted_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, p.a.applicant, p.a.household, p.a.personRUN, p.a.Commune, p.a.Region, p.a.Channel, agency,
			p.a.Status, db.Bool(p.a.Eligible), string(failed), string(in), d.Time(tx.Now), principalName(ctx), d.Time(tx.Now))
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			e := refuse(fosis.ECONFLICT, "programs.err.already_applied", p.a.RUN, c.Code)
			if c.Unit == UnitHousehold {
				e = refuse(fosis.ECONFLICT, "programs.err.household_already_applied", p.a.HouseholdID, c.Code)
			}
			if p.row > 0 {
				return &lineError{line: p.row, err: e}
			}
			return e
		}
		if err != nil {
			return err
		}
		p.a.ID, p.a.SubmittedAt = id, tx.Now
		if err := record(ctx, tx, "application.submit", "application", strconv.FormatInt(id, 10), nil,
			map[string]any{"call": c.Code, "household_id": p.a.HouseholdID, "status": p.a.Status, "failed": p.a.Failed}); err != nil {
			return err
		}
	}
	return nil
}

// agencyOf returns the agency of an agency caller (0 otherwise).
func (s *Store) agencyOf(ctx context.Context, tx *db.Tx) int64 {
	p := principalFrom(ctx)
	if p == nil || p.Role != "agency" {
		return 0
	}
	var ag int64
	_ = tx.QueryRowContext(ctx, `SELECT agency FROM agency_staff WHERE user_id = ?`, p.UserID).Scan(&ag)
	return ag
}

// ImportReport is the outcome of a bulk import: how many applications were
// stored (all or none) and, if none, every row's error.
type ImportReport struct {
	Rows       int        `json:"rows"`
	Stored     int        `json:"stored"`
	Eligible   int        `json:"eligible"`
	Ineligible int        `json:"ineligible"`
	Errors     []RowError `json:"errors"`
}

// RowError is one rejected row of an import.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Key and Args say Message in the web catalogs' terms (fosis.Error.Key).
	Key  string `json:"-"`
	Args []any  `json:"-"`
}

// Phrase returns the row's message as a Phrase (the pages translate it).
func (r RowError) Phrase() fosis.Phrase {
	return fosis.Phrase{Key: r.Key, Args: r.Args, Text: r.Message}
}

// rowError is the report row of err at line.
func rowError(line int, field string, err error) RowError {
	re := RowError{Line: line, Field: field, Message: fosis.ErrorMessage(err)}
	var e *fosis.Error
	if errors.As(err, &e) {
		re.Key, re.Args = e.Key, e.Args
	}
	return re
}

// lineError is a refusal of the row of an import at line (its message
// says the line; the report gives it as RowError.Line).
type lineError struct {
	line int
	err  *fosis.Error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.err.Error()) }
func (e *lineError) Unwrap() error { return e.err }

// ImportApplications reads a CSV of applications (a column run, or for
// household calls household_id) into call ref. It is all or nothing: if any
// row is wrong, nothing is stored and the report lists every wrong row with
// its line; an ineligible applicant is not an error (it is stored with its
// reasons).
func (s *Store) ImportApplications(ctx context.Context, ref string, r io.Reader, name string) (*ImportReport, error) {
	v, c, err := s.applyCall(ctx, ref)
	if err != nil {
		return nil, err
	}
	col := "run"
	if c.Unit == UnitHousehold {
		col = "household_id"
	}
	cr, err := csvin.NewReader(r, name, []string{col})
	if err != nil {
		return nil, invalid("file", "programs.err.file", err)
	}
	rep := &ImportReport{Errors: []RowError{}}
	var ps []*prepared
	seen := map[int64]int{}
	now := time.Now()
	for {
		err := cr.Next()
		if err == io.EOF {
			break
		}
		var re *csvin.RowError
		if errors.As(err, &re) {
			rep.Rows++
			rep.Errors = append(rep.Errors, rowError(re.Line, "", refuse(fosis.EINVALID, "programs.err.csv_row", re.Err)))
			continue
		}
		if err != nil {
			return nil, err
		}
		rep.Rows++
		in := ApplyInput{Channel: ChannelCSV}
		if col == "run" {
			in.RUN = cr.Field(0)
		} else {
			in.Household = cr.Field(0)
		}
		p, err := s.prepare(ctx, v, c, in, now)
		if err != nil {
			rep.Errors = append(rep.Errors, rowError(cr.Line(), col, err))
			continue
		}
		if first, dup := seen[p.a.applicant]; dup {
			rep.Errors = append(rep.Errors, rowError(cr.Line(), col, refuse(fosis.EINVALID, "programs.err.same_applicant", first, unitTerm(c.Unit))))
			continue
		}
		seen[p.a.applicant] = cr.Line()
		p.row = cr.Line()
		ps = append(ps, p)
	}
	if len(rep.Errors) > 0 {
		return rep, nil
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error { return s.insert(ctx, tx, c, ps) })
	if fosis.ErrorCode(err) == fosis.ECONFLICT {
		line := 0
		if le := (*lineError)(nil); errors.As(err, &le) {
			line = le.line
		}
		rep.Errors = append(rep.Errors, rowError(line, col, err))
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		rep.Stored++
		if p.a.Eligible {
			rep.Eligible++
		} else {
			rep.Ineligible++
		}
	}
	return rep, nil
}

// ReasonPhrase is the reason of the application's last decision, for the
// pages to say in the reader's language.
func (a Application) ReasonPhrase() fosis.Phrase { return a.reason }

const appSelect = `SELECT a.id, c.code, a.applicant, a.household, a.person_run, a.commune_code, a.region_code, a.channel, a.status, a.eligible,
	a.failed, a.attrs, a.seat, a.rank, a.waitlist_pos, a.reason, a.submitted_at, l.id, l.unit
	FROM applications a JOIN calls c ON c.id = a.call JOIN program_versions v ON v.id = c.program_version JOIN program_lines l ON l.id = v.line`

func scanApplication(sc interface{ Scan(...any) error }) (*Application, error) {
	var a Application
	var failed, attrs, unit string
	var elig int
	var at db.Instant
	if err := sc.Scan(&a.ID, &a.Call, &a.applicant, &a.household, &a.personRUN, &a.Commune, &a.Region, &a.Channel, &a.Status, &elig,
		&failed, &attrs, &a.Seat, &a.Rank, &a.WaitPos, &a.Reason, &at, &a.line, &unit); err != nil {
		return nil, err
	}
	a.reason = readReason(a.Reason)
	a.Reason = a.reason.Text
	var in inputs
	if err := json.Unmarshal([]byte(attrs), &in); err != nil {
		return nil, fmt.Errorf("application %d: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(failed), &a.Failed); err != nil {
		return nil, fmt.Errorf("application %d: %w", a.ID, err)
	}
	a.Eligible, a.Attrs, a.Priority, a.Reserved, a.HouseholdID, a.Invited = elig == 1, in.Attrs, in.Priority, in.Reserved, in.HouseholdID, in.Invited
	a.SubmittedAt, a.submitted = at.Time, at.Time.UnixMicro()
	if unit == UnitPerson {
		a.RUN = rut.FormatDots(a.personRUN)
	}
	return &a, nil
}

// Application returns one application and its decision trace, if the
// caller may see it (otherwise: not found).
func (s *Store) Application(ctx context.Context, id int64) (*Application, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	a, err := scanApplication(s.db.QueryRowContext(ctx, appSelect+` WHERE a.id = ?`, id))
	if err == sql.ErrNoRows || (err == nil && !v.seesApplicant(a.line, a.Commune, a.Region)) {
		return nil, refuse(fosis.ENOTFOUND, "programs.err.no_application", id)
	}
	return a, err
}

// Applications lists a call's applications the caller may see: by rank
// (placed and waitlisted first), then by id. status filters when not "".
func (s *Store) Applications(ctx context.Context, ref, status string) ([]Application, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.Call(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.applications(ctx, s.db, v, c, status)
}

func (s *Store) applications(ctx context.Context, q db.Querier, v *viewer, c *Call, status string) ([]Application, error) {
	query, args := appSelect+` WHERE a.call = ?`, []any{c.ID}
	if status != "" {
		query, args = query+` AND a.status = ?`, append(args, status)
	}
	out := []Application{}
	err := db.Each(ctx, q, func(rows *sql.Rows) error {
		a, err := scanApplication(rows)
		if err != nil {
			return err
		}
		if v == nil || v.seesApplicant(a.line, a.Commune, a.Region) {
			out = append(out, *a)
		}
		return nil
	}, query+` ORDER BY CASE WHEN a.rank = 0 THEN 1 ELSE 0 END, a.rank, a.id`, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sortByID orders applications by id (the order the selection reads them).
func sortByID(as []Application) {
	slices.SortFunc(as, func(a, b Application) int { return int(a.ID - b.ID) })
}

// PageOf cuts one page of limit applications from a ranked list, after the
// application with id after (0: the first page), and returns it with the id
// to continue after (0 on the last page). The order is the rank, not the
// id, so the cursor is a position in the list: an unknown cursor (an
// application gone since) is refused rather than guessed.
func PageOf(all []Application, after int64, limit int) ([]Application, int64, error) {
	start := 0
	if after > 0 {
		i := slices.IndexFunc(all, func(a Application) bool { return a.ID == after })
		if i < 0 {
			e := refuse(fosis.EINVALID, "programs.err.bad_cursor")
			e.Fields = []fosis.FieldError{problem("after", "programs.err.unknown_cursor")}
			return nil, 0, e
		}
		start = i + 1
	}
	end := min(start+max(limit, 1), len(all))
	var next int64
	if end < len(all) {
		next = all[end-1].ID
	}
	return all[start:end], next, nil
}

// decideOn runs decide in a transaction on application id and its call,
// both read under the call's lock (lockedApplication), once it has checked
// that the caller may write: the prologue of every decision on one
// application (Withdraw, Enroll).
func (s *Store) decideOn(ctx context.Context, id int64, decide func(tx *db.Tx, c *Call, a *Application) error) error {
	v, err := s.who(ctx)
	if err != nil {
		return err
	}
	if !v.p.Writes() {
		return refuse(fosis.EFORBIDDEN, "programs.err.read_only", roleTerm(v.p.Role))
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		c, a, err := s.lockedApplication(ctx, tx, v, id)
		if err != nil {
			return err
		}
		return decide(tx, c, a)
	})
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
