package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// microcreditRoutes are the budget execution and the microcredit subsidy's
// endpoints (docs/funds.md): the funds slice enforces who reads what (a
// regional officer: their region's lines; an institution's user: its own
// loans and settlements) and who reports and settles.
func (s *Server) microcreditRoutes() []route {
	return []route{
		{"GET", "/api/v1/funds/execution", false, handle(s.fundsExecution)},
		{"GET", "/api/v1/funds/institutions", false, handle(s.fundsInstitutions)},
		{"POST", "/api/v1/funds/institutions", false, handle(s.fundsCreateInstitution)},
		{"POST", "/api/v1/funds/institutions/{code}/agreements", false, handle(s.fundsCreateAgreement)},
		{"GET", "/api/v1/funds/institutions/{code}/loans", false, handle(s.fundsLoans)},
		{"POST", "/api/v1/funds/institutions/{code}/loans", false, handle(s.fundsReportLoans)},
		{"GET", "/api/v1/funds/institutions/{code}/settlements", false, handle(s.fundsSettlements)},
		{"POST", "/api/v1/funds/institutions/{code}/settlements", false, handle(s.fundsSettle)},
	}
}

// FundsInstitutions is the answer of GET /api/v1/funds/institutions.
type FundsInstitutions struct {
	Institutions []funds.Institution `json:"institutions"`
}

// FundsLoans is the answer of GET …/loans: a page of loans and the cursor
// of the next (0: none).
type FundsLoans struct {
	Loans []funds.Loan `json:"loans"`
	Next  int64        `json:"next"`
}

// FundsLoanReport is the body of POST …/loans.
type FundsLoanReport struct {
	Loans []funds.LoanInput `json:"loans"`
}

// FundsSettlements is the answer of GET …/settlements.
type FundsSettlements struct {
	Settlements []funds.Settlement `json:"settlements"`
}

// FundsSettle is the body of POST …/settlements.
type FundsSettle struct {
	Month string `json:"month"`
}

func intParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &fosis.Error{Code: fosis.EINVALID, Message: name + " must be a whole number",
			Fields: []fosis.FieldError{{Field: name, Message: "must be a whole number"}}}
	}
	return n, nil
}

func (s *Server) fundsExecution(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var flt funds.ExecFilter
	if flt.Year, err = intParam(r, "year"); err != nil {
		return nil, err
	}
	if flt.Year == 0 {
		flt.Year = time.Now().Year()
	}
	if flt.Month, err = intParam(r, "month"); err != nil {
		return nil, err
	}
	flt.Line, flt.Region = r.URL.Query().Get("line"), r.URL.Query().Get("region")
	return f.Execution(r.Context(), flt)
}

func (s *Server) fundsInstitutions(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	is, err := f.Institutions(r.Context())
	if err != nil {
		return nil, err
	}
	return FundsInstitutions{Institutions: is}, nil
}

func (s *Server) fundsLoans(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	after, limit, err := pageParams(r.URL.Query(), "after", 1000, 1000)
	if err != nil {
		return nil, err
	}
	ls, err := f.Loans(r.Context(), r.PathValue("code"), funds.LoanFilter{Month: r.URL.Query().Get("month"), After: after, Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	out := FundsLoans{Loans: ls}
	if len(ls) > limit {
		out.Loans = ls[:limit]
		out.Next = ls[limit-1].ID
	}
	return out, nil
}

func (s *Server) fundsReportLoans(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var b FundsLoanReport
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	rep, err := f.ReportLoans(r.Context(), r.PathValue("code"), b.Loans)
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func (s *Server) fundsSettlements(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	ss, err := f.Settlements(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	return FundsSettlements{Settlements: ss}, nil
}

func (s *Server) fundsSettle(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var b FundsSettle
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	return f.Settle(r.Context(), r.PathValue("code"), b.Month)
}

// FundsInstitutionInput is the body of POST /api/v1/funds/institutions.
type FundsInstitutionInput struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	TaxID string `json:"tax_id"`
}

// FundsAgreementInput is the body of POST …/agreements.
type FundsAgreementInput struct {
	Call              string       `json:"call"`
	StartsOn          string       `json:"starts_on"`
	EndsOn            string       `json:"ends_on"`
	Cap               int64        `json:"cap"`
	MonthlyCap        int64        `json:"monthly_cap"`
	MaxBracket        int          `json:"max_bracket"`
	MinBusinessMonths int          `json:"min_business_months"`
	Bands             []funds.Band `json:"bands"`
}

func (s *Server) fundsCreateInstitution(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var b FundsInstitutionInput
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	return f.CreateInstitution(r.Context(), funds.Institution{Code: b.Code, Name: b.Name, Kind: funds.InstitutionKind(b.Kind), TaxID: b.TaxID})
}

func (s *Server) fundsCreateAgreement(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var b FundsAgreementInput
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	return f.CreateAgreement(r.Context(), funds.Agreement{Institution: r.PathValue("code"), Call: b.Call, StartsOn: b.StartsOn, EndsOn: b.EndsOn,
		Cap: b.Cap, MonthlyCap: b.MonthlyCap, MaxBracket: b.MaxBracket, MinBusinessMonths: b.MinBusinessMonths, Bands: b.Bands})
}
