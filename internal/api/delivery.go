package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// deliveryRoutes are the endpoints of cases; the delivery slice enforces
// who sees and changes which case.
func (s *Server) deliveryRoutes() []route {
	return []route{
		{"GET", "/api/v1/cases", false, handle(s.casesList)},
		{"GET", "/api/v1/cases/{id}", false, handle(s.caseFile)},
		{"POST", "/api/v1/cases/{id}/transitions", false, handle(s.caseTransition)},
		{"POST", "/api/v1/cases/{id}/diagnosis", false, handle(s.caseDiagnosis)},
		{"POST", "/api/v1/cases/{id}/sessions", false, handle(s.caseSession)},
		{"GET", "/api/v1/sessions/{id}/notes", false, handle(s.sessionNotes)},
		{"POST", "/api/v1/sessions/import", false, handleW(s.importSessions)},
		{"GET", "/api/v1/cases/alerts", false, handle(s.caseAlerts)},
		{"GET", "/api/v1/cases/agenda", false, handle(s.caseAgenda)},
		{"POST", "/api/v1/cases/{id}/plans", false, handle(s.casePlan)},
		{"POST", "/api/v1/plans/{id}/decision", false, handle(s.planDecision)},
	}
}

func (s *Server) deliveryStore() (*delivery.Store, error) {
	if s.Delivery == nil {
		return nil, fosis.Errorf(fosis.EUNAVAILABLE, "cases are not enabled on this server")
	}
	return s.Delivery, nil
}

func (s *Server) casesList(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := delivery.Filter{State: q.Get("state"), Line: q.Get("program"), Commune: q.Get("commune"), Agency: q.Get("agency"),
		Counsellor: q.Get("counsellor"), Active: q.Get("active") == "true" || q.Get("active") == "1"}
	after, limit, err := pageParams(q, "after", 100, 500)
	if err != nil {
		return nil, err
	}
	return st.Cases(r.Context(), f, after, limit)
}

// CaseFile is a case with everything about it but its session notes.
type CaseFile struct {
	Case        *delivery.Case        `json:"case"`
	Methodology *delivery.Methodology `json:"methodology"`
	Timeline    []delivery.Event      `json:"timeline"`
	Diagnosis   *delivery.Diagnosis   `json:"diagnosis"`
	Sessions    []delivery.Session    `json:"sessions"`
	Plans       []delivery.Plan       `json:"plans"`
}

func (s *Server) caseFile(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	f := &CaseFile{}
	if f.Case, err = st.Case(ctx, id); err != nil {
		return nil, err
	}
	if f.Methodology, err = st.CaseMethodology(ctx, id); err != nil {
		return nil, err
	}
	if f.Timeline, err = st.Timeline(ctx, id); err != nil {
		return nil, err
	}
	if f.Diagnosis, err = st.Diagnosis(ctx, id); err != nil {
		return nil, err
	}
	if f.Sessions, err = st.Sessions(ctx, id); err != nil {
		return nil, err
	}
	if f.Plans, err = st.Plans(ctx, id); err != nil {
		return nil, err
	}
	return f, nil
}

// TransitionRequest is the body of POST /cases/{id}/transitions.
type TransitionRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

func (s *Server) caseTransition(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in TransitionRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.Transition(r.Context(), id, in.From, in.To, in.Reason, in.Note)
}

// DiagnosisRequest is the body of POST /cases/{id}/diagnosis.
type DiagnosisRequest struct {
	Phase string          `json:"phase"`
	Marks []delivery.Mark `json:"marks"`
}

func (s *Server) caseDiagnosis(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in DiagnosisRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	if err := st.RecordDiagnosis(r.Context(), id, in.Phase, in.Marks); err != nil {
		return nil, err
	}
	return st.Diagnosis(r.Context(), id)
}

func (s *Server) caseSession(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in delivery.Session
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.RecordSession(r.Context(), id, in)
}

// SessionNotes is a session's notes (every read is audited).
type SessionNotes struct {
	Session int64  `json:"session"`
	Notes   string `json:"notes"`
}

func (s *Server) sessionNotes(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	n, err := st.Notes(r.Context(), id, clientIP(r))
	if err != nil {
		return nil, err
	}
	return SessionNotes{Session: id, Notes: n}, nil
}

func (s *Server) importSessions(w http.ResponseWriter, r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "send the sessions as text/csv (docs/delivery.md)",
			Fields: []fosis.FieldError{{Field: "body", Message: "Content-Type must be text/csv"}}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<20)
	return st.ImportSessions(r.Context(), r.Body, "sessions.csv")
}

// CaseAlerts is the alerts of the caller's active cases.
type CaseAlerts struct {
	Alerts []delivery.Alert `json:"alerts"`
}

func (s *Server) caseAlerts(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	days := delivery.DefaultNoContactDays
	q := r.URL.Query()
	if v := q.Get("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > 365 {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: "days must be a number from 1 to 365", Fields: []fosis.FieldError{{Field: "days", Message: "must be 1–365"}}}
		}
	}
	limit, err := limitParam(q.Get("limit"), 200, 1000)
	if err != nil {
		return nil, err
	}
	a, err := st.Alerts(r.Context(), days, limit)
	if err != nil {
		return nil, err
	}
	return CaseAlerts{Alerts: a}, nil
}

// CaseAgenda is the sessions scheduled in the next days.
type CaseAgenda struct {
	Items []delivery.AgendaItem `json:"items"`
}

func (s *Server) caseAgenda(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	days := 7
	if v := r.URL.Query().Get("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > 60 {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: "days must be a number from 1 to 60", Fields: []fosis.FieldError{{Field: "days", Message: "must be 1–60"}}}
		}
	}
	items, err := st.Agenda(r.Context(), days)
	if err != nil {
		return nil, err
	}
	return CaseAgenda{Items: items}, nil
}

// PlanRequest is the body of POST /cases/{id}/plans.
type PlanRequest struct {
	Kind    string                `json:"kind"`
	Goal    string                `json:"goal"`
	Actions []delivery.PlanAction `json:"actions"`
	Budget  []delivery.BudgetLine `json:"budget"`
}

func (s *Server) casePlan(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in PlanRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.ProposePlan(r.Context(), id, delivery.Plan{Kind: in.Kind, Goal: in.Goal, Actions: in.Actions, Budget: in.Budget})
}

// PlanDecision is the body of POST /plans/{id}/decision.
type PlanDecision struct {
	Approve bool   `json:"approve"`
	Comment string `json:"comment,omitempty"`
}

func (s *Server) planDecision(r *http.Request) (any, error) {
	st, err := s.deliveryStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in PlanDecision
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.DecidePlan(r.Context(), id, in.Approve, in.Comment)
}
