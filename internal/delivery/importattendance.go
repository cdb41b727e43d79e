package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/platform/db"
)

// AttendanceColumns are the columns of an agency's attendance file, in any
// order (docs/delivery.md): the course id, the session's number in the
// course, the case id, present (1/0, si/no, yes/no) and the
// minutes attended (may be empty: the whole session when present).
var AttendanceColumns = []string{"course", "session", "case", "present", "minutes"}

// AttendanceRow is one parsed row of an attendance file.
type AttendanceRow struct {
	Line     int
	Course   int64
	Session  int
	Mark     AttendanceMark
	courseID string
}

// ParseAttendance reads an attendance file: the rows it could parse and a
// problem for every row it could not; a bad header is an error.
func ParseAttendance(r io.Reader, file string) ([]AttendanceRow, []RowProblem, error) {
	rd, err := csvin.NewReader(r, file, AttendanceColumns)
	if err != nil {
		var he *csvin.HeaderError
		if errors.As(err, &he) {
			return nil, nil, fosis.Errorf(fosis.EINVALID, "%s", he.Error())
		}
		return nil, nil, err
	}
	var rows []AttendanceRow
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
		course, err := strconv.ParseInt(rd.Field(0), 10, 64)
		if err != nil || course < 1 {
			problem("course", "delivery.err.import_number", "course", rd.Field(0))
			continue
		}
		session, err := strconv.Atoi(rd.Field(1))
		if err != nil || session < 1 {
			problem("session", "delivery.err.import_number", "session", rd.Field(1))
			continue
		}
		caseID, err := strconv.ParseInt(rd.Field(2), 10, 64)
		if err != nil || caseID < 1 {
			problem("case", "delivery.err.import_number", "case", rd.Field(2))
			continue
		}
		var present bool
		switch strings.ToLower(strings.TrimSpace(rd.Field(3))) {
		case "1", "si", "sí", "yes", "y", "s", "x", "true":
			present = true
		case "0", "no", "n", "false", "":
		default:
			problem("present", "delivery.err.import_present", rd.Field(3))
			continue
		}
		minutes := 0
		if v := strings.TrimSpace(rd.Field(4)); v != "" {
			if minutes, err = strconv.Atoi(v); err != nil {
				problem("minutes", "delivery.err.import_number", "minutes", v)
				continue
			}
		}
		k := fmt.Sprintf("%d\x00%d\x00%d", course, session, caseID)
		if first, dup := seen[k]; dup {
			problem("case", "delivery.err.import_repeated", rd.Field(2), first)
			continue
		}
		seen[k] = line
		rows = append(rows, AttendanceRow{Line: line, Course: course, Session: session, Mark: AttendanceMark{CaseID: caseID, Present: present, Minutes: minutes},
			courseID: rd.Field(0)})
	}
	return rows, bad, nil
}

// AttendanceImport says what an attendance import did.
type AttendanceImport struct {
	File      string `json:"file"`
	Rows      int    `json:"rows"`
	Added     int    `json:"added"`
	Changed   int    `json:"changed"`
	Unchanged int    `json:"unchanged"`
}

// ImportAttendance imports an attendance file all or nothing: every row is
// checked (the course is within the caller's reach and has the session,
// the case is a participant the caller sees and not closed, the minutes fit
// the session) and if any is bad nothing is written and the refusal names
// every bad row. A row equal to what is stored changes nothing, so
// importing a file again adds nothing; each session touched moves its
// version (a form open on it is told to reload) and counts as held.
func (s *Store) ImportAttendance(ctx context.Context, r io.Reader, file string) (*AttendanceImport, error) {
	rc, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	rows, bad, err := ParseAttendance(r, file)
	if err != nil {
		return nil, err
	}
	res := &AttendanceImport{File: file, Rows: len(rows) + len(bad)}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		courses := map[int64]*Course{}
		sessions := map[string]*CourseSession{}
		type group struct {
			k     *Course
			x     *CourseSession
			marks []AttendanceMark
			lines []int
		}
		groups := map[int64]*group{}
		var order []int64
		for i := range rows {
			row := &rows[i]
			k, seen := courses[row.Course]
			if !seen {
				k, err = s.courseFor(ctx, tx, rc, row.Course)
				if err != nil && fosis.ErrorCode(err) != fosis.ENOTFOUND {
					return err
				}
				courses[row.Course] = k
			}
			sk := fmt.Sprintf("%d/%d", row.Course, row.Session)
			x, seen := sessions[sk]
			if !seen && k != nil {
				xs, err := db.Collect(ctx, tx, scanCourseSession, courseSessionSelect+` WHERE course_id = ? AND number = ?`, k.ID, row.Session)
				if err != nil {
					return err
				}
				if len(xs) == 1 {
					x = &xs[0]
				}
				sessions[sk] = x
			}
			if x == nil {
				bad = append(bad, RowProblem{Line: row.Line, Field: "session", Key: "delivery.err.import_session", Args: []any{row.courseID, strconv.Itoa(row.Session)},
					Message: fmt.Sprintf(english("delivery.err.import_session"), row.courseID, strconv.Itoa(row.Session))})
				continue
			}
			probs, err := s.checkMarks(ctx, tx, rc, k, *x, []AttendanceMark{row.Mark})
			if err != nil {
				return err
			}
			for _, p := range probs {
				bad = append(bad, RowProblem{Line: row.Line, Field: strings.TrimPrefix(p.Field, "marks[0]."), Message: p.Message, Key: p.Key, Args: p.Args})
			}
			g := groups[x.ID]
			if g == nil {
				g = &group{k: k, x: x}
				groups[x.ID] = g
				order = append(order, x.ID)
			}
			g.marks = append(g.marks, row.Mark)
		}
		if len(bad) > 0 {
			return importRefusal(file, bad)
		}
		for _, sid := range order {
			g := groups[sid]
			// Keep only the marks that change what is stored.
			var changed []AttendanceMark
			for _, mk := range g.marks {
				want := 0
				if mk.Present {
					want = mk.Minutes
					if want == 0 {
						want = g.x.Minutes
					}
				}
				var present int64
				var minutes int
				err := tx.QueryRowContext(ctx, `SELECT present, minutes FROM delivery_attendance WHERE session_id = ? AND case_id = ?`, sid, mk.CaseID).Scan(&present, &minutes)
				switch {
				case db.IsNoRows(err):
					res.Added++
					changed = append(changed, mk)
				case err != nil:
					return err
				case present == db.Bool(mk.Present) && minutes == want:
					res.Unchanged++
				default:
					res.Changed++
					changed = append(changed, mk)
				}
			}
			if len(changed) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE delivery_course_sessions SET version = version + 1, status = ? WHERE id = ?`, CourseHeld, sid); err != nil {
				return err
			}
			if _, err := s.writeMarks(ctx, tx, rc, g.k, *g.x, changed); err != nil {
				return err
			}
		}
		return record(ctx, tx, rc, "attendance.import", "file", file, nil, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
