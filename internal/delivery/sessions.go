package delivery

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
)

// Session kinds.
const (
	SessionHome      = "home"      // in the family's home
	SessionGroup     = "group"     // with other families
	SessionCommunity = "community" // with the neighbourhood
	SessionOffice    = "office"    // at the agency or the municipality
	SessionVisit     = "visit"     // technical-assistance or follow-up visit
	SessionWorkshop  = "workshop"  // a training module
	SessionRemote    = "remote"    // by telephone or video
)

// SessionKinds lists the kinds in the order forms show them.
var SessionKinds = []string{SessionHome, SessionGroup, SessionCommunity, SessionOffice, SessionVisit, SessionWorkshop, SessionRemote}

// Session statuses.
const (
	Scheduled = "scheduled"
	Held      = "held"
	Missed    = "missed"
)

// maxNotes bounds a session's notes (runes).
const maxNotes = 4000

// Session is a session or visit of a case. Notes are sensitive: lists leave
// them out (HasNotes says whether there are any) and only Notes, which
// audits the read, returns them.
type Session struct {
	ID         int64    `json:"id"`
	CaseID     int64    `json:"case_id"`
	Component  string   `json:"component"`
	Kind       string   `json:"kind"`
	Status     string   `json:"status"`
	Date       string   `json:"date"`
	Minutes    int      `json:"minutes"`
	Attendees  []string `json:"attendees"`
	Dimensions []string `json:"dimensions"`
	Notes      string   `json:"notes,omitempty"`
	HasNotes   bool     `json:"has_notes"`
	Ref        string   `json:"ref,omitempty"`
	CreatedBy  string   `json:"created_by"`
}

// validate checks a session against its case's methodology; it returns
// the problems, each naming its field.
func (in *Session) validate(m *Methodology) []fosis.FieldError {
	var bad []fosis.FieldError
	comps := map[string]bool{}
	for _, c := range m.Components {
		if c.Kind == KindSessions || c.Kind == KindVisits || c.Kind == KindTraining {
			comps[c.Key] = true
		}
	}
	if !comps[in.Component] {
		bad = append(bad, field("component", "delivery.err.bad_component", in.Component, m.Line))
	}
	if !oneOf(in.Kind, SessionKinds...) {
		bad = append(bad, field("kind", "delivery.err.bad_kind", in.Kind))
	}
	if !oneOf(in.Status, Scheduled, Held, Missed) {
		bad = append(bad, field("status", "delivery.err.bad_session_status", in.Status))
	}
	if _, err := time.Parse(time.DateOnly, in.Date); err != nil {
		bad = append(bad, field("date", "delivery.err.bad_date", in.Date))
	}
	if in.Minutes < 0 || in.Minutes > 600 {
		bad = append(bad, field("minutes", "delivery.err.bad_minutes", in.Minutes))
	}
	if in.Status == Held && in.Minutes == 0 {
		bad = append(bad, field("minutes", "delivery.err.held_minutes"))
	}
	dims := map[string]bool{}
	for _, d := range m.Dimensions {
		dims[d.Key] = true
	}
	for _, d := range in.Dimensions {
		if !dims[d] {
			bad = append(bad, field("dimensions", "delivery.err.bad_dimension", d, m.Line))
			break
		}
	}
	if utf8.RuneCountInString(in.Notes) > maxNotes {
		bad = append(bad, field("notes", "delivery.err.notes_long", maxNotes))
	}
	return bad
}

// normalise trims a session's free text and drops empty list entries.
func (in *Session) normalise() {
	in.Component, in.Kind, in.Status = strings.TrimSpace(in.Component), strings.TrimSpace(in.Kind), strings.TrimSpace(in.Status)
	in.Date, in.Ref = strings.TrimSpace(in.Date), strings.TrimSpace(in.Ref)
	in.Notes = strings.TrimSpace(in.Notes)
	in.Attendees = cleanList(in.Attendees)
	in.Dimensions = cleanList(in.Dimensions)
	if in.Status == "" {
		in.Status = Held
	}
}

func cleanList(xs []string) []string {
	out := []string{}
	for _, x := range xs {
		if x = clean(strings.ReplaceAll(x, "|", " ")); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// RecordSession records (or schedules) a session of a case. Counsellors
// record on their own cases, agency staff on their agency's; a held session
// moves the case's last contact.
func (s *Store) RecordSession(ctx context.Context, caseID int64, in Session) (*Session, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	in.normalise()
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.caseFor(ctx, tx, r, caseID)
		if err != nil {
			return err
		}
		m, err := s.methodologyByID(ctx, tx, c.MethodologyID)
		if err != nil {
			return err
		}
		if bad := in.validate(m); len(bad) > 0 {
			e := refuse(fosis.EINVALID, "delivery.err.invalid_session", bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
			e.Fields = bad
			return e
		}
		if Final(c.State) {
			return refuse(fosis.ECONFLICT, "delivery.err.closed", caseID, stateTerm(c.State))
		}
		_, err = s.insertSession(ctx, tx, r, c, &in)
		return err
	})
	if err != nil {
		return nil, err
	}
	in.Notes = ""
	return &in, nil
}

// insertSession writes a validated session; with a ref already stored for
// the case it writes nothing and reports false.
func (s *Store) insertSession(ctx context.Context, tx *db.Tx, r *reach, c *Case, in *Session) (bool, error) {
	d := tx.DB()
	on, _ := time.Parse(time.DateOnly, in.Date)
	var ref any
	if in.Ref != "" {
		ref = in.Ref
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM delivery_sessions WHERE case_id = ? AND ref = ?`, c.ID, in.Ref).Scan(&n); err != nil {
			return false, err
		}
		if n > 0 {
			return false, nil
		}
	}
	id, err := tx.InsertID(ctx, `INSERT INTO delivery_sessions (case_id, component, kind, status, on_date, minutes, attendees, dimensions, notes, ref, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, in.Component, in.Kind, in.Status, d.Date(on), in.Minutes,
		strings.Join(in.Attendees, "|"), strings.Join(in.Dimensions, "|"), in.Notes, ref, d.Time(tx.Now), r.p.Username)
	if err != nil {
		return false, err
	}
	in.ID, in.CaseID, in.CreatedBy, in.HasNotes = id, c.ID, r.p.Username, in.Notes != ""
	if in.Status == Held {
		if _, err := tx.ExecContext(ctx, `UPDATE delivery_cases SET last_contact_on = ?, updated_at = ? WHERE id = ? AND (last_contact_on IS NULL OR last_contact_on < ?)`,
			d.Date(on), d.Time(tx.Now), c.ID, d.Date(on)); err != nil {
			return false, err
		}
	}
	return true, event(ctx, tx, r, c.ID, "session", "", "", in.Status+" "+in.Kind+" "+in.Date)
}

const sessionSelect = `SELECT id, case_id, component, kind, status, on_date, minutes, attendees, dimensions, notes <> '', COALESCE(ref, ''), created_by FROM delivery_sessions`

func scanSession(sc rowScanner) (*Session, error) {
	var x Session
	var on db.Day
	var att, dims string
	if err := sc.Scan(&x.ID, &x.CaseID, &x.Component, &x.Kind, &x.Status, &on, &x.Minutes, &att, &dims, &x.HasNotes, &x.Ref, &x.CreatedBy); err != nil {
		return nil, err
	}
	x.Date = on.Format(time.DateOnly)
	x.Attendees, x.Dimensions = split(att), split(dims)
	return &x, nil
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "|")
}

// Sessions lists a case's sessions, newest first, without their notes.
func (s *Store) Sessions(ctx context.Context, caseID int64) ([]Session, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, s.db, r, caseID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, sessionSelect+` WHERE case_id = ? ORDER BY on_date DESC, id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Session{}
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *x)
	}
	return out, rows.Err()
}

// MayReadNotes reports whether the caller may read case id's session notes:
// the case's counsellor, the counsellor's supervisor, and FOSIS staff an
// administrator authorised (GrantNotes) within their reach.
func (s *Store) MayReadNotes(ctx context.Context, caseID int64) (bool, error) {
	r, err := s.access(ctx)
	if err != nil {
		return false, err
	}
	c, err := s.caseFor(ctx, s.db, r, caseID)
	if err != nil {
		return false, err
	}
	return s.mayReadNotes(ctx, s.db, r, c)
}

func (s *Store) mayReadNotes(ctx context.Context, q querier, r *reach, c *Case) (bool, error) {
	if r.p.System {
		return true, nil
	}
	if c.CounsellorID != 0 && c.CounsellorID == r.p.UserID {
		return true, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM delivery_counsellors WHERE user_id = ? AND supervisor = ?)
		+ (SELECT count(*) FROM delivery_note_readers WHERE user_id = ?)`, c.CounsellorID, r.p.UserID, r.p.UserID).Scan(&n)
	return n > 0, err
}

// Notes returns the notes of a session, and writes the read to the audit
// trail (Ley 21.719: session notes are sensitive). Anyone else is told the
// notes are reserved, and the refusal is audited too.
func (s *Store) Notes(ctx context.Context, sessionID int64, ip string) (string, error) {
	r, err := s.access(ctx)
	if err != nil {
		return "", err
	}
	var notes string
	refused := false
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		var caseID int64
		err := tx.QueryRowContext(ctx, `SELECT case_id, notes FROM delivery_sessions WHERE id = ?`, sessionID).Scan(&caseID, &notes)
		if err == sql.ErrNoRows {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_session", sessionID)
		}
		if err != nil {
			return err
		}
		c, err := s.caseFor(ctx, tx, r, caseID)
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_session", sessionID)
		}
		if err != nil {
			return err
		}
		ok, err := s.mayReadNotes(ctx, tx, r, c)
		if err != nil {
			return err
		}
		action := "session.notes_read"
		if !ok {
			action = "session.notes_refused"
		}
		if _, err := audit.Append(ctx, tx, audit.Entry{Actor: r.p.Username, ActorRole: string(r.p.Role), Action: action,
			Entity: "session", EntityID: itoa(sessionID), IP: ip, After: map[string]any{"case": caseID}}); err != nil {
			return err
		}
		if !ok {
			// Commit the refusal's audit entry; the caller gets the refusal.
			notes, refused = "", true
		}
		return nil
	})
	if err == nil && refused {
		return "", refuse(fosis.EFORBIDDEN, "delivery.err.notes_reserved")
	}
	return notes, err
}
