package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
)

// fundsPaymentRoutes registers the pages of payments, payment runs and
// agencies' contracts (docs/funds.md). The funds slice decides who may see
// and do what: payments and runs are for finance officers and national
// staff; contracts are also for a region's officer (their region) and an
// agency's staff (their contracts).
func (s *Server) fundsPaymentRoutes(pages *routeMux) {
	pages.HandleFunc("GET /funds/payments", s.requireUser(s.paymentsPage))
	pages.HandleFunc("POST /funds/payments", s.requireUser(s.paymentCreate))
	pages.HandleFunc("POST /funds/payments/{id}/reissue", s.requireUser(s.paymentReissue))
	pages.HandleFunc("GET /funds/payruns", s.requireUser(s.payrunsPage))
	pages.HandleFunc("POST /funds/payruns", s.requireUser(s.payrunPrepare))
	pages.HandleFunc("GET /funds/payruns/{id}", s.requireUser(s.payrunPage))
	pages.HandleFunc("POST /funds/payruns/{id}/approve", s.requireUser(s.payrunApprove))
	pages.HandleFunc("POST /funds/payruns/{id}/cancel", s.requireUser(s.payrunCancel))
	pages.HandleFunc("POST /funds/payruns/{id}/file", s.requireUser(s.payrunFile))
	pages.HandleFunc("POST /funds/payruns/{id}/results", s.requireUser(s.payrunResults))
	pages.HandleFunc("GET /funds/contracts", s.requireUser(s.contractsPage))
	pages.HandleFunc("POST /funds/contracts", s.requireUser(s.contractCreate))
	pages.HandleFunc("GET /funds/contracts/{code}", s.requireUser(s.contractPage))
	pages.HandleFunc("POST /funds/contracts/{code}/sign", s.requireUser(s.contractSign))
	pages.HandleFunc("POST /funds/contracts/{code}/guarantees", s.requireUser(s.contractGuarantee))
	pages.HandleFunc("POST /funds/contracts/{code}/spending", s.requireUser(s.contractSpending))
	pages.HandleFunc("POST /funds/contracts/{code}/milestones/{seq}/{step}", s.requireUser(s.milestoneStep))
}

// formError is a form's refusal shown on its page.
type formError struct{ Error error }

// Problems are the refusal's field problems (rows of a file, fields of a
// form), or none.
func (f formError) Problems() []fosis.FieldError {
	var e *fosis.Error
	if errors.As(f.Error, &e) && len(e.Fields) > 1 {
		return e.Fields
	}
	return nil
}

// fundsOn fails the request when the ledger is not enabled.
func (s *Server) fundsOn(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Funds == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the funds ledger is not enabled"))
		return false
	}
	return true
}

// formFailed shows a form's refusal again on its page (status from the
// refusal's code) when it is the user's to correct, or the error page.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, err error, again func(status int, err error)) {
	switch fosis.ErrorCode(err) {
	case fosis.EINVALID, fosis.ECONFLICT:
		again(fosis.HTTPStatus(fosis.ErrorCode(err)), err)
	default:
		s.fail(w, r, err)
	}
}

// paymentsData is the payments page: a list and the new payment form.
type paymentsData struct {
	State    string
	States   []funds.PaymentState
	Purposes []funds.Purpose
	Kinds    []string
	Payments []funds.Payment
	Form     funds.NewPayment
	formError
	Done    string
	CanMove bool
}

func canMove(r *http.Request) bool {
	p := auth.FromContext(r.Context())
	return p != nil && (p.Role == auth.RoleFinance || p.Role == auth.RoleAdmin)
}

func (s *Server) paymentsPage(w http.ResponseWriter, r *http.Request) {
	s.renderPayments(w, r, http.StatusOK, funds.NewPayment{Purpose: funds.PurposeTranche}, nil)
}

func (s *Server) renderPayments(w http.ResponseWriter, r *http.Request, status int, form funds.NewPayment, ferr error) {
	if !s.fundsOn(w, r) {
		return
	}
	state := r.URL.Query().Get("state")
	ps, err := s.cfg.Funds.Payments(r.Context(), funds.PaymentFilter{State: funds.PaymentState(state), Limit: 200})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "funds_payments", paymentsData{State: state, States: funds.PaymentStates, Purposes: funds.Purposes, Kinds: funds.AccountKinds,
		Payments: ps, Form: form, formError: formError{ferr}, Done: r.URL.Query().Get("done"), CanMove: canMove(r)})
}

func payeeOf(r *http.Request) funds.Payee {
	return funds.Payee{Name: r.PostFormValue("payee_name"), TaxID: r.PostFormValue("tax_id"), Bank: strings.TrimSpace(r.PostFormValue("bank")),
		AccountKind: r.PostFormValue("account_kind"), Account: r.PostFormValue("account")}
}

// amountOf reads a whole number of pesos (-1 when it is not one: the
// slice names the field).
func amountOf(v string) int64 {
	v = strings.NewReplacer(".", "", " ", "", "$", "").Replace(strings.TrimSpace(v))
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func (s *Server) paymentCreate(w http.ResponseWriter, r *http.Request) {
	if !s.fundsOn(w, r) {
		return
	}
	r.ParseForm()
	np := funds.NewPayment{Key: r.PostFormValue("key"), Call: strings.TrimSpace(r.PostFormValue("call")), Purpose: funds.Purpose(r.PostFormValue("purpose")),
		Ref: r.PostFormValue("ref"), Payee: payeeOf(r), Amount: amountOf(r.PostFormValue("amount"))}
	pm, _, err := s.cfg.Funds.CreatePayment(r.Context(), np)
	if err != nil {
		s.formFailed(w, r, err, func(status int, err error) { s.renderPayments(w, r, status, np, err) })
		return
	}
	http.Redirect(w, r, "/funds/payments?done=created&id="+strconv.FormatInt(pm.ID, 10), http.StatusSeeOther)
}

func (s *Server) paymentReissue(w http.ResponseWriter, r *http.Request) {
	if !s.fundsOn(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.ENOTFOUND, "funds.err.pay_none", funds.Messages["funds.err.pay_none"], 0))
		return
	}
	r.ParseForm()
	var fix *funds.Payee
	if acc := strings.TrimSpace(r.PostFormValue("account")); acc != "" {
		old, err := s.cfg.Funds.Payment(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p := old.Payee
		p.Account = acc
		if b := strings.TrimSpace(r.PostFormValue("bank")); b != "" {
			p.Bank = b
		}
		if k := r.PostFormValue("account_kind"); k != "" {
			p.AccountKind = k
		}
		fix = &p
	}
	if _, err := s.cfg.Funds.Reissue(r.Context(), id, fix); err != nil {
		s.formFailed(w, r, err, func(status int, err error) {
			s.renderPayments(w, r, status, funds.NewPayment{Purpose: funds.PurposeTranche}, err)
		})
		return
	}
	http.Redirect(w, r, "/funds/payments?done=reissued", http.StatusSeeOther)
}

// payrunsData is the list of payment runs and the form that prepares one.
type payrunsData struct {
	Runs  []funds.Run
	Ready int
	Done  string
	formError
	CanMove bool
}

func (s *Server) payrunsPage(w http.ResponseWriter, r *http.Request) {
	s.renderPayruns(w, r, http.StatusOK, nil)
}

func (s *Server) renderPayruns(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	if !s.fundsOn(w, r) {
		return
	}
	runs, err := s.cfg.Funds.Runs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ready, err := s.cfg.Funds.Payments(r.Context(), funds.PaymentFilter{State: funds.PaymentReady, Limit: 500})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "funds_payruns", payrunsData{Runs: runs, Ready: len(ready), Done: r.URL.Query().Get("done"), formError: formError{ferr}, CanMove: canMove(r)})
}

func (s *Server) payrunPrepare(w http.ResponseWriter, r *http.Request) {
	if !s.fundsOn(w, r) {
		return
	}
	r.ParseForm()
	run, err := s.cfg.Funds.PrepareRun(r.Context(), strings.TrimSpace(r.PostFormValue("call")), r.PostFormValue("note"))
	if err != nil {
		s.formFailed(w, r, err, func(status int, err error) { s.renderPayruns(w, r, status, err) })
		return
	}
	http.Redirect(w, r, "/funds/payruns/"+strconv.FormatInt(run.ID, 10)+"?done=prepared", http.StatusSeeOther)
}

// payrunData is a payment run's page.
type payrunData struct {
	Run      funds.Run
	Payments []funds.Payment
	Done     string
	formError
	CanMove bool
	// Mine is true when the viewer prepared the run (they cannot approve it).
	Mine bool
}

func (s *Server) runID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	if !s.fundsOn(w, r) {
		return 0, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, fosis.KeyedErrorf(fosis.ENOTFOUND, "funds.err.run_none", funds.Messages["funds.err.run_none"], 0))
		return 0, false
	}
	return id, true
}

func (s *Server) payrunPage(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.runID(w, r); ok {
		s.renderPayrun(w, r, id, http.StatusOK, nil)
	}
}

func (s *Server) renderPayrun(w http.ResponseWriter, r *http.Request, id int64, status int, ferr error) {
	run, ps, err := s.cfg.Funds.Run(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := auth.FromContext(r.Context())
	s.render(w, r, status, "funds_payrun", payrunData{Run: run, Payments: ps, Done: r.URL.Query().Get("done"), formError: formError{ferr}, CanMove: canMove(r),
		Mine: p != nil && p.Username == run.PreparedBy})
}

func (s *Server) payrunApprove(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(w, r)
	if !ok {
		return
	}
	if _, err := s.cfg.Funds.ApproveRun(r.Context(), id); err != nil {
		s.formFailed(w, r, err, func(status int, err error) { s.renderPayrun(w, r, id, status, err) })
		return
	}
	http.Redirect(w, r, "/funds/payruns/"+strconv.FormatInt(id, 10)+"?done=approved", http.StatusSeeOther)
}

func (s *Server) payrunCancel(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(w, r)
	if !ok {
		return
	}
	if _, err := s.cfg.Funds.CancelRun(r.Context(), id); err != nil {
		s.formFailed(w, r, err, func(status int, err error) { s.renderPayrun(w, r, id, status, err) })
		return
	}
	http.Redirect(w, r, "/funds/payruns/"+strconv.FormatInt(id, 10)+"?done=cancelled", http.StatusSeeOther)
}

// uploaded reads the multipart file field name (nil when none was sent),
// bounded by the server's upload limit.
func (s *Server) uploaded(w http.ResponseWriter, r *http.Request, name string) ([]byte, error) {
	limit := s.cfg.MaxUpload
	if limit <= 0 || limit > 64<<20 {
		limit = 64 << 20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if err == http.ErrNotMultipart {
			return nil, nil
		}
		return nil, fosis.KeyedErrorf(fosis.EINVALID, "payrun.err_upload", "the file could not be read")
	}
	f, _, err := r.FormFile(name)
	if err == http.ErrMissingFile {
		return nil, nil
	}
	if err != nil {
		return nil, fosis.KeyedErrorf(fosis.EINVALID, "payrun.err_upload", "the file could not be read")
	}
	defer f.Close()
	return io.ReadAll(f)
}

// payrunFile downloads an approved run's bank batch file, with the default
// layout or one uploaded with the form.
func (s *Server) payrunFile(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(w, r)
	if !ok {
		return
	}
	// Who may not see the run is refused before anything is read.
	if _, _, err := s.cfg.Funds.Run(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.uploaded(w, r, "layout")
	l := funds.DefaultLayout()
	if err == nil && len(data) > 0 {
		l, err = funds.ParseLayout(data)
	}
	var buf bytes.Buffer
	if err == nil {
		_, err = s.cfg.Funds.ExportRun(r.Context(), id, l, &buf)
	}
	if err != nil {
		s.formFailed(w, r, err, func(status int, err error) { s.renderPayrun(w, r, id, status, err) })
		return
	}
	ext := ".txt"
	if l.Format == "csv" {
		ext = ".csv"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape("payrun-"+strconv.FormatInt(id, 10)+ext)+`"`)
	w.Write(buf.Bytes())
}

func (s *Server) payrunResults(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(w, r)
	if !ok {
		return
	}
	if _, _, err := s.cfg.Funds.Run(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.uploaded(w, r, "file")
	if err == nil && len(data) == 0 {
		err = &fosis.Error{Code: fosis.EINVALID, Message: funds.Messages["funds.err.res_empty"], Key: "funds.err.res_empty"}
	}
	var res funds.ImportResult
	if err == nil {
		res, err = s.cfg.Funds.ImportResults(r.Context(), id, data)
	}
	if err != nil {
		s.formFailed(w, r, err, func(status int, err error) { s.renderPayrun(w, r, id, status, err) })
		return
	}
	done := "imported"
	if res.Paid+res.Rejected == 0 {
		done = "unchanged"
	}
	http.Redirect(w, r, "/funds/payruns/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
}

// fundsContractsData is the list of contracts, the guarantees' alerts and the
// new contract form.
type fundsContractsData struct {
	Contracts []funds.Contract
	Alerts    []funds.Guarantee
	Kinds     []string
	Form      fundsContractForm
	formError
	CanMove bool
}

// fundsContractForm is the new contract form as typed.
type fundsContractForm struct {
	funds.NewContract
	TerritoriesText, ScheduleText string
}

func (s *Server) contractsPage(w http.ResponseWriter, r *http.Request) {
	s.renderContracts(w, r, http.StatusOK, fundsContractForm{ScheduleText: "30:start,40:midterm_report,30:final_report"}, nil)
}

func (s *Server) renderContracts(w http.ResponseWriter, r *http.Request, status int, form fundsContractForm, ferr error) {
	if !s.fundsOn(w, r) {
		return
	}
	cs, err := s.cfg.Funds.Contracts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	alerts, err := s.cfg.Funds.GuaranteeAlerts(r.Context(), s.now(), 30)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "funds_contracts", fundsContractsData{Contracts: cs, Alerts: alerts, Kinds: funds.AccountKinds, Form: form, formError: formError{ferr}, CanMove: canMove(r)})
}

func (s *Server) contractCreate(w http.ResponseWriter, r *http.Request) {
	if !s.fundsOn(w, r) {
		return
	}
	r.ParseForm()
	f := fundsContractForm{NewContract: funds.NewContract{Code: strings.TrimSpace(r.PostFormValue("code")), Agency: strings.TrimSpace(r.PostFormValue("agency")),
		Call: strings.TrimSpace(r.PostFormValue("call")), Region: strings.TrimSpace(r.PostFormValue("region")), Title: r.PostFormValue("title"),
		Payee: payeeOf(r), StartsOn: r.PostFormValue("starts_on"), EndsOn: r.PostFormValue("ends_on")},
		TerritoriesText: r.PostFormValue("territories"), ScheduleText: r.PostFormValue("schedule")}
	again := func(status int, err error) { s.renderContracts(w, r, status, f, err) }
	var err error
	if f.Territories, err = funds.ParseTerritories(f.TerritoriesText); err != nil {
		s.formFailed(w, r, err, again)
		return
	}
	if f.Schedule, err = funds.ParseSchedule(f.ScheduleText); err != nil {
		s.formFailed(w, r, err, again)
		return
	}
	c, err := s.cfg.Funds.CreateContract(r.Context(), f.NewContract)
	if err != nil {
		s.formFailed(w, r, err, again)
		return
	}
	http.Redirect(w, r, "/funds/contracts/"+url.PathEscape(c.Code)+"?done=created", http.StatusSeeOther)
}

// fundsContractData is a contract's page.
type fundsContractData struct {
	Contract   funds.Contract
	Kinds      []string
	Categories []string
	Done       string
	formError
	CanMove bool
	// CanAccept: the viewer may accept a milestone's condition; CanReport:
	// report the monthly spending.
	CanAccept, CanReport bool
	User                 string
}

// Spent is what the agency reported spending, in all.
func (d fundsContractData) Spent() int64 {
	var n int64
	for _, sp := range d.Contract.Spending {
		n += sp.Amount
	}
	return n
}

func (s *Server) contractPage(w http.ResponseWriter, r *http.Request) {
	s.renderContract(w, r, http.StatusOK, nil)
}

func (s *Server) renderContract(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	if !s.fundsOn(w, r) {
		return
	}
	c, err := s.cfg.Funds.Contract(r.Context(), r.PathValue("code"), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := auth.FromContext(r.Context())
	d := fundsContractData{Contract: c, Kinds: funds.GuaranteeKinds, Categories: funds.SpendCategories, Done: r.URL.Query().Get("done"), formError: formError{ferr},
		CanMove: canMove(r), User: p.Username}
	switch p.Role {
	case auth.RoleAdmin, auth.RoleFinance, auth.RoleAnalyst, auth.RoleRegional:
		d.CanAccept = true
	}
	d.CanReport = p.Role == auth.RoleAgency || d.CanMove
	s.render(w, r, status, "funds_contract", d)
}

func (s *Server) contractDone(w http.ResponseWriter, r *http.Request, err error, done string) {
	if err != nil {
		s.formFailed(w, r, err, func(status int, err error) { s.renderContract(w, r, status, err) })
		return
	}
	http.Redirect(w, r, "/funds/contracts/"+url.PathEscape(r.PathValue("code"))+"?done="+done, http.StatusSeeOther)
}

func (s *Server) contractSign(w http.ResponseWriter, r *http.Request) {
	if !s.fundsOn(w, r) {
		return
	}
	_, err := s.cfg.Funds.SignContract(r.Context(), r.PathValue("code"))
	s.contractDone(w, r, err, "signed")
}

func (s *Server) contractGuarantee(w http.ResponseWriter, r *http.Request) {
	if !s.fundsOn(w, r) {
		return
	}
	r.ParseForm()
	_, err := s.cfg.Funds.AddGuarantee(r.Context(), r.PathValue("code"), funds.Guarantee{Kind: r.PostFormValue("kind"), Number: r.PostFormValue("number"),
		Issuer: r.PostFormValue("issuer"), Amount: amountOf(r.PostFormValue("amount")), ExpiresOn: r.PostFormValue("expires_on")})
	s.contractDone(w, r, err, "guarantee")
}

func (s *Server) contractSpending(w http.ResponseWriter, r *http.Request) {
	if !s.fundsOn(w, r) {
		return
	}
	r.ParseForm()
	lines := map[string]int64{}
	for _, c := range funds.SpendCategories {
		if v := strings.TrimSpace(r.PostFormValue("spend_" + c)); v != "" {
			lines[c] = amountOf(v)
		}
	}
	_, err := s.cfg.Funds.ReportSpending(r.Context(), r.PathValue("code"), strings.TrimSpace(r.PostFormValue("month")), lines, r.PostFormValue("note"))
	s.contractDone(w, r, err, "spending")
}

// milestoneStep accepts a milestone's condition, requests its release or
// releases it; the milestone is named by its contract and its place in the
// schedule, so that the contract's scope applies first.
func (s *Server) milestoneStep(w http.ResponseWriter, r *http.Request) {
	if !s.fundsOn(w, r) {
		return
	}
	c, err := s.cfg.Funds.Contract(r.Context(), r.PathValue("code"), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seq, _ := strconv.Atoi(r.PathValue("seq"))
	var id int64
	for _, m := range c.Milestones {
		if m.Seq == seq {
			id = m.ID
		}
	}
	if id == 0 {
		s.fail(w, r, fosis.KeyedErrorf(fosis.ENOTFOUND, "funds.err.ms_none", funds.Messages["funds.err.ms_none"], seq))
		return
	}
	r.ParseForm()
	step := r.PathValue("step")
	switch step {
	case "accept":
		cov := amountOf(r.PostFormValue("coverage"))
		if strings.TrimSpace(r.PostFormValue("coverage")) == "" {
			cov = 0
		}
		_, err = s.cfg.Funds.AcceptCondition(r.Context(), id, r.PostFormValue("evidence"), cov)
	case "request":
		_, err = s.cfg.Funds.RequestRelease(r.Context(), id)
	case "release":
		_, err = s.cfg.Funds.ApproveRelease(r.Context(), id)
	default:
		s.fail(w, r, fosis.KeyedErrorf(fosis.ENOTFOUND, "funds.err.ms_none", funds.Messages["funds.err.ms_none"], seq))
		return
	}
	s.contractDone(w, r, err, step)
}
