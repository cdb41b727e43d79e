package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// fundsParticipantRoutes registers a participant's money page and its
// forms (the funds slice enforces who sees which case's money and who may
// move it).
func (s *Server) fundsParticipantRoutes(pages *routeMux) {
	pages.HandleFunc("GET /cases/{id}/money", s.requireUser(s.moneyPage))
	pages.HandleFunc("POST /cases/{id}/money/receipts", s.requireUser(s.moneyReceipt))
	pages.HandleFunc("POST /cases/{id}/money/tranches/{seq}", s.requireUser(s.moneyOrder))
	pages.HandleFunc("POST /cases/{id}/money/recover", s.requireUser(s.moneyRecover))
	pages.HandleFunc("POST /funds/receipts/{id}/review", s.requireUser(s.moneyReview))
	pages.HandleFunc("GET /funds/receipts/{id}/file", s.requireUser(s.moneyReceiptFile))
	pages.HandleFunc("GET /funds/participants", s.requireUser(s.moneyParticipants))
}

// moneyData is a participant's money page.
type moneyData struct {
	Money    *funds.ParticipantMoney
	DocTypes []string
	Today    string
	// Done names what was just done (a key of fundsp.done.*).
	Done  string
	Error error
	// Form is the receipt form sent back with its problems.
	Form funds.ReceiptInput
}

// FieldError returns the refusal's problem with field, if any.
func (d moneyData) FieldError(field string) *fosis.FieldError {
	var e *fosis.Error
	if errors.As(d.Error, &e) {
		for i := range e.Fields {
			if e.Fields[i].Field == field {
				return &e.Fields[i]
			}
		}
	}
	return nil
}

// moneyDone are the success messages a redirect may name.
var moneyDone = map[string]bool{"receipt": true, "held": true, "ordered": true, "recovered": true, "accepted": true, "rejected": true}

func (s *Server) moneyCase(w http.ResponseWriter, r *http.Request) (int64, bool) {
	if s.cfg.Funds == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the funds ledger is not enabled"))
		return 0, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no case %q", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

func (s *Server) moneyPage(w http.ResponseWriter, r *http.Request) {
	s.renderMoney(w, r, http.StatusOK, nil, funds.ReceiptInput{})
}

func (s *Server) renderMoney(w http.ResponseWriter, r *http.Request, status int, refusal error, form funds.ReceiptInput) {
	id, ok := s.moneyCase(w, r)
	if !ok {
		return
	}
	pm, err := s.cfg.Funds.Participant(r.Context(), id, s.now().UTC())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := moneyData{Money: pm, DocTypes: funds.DocTypes, Today: s.today(), Error: refusal, Form: form}
	if done := r.URL.Query().Get("done"); moneyDone[done] && refusal == nil {
		d.Done = done
	}
	s.render(w, r, status, "funds_participant", d)
}

// moneyFail shows the page again with a refusal (its status from its code),
// or the error page for one that hides the case.
func (s *Server) moneyFail(w http.ResponseWriter, r *http.Request, err error, form funds.ReceiptInput) {
	switch fosis.ErrorCode(err) {
	case fosis.EINVALID, fosis.ECONFLICT, fosis.EFORBIDDEN:
		s.renderMoney(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), err, form)
	default:
		s.fail(w, r, err)
	}
}

func moneyURL(id int64, done string) string {
	return "/cases/" + strconv.FormatInt(id, 10) + "/money?done=" + done
}

func (s *Server) moneyReceipt(w http.ResponseWriter, r *http.Request) {
	id, ok := s.moneyCase(w, r)
	if !ok {
		return
	}
	max := int64(funds.MaxReceiptFile) + 64<<10
	r.Body = http.MaxBytesReader(w, r.Body, max)
	var in funds.ReceiptInput
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		// The store still decides whether the case is in reach, so that a
		// case out of reach answers as a missing one whatever was sent.
		in.File = nil
	} else {
		in.DocType, in.DocNumber = r.PostFormValue("doc_type"), r.PostFormValue("doc_number")
		in.SupplierRUT, in.IssuedOn, in.Note = r.PostFormValue("supplier_rut"), r.PostFormValue("issued_on"), r.PostFormValue("note")
		in.Amount, _ = strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("amount"), ".", "")), 10, 64)
		in.PlanLine, _ = strconv.Atoi(r.PostFormValue("plan_line"))
		if f, h, err := r.FormFile("file"); err == nil {
			defer f.Close()
			in.File, in.FileName = f, h.Filename
		}
	}
	rc, err := s.cfg.Funds.AddReceipt(r.Context(), id, in)
	if err != nil {
		in.File = nil
		s.moneyFail(w, r, err, in)
		return
	}
	done := "receipt"
	if rc.Status == funds.ReceiptHeld {
		done = "held"
	}
	http.Redirect(w, r, moneyURL(id, done)+"#receipts", http.StatusSeeOther)
}

func (s *Server) moneyOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := s.moneyCase(w, r)
	if !ok {
		return
	}
	seq, _ := strconv.Atoi(r.PathValue("seq"))
	_, err := s.cfg.Funds.OrderTranche(r.Context(), id, funds.OrderInput{Seq: seq, SupplierRUT: r.PostFormValue("supplier_rut"),
		SupplierName: r.PostFormValue("supplier_name"), Key: r.PostFormValue("key")})
	if err != nil {
		s.moneyFail(w, r, err, funds.ReceiptInput{})
		return
	}
	http.Redirect(w, r, moneyURL(id, "ordered")+"#tranches", http.StatusSeeOther)
}

func (s *Server) moneyRecover(w http.ResponseWriter, r *http.Request) {
	id, ok := s.moneyCase(w, r)
	if !ok {
		return
	}
	amount, _ := strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("amount"), ".", "")), 10, 64)
	if _, err := s.cfg.Funds.Recover(r.Context(), id, amount, r.PostFormValue("note")); err != nil {
		s.moneyFail(w, r, err, funds.ReceiptInput{})
		return
	}
	http.Redirect(w, r, moneyURL(id, "recovered"), http.StatusSeeOther)
}

func (s *Server) moneyReview(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Funds == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the funds ledger is not enabled"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no receipt %q", r.PathValue("id")))
		return
	}
	accept := r.PostFormValue("accept") == "1"
	rc, err := s.cfg.Funds.ReviewReceipt(r.Context(), id, accept, r.PostFormValue("note"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	done := "rejected"
	if accept {
		done = "accepted"
	}
	http.Redirect(w, r, moneyURL(rc.CaseID, done)+"#receipts", http.StatusSeeOther)
}

func (s *Server) moneyReceiptFile(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Funds == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the funds ledger is not enabled"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no receipt %q", r.PathValue("id")))
		return
	}
	name, ftype, content, err := s.cfg.Funds.ReceiptFile(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ftype)
	w.Header().Set("Content-Disposition", `inline; filename="`+strings.Map(func(c rune) rune {
		if c == '"' || c == '\\' || c < 32 || c > 126 {
			return '_'
		}
		return c
	}, name)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(content)
}

// participantsData is the list of participants whose money is on the ledger.
type participantsData struct {
	Pending bool
	Rows    []funds.ParticipantRow
}

func (s *Server) moneyParticipants(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Funds == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the funds ledger is not enabled"))
		return
	}
	d := participantsData{Pending: r.URL.Query().Get("pending") == "1"}
	rows, err := s.cfg.Funds.Participants(r.Context(), funds.ParticipantFilter{Pending: d.Pending}, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Rows = rows
	s.render(w, r, http.StatusOK, "funds_participants", d)
}
