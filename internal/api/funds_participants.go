package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// fundsParticipantRoutes are the endpoints of participants' money
// (docs/funds.md, "Participants"): a case's money, its receipts, tranche
// orders and their settlement, reviews, recoveries and tranche schedules.
// The funds slice enforces who sees which case (a counsellor their
// caseload, an agency its cases, a regional officer their region, finance
// every case) and who may move money (finance officers, administrators).
func (s *Server) fundsParticipantRoutes() []route {
	return []route{
		{"GET", "/api/v1/funds/participants", false, handle(s.fundsParticipants)},
		{"GET", "/api/v1/funds/cases/{id}", false, handle(s.fundsCase)},
		{"POST", "/api/v1/funds/cases/{id}/receipts", false, handleW(s.fundsAddReceipt)},
		{"POST", "/api/v1/funds/cases/{id}/tranches/{seq}/order", false, handle(s.fundsOrder)},
		{"POST", "/api/v1/funds/cases/{id}/recoveries", false, handle(s.fundsRecover)},
		{"POST", "/api/v1/funds/receipts/{id}/review", false, handle(s.fundsReview)},
		{"GET", "/api/v1/funds/tranche-payments", false, handle(s.fundsTranchePayments)},
		{"POST", "/api/v1/funds/tranche-payments/{id}/settlement", false, handle(s.fundsSettleTranche)},
		{"GET", "/api/v1/funds/tranche-schedules/{line}/{version}", false, handle(s.fundsSchedule)},
		{"PUT", "/api/v1/funds/tranche-schedules/{line}/{version}", false, handle(s.fundsSetSchedule)},
		{"POST", "/api/v1/funds/overdue", false, handle(s.fundsOverdue)},
	}
}

// FundsParticipants is the answer of GET /api/v1/funds/participants.
type FundsParticipants struct {
	Participants []funds.ParticipantRow `json:"participants"`
}

// FundsTranchePayments is the answer of GET /api/v1/funds/payments.
type FundsTranchePayments struct {
	Payments []funds.TranchePayment `json:"payments"`
}

// FundsReview is the body of a receipt's review.
type FundsReview struct {
	Accept bool   `json:"accept"`
	Note   string `json:"note"`
}

// FundsTrancheSettlement is the bank's answer for a payment.
type FundsTrancheSettlement struct {
	Paid   bool   `json:"paid"`
	Reason string `json:"reason"`
}

// FundsRecovery is the body of a recovery.
type FundsRecovery struct {
	Amount int64  `json:"amount"`
	Note   string `json:"note"`
}

// FundsSchedule is a line version's tranche schedule.
type FundsSchedule struct {
	Tranches []funds.TrancheRule `json:"tranches"`
	Default  bool                `json:"default"`
}

// FundsOverdueInput is the body of POST /api/v1/funds/overdue.
type FundsOverdueInput struct {
	AsOf string `json:"as_of"`
}

// FundsOverdue is how many participants were flagged for recovery.
type FundsOverdue struct {
	Flagged int `json:"flagged"`
}

func fundsPathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fosis.Errorf(fosis.ENOTFOUND, "no %s %q", what, r.PathValue(name))
	}
	return id, nil
}

func (s *Server) fundsParticipants(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	rows, err := f.Participants(r.Context(), funds.ParticipantFilter{Region: q.Get("region"), Pending: q.Get("pending") == "1"}, 1000)
	if err != nil {
		return nil, err
	}
	return FundsParticipants{Participants: rows}, nil
}

func (s *Server) fundsCase(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := fundsPathID(r, "id", "case")
	if err != nil {
		return nil, err
	}
	return f.Participant(r.Context(), id, time.Now().UTC())
}

// fundsAddReceipt receives a receipt as a multipart form: its fields and
// the file (an image or a PDF).
func (s *Server) fundsAddReceipt(w http.ResponseWriter, r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := fundsPathID(r, "id", "case")
	if err != nil {
		return nil, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, int64(funds.MaxReceiptFile)+64<<10)
	var in funds.ReceiptInput
	if err := r.ParseMultipartForm(1 << 20); err == nil {
		in.DocType, in.DocNumber = r.PostFormValue("doc_type"), r.PostFormValue("doc_number")
		in.SupplierRUT, in.IssuedOn, in.Note = r.PostFormValue("supplier_rut"), r.PostFormValue("issued_on"), r.PostFormValue("note")
		in.Amount, _ = strconv.ParseInt(strings.TrimSpace(r.PostFormValue("amount")), 10, 64)
		in.PlanLine, _ = strconv.Atoi(r.PostFormValue("plan_line"))
		if file, h, err := r.FormFile("file"); err == nil {
			defer file.Close()
			in.File, in.FileName = file, h.Filename
		}
	}
	return f.AddReceipt(r.Context(), id, in)
}

func (s *Server) fundsOrder(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := fundsPathID(r, "id", "case")
	if err != nil {
		return nil, err
	}
	var in funds.OrderInput
	if r.ContentLength != 0 {
		if err := decodeBody(r, &in); err != nil {
			return nil, err
		}
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no tranche %q", r.PathValue("seq"))
	}
	in.Seq = seq
	return f.OrderTranche(r.Context(), id, in)
}

func (s *Server) fundsRecover(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := fundsPathID(r, "id", "case")
	if err != nil {
		return nil, err
	}
	var in FundsRecovery
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return f.Recover(r.Context(), id, in.Amount, in.Note)
}

func (s *Server) fundsReview(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := fundsPathID(r, "id", "receipt")
	if err != nil {
		return nil, err
	}
	var in FundsReview
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return f.ReviewReceipt(r.Context(), id, in.Accept, in.Note)
}

func (s *Server) fundsTranchePayments(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	after, err := cursorParam(r.URL.Query(), "after")
	if err != nil {
		return nil, err
	}
	ys, err := f.OrderedPayments(r.Context(), after, 1000)
	if err != nil {
		return nil, err
	}
	return FundsTranchePayments{Payments: ys}, nil
}

func (s *Server) fundsSettleTranche(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	id, err := fundsPathID(r, "id", "payment")
	if err != nil {
		return nil, err
	}
	var in FundsTrancheSettlement
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return f.SettlePayment(r.Context(), id, in.Paid, in.Reason)
}

func scheduleKey(r *http.Request) (string, int, error) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return "", 0, &fosis.Error{Code: fosis.EINVALID, Message: "version must be a number such as 1",
			Fields: []fosis.FieldError{{Field: "version", Message: "must be a number such as 1"}}}
	}
	return r.PathValue("line"), v, nil
}

func (s *Server) fundsSchedule(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	line, v, err := scheduleKey(r)
	if err != nil {
		return nil, err
	}
	rules, def, err := f.Tranches(r.Context(), line, v)
	if err != nil {
		return nil, err
	}
	return FundsSchedule{Tranches: rules, Default: def}, nil
}

func (s *Server) fundsSetSchedule(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	line, v, err := scheduleKey(r)
	if err != nil {
		return nil, err
	}
	var in FundsSchedule
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	if err := f.SetTranches(r.Context(), line, v, in.Tranches); err != nil {
		return nil, err
	}
	rules, def, err := f.Tranches(r.Context(), line, v)
	if err != nil {
		return nil, err
	}
	return FundsSchedule{Tranches: rules, Default: def}, nil
}

func (s *Server) fundsOverdue(r *http.Request) (any, error) {
	f, err := s.fundsStore()
	if err != nil {
		return nil, err
	}
	var in FundsOverdueInput
	if r.ContentLength != 0 {
		if err := decodeBody(r, &in); err != nil {
			return nil, err
		}
	}
	day := time.Now().UTC()
	if in.AsOf != "" {
		if day, err = time.Parse(time.DateOnly, in.AsOf); err != nil {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: "as_of must be a date such as 2026-03-31",
				Fields: []fosis.FieldError{{Field: "as_of", Message: "must be a date such as 2026-03-31"}}}
		}
	}
	n, err := f.FlagOverdue(r.Context(), day)
	if err != nil {
		return nil, err
	}
	return FundsOverdue{Flagged: n}, nil
}
