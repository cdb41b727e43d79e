package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
)

// coopRoutes are the endpoints of South-South and Triangular Cooperation.
// Writes return the project as the project page shows it; the slice
// enforces who may see and change what.
func (s *Server) coopRoutes() []route {
	return []route{
		{"GET", "/api/v1/cooperation/orgs", false, handle(s.coopOrgs)},
		{"POST", "/api/v1/cooperation/orgs", false, handle(s.coopSaveOrg)},
		{"GET", "/api/v1/cooperation/staff", false, handle(s.coopStaff)},
		{"POST", "/api/v1/cooperation/staff", false, handle(s.coopSaveStaff)},
		{"POST", "/api/v1/cooperation/members", false, handle(s.coopLink)},
		{"GET", "/api/v1/cooperation/projects", false, handle(s.coopProjects)},
		{"POST", "/api/v1/cooperation/projects", false, handle(s.coopRequest)},
		{"GET", "/api/v1/cooperation/projects/{code}", false, handle(s.coopProject)},
		{"POST", "/api/v1/cooperation/projects/{code}/feasibility", false, handle(s.coopFeasibility)},
		{"POST", "/api/v1/cooperation/projects/{code}/designs", false, handle(s.coopDesign)},
		{"POST", "/api/v1/cooperation/projects/{code}/review", false, handle(s.coopReview)},
		{"POST", "/api/v1/cooperation/projects/{code}/agreement", false, handle(s.coopAgreement)},
		{"POST", "/api/v1/cooperation/projects/{code}/signatures", false, handle(s.coopSign)},
		{"POST", "/api/v1/cooperation/projects/{code}/amendments", false, handle(s.coopAmend)},
		{"POST", "/api/v1/cooperation/projects/{code}/amendments/{number}/signatures", false, handle(s.coopAmendSign)},
		{"POST", "/api/v1/cooperation/projects/{code}/amendments/{number}/withdrawal", false, handle(s.coopAmendWithdraw)},
		{"POST", "/api/v1/cooperation/projects/{code}/transitions", false, handle(s.coopTransition)},
		{"POST", "/api/v1/cooperation/projects/{code}/events", false, handle(s.coopEvent)},
		{"POST", "/api/v1/cooperation/projects/{code}/execution", false, handle(s.coopExecution)},
		{"PUT", "/api/v1/cooperation/projects/{code}/systematization", false, handle(s.coopSystematization)},
		{"POST", "/api/v1/cooperation/projects/{code}/documents", false, handle(s.coopDocument)},
		{"GET", "/api/v1/cooperation/iati", false, http.HandlerFunc(s.coopIATI)},
		{"GET", "/api/v1/cooperation/segib", false, http.HandlerFunc(s.coopSEGIB)},
	}
}

// coopStore returns the cooperation store, or an unavailable error when the
// server was built without one.
func (s *Server) coopStore() (*cooperation.Store, error) {
	if s.Cooperation == nil {
		return nil, fosis.Errorf(fosis.EUNAVAILABLE, "international cooperation is not enabled on this server")
	}
	return s.Cooperation, nil
}

// CoopProjectList is the pipeline.
type CoopProjectList struct {
	Projects []cooperation.Project `json:"projects"`
}

func (s *Server) coopOrgs(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	orgs, err := c.Orgs(r.Context())
	if err != nil {
		return nil, err
	}
	if orgs == nil {
		orgs = []cooperation.Org{}
	}
	return map[string]any{"orgs": orgs}, nil
}

// coopSaveOrg creates an organisation or updates the one with its name.
func (s *Server) coopSaveOrg(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	var o cooperation.Org
	if err := decodeBody(r, &o); err != nil {
		return nil, err
	}
	return c.SaveOrg(r.Context(), o)
}

// CoopStaffList is FOSIS's professionals.
type CoopStaffList struct {
	Staff []cooperation.Staff `json:"staff"`
}

func (s *Server) coopStaff(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	st, err := c.StaffList(r.Context())
	if err != nil {
		return nil, err
	}
	if st == nil {
		st = []cooperation.Staff{}
	}
	return CoopStaffList{Staff: st}, nil
}

// coopSaveStaff creates a professional or updates the one with its name.
func (s *Server) coopSaveStaff(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	var st cooperation.Staff
	if err := decodeBody(r, &st); err != nil {
		return nil, err
	}
	return c.SaveStaff(r.Context(), st)
}

// CoopAccountLink links a counterpart's or financer's account to its
// organisation.
type CoopAccountLink struct {
	UserID int64  `json:"user_id"`
	Org    string `json:"org"`
}

func (s *Server) coopLink(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	var m CoopAccountLink
	if err := decodeBody(r, &m); err != nil {
		return nil, err
	}
	if err := c.LinkMember(r.Context(), m.UserID, m.Org); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Server) coopProjects(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	ps, err := c.List(r.Context())
	if err != nil {
		return nil, err
	}
	if ps == nil {
		ps = []cooperation.Project{}
	}
	return CoopProjectList{Projects: ps}, nil
}

func (s *Server) coopProject(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	return c.Get(r.Context(), r.PathValue("code"))
}

// coopWrite decodes the body into a fresh T, runs fn and answers the
// project as it is afterwards.
func coopWrite[T any](s *Server, r *http.Request, fn func(c *cooperation.Store, code string, in *T) error) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	var in T
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	code := r.PathValue("code")
	if err := fn(c, code, &in); err != nil {
		return nil, err
	}
	return c.Get(r.Context(), code)
}

func (s *Server) coopRequest(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	var in cooperation.Request
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	p, err := c.CreateRequest(r.Context(), in)
	if err != nil {
		return nil, err
	}
	return c.Get(r.Context(), p.Code)
}

func (s *Server) coopFeasibility(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *cooperation.Feasibility) error {
		return c.Evaluate(r.Context(), code, *in)
	})
}

func (s *Server) coopDesign(r *http.Request) (any, error) {
	c, err := s.coopStore()
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, fosis.Errorf(fosis.EINVALID, "cannot read the request body: %v", err)
	}
	d, err := cooperation.ParseDesign(b)
	if err != nil {
		return nil, err
	}
	return c.SaveDesign(r.Context(), r.PathValue("code"), d)
}

func (s *Server) coopReview(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *cooperation.Review) error {
		return c.ReviewDesign(r.Context(), code, *in)
	})
}

func (s *Server) coopAgreement(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *cooperation.Agreement) error {
		return c.Agree(r.Context(), code, *in)
	})
}

// CoopSign is the body of a signature.
type CoopSign struct {
	Org   string           `json:"org"`
	By    string           `json:"by"`
	On    cooperation.Date `json:"on"`
	Place string           `json:"place,omitempty"`
}

func (s *Server) coopSign(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *CoopSign) error {
		return c.Sign(r.Context(), code, in.Org, in.By, in.On, in.Place)
	})
}

// CoopTransition is the body of a move along the path.
type CoopTransition struct {
	To string           `json:"to"` // start, systematize or close
	On cooperation.Date `json:"on"`
	// Status and Reason say how a project closes: completed (the
	// default), or cancelled or suspended with the reason.
	Status string `json:"status,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (s *Server) coopTransition(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *CoopTransition) error {
		switch in.To {
		case "start":
			return c.Start(r.Context(), code, in.On)
		case "systematize":
			return c.BeginSystematization(r.Context(), code, in.On)
		case "close":
			return c.CloseWith(r.Context(), code, cooperation.Closing{On: in.On, Status: in.Status, Reason: in.Reason})
		}
		fe := fosis.KeyedField("to", "coop.err.to.transition", "%q is not start, systematize or close", in.To)
		return &fosis.Error{Code: fosis.EINVALID, Message: "to: " + fe.Message, Fields: []fosis.FieldError{fe}, Key: fe.Key, Args: fe.Args}
	})
}

func (s *Server) coopEvent(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *cooperation.Event) error {
		_, err := c.AddEvent(r.Context(), code, *in)
		return err
	})
}

func (s *Server) coopExecution(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *cooperation.Execution) error {
		return c.RecordExecution(r.Context(), code, *in)
	})
}

func (s *Server) coopDocument(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *cooperation.Document) error {
		_, err := c.AddDocument(r.Context(), code, *in)
		return err
	})
}

func (s *Server) coopSystematization(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *cooperation.Systematization) error {
		return c.SaveSystematization(r.Context(), code, *in)
	})
}

// coopIATI serves the IATI activity file of every public project the
// caller may see, validated against the schema when xmllint is installed
// (?xsd=0 skips it); a file that breaks a rule is refused with the findings.
func (s *Server) coopIATI(w http.ResponseWriter, r *http.Request) {
	c, err := s.coopStore()
	if err != nil {
		writeError(w, err)
		return
	}
	ex, err := c.ExportIATI(r.Context(), cooperation.ExportOptions{XSD: r.URL.Query().Get("xsd") != "0"})
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="fosis-iati-activities.xml"`)
	w.Write(ex.XML)
}

// coopSEGIB serves the SEGIB report as CSV (default) or XLSX.
func (s *Server) coopSEGIB(w http.ResponseWriter, r *http.Request) {
	c, err := s.coopStore()
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	year := 0
	if v := q.Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			writeError(w, &fosis.Error{Code: fosis.EINVALID, Message: "year must be a year such as 2026", Fields: []fosis.FieldError{{Field: "year", Message: "not a year"}}})
			return
		}
	}
	lang := q.Get("lang")
	if lang == "" {
		lang = "es"
	}
	rows, err := c.SEGIB(r.Context(), year)
	if err != nil {
		writeError(w, err)
		return
	}
	var b bytes.Buffer
	format := strings.ToLower(q.Get("format"))
	switch format {
	case "", "csv":
		format = "csv"
		err = cooperation.WriteSEGIBCSV(&b, rows, lang)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	case "xlsx":
		err = cooperation.WriteSEGIBXLSX(&b, rows, lang)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	default:
		err = &fosis.Error{Code: fosis.EINVALID, Message: "format must be csv or xlsx", Fields: []fosis.FieldError{{Field: "format", Message: "csv or xlsx"}}}
	}
	if err != nil {
		w.Header().Del("Content-Type")
		var fe *fosis.Error
		if !errors.As(err, &fe) {
			s.Log.Error("segib export", "err", err)
		}
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="fosis-segib.`+format+`"`)
	w.Write(b.Bytes())
}

func (s *Server) coopAmend(r *http.Request) (any, error) {
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *cooperation.Amendment) error {
		_, err := c.ProposeAmendment(r.Context(), code, *in)
		return err
	})
}

// amendmentNumber reads the {number} of an amendment's path.
func amendmentNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		return 0, fosis.KeyedErrorf(fosis.EINVALID, "coop.err.amend.number", "%q is not an amendment number", r.PathValue("number"))
	}
	return n, nil
}

func (s *Server) coopAmendSign(r *http.Request) (any, error) {
	n, err := amendmentNumber(r)
	if err != nil {
		return nil, err
	}
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *CoopSign) error {
		return c.SignAmendment(r.Context(), code, n, in.Org, in.By, in.On, in.Place)
	})
}

// CoopWithdrawal is the body of an amendment's withdrawal.
type CoopWithdrawal struct {
	On     cooperation.Date `json:"on"`
	Reason string           `json:"reason"`
}

func (s *Server) coopAmendWithdraw(r *http.Request) (any, error) {
	n, err := amendmentNumber(r)
	if err != nil {
		return nil, err
	}
	return coopWrite(s, r, func(c *cooperation.Store, code string, in *CoopWithdrawal) error {
		return c.WithdrawAmendment(r.Context(), code, n, in.On, in.Reason)
	})
}
