package api

import (
	"net/http"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// fundsRoutes are the endpoints of budgets and envelopes (docs/funds.md);
// the funds slice enforces who may read (a regional officer: their region)
// and who may move money (finance officers and administrators).
func (s *Server) fundsRoutes() []route {
	return append([]route{
		{"GET", "/api/v1/funds/balances", false, handle(s.fundsBalances)},
		{"GET", "/api/v1/funds/envelopes/{call}/movements", false, handle(s.fundsMovements)},
		{"POST", "/api/v1/funds/assignments", false, handle(s.fundsAssign)},
		{"POST", "/api/v1/funds/modifications", false, handle(s.fundsModify)},
	}, s.fundsPaymentRoutes()...) // funds_payments.go
}

func (s *Server) fundsStore() (*funds.Store, error) {
	if s.Funds == nil {
		return nil, fosis.Errorf(fosis.EUNAVAILABLE, "the funds ledger is not enabled on this server")
	}
	return s.Funds, nil
}

// FundsBalances is the answer of GET /api/v1/funds/balances.
type FundsBalances struct {
	Rows []funds.Row `json:"rows"`
}

// FundsMovements is the answer of GET /api/v1/funds/envelopes/{call}/movements.
type FundsMovements struct {
	Movements []funds.Movement `json:"movements"`
}

// FundsBudgetChange is the body of an assignment or a modification.
type FundsBudgetChange struct {
	Year   int    `json:"year"`
	Line   string `json:"line"`
	Region string `json:"region"`
	Amount int64  `json:"amount"`
	Note   string `json:"note"`
}

func (s *Server) fundsBalances(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	var flt funds.Filter
	if v := q.Get("year"); v != "" {
		if flt.Year, err = strconv.Atoi(v); err != nil {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: "year must be a year such as 2026",
				Fields: []fosis.FieldError{{Field: "year", Message: "must be a year such as 2026"}}}
		}
	}
	flt.Line, flt.Region = q.Get("line"), q.Get("region")
	rows, err := f.Balances(r.Context(), flt)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		rows = []funds.Row{}
	}
	return FundsBalances{Rows: rows}, nil
}

func (s *Server) fundsMovements(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	ms, err := f.Movements(r.Context(), r.PathValue("call"))
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []funds.Movement{}
	}
	return FundsMovements{Movements: ms}, nil
}

func (s *Server) fundsChange(r *http.Request, modify bool) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var b FundsBudgetChange
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	k := funds.Key{Year: b.Year, Line: b.Line, Region: b.Region}
	if modify {
		return f.Modify(r.Context(), k, b.Amount, b.Note)
	}
	return f.Assign(r.Context(), k, b.Amount, b.Note)
}

func (s *Server) fundsAssign(r *http.Request) (any, error) { return s.fundsChange(r, false) }
func (s *Server) fundsModify(r *http.Request) (any, error) { return s.fundsChange(r, true) }
