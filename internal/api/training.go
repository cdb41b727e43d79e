package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// trainingRoutes are the endpoints of training courses and attendance, a
// case's progress per component, goods delivered and plan actions done
// (docs/delivery.md); the delivery slice enforces who sees and changes what.
func (s *Server) trainingRoutes() []route {
	return []route{
		{"GET", "/api/v1/courses", false, handle(s.coursesList)},
		{"POST", "/api/v1/courses", false, handle(s.courseCreate)},
		{"GET", "/api/v1/courses/{id}", false, handle(s.course)},
		{"POST", "/api/v1/courses/{id}/sessions", false, handle(s.courseSession)},
		{"POST", "/api/v1/courses/{id}/participants", false, handle(s.courseParticipants)},
		{"POST", "/api/v1/course-sessions/{id}/attendance", false, handle(s.courseAttendance)},
		{"POST", "/api/v1/attendance/import", false, handleW(s.importAttendance)},
		{"GET", "/api/v1/progress/{id}", false, handle(s.caseProgress)},
		{"GET", "/api/v1/goods", false, handle(s.goodsList)},
		{"POST", "/api/v1/goods", false, handle(s.goodsRecord)},
		{"POST", "/api/v1/plan-actions/{id}/done", false, handle(s.planActionDone)},
	}
}

// Courses is the answer of GET /api/v1/courses.
type Courses struct {
	Items []delivery.Course `json:"items"`
}

func (s *Server) coursesList(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	items, err := st.Courses(r.Context(), delivery.CourseFilter{Line: q.Get("program"), Agency: q.Get("agency"), Commune: q.Get("commune")})
	if err != nil {
		return nil, err
	}
	return Courses{Items: items}, nil
}

func (s *Server) courseCreate(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	var in delivery.CourseInput
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.CreateCourse(r.Context(), in)
}

func (s *Server) course(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return st.Course(r.Context(), id)
}

// CourseSessionRequest is the body of POST /courses/{id}/sessions.
type CourseSessionRequest struct {
	Date    string `json:"date"`
	Minutes int    `json:"minutes"`
	Topic   string `json:"topic,omitempty"`
}

func (s *Server) courseSession(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in CourseSessionRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.AddCourseSession(r.Context(), id, in.Date, in.Minutes, in.Topic)
}

// ParticipantsRequest is the body of POST /courses/{id}/participants:
// the cases to enrol, or all (the active cases of the course's line,
// agency and commune the caller sees).
type ParticipantsRequest struct {
	Cases []int64 `json:"cases,omitempty"`
	All   bool    `json:"all,omitempty"`
}

// ParticipantsAdded is how many cases were enrolled.
type ParticipantsAdded struct {
	Added int `json:"added"`
}

func (s *Server) courseParticipants(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in ParticipantsRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	cases := in.Cases
	if in.All {
		cases = nil
	} else if cases == nil {
		cases = []int64{}
	}
	n, err := st.EnrolInCourse(r.Context(), id, cases)
	if err != nil {
		return nil, err
	}
	return ParticipantsAdded{Added: n}, nil
}

// AttendanceRequest is the body of POST /course-sessions/{id}/attendance.
type AttendanceRequest struct {
	Version int                       `json:"version"`
	Marks   []delivery.AttendanceMark `json:"marks"`
}

func (s *Server) courseAttendance(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in AttendanceRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.SaveAttendance(r.Context(), id, in.Version, in.Marks)
}

func (s *Server) importAttendance(w http.ResponseWriter, r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "send the attendance as text/csv (docs/delivery.md)",
			Fields: []fosis.FieldError{{Field: "body", Message: "Content-Type must be text/csv"}}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<20)
	return st.ImportAttendance(r.Context(), r.Body, "attendance.csv")
}

// CaseProgress is a case's progress per component and its plan's actions.
type CaseProgress struct {
	CaseID     int64                        `json:"case_id"`
	Components []delivery.ComponentProgress `json:"components"`
	Actions    []delivery.DueAction         `json:"actions"`
}

func (s *Server) caseProgress(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.caseProgressOf(r, st, id)
}

func (s *Server) goodsList(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("case"), 10, 64)
	if err != nil {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "case must be a case id", Fields: []fosis.FieldError{{Field: "case", Message: "not a number"}}}
	}
	return st.CaseGoods(r.Context(), id)
}

func (s *Server) goodsRecord(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	var in delivery.Good
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.RecordGood(r.Context(), in.CaseID, in)
}

// ActionDone is the body of POST /plan-actions/{id}/done: the action's
// index in the plan.
type ActionDone struct {
	Index int `json:"index"`
}

func (s *Server) planActionDone(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in ActionDone
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	if err := st.CompleteAction(r.Context(), id, in.Index); err != nil {
		return nil, err
	}
	caseID, err := st.PlanCase(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return s.caseProgressOf(r, st, caseID)
}

func (s *Server) caseProgressOf(r *http.Request, st *delivery.Store, id int64) (any, error) {
	out := CaseProgress{CaseID: id}
	var err error
	if out.Components, err = st.Progress(r.Context(), id); err != nil {
		return nil, err
	}
	if out.Actions, err = st.PlanActions(r.Context(), id); err != nil {
		return nil, err
	}
	return out, nil
}
