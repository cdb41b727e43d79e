package delivery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/platform/db"
)

// SessionColumns are the columns of an agency's sessions file, in any
// order (docs/delivery.md): attendees and dimensions are lists separated by
// "|"; ref is the agency's own id of the session, unique per case, which
// makes a second import of the same file add nothing.
var SessionColumns = []string{"case", "ref", "date", "component", "kind", "status", "minutes", "attendees", "dimensions", "notes"}

// SessionRow is one parsed row of a sessions file.
type SessionRow struct {
	Line    int
	CaseID  int64
	Session Session
}

// RowProblem is what is wrong with one row.
type RowProblem struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Key     string `json:"-"`
	Args    []any  `json:"-"`
}

// ParseSessions reads a sessions file. It returns every row it could parse
// and a problem for every row it could not (bad shape, a case or minutes
// that is not a number, a ref repeated in the file); a bad header is an
// error and nothing is read.
func ParseSessions(r io.Reader, file string) ([]SessionRow, []RowProblem, error) {
	rd, err := csvin.NewReader(r, file, SessionColumns)
	if err != nil {
		var he *csvin.HeaderError
		if errors.As(err, &he) {
			return nil, nil, he.Refusal()
		}
		return nil, nil, err
	}
	var rows []SessionRow
	var bad []RowProblem
	seen := map[string]int{}
	for {
		err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *csvin.RowError
		if errors.As(err, &re) {
			bad = append(bad, RowProblem{Line: re.Line, Message: re.Err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		line := rd.Line()
		problem := func(f, key string, args ...any) {
			bad = append(bad, RowProblem{Line: line, Field: f, Message: fmt.Sprintf(english(key), args...), Key: key, Args: args})
		}
		caseID, err := strconv.ParseInt(rd.Field(0), 10, 64)
		if err != nil || caseID < 1 {
			problem("case", "delivery.err.import_number", "case", rd.Field(0))
			continue
		}
		minutes, err := strconv.Atoi(rd.Field(6))
		if err != nil {
			problem("minutes", "delivery.err.import_number", "minutes", rd.Field(6))
			continue
		}
		ref := rd.Field(1)
		if ref == "" {
			problem("ref", "delivery.err.required")
			continue
		}
		k := rd.Field(0) + "\x00" + ref
		if first, dup := seen[k]; dup {
			problem("ref", "delivery.err.import_repeated", ref, first)
			continue
		}
		seen[k] = line
		s := Session{Ref: ref, Date: rd.Field(2), Component: rd.Field(3), Kind: rd.Field(4), Status: rd.Field(5), Minutes: minutes,
			Attendees: strings.Split(rd.Field(7), "|"), Dimensions: strings.Split(rd.Field(8), "|"), Notes: rd.Field(9)}
		s.normalise()
		rows = append(rows, SessionRow{Line: line, CaseID: caseID, Session: s})
	}
	return rows, bad, nil
}

// ImportResult says what an import did.
type ImportResult struct {
	File    string `json:"file"`
	Rows    int    `json:"rows"`
	Added   int    `json:"added"`
	Already int    `json:"already_imported"`
}

// ImportSessions imports a sessions file all or nothing: every row is
// checked (the case exists and is in the caller's reach and not closed, the
// session fits the case's methodology), and if any row is bad none is
// written and the error names every bad row. Rows whose ref the case
// already has are skipped, so importing a file twice adds nothing.
func (s *Store) ImportSessions(ctx context.Context, r io.Reader, file string) (*ImportResult, error) {
	rc, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	rows, bad, err := ParseSessions(r, file)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{File: file, Rows: len(rows) + len(bad)}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		cases := map[int64]*Case{}
		methods := map[int64]*Methodology{}
		type ok struct {
			c *Case
			x *Session
		}
		var good []ok
		for i := range rows {
			row := &rows[i]
			c, seen := cases[row.CaseID]
			if !seen {
				c, err = s.caseFor(ctx, tx, rc, row.CaseID)
				if err != nil && fosis.ErrorCode(err) != fosis.ENOTFOUND {
					return err
				}
				cases[row.CaseID] = c
			}
			if c == nil {
				bad = append(bad, RowProblem{Line: row.Line, Field: "case", Key: "delivery.err.import_case", Args: []any{itoa(row.CaseID)},
					Message: fmt.Sprintf(english("delivery.err.import_case"), itoa(row.CaseID))})
				continue
			}
			if Final(c.State) {
				bad = append(bad, RowProblem{Line: row.Line, Field: "case", Key: "delivery.err.closed", Args: []any{c.ID, stateTerm(c.State)},
					Message: fmt.Sprintf(english("delivery.err.closed"), c.ID, c.State)})
				continue
			}
			m := methods[c.MethodologyID]
			if m == nil {
				if m, err = s.methodologyByID(ctx, tx, c.MethodologyID); err != nil {
					return err
				}
				methods[c.MethodologyID] = m
			}
			for _, p := range row.Session.validate(m) {
				bad = append(bad, RowProblem{Line: row.Line, Field: p.Field, Message: p.Message, Key: p.Key, Args: p.Args})
			}
			good = append(good, ok{c, &row.Session})
		}
		if len(bad) > 0 {
			return importRefusal(file, bad)
		}
		// Written in bulk: the refs the cases have already (skipped), then
		// the new sessions and their timeline entries with one bulk insert
		// each, then each case's last contact once.
		ids := make([]int64, 0, len(cases))
		for id, c := range cases {
			if c != nil {
				ids = append(ids, id)
			}
		}
		have, err := existingRefs(ctx, tx, ids)
		if err != nil {
			return err
		}
		d := tx.DB()
		now := d.Time(tx.Now)
		var sessions, events [][]any
		contact := map[int64]string{}
		// One timeline entry per case and file (its sessions are listed on
		// the case file), not one per row: a million rows' entries would
		// cost as much again as the sessions themselves.
		type span struct {
			n           int
			first, last string
		}
		spans := map[int64]*span{}
		var order []int64
		for _, g := range good {
			x := g.x
			if have[refKey{g.c.ID, x.Ref}] {
				res.Already++
				continue
			}
			on, _ := time.Parse(time.DateOnly, x.Date)
			sessions = append(sessions, []any{g.c.ID, x.Component, x.Kind, x.Status, d.Date(on), x.Minutes, strings.Join(x.Attendees, "|"),
				strings.Join(x.Dimensions, "|"), x.Notes, x.Ref, now, rc.p.Username})
			sp := spans[g.c.ID]
			if sp == nil {
				sp = &span{first: x.Date, last: x.Date}
				spans[g.c.ID] = sp
				order = append(order, g.c.ID)
			}
			sp.n++
			sp.first, sp.last = min(sp.first, x.Date), max(sp.last, x.Date)
			if x.Status == Held && x.Date > contact[g.c.ID] {
				contact[g.c.ID] = x.Date
			}
			res.Added++
		}
		// By case: the rows land next to each other in the case's index.
		slices.SortStableFunc(sessions, func(a, b []any) int { return cmp.Compare(a[0].(int64), b[0].(int64)) })
		if _, err := tx.CopyFrom(ctx, "delivery_sessions", []string{"case_id", "component", "kind", "status", "on_date", "minutes", "attendees", "dimensions", "notes", "ref", "created_at", "created_by"},
			&db.SliceSource{Rows: sessions}); err != nil {
			return err
		}
		for _, id := range order {
			sp := spans[id]
			events = append(events, []any{id, now, rc.p.Username, "session", "", "", fmt.Sprintf("%d imported from %s, %s to %s", sp.n, file, sp.first, sp.last)})
		}
		if _, err := tx.CopyFrom(ctx, "delivery_events", []string{"case_id", "at", "actor", "kind", "from_state", "to_state", "detail"}, &db.SliceSource{Rows: events}); err != nil {
			return err
		}
		for id, day := range contact {
			on, _ := time.Parse(time.DateOnly, day)
			if _, err := tx.ExecContext(ctx, `UPDATE delivery_cases SET last_contact_on = ?, updated_at = ? WHERE id = ? AND (last_contact_on IS NULL OR last_contact_on < ?)`,
				d.Date(on), now, id, d.Date(on)); err != nil {
				return err
			}
		}
		return record(ctx, tx, rc, "sessions.import", "file", file, nil, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// importRefusal builds the refusal of a file with bad rows: one field
// problem per bad row, in line order ("line 7 date").
func importRefusal(file string, bad []RowProblem) *fosis.Error {
	for i := 1; i < len(bad); i++ {
		for j := i; j > 0 && bad[j].Line < bad[j-1].Line; j-- {
			bad[j], bad[j-1] = bad[j-1], bad[j]
		}
	}
	first := bad[0]
	e := refuse(fosis.EINVALID, "delivery.err.import_rows", file, len(bad), first.Line,
		fosis.Phrase{Key: first.Key, Args: first.Args, Text: first.Message})
	for _, p := range bad {
		name := "line " + strconv.Itoa(p.Line)
		if p.Field != "" {
			name += " " + p.Field
		}
		e.Fields = append(e.Fields, fosis.FieldError{Field: name, Message: p.Message, Key: p.Key, Args: p.Args})
	}
	return e
}

// refKey is a case's session ref.
type refKey struct {
	caseID int64
	ref    string
}

// existingRefs returns the refs the cases already have, 500 cases a query.
func existingRefs(ctx context.Context, tx *db.Tx, ids []int64) (map[refKey]bool, error) {
	out := map[refKey]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i := range n {
			args[i] = ids[i]
		}
		rows, err := tx.QueryContext(ctx, `SELECT case_id, ref FROM delivery_sessions WHERE ref IS NOT NULL AND case_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k refKey
			if err := rows.Scan(&k.caseID, &k.ref); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}
