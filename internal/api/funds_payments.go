package api

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// fundsPaymentRoutes are the endpoints of payments, payment runs, bank
// files and agencies' contracts (docs/funds.md); the funds slice enforces
// who may read and act (maker-checker included: the approving token's user
// must not be the preparing one).
func (s *Server) fundsPaymentRoutes() []route {
	return []route{
		{"GET", "/api/v1/funds/payments", false, handle(s.fundsPayments)},
		{"POST", "/api/v1/funds/payments", false, handle(s.fundsPaymentCreate)},
		{"POST", "/api/v1/funds/payments/{id}/reissue", false, handle(s.fundsPaymentReissue)},
		{"GET", "/api/v1/funds/payruns", false, handle(s.fundsRuns)},
		{"POST", "/api/v1/funds/payruns", false, handle(s.fundsRunPrepare)},
		{"GET", "/api/v1/funds/payruns/{id}", false, handle(s.fundsRun)},
		{"POST", "/api/v1/funds/payruns/{id}/approve", false, handle(s.fundsRunApprove)},
		{"POST", "/api/v1/funds/payruns/{id}/cancel", false, handle(s.fundsRunCancel)},
		{"POST", "/api/v1/funds/payruns/{id}/file", false, handle(s.fundsRunFile)},
		{"POST", "/api/v1/funds/payruns/{id}/results", false, handle(s.fundsRunResults)},
		{"GET", "/api/v1/funds/contracts", false, handle(s.fundsContracts)},
		{"POST", "/api/v1/funds/contracts", false, handle(s.fundsContractCreate)},
		{"GET", "/api/v1/funds/contracts/{code}", false, handle(s.fundsContract)},
		{"POST", "/api/v1/funds/contracts/{code}/sign", false, handle(s.fundsContractSign)},
		{"POST", "/api/v1/funds/contracts/{code}/guarantees", false, handle(s.fundsGuaranteeAdd)},
		{"POST", "/api/v1/funds/contracts/{code}/spending", false, handle(s.fundsSpending)},
		{"POST", "/api/v1/funds/contracts/{code}/milestones/{seq}/{step}", false, handle(s.fundsMilestoneStep)},
		{"GET", "/api/v1/funds/guarantees/alerts", false, handle(s.fundsGuaranteeAlerts)},
	}
}

// FundsPayments is the answer of GET /api/v1/funds/payments.
type FundsPayments struct {
	Payments []funds.Payment `json:"payments"`
}

// FundsPaymentCreated is the answer of POST /api/v1/funds/payments.
type FundsPaymentCreated struct {
	Payment funds.Payment `json:"payment"`
	// Created is false when the idempotency key had already recorded this
	// same payment.
	Created bool `json:"created"`
}

// FundsReissue is the body of a re-issue: the corrected payee, if any.
type FundsReissue struct {
	Payee *funds.Payee `json:"payee"`
}

// FundsRuns is the answer of GET /api/v1/funds/payruns.
type FundsRuns struct {
	Runs []funds.Run `json:"runs"`
}

// FundsRunPrepare is the body of POST /api/v1/funds/payruns.
type FundsRunPrepare struct {
	Call string `json:"call"`
	Note string `json:"note"`
}

// FundsRunDetail is a run and its payments.
type FundsRunDetail struct {
	Run      funds.Run       `json:"run"`
	Payments []funds.Payment `json:"payments"`
}

// FundsRunFileRequest is the body of POST …/file: a layout (JSON or YAML
// text; the default layout when empty).
type FundsRunFileRequest struct {
	Layout string `json:"layout"`
}

// FundsRunFile is a run's bank batch file.
type FundsRunFile struct {
	Layout string `json:"layout"`
	Count  int64  `json:"count"`
	Total  int64  `json:"total"`
	File   string `json:"file"`
}

// FundsRunResults is the body of POST …/results: the bank's result file.
type FundsRunResults struct {
	File string `json:"file"`
}

// FundsContracts is the answer of GET /api/v1/funds/contracts.
type FundsContracts struct {
	Contracts []funds.Contract `json:"contracts"`
}

// FundsSpendingReport is the body of POST …/spending.
type FundsSpendingReport struct {
	Month string           `json:"month"`
	Lines map[string]int64 `json:"lines"`
	Note  string           `json:"note"`
}

// FundsSpending is what a spending report recorded.
type FundsSpending struct {
	Spending []funds.Spending `json:"spending"`
}

// FundsMilestoneStep is the body of a milestone's step (accept: the
// evidence, and the coverage reached for a coverage milestone).
type FundsMilestoneStep struct {
	Evidence string `json:"evidence"`
	Coverage int64  `json:"coverage"`
}

// FundsGuarantees is the answer of GET /api/v1/funds/guarantees/alerts.
type FundsGuarantees struct {
	Guarantees []funds.Guarantee `json:"guarantees"`
}

func (s *Server) fundsPayments(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	flt := funds.PaymentFilter{State: funds.PaymentState(q.Get("state")), Call: q.Get("call")}
	if v := q.Get("run"); v != "" {
		if flt.Run, err = strconv.ParseInt(v, 10, 64); err != nil {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: "run must be a payment run's number",
				Fields: []fosis.FieldError{{Field: "run", Message: "must be a payment run's number"}}}
		}
	}
	ps, err := f.Payments(r.Context(), flt)
	if err != nil {
		return nil, err
	}
	return FundsPayments{Payments: ps}, nil
}

func (s *Server) fundsPaymentCreate(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var np funds.NewPayment
	if err := decodeBody(r, &np); err != nil {
		return nil, err
	}
	pm, created, err := f.CreatePayment(r.Context(), np)
	if err != nil {
		return nil, err
	}
	return FundsPaymentCreated{Payment: pm, Created: created}, nil
}

func (s *Server) fundsPaymentReissue(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var b FundsReissue // the body is optional: no payee re-issues to the same account
	if r.ContentLength != 0 {
		if err := decodeBody(r, &b); err != nil {
			return nil, err
		}
	}
	return f.Reissue(r.Context(), id, b.Payee)
}

func (s *Server) fundsRuns(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	rs, err := f.Runs(r.Context())
	if err != nil {
		return nil, err
	}
	return FundsRuns{Runs: rs}, nil
}

func (s *Server) fundsRunPrepare(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var b FundsRunPrepare
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	return f.PrepareRun(r.Context(), b.Call, b.Note)
}

func (s *Server) fundsRun(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	run, ps, err := f.Run(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return FundsRunDetail{Run: run, Payments: ps}, nil
}

func (s *Server) fundsRunApprove(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return f.ApproveRun(r.Context(), id)
}

func (s *Server) fundsRunCancel(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return f.CancelRun(r.Context(), id)
}

func (s *Server) fundsRunFile(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var b FundsRunFileRequest
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	l := funds.DefaultLayout()
	if b.Layout != "" {
		if l, err = funds.ParseLayout([]byte(b.Layout)); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	c, err := f.ExportRun(r.Context(), id, l, &buf)
	if err != nil {
		return nil, err
	}
	return FundsRunFile{Layout: l.Name, Count: c.Count, Total: c.Total, File: buf.String()}, nil
}

func (s *Server) fundsRunResults(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var b FundsRunResults
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	return f.ImportResults(r.Context(), id, []byte(b.File))
}

func (s *Server) fundsContracts(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	cs, err := f.Contracts(r.Context())
	if err != nil {
		return nil, err
	}
	return FundsContracts{Contracts: cs}, nil
}

func (s *Server) fundsContractCreate(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var nc funds.NewContract
	if err := decodeBody(r, &nc); err != nil {
		return nil, err
	}
	return f.CreateContract(r.Context(), nc)
}

func (s *Server) fundsContract(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	return f.Contract(r.Context(), r.PathValue("code"), time.Now())
}

func (s *Server) fundsContractSign(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	return f.SignContract(r.Context(), r.PathValue("code"))
}

func (s *Server) fundsGuaranteeAdd(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var g funds.Guarantee
	if err := decodeBody(r, &g); err != nil {
		return nil, err
	}
	return f.AddGuarantee(r.Context(), r.PathValue("code"), g)
}

func (s *Server) fundsSpending(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var b FundsSpendingReport
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	sp, err := f.ReportSpending(r.Context(), r.PathValue("code"), b.Month, b.Lines, b.Note)
	if err != nil {
		return nil, err
	}
	return FundsSpending{Spending: sp}, nil
}

// fundsMilestoneStep accepts a milestone's condition, requests its release
// or releases it; the milestone is named by its contract (whose scope
// applies first) and its place in the schedule.
func (s *Server) fundsMilestoneStep(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	c, err := f.Contract(r.Context(), r.PathValue("code"), time.Now())
	if err != nil {
		return nil, err
	}
	seq, _ := strconv.Atoi(r.PathValue("seq"))
	var id int64
	for _, m := range c.Milestones {
		if m.Seq == seq {
			id = m.ID
		}
	}
	notFound := fosis.KeyedErrorf(fosis.ENOTFOUND, "funds.err.ms_none", funds.Messages["funds.err.ms_none"], seq)
	if id == 0 {
		return nil, notFound
	}
	var b FundsMilestoneStep // only accept reads a body
	if r.ContentLength != 0 {
		if err := decodeBody(r, &b); err != nil {
			return nil, err
		}
	}
	switch r.PathValue("step") {
	case "accept":
		return f.AcceptCondition(r.Context(), id, b.Evidence, b.Coverage)
	case "request":
		return f.RequestRelease(r.Context(), id)
	case "release":
		return f.ApproveRelease(r.Context(), id)
	}
	return nil, notFound
}

func (s *Server) fundsGuaranteeAlerts(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	days := 30
	if v := r.URL.Query().Get("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 0 || days > 3650 {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: "days must be a number of days from 0 to 3650",
				Fields: []fosis.FieldError{{Field: "days", Message: "must be a number of days from 0 to 3650"}}}
		}
	}
	gs, err := f.GuaranteeAlerts(r.Context(), time.Now(), days)
	if err != nil {
		return nil, err
	}
	return FundsGuarantees{Guarantees: gs}, nil
}
