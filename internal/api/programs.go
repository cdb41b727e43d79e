package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/programs"
)

// The programmes API: the catalogue, calls, applications (the API channel),
// selection, what-if, preview, withdrawal and enrolment. The programmes
// slice enforces who may do what from the request's principal.

func (s *Server) programsList(r *http.Request) (any, error) { return s.Programs.Programs(r.Context()) }

func (s *Server) program(r *http.Request) (any, error) {
	return s.Programs.Program(r.Context(), r.PathValue("code"), 0)
}

func (s *Server) callsList(r *http.Request) (any, error) { return s.Programs.Calls(r.Context()) }

func (s *Server) call(r *http.Request) (any, error) {
	return s.Programs.Call(r.Context(), r.PathValue("code"))
}

func (s *Server) createCall(r *http.Request) (any, error) {
	var in programs.CallInput
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return s.Programs.CreateCall(r.Context(), in)
}

// StatusChange is the body of POST /calls/{code}/status.
type StatusChange struct {
	Status string `json:"status"`
}

func (s *Server) callStatus(r *http.Request) (any, error) {
	var in StatusChange
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return s.Programs.SetStatus(r.Context(), r.PathValue("code"), in.Status)
}

func (s *Server) apply(r *http.Request) (any, error) {
	var in programs.ApplyInput
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	in.Channel = programs.ChannelAPI
	return s.Programs.Apply(r.Context(), r.PathValue("code"), in)
}

func (s *Server) callApplications(r *http.Request) (any, error) {
	q := r.URL.Query()
	after, limit, err := pageParams(q, "after", 100, 1000)
	if err != nil {
		return nil, err
	}
	all, err := s.Programs.Applications(r.Context(), r.PathValue("code"), q.Get("status"))
	if err != nil {
		return nil, err
	}
	items, next, err := programs.PageOf(all, after, limit)
	if err != nil {
		return nil, err
	}
	page := &ApplicationPage{Items: items, Total: len(all)}
	if next > 0 {
		page.Next = strconv.FormatInt(next, 10)
	}
	return page, nil
}

// ApplicationPage is one page of a call's applications, in rank order.
type ApplicationPage struct {
	Items []programs.Application `json:"items"`
	// Next is the cursor of the next page ("" on the last): pass it as after.
	Next  string `json:"next,omitempty"`
	Total int    `json:"total"`
}

func (s *Server) runSelection(r *http.Request) (any, error) {
	return s.Programs.RunSelection(r.Context(), r.PathValue("code"))
}

func (s *Server) selection(r *http.Request) (any, error) {
	if r.URL.Query().Get("verify") == "true" {
		return s.Programs.VerifySelection(r.Context(), r.PathValue("code"))
	}
	return s.Programs.Selection(r.Context(), r.PathValue("code"))
}

func (s *Server) callWhatIf(r *http.Request) (any, error) {
	var in programs.WhatIfInput
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return s.Programs.WhatIf(r.Context(), r.PathValue("code"), in)
}

func (s *Server) preview(r *http.Request) (any, error) {
	return s.Programs.PreviewCall(r.Context(), r.PathValue("code"))
}

func applicationID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, &fosis.Error{Code: fosis.EINVALID, Message: "the application id is a positive number",
			Fields: []fosis.FieldError{{Field: "id", Message: "a positive number"}}}
	}
	return id, nil
}

func (s *Server) application(r *http.Request) (any, error) {
	id, err := applicationID(r)
	if err != nil {
		return nil, err
	}
	return s.Programs.Application(r.Context(), id)
}

// WithdrawRequest is the body of POST /applications/{id}/withdraw.
type WithdrawRequest struct {
	Reason string `json:"reason"`
}

// WithdrawResponse says which application took the place, if any.
type WithdrawResponse struct {
	Withdrawn int64                 `json:"withdrawn"`
	Promoted  *programs.Application `json:"promoted"`
}

func (s *Server) withdraw(r *http.Request) (any, error) {
	id, err := applicationID(r)
	if err != nil {
		return nil, err
	}
	var in WithdrawRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "say why the application is withdrawn (reason)",
			Fields: []fosis.FieldError{{Field: "reason", Message: "required"}}}
	}
	p, err := s.Programs.Withdraw(r.Context(), id, in.Reason)
	if err != nil {
		return nil, err
	}
	return &WithdrawResponse{Withdrawn: id, Promoted: p}, nil
}

// EnrollRequest is the body of POST /applications/{id}/enroll.
type EnrollRequest struct {
	StartsOn string `json:"starts_on"`
}

func (s *Server) enroll(r *http.Request) (any, error) {
	id, err := applicationID(r)
	if err != nil {
		return nil, err
	}
	var in EnrollRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	day, err := time.Parse(time.DateOnly, in.StartsOn)
	if err != nil {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "starts_on must be a date (YYYY-MM-DD)",
			Fields: []fosis.FieldError{{Field: "starts_on", Message: "YYYY-MM-DD"}}}
	}
	return s.Programs.Enroll(r.Context(), id, day)
}

// saveProgram stores the body as a new version of its programme line (the
// line is created the first time); programme managers only.
func (s *Server) saveProgram(r *http.Request) (any, error) {
	var p programs.Program
	if err := decodeBody(r, &p); err != nil {
		return nil, err
	}
	return s.Programs.SaveProgram(r.Context(), &p)
}

// ProgramVersions is a programme line's versions, oldest first.
type ProgramVersions struct {
	Items []programs.Program `json:"items"`
}

func (s *Server) programVersions(r *http.Request) (any, error) {
	vs, err := s.Programs.History(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	return ProgramVersions{Items: vs}, nil
}

// AgencyList is the executing agencies the caller may see.
type AgencyList struct {
	Items []programs.Agency `json:"items"`
}

func (s *Server) agencies(r *http.Request) (any, error) {
	as, err := s.Programs.Agencies(r.Context())
	if err != nil {
		return nil, err
	}
	if as == nil {
		as = []programs.Agency{}
	}
	return AgencyList{Items: as}, nil
}

// NewAgency is the body of POST /api/v1/agencies.
type NewAgency struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (s *Server) createAgency(r *http.Request) (any, error) {
	var in NewAgency
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return s.Programs.CreateAgency(r.Context(), in.Code, in.Name)
}

func (s *Server) addContract(r *http.Request) (any, error) {
	var c programs.Contract
	if err := decodeBody(r, &c); err != nil {
		return nil, err
	}
	return s.Programs.AddContract(r.Context(), r.PathValue("code"), c)
}

// StaffMember is the body (and answer) of POST /api/v1/agencies/{code}/staff.
type StaffMember struct {
	UserID int64  `json:"user_id"`
	Agency string `json:"agency,omitempty"`
}

func (s *Server) addStaff(r *http.Request) (any, error) {
	var in StaffMember
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	if in.UserID < 1 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "user_id is the id of the staff member's account",
			Fields: []fosis.FieldError{{Field: "user_id", Message: "required"}}}
	}
	code := r.PathValue("code")
	if err := s.Programs.AddStaff(r.Context(), in.UserID, code); err != nil {
		return nil, err
	}
	return StaffMember{UserID: in.UserID, Agency: code}, nil
}

// importApplications reads the body, a CSV of applications, into the call:
// all or nothing, with every wrong row by line in the report (400 then).
func (s *Server) importApplications(w http.ResponseWriter, r *http.Request) (any, error) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "send the applications as text/csv (a column run, or household_id for household calls)",
			Fields: []fosis.FieldError{{Field: "body", Message: "Content-Type must be text/csv"}}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 32<<20)
	rep, err := s.Programs.ImportApplications(r.Context(), r.PathValue("code"), r.Body, "applications.csv")
	if err != nil {
		return nil, err
	}
	if len(rep.Errors) > 0 {
		// The error shape, one field per wrong row: "line 3" or "line 3.run".
		fe := &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("%d of %d rows are wrong: nothing was stored; correct them and send the file again",
			len(rep.Errors), rep.Rows)}
		for _, e := range rep.Errors {
			field := fmt.Sprintf("line %d", e.Line)
			if e.Field != "" {
				field += "." + e.Field
			}
			fe.Fields = append(fe.Fields, fosis.FieldError{Field: field, Message: e.Message})
		}
		return nil, fe
	}
	return rep, nil
}
