package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// trainingRoutes registers the pages of training courses and their
// attendance, and the case file's forms of goods delivered and plan actions
// done (the delivery slice enforces who sees and changes what).
func (s *Server) trainingRoutes(pages *routeMux) {
	pages.HandleFunc("GET /courses", s.requireUser(s.coursesList))
	pages.HandleFunc("POST /courses", s.requireUser(s.courseCreate))
	pages.HandleFunc("GET /courses/{id}", s.requireUser(s.coursePage))
	pages.HandleFunc("POST /courses/{id}/sessions", s.requireUser(s.courseSessionAdd))
	pages.HandleFunc("POST /courses/{id}/participants", s.requireUser(s.courseEnrol))
	pages.HandleFunc("GET /course-sessions/{id}/attendance", s.requireUser(s.attendanceForm))
	pages.HandleFunc("POST /course-sessions/{id}/attendance", s.requireUser(s.attendanceSave))
	pages.HandleFunc("POST /cases/{id}/goods", s.requireUser(s.goodsSave))
	pages.HandleFunc("POST /plans/{id}/actions/{n}/done", s.requireUser(s.actionDone))
}

// trainingOption is a line's training component a course may be of.
type trainingOption struct {
	Line      string
	Component string
	NameES    string
	NameEN    string
}

// Name returns the component's name in lang.
func (o trainingOption) Name(lang string) string {
	if lang == "en" {
		return o.NameEN
	}
	return o.NameES
}

// coursesData is the list of courses and, for who organises them, the
// form of a new one.
type coursesData struct {
	Courses   []delivery.Course
	Filter    delivery.CourseFilter
	Organiser bool
	Options   []trainingOption
	Form      delivery.CourseInput
	Error     error
	Bad       map[string]bool
}

// organiser reports whether the viewer may organise courses (writers who
// are not counsellors; the slice decides the rest).
func organiser(ctx context.Context) bool {
	p := viewerOf(ctx).p
	return p != nil && p.Writes() && p.Role != "counsellor"
}

func (s *Server) coursesList(w http.ResponseWriter, r *http.Request) {
	s.renderCourses(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderCourses(w http.ResponseWriter, r *http.Request, status int, form *delivery.CourseInput, refusal error) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := coursesData{Filter: delivery.CourseFilter{Line: q.Get("program"), Agency: q.Get("agency"), Commune: q.Get("commune")},
		Organiser: organiser(ctx), Error: refusal, Bad: badFields(refusal)}
	var err error
	if d.Courses, err = s.cfg.Delivery.Courses(ctx, d.Filter); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Organiser {
		ms, err := s.cfg.Delivery.Methodologies(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		latest := map[string]delivery.Methodology{}
		var lines []string
		for _, m := range ms {
			if _, ok := latest[m.Line]; !ok {
				lines = append(lines, m.Line)
			}
			latest[m.Line] = m
		}
		for _, l := range lines {
			for _, c := range latest[l].Components {
				if c.Kind == delivery.KindTraining {
					d.Options = append(d.Options, trainingOption{Line: l, Component: c.Key, NameES: c.NameES, NameEN: c.NameEN})
				}
			}
		}
		if form != nil {
			d.Form = *form
		} else {
			d.Form = delivery.CourseInput{StartsOn: s.today(), EndsOn: s.today()}
		}
	}
	s.render(w, r, status, "courses", d)
}

// badFields returns the fields a refusal names.
func badFields(err error) map[string]bool {
	out := map[string]bool{}
	if e, ok := err.(*fosis.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = true
		}
	}
	return out
}

func (s *Server) courseCreate(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return
	}
	line, comp, _ := strings.Cut(r.PostFormValue("training"), "/")
	in := delivery.CourseInput{Line: line, Component: comp, Agency: r.PostFormValue("agency"), Commune: r.PostFormValue("commune"),
		Title: r.PostFormValue("title"), StartsOn: r.PostFormValue("starts_on"), EndsOn: r.PostFormValue("ends_on")}
	k, err := s.cfg.Delivery.CreateCourse(r.Context(), in)
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/courses/"+strconv.FormatInt(k.ID, 10)+"?saved=course", http.StatusSeeOther)
	case fosis.EINVALID, fosis.ECONFLICT:
		s.renderCourses(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), &in, err)
	default:
		s.fail(w, r, err)
	}
}

// courseData is a course's page: its sessions, participants and forms.
type courseData struct {
	View      *delivery.CourseView
	Organiser bool
	Saved     string // what was just saved: course, session, participants, attendance
	Today     string
	Error     error
}

func (s *Server) coursePage(w http.ResponseWriter, r *http.Request) {
	s.renderCourse(w, r, http.StatusOK, nil)
}

func (s *Server) renderCourse(w http.ResponseWriter, r *http.Request, status int, refusal error) {
	id, ok := s.deliveryID(w, r, "course")
	if !ok {
		return
	}
	ctx := r.Context()
	v, err := s.cfg.Delivery.Course(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	saved := r.URL.Query().Get("saved")
	if !oneOfStr(saved, "course", "session", "participants", "attendance") {
		saved = ""
	}
	s.render(w, r, status, "course", courseData{View: v, Organiser: organiser(ctx), Saved: saved, Today: s.today(), Error: refusal})
}

func oneOfStr(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func (s *Server) courseSessionAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "course")
	if !ok {
		return
	}
	minutes, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("minutes")))
	if err != nil {
		minutes = -1 // not a number: the slice names the field
	}
	_, err = s.cfg.Delivery.AddCourseSession(r.Context(), id, r.PostFormValue("date"), minutes, r.PostFormValue("topic"))
	s.afterCourse(w, r, id, "session", err)
}

// afterCourse redirects to the course page after a change, or shows it
// again with the refusal.
func (s *Server) afterCourse(w http.ResponseWriter, r *http.Request, id int64, saved string, err error) {
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/courses/"+strconv.FormatInt(id, 10)+"?saved="+saved, http.StatusSeeOther)
	case fosis.EINVALID, fosis.ECONFLICT:
		s.renderCourse(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), err)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) courseEnrol(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "course")
	if !ok {
		return
	}
	var cases []int64
	if r.PostFormValue("all") != "1" {
		cases = []int64{}
		for _, f := range strings.FieldsFunc(r.PostFormValue("cases"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == ';' }) {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				n = -1 // not a case: the slice names it
			}
			cases = append(cases, n)
		}
	}
	_, err := s.cfg.Delivery.EnrolInCourse(r.Context(), id, cases)
	s.afterCourse(w, r, id, "participants", err)
}

// attendanceData is the bulk attendance form of one course session, made
// for a phone: one large toggle per participant.
type attendanceData struct {
	Course       delivery.Course
	Session      delivery.CourseSession
	Participants []delivery.Participant
	Taken        map[int64]delivery.Taken
	Error        error
}

// Present reports whether case id is marked present (or, before the first
// save, nothing is marked: everyone starts absent).
func (d attendanceData) Present(id int64) bool { return d.Taken[id].Present }

func (s *Server) attendanceForm(w http.ResponseWriter, r *http.Request) {
	s.renderAttendance(w, r, http.StatusOK, nil, nil)
}

// courseSessionOf finds the course of a course session id the viewer sees.
func (s *Server) courseSessionOf(ctx context.Context, id int64) (*delivery.CourseView, *delivery.CourseSession, error) {
	courseID, err := s.cfg.Delivery.CourseOfSession(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.cfg.Delivery.Course(ctx, courseID)
	if err != nil {
		return nil, nil, err
	}
	for i := range v.Sessions {
		if v.Sessions[i].ID == id {
			return v, &v.Sessions[i], nil
		}
	}
	return nil, nil, fosis.Errorf(fosis.ENOTFOUND, "no course session %d", id)
}

func (s *Server) renderAttendance(w http.ResponseWriter, r *http.Request, status int, marks map[int64]delivery.Taken, refusal error) {
	id, ok := s.deliveryID(w, r, "course session")
	if !ok {
		return
	}
	v, x, err := s.courseSessionOf(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := attendanceData{Course: v.Course, Session: *x, Participants: v.Participants, Taken: v.Attendance[id], Error: refusal}
	if marks != nil {
		d.Taken = marks
	}
	s.render(w, r, status, "attendance", d)
}

func (s *Server) attendanceSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "course session")
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "the form could not be read"))
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	present := map[string]bool{}
	for _, v := range r.PostForm["present"] {
		present[v] = true
	}
	var marks []delivery.AttendanceMark
	form := map[int64]delivery.Taken{}
	for _, v := range r.PostForm["case"] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		marks = append(marks, delivery.AttendanceMark{CaseID: n, Present: present[v]})
		form[n] = delivery.Taken{Present: present[v]}
	}
	x, err := s.cfg.Delivery.SaveAttendance(r.Context(), id, version, marks)
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/courses/"+strconv.FormatInt(x.CourseID, 10)+"?saved=attendance#session-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	case fosis.EINVALID, fosis.ECONFLICT:
		s.renderAttendance(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), form, err)
	default:
		s.fail(w, r, err)
	}
}

// caseExtra is what the case file shows of progress, goods and plan
// actions (templates/partials/case_progress.html).
type caseExtra struct {
	Progress []delivery.ComponentProgress
	Goods    *delivery.Goods
	Actions  []delivery.DueAction
	// GoodComponents are the deliveries components of the methodology;
	// MayDeliver: the case is in intervention or closing and the viewer
	// writes.
	GoodComponents []delivery.Component
	MayDeliver     bool
	Today          string
	Delivered      bool
}

// caseExtra reads the case file's progress, goods and plan actions.
func (s *Server) caseExtra(r *http.Request, c *delivery.Case, m *delivery.Methodology) (*caseExtra, error) {
	ctx := r.Context()
	x := &caseExtra{Today: s.today(), Delivered: r.URL.Query().Get("delivered") == "1"}
	var err error
	if x.Progress, err = s.cfg.Delivery.Progress(ctx, c.ID); err != nil {
		return nil, err
	}
	if x.Goods, err = s.cfg.Delivery.CaseGoods(ctx, c.ID); err != nil {
		return nil, err
	}
	if x.Actions, err = s.cfg.Delivery.PlanActions(ctx, c.ID); err != nil {
		return nil, err
	}
	for _, k := range m.Components {
		if k.Kind == delivery.KindDeliveries {
			x.GoodComponents = append(x.GoodComponents, k)
		}
	}
	p := viewerOf(ctx).p
	x.MayDeliver = len(x.GoodComponents) > 0 && p != nil && p.Writes() && (c.State == delivery.StateIntervention || c.State == delivery.StateClosing)
	return x, nil
}

func (s *Server) goodsSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	qty, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("quantity")))
	if err != nil {
		qty = 0
	}
	cost, err := strconv.ParseInt(strings.TrimSpace(strings.NewReplacer(".", "", "$", "", " ", "").Replace(r.PostFormValue("unit_cost_clp"))), 10, 64)
	if err != nil {
		cost = -1
	}
	_, err = s.cfg.Delivery.RecordGood(r.Context(), id, delivery.Good{Component: r.PostFormValue("component"), Item: r.PostFormValue("item"), Quantity: qty,
		UnitCostCLP: cost, ReceivedOn: r.PostFormValue("received_on"), ReceivedBy: r.PostFormValue("received_by"), Notes: r.PostFormValue("notes")})
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"?delivered=1#goods", http.StatusSeeOther)
	case fosis.EINVALID, fosis.ECONFLICT:
		s.renderCase(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), err)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) actionDone(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "plan")
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no action %q", r.PathValue("n")))
		return
	}
	caseID, err := s.cfg.Delivery.PlanCase(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.cfg.Delivery.CompleteAction(r.Context(), id, n); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(caseID, 10)+"#actions", http.StatusSeeOther)
}
