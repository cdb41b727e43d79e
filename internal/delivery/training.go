package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Course statuses of a course session.
const (
	CourseScheduled = "scheduled"
	CourseHeld      = "held" // its attendance was taken
)

// Course is a training course of a programme line's training component,
// given by an agency in a commune. It copies the component's completion
// rule when it is created (Rule, RuleMin, AttendancePct), for the alerts;
// a participant's pass is judged against their own case's methodology.
type Course struct {
	ID            int64  `json:"id"`
	Line          string `json:"program"`
	Component     string `json:"component"`
	Agency        string `json:"agency"`
	Commune       string `json:"commune"`
	Region        string `json:"region"`
	Title         string `json:"title"`
	StartsOn      string `json:"starts_on"`
	EndsOn        string `json:"ends_on"`
	Rule          string `json:"rule"`
	RuleMin       int    `json:"rule_min"`
	AttendancePct int    `json:"attendance_pct"`
	Sessions      int    `json:"sessions"`
	Participants  int    `json:"participants"`
	CreatedBy     string `json:"created_by"`
}

// CourseInput is what a new course needs. Component "" is the line's first
// training component; Agency "" is the caller's own (agency staff).
type CourseInput struct {
	Line      string `json:"program"`
	Component string `json:"component,omitempty"`
	Agency    string `json:"agency,omitempty"`
	Commune   string `json:"commune"`
	Title     string `json:"title"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
}

// CourseSession is one session of a course.
type CourseSession struct {
	ID       int64  `json:"id"`
	CourseID int64  `json:"course_id"`
	Number   int    `json:"number"`
	Date     string `json:"date"`
	Minutes  int    `json:"minutes"`
	Topic    string `json:"topic,omitempty"`
	Status   string `json:"status"`
	// Version moves each time the attendance is saved; a save names the
	// version it read (compare-and-set).
	Version int `json:"version"`
	// Present is how many of the participants the caller sees attended.
	Present int `json:"present"`
}

// Participant is a case taking part in a course, with their attendance so
// far in it.
type Participant struct {
	CaseID      int64  `json:"case_id"`
	HouseholdID string `json:"household_id"`
	Counsellor  string `json:"counsellor,omitempty"`
	State       string `json:"state"`
	// Attended and Held are minutes: attended by the participant, and of
	// the course's sessions held so far.
	Attended int `json:"attended_minutes"`
	Held     int `json:"held_minutes"`
	Sessions int `json:"sessions_attended"`
	Pct      int `json:"attendance_pct"`
	// Below: under the course's attendance rule so far.
	Below bool `json:"below_rule"`
}

// CourseView is a course with its sessions and the participants the caller
// sees, and their attendance by session.
type CourseView struct {
	Course       Course                    `json:"course"`
	Sessions     []CourseSession           `json:"sessions"`
	Participants []Participant             `json:"participants"`
	Attendance   map[int64]map[int64]Taken `json:"attendance"` // session → case → attendance
}

// Taken is one participant's attendance at one session.
type Taken struct {
	Present bool `json:"present"`
	Minutes int  `json:"minutes"`
}

// AttendanceMark is one participant's attendance in a save.
type AttendanceMark struct {
	CaseID  int64 `json:"case_id"`
	Present bool  `json:"present"`
	// Minutes attended (0 with Present: the whole session).
	Minutes int `json:"minutes,omitempty"`
}

// courseScope returns a condition on delivery_courses aliased k keeping the
// courses r sees: a counsellor sees the courses their cases take part in.
func (r *reach) courseScope() (string, []any) {
	switch {
	case r.national:
		return "1 = 1", nil
	case r.region != "":
		return "k.region_code = ?", []any{r.region}
	case r.agency != "":
		return "k.agency_code = ?", []any{r.agency}
	default:
		return "EXISTS (SELECT 1 FROM delivery_course_participants p JOIN delivery_cases c ON c.id = p.case_id WHERE p.course_id = k.id AND c.counsellor = ?)", []any{r.counsellor}
	}
}

// organiser returns the caller's reach if it may organise courses (not a
// counsellor: agency staff, regional and national staff).
func (s *Store) organiser(ctx context.Context) (*reach, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if r.counsellor != 0 {
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.course_role")
	}
	return r, nil
}

// trainingComponent returns the training component key of m ("" for the
// first), or nil.
func trainingComponent(m *Methodology, key string) *Component {
	for i := range m.Components {
		c := &m.Components[i]
		if c.Kind == KindTraining && (key == "" || c.Key == key) {
			return c
		}
	}
	return nil
}

// CreateCourse creates a course of a line's training component.
func (s *Store) CreateCourse(ctx context.Context, in CourseInput) (*Course, error) {
	r, err := s.organiser(ctx)
	if err != nil {
		return nil, err
	}
	in.Title, in.Commune, in.Agency, in.Line = clean(in.Title), strings.TrimSpace(in.Commune), strings.TrimSpace(in.Agency), strings.TrimSpace(in.Line)
	if in.Agency == "" {
		in.Agency = r.agency
	}
	var bad []fosis.FieldError
	m, err := s.methodologyFor(ctx, s.db, in.Line, 0)
	var comp *Component
	switch {
	case fosis.ErrorCode(err) == fosis.ENOTFOUND:
		bad = append(bad, field("program", "delivery.err.no_methodology", in.Line))
	case err != nil:
		return nil, err
	default:
		if comp = trainingComponent(m, in.Component); comp == nil {
			bad = append(bad, field("component", "delivery.err.no_training", in.Component, in.Line))
		}
	}
	region := ""
	terr := s.reg.Territory()
	// A commune that does not exist and one outside the caller's region
	// answer alike: not found.
	ci, ok := terr.CommuneIndex(in.Commune)
	if ok {
		region = terr.Regions[terr.CommuneRegion(ci)].Code
	}
	if !ok || (r.region != "" && region != r.region) {
		return nil, withField(refuse(fosis.ENOTFOUND, "delivery.err.no_commune", in.Commune), "commune")
	}
	if in.Agency == "" {
		bad = append(bad, field("agency", "delivery.err.required"))
	} else if r.agency != "" && in.Agency != r.agency {
		bad = append(bad, field("agency", "delivery.err.no_agency_code", in.Agency))
	} else if ok, err := s.prog.AgencyExists(ctx, in.Agency); err != nil {
		return nil, err
	} else if !ok {
		bad = append(bad, field("agency", "delivery.err.no_agency_code", in.Agency))
	}
	if in.Title == "" {
		bad = append(bad, field("title", "delivery.err.required"))
	}
	start, err1 := time.Parse(time.DateOnly, in.StartsOn)
	if err1 != nil {
		bad = append(bad, field("starts_on", "delivery.err.bad_date", in.StartsOn))
	}
	end, err2 := time.Parse(time.DateOnly, in.EndsOn)
	if err2 != nil {
		bad = append(bad, field("ends_on", "delivery.err.bad_date", in.EndsOn))
	} else if err1 == nil && end.Before(start) {
		bad = append(bad, field("ends_on", "delivery.err.course_dates"))
	}
	if len(bad) > 0 {
		return nil, invalid("delivery.err.invalid_course", bad)
	}
	var id int64
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		id, err = tx.InsertID(ctx, `INSERT INTO delivery_courses (line_code, component, agency_code, commune_code, region_code, title, starts_on, ends_on,
			rule, rule_min, attendance_pct, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Line, comp.Key, in.Agency, in.Commune, region, in.Title, d.Date(start), d.Date(end), comp.Done, comp.Min, comp.AttendancePct, d.Time(tx.Now), r.p.Username)
		if err != nil {
			return err
		}
		return record(ctx, tx, r, "course.create", "course", itoa(id), nil, in)
	})
	if err != nil {
		return nil, err
	}
	v, err := s.Course(ctx, id)
	if err != nil {
		return nil, err
	}
	return &v.Course, nil
}

// invalid is the refusal of a form with problems, naming the first.
func invalid(key string, bad []fosis.FieldError) *fosis.Error {
	e := refuse(fosis.EINVALID, key, bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
	e.Fields = bad
	return e
}

const courseSelect = `SELECT k.id, k.line_code, k.component, k.agency_code, k.commune_code, k.region_code, k.title, k.starts_on, k.ends_on,
	k.rule, k.rule_min, k.attendance_pct, k.created_by,
	(SELECT count(*) FROM delivery_course_sessions s WHERE s.course_id = k.id),
	(SELECT count(*) FROM delivery_course_participants p WHERE p.course_id = k.id)
	FROM delivery_courses k`

func scanCourse(sc rowScanner) (Course, error) {
	var c Course
	var start, end db.Day
	err := sc.Scan(&c.ID, &c.Line, &c.Component, &c.Agency, &c.Commune, &c.Region, &c.Title, &start, &end, &c.Rule, &c.RuleMin, &c.AttendancePct,
		&c.CreatedBy, &c.Sessions, &c.Participants)
	c.StartsOn, c.EndsOn = start.Format(time.DateOnly), end.Format(time.DateOnly)
	return c, err
}

// CourseFilter narrows the list of courses.
type CourseFilter struct {
	Line    string `json:"program,omitempty"`
	Agency  string `json:"agency,omitempty"`
	Commune string `json:"commune,omitempty"`
}

// Courses lists the courses the caller sees, newest first (at most 500).
func (s *Store) Courses(ctx context.Context, f CourseFilter) ([]Course, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	where, args := r.courseScope()
	conds := []string{where}
	for _, x := range []struct{ col, v string }{{"k.line_code", f.Line}, {"k.agency_code", f.Agency}, {"k.commune_code", f.Commune}} {
		if x.v != "" {
			conds = append(conds, x.col+" = ?")
			args = append(args, x.v)
		}
	}
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (Course, error) { return scanCourse(rows) },
		courseSelect+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY k.starts_on DESC, k.id DESC LIMIT 500`, args...)
}

// courseFor returns a course r sees (not found otherwise).
func (s *Store) courseFor(ctx context.Context, q db.Querier, r *reach, id int64) (*Course, error) {
	where, args := r.courseScope()
	c, err := scanCourse(q.QueryRowContext(ctx, courseSelect+` WHERE k.id = ? AND `+where, append([]any{id}, args...)...))
	if db.IsNoRows(err) {
		return nil, refuse(fosis.ENOTFOUND, "delivery.err.no_course", id)
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Course returns a course with its sessions, the participants the caller
// sees (a counsellor: their own cases) and their attendance.
func (s *Store) Course(ctx context.Context, id int64) (*CourseView, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.courseFor(ctx, s.db, r, id)
	if err != nil {
		return nil, err
	}
	v := &CourseView{Course: *c, Attendance: map[int64]map[int64]Taken{}}
	where, args := r.scopeSQL()
	if v.Participants, err = db.Collect(ctx, s.db, func(rows *sql.Rows) (Participant, error) {
		var p Participant
		err := rows.Scan(&p.CaseID, &p.HouseholdID, &p.Counsellor, &p.State, &p.Attended, &p.Held, &p.Sessions)
		if p.Held > 0 {
			p.Pct = p.Attended * 100 / p.Held
			p.Below = p.Pct < c.AttendancePct
		}
		return p, err
	}, `SELECT c.id, c.household_id, COALESCE(u.username, ''), c.state,
		COALESCE((SELECT SUM(a.minutes) FROM delivery_attendance a JOIN delivery_course_sessions s ON s.id = a.session_id WHERE s.course_id = p.course_id AND a.case_id = c.id), 0),
		COALESCE((SELECT SUM(s.minutes) FROM delivery_course_sessions s WHERE s.course_id = p.course_id AND s.status = 'held'), 0),
		(SELECT count(*) FROM delivery_attendance a JOIN delivery_course_sessions s ON s.id = a.session_id WHERE s.course_id = p.course_id AND a.case_id = c.id AND a.present = 1)
		FROM delivery_course_participants p JOIN delivery_cases c ON c.id = p.case_id LEFT JOIN users u ON u.id = c.counsellor
		WHERE p.course_id = ? AND `+where+` ORDER BY c.id`, append([]any{id}, args...)...); err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, p := range v.Participants {
		seen[p.CaseID] = true
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.session_id, a.case_id, a.present, a.minutes FROM delivery_attendance a
		JOIN delivery_course_sessions s ON s.id = a.session_id WHERE s.course_id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	present := map[int64]int{}
	for rows.Next() {
		var sid, cid int64
		var t Taken
		if err := rows.Scan(&sid, &cid, &t.Present, &t.Minutes); err != nil {
			return nil, err
		}
		if !seen[cid] {
			continue
		}
		if v.Attendance[sid] == nil {
			v.Attendance[sid] = map[int64]Taken{}
		}
		v.Attendance[sid][cid] = t
		if t.Present {
			present[sid]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if v.Sessions, err = db.Collect(ctx, s.db, scanCourseSession, courseSessionSelect+` WHERE course_id = ? ORDER BY number`, id); err != nil {
		return nil, err
	}
	for i := range v.Sessions {
		v.Sessions[i].Present = present[v.Sessions[i].ID]
	}
	return v, nil
}

const courseSessionSelect = `SELECT id, course_id, number, on_date, minutes, topic, status, version FROM delivery_course_sessions`

func scanCourseSession(rows *sql.Rows) (CourseSession, error) {
	var x CourseSession
	var on db.Day
	err := rows.Scan(&x.ID, &x.CourseID, &x.Number, &on, &x.Minutes, &x.Topic, &x.Status, &x.Version)
	x.Date = on.Format(time.DateOnly)
	return x, err
}

// AddCourseSession adds the next session of a course.
func (s *Store) AddCourseSession(ctx context.Context, courseID int64, date string, minutes int, topic string) (*CourseSession, error) {
	r, err := s.organiser(ctx)
	if err != nil {
		return nil, err
	}
	var bad []fosis.FieldError
	on, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
	if err != nil {
		bad = append(bad, field("date", "delivery.err.bad_date", date))
	}
	if minutes < 1 || minutes > 600 {
		bad = append(bad, field("minutes", "delivery.err.bad_minutes", minutes))
	}
	if len(bad) > 0 {
		return nil, invalid("delivery.err.invalid_course_session", bad)
	}
	var out CourseSession
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := s.courseFor(ctx, tx, r, courseID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(number), 0) + 1 FROM delivery_course_sessions WHERE course_id = ?`, courseID).Scan(&n); err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO delivery_course_sessions (course_id, number, on_date, minutes, topic, status, version) VALUES (?, ?, ?, ?, ?, ?, 0)`,
			courseID, n, tx.DB().Date(on), minutes, clean(topic), CourseScheduled)
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return refuse(fosis.ECONFLICT, "delivery.err.course_raced", courseID)
		}
		if err != nil {
			return err
		}
		out = CourseSession{ID: id, CourseID: courseID, Number: n, Date: on.Format(time.DateOnly), Minutes: minutes, Topic: clean(topic), Status: CourseScheduled}
		return record(ctx, tx, r, "course.session", "course", itoa(courseID), nil, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// EnrolInCourse adds cases to a course: each must be a case the caller
// sees, of the course's line and not closed. Cases ids nil adds every
// active case of the line, agency and commune the caller sees that is in
// diagnosis or intervention. It returns how many were added (a case already
// in the course is not added again).
func (s *Store) EnrolInCourse(ctx context.Context, courseID int64, cases []int64) (int, error) {
	r, err := s.organiser(ctx)
	if err != nil {
		return 0, err
	}
	added := 0
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		k, err := s.courseFor(ctx, tx, r, courseID)
		if err != nil {
			return err
		}
		if cases == nil {
			where, args := r.scopeSQL()
			ids, err := db.Collect(ctx, tx, func(rows *sql.Rows) (int64, error) {
				var id int64
				return id, rows.Scan(&id)
			}, `SELECT c.id FROM delivery_cases c WHERE `+where+` AND c.line_code = ? AND c.agency_code = ? AND c.commune_code = ?
				AND (c.state = 'in_diagnosis' OR c.state = 'in_intervention') ORDER BY c.id`, append(args, k.Line, k.Agency, k.Commune)...)
			if err != nil {
				return err
			}
			cases = ids
		}
		var bad []fosis.FieldError
		for i, id := range cases {
			f := fmt.Sprintf("cases[%d]", i)
			c, err := s.caseFor(ctx, tx, r, id)
			switch {
			case fosis.ErrorCode(err) == fosis.ENOTFOUND:
				bad = append(bad, field(f, "delivery.err.no_case", id))
			case err != nil:
				return err
			case c.Line != k.Line:
				bad = append(bad, field(f, "delivery.err.course_line", id, c.Line, k.Line))
			case Final(c.State):
				bad = append(bad, field(f, "delivery.err.closed", id, stateTerm(c.State)))
			}
		}
		if len(bad) > 0 {
			return invalid("delivery.err.invalid_participants", bad)
		}
		d := tx.DB()
		for _, id := range cases {
			res, err := tx.ExecContext(ctx, `INSERT INTO delivery_course_participants (course_id, case_id, added_on, added_by) VALUES (?, ?, ?, ?)
				ON CONFLICT (course_id, case_id) DO NOTHING`, courseID, id, d.Date(s.today()), r.p.Username)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				added++
				if err := event(ctx, tx, r, id, "training", "", "", fmt.Sprintf("course %d: %s", courseID, k.Title)); err != nil {
					return err
				}
			}
		}
		return record(ctx, tx, r, "course.enrol", "course", itoa(courseID), nil, map[string]any{"added": added})
	})
	return added, err
}

// SaveAttendance records who attended a course session. version is the
// session's version the form read: the save is a compare-and-set on it, so
// of two people saving the same session at once one wins and the other is
// told to reload. Every mark must be of a participant the caller sees (a
// counsellor: their own cases). A present participant attended the whole
// session unless Minutes says less.
func (s *Store) SaveAttendance(ctx context.Context, sessionID int64, version int, marks []AttendanceMark) (*CourseSession, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	var out *CourseSession
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		xs, err := db.Collect(ctx, tx, scanCourseSession, courseSessionSelect+` WHERE id = ?`, sessionID)
		if err != nil {
			return err
		}
		if len(xs) == 0 {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_course_session", sessionID)
		}
		x := xs[0]
		k, err := s.courseFor(ctx, tx, r, x.CourseID)
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_course_session", sessionID)
		}
		if err != nil {
			return err
		}
		if bad, err := s.checkMarks(ctx, tx, r, k, x, marks); err != nil {
			return err
		} else if len(bad) > 0 {
			return invalid("delivery.err.invalid_attendance", bad)
		}
		res, err := tx.ExecContext(ctx, `UPDATE delivery_course_sessions SET version = version + 1, status = ? WHERE id = ? AND version = ?`, CourseHeld, sessionID, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "delivery.err.attendance_raced", x.Number, k.Title)
		}
		present, err := s.writeMarks(ctx, tx, r, k, x, marks)
		if err != nil {
			return err
		}
		x.Version, x.Status, x.Present = version+1, CourseHeld, present
		out = &x
		return record(ctx, tx, r, "course.attendance", "course", itoa(k.ID), nil, map[string]any{"session": x.Number, "marks": len(marks), "present": present})
	})
	return out, err
}

// checkMarks returns the problems of marks for session x of course k.
func (s *Store) checkMarks(ctx context.Context, tx *db.Tx, r *reach, k *Course, x CourseSession, marks []AttendanceMark) ([]fosis.FieldError, error) {
	var bad []fosis.FieldError
	seen := map[int64]bool{}
	for i, mk := range marks {
		f := fmt.Sprintf("marks[%d]", i)
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM delivery_course_participants WHERE course_id = ? AND case_id = ?`, k.ID, mk.CaseID).Scan(&n); err != nil {
			return nil, err
		}
		c, err := s.caseFor(ctx, tx, r, mk.CaseID)
		switch {
		case fosis.ErrorCode(err) == fosis.ENOTFOUND || (err == nil && n == 0):
			bad = append(bad, field(f+".case_id", "delivery.err.not_participant", mk.CaseID))
		case err != nil:
			return nil, err
		case seen[mk.CaseID]:
			bad = append(bad, field(f+".case_id", "delivery.err.mark_repeated", mk.CaseID))
		case Final(c.State):
			bad = append(bad, field(f+".case_id", "delivery.err.closed", mk.CaseID, stateTerm(c.State)))
		case mk.Minutes < 0 || mk.Minutes > x.Minutes:
			bad = append(bad, field(f+".minutes", "delivery.err.attended_minutes", mk.Minutes, x.Minutes))
		}
		seen[mk.CaseID] = true
	}
	return bad, nil
}

// writeMarks upserts checked marks and returns how many were present.
func (s *Store) writeMarks(ctx context.Context, tx *db.Tx, r *reach, k *Course, x CourseSession, marks []AttendanceMark) (int, error) {
	d := tx.DB()
	present := 0
	for _, mk := range marks {
		mins := 0
		if mk.Present {
			present++
			mins = mk.Minutes
			if mins == 0 {
				mins = x.Minutes
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_attendance (session_id, case_id, present, minutes, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (session_id, case_id) DO UPDATE SET present = excluded.present, minutes = excluded.minutes, recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by`,
			x.ID, mk.CaseID, db.Bool(mk.Present), mins, d.Time(tx.Now), r.p.Username); err != nil {
			return 0, err
		}
		word := "absent"
		if mk.Present {
			word = "present"
		}
		if err := event(ctx, tx, r, mk.CaseID, "training", "", "", fmt.Sprintf("%s, session %d of course %d (%s)", word, x.Number, k.ID, x.Date)); err != nil {
			return 0, err
		}
	}
	return present, nil
}

// TrainingResult is a participant's standing in a training component:
// minutes attended of the minutes held (course sessions and the
// component's own held sessions), and whether the rule is met.
type TrainingResult struct {
	Attended int  `json:"attended_minutes"`
	Held     int  `json:"held_minutes"`
	Sessions int  `json:"sessions_attended"`
	Pct      int  `json:"attendance_pct"`
	Passed   bool `json:"passed"`
}

// training computes case caseID's standing in training component comp.
func training(ctx context.Context, q db.Querier, caseID int64, comp *Component) (TrainingResult, error) {
	var t TrainingResult
	var own, ownN int
	err := q.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT SUM(a.minutes) FROM delivery_attendance a JOIN delivery_course_sessions s ON s.id = a.session_id
			JOIN delivery_courses k ON k.id = s.course_id WHERE a.case_id = ? AND k.component = ?), 0),
		COALESCE((SELECT SUM(s.minutes) FROM delivery_course_participants p JOIN delivery_courses k ON k.id = p.course_id
			JOIN delivery_course_sessions s ON s.course_id = k.id WHERE p.case_id = ? AND k.component = ? AND s.status = 'held'), 0),
		(SELECT count(*) FROM delivery_attendance a JOIN delivery_course_sessions s ON s.id = a.session_id
			JOIN delivery_courses k ON k.id = s.course_id WHERE a.case_id = ? AND k.component = ? AND a.present = 1),
		COALESCE((SELECT SUM(minutes) FROM delivery_sessions WHERE case_id = ? AND component = ? AND status = 'held'), 0),
		(SELECT count(*) FROM delivery_sessions WHERE case_id = ? AND component = ? AND status = 'held')`,
		caseID, comp.Key, caseID, comp.Key, caseID, comp.Key, caseID, comp.Key, caseID, comp.Key).Scan(&t.Attended, &t.Held, &t.Sessions, &own, &ownN)
	if err != nil {
		return t, err
	}
	t.Attended += own
	t.Held += own
	t.Sessions += ownN
	if t.Held > 0 {
		t.Pct = t.Attended * 100 / t.Held
	}
	t.Passed = t.passes(comp)
	return t, nil
}

// passes applies comp's completion rule: enough hours (or sessions)
// attended and, once something was held, an attendance share at least the
// component's.
func (t TrainingResult) passes(comp *Component) bool {
	share := t.Held > 0 && t.Pct >= comp.AttendancePct
	switch comp.Done {
	case DoneHours:
		return t.Attended >= comp.Min*60 && share
	case DoneCount:
		return t.Sessions >= comp.Min && share
	default:
		return t.Attended > 0 && share
	}
}

// CourseOfSession returns the course of a course session the caller sees
// (not found otherwise).
func (s *Store) CourseOfSession(ctx context.Context, sessionID int64) (int64, error) {
	r, err := s.access(ctx)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.QueryRowContext(ctx, `SELECT course_id FROM delivery_course_sessions WHERE id = ?`, sessionID).Scan(&id)
	if db.IsNoRows(err) {
		return 0, refuse(fosis.ENOTFOUND, "delivery.err.no_course_session", sessionID)
	}
	if err != nil {
		return 0, err
	}
	if _, err := s.courseFor(ctx, s.db, r, id); fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return 0, refuse(fosis.ENOTFOUND, "delivery.err.no_course_session", sessionID)
	} else if err != nil {
		return 0, err
	}
	return id, nil
}

// AttendedHours is the whole hours attended.
func (p Participant) AttendedHours() int { return p.Attended / 60 }

// HeldHours is the whole hours of the course held so far.
func (p Participant) HeldHours() int { return p.Held / 60 }
