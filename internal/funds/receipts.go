package funds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// Receipt statuses and the reasons a receipt is held for review.
const (
	ReceiptAccepted = "accepted"
	ReceiptHeld     = "held"
	ReceiptRejected = "rejected"

	HeldOutsidePlan   = "outside_plan"   // not for a line of the approved plan, or bought before its approval
	HeldLineOverspent = "line_overspent" // the plan line's receipts would pass its amount
	HeldExceedsPaid   = "exceeds_paid"   // more than the participant holds paid and unjustified
)

// DocTypes are the kinds of tax document a receipt may be.
var DocTypes = []string{"boleta", "factura", "boleta_honorarios", "guia_despacho"}

// MaxReceiptFile is the largest receipt file accepted (5 MB).
const MaxReceiptFile = 5 << 20

// receiptFileTypes are the file types accepted, as sniffed from the content.
var receiptFileTypes = map[string]bool{"image/jpeg": true, "image/png": true, "application/pdf": true}

var receiptNumberRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,19}$`)

// ReceiptInput is a receipt as submitted: the document, its supplier, its
// date and amount, the plan line it belongs to (1, 2, … as the plan lists
// them; 0 for none of them) and its file.
type ReceiptInput struct {
	DocType     string    `json:"doc_type"`
	DocNumber   string    `json:"doc_number"`
	SupplierRUT string    `json:"supplier_rut"`
	IssuedOn    string    `json:"issued_on"`
	Amount      int64     `json:"amount"`
	PlanLine    int       `json:"plan_line"`
	Note        string    `json:"note,omitempty"`
	FileName    string    `json:"-"`
	File        io.Reader `json:"-"`
}

// Receipt is a receipt as recorded.
type Receipt struct {
	ID          int64  `json:"id"`
	CaseID      int64  `json:"case_id"`
	DocType     string `json:"doc_type"`
	DocNumber   string `json:"doc_number"`
	SupplierRUT string `json:"supplier_rut"`
	IssuedOn    string `json:"issued_on"`
	Amount      int64  `json:"amount"`
	PlanLine    int    `json:"plan_line"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	FileName    string `json:"file_name"`
	FileType    string `json:"file_type"`
	FileSize    int64  `json:"file_size"`
	FileSHA256  string `json:"file_sha256"`
	SubmittedBy string `json:"submitted_by"`
	SubmittedAt string `json:"submitted_at"`
	DecidedBy   string `json:"decided_by,omitempty"`
	DecidedAt   string `json:"decided_at,omitempty"`
	Note        string `json:"note,omitempty"`
}

const receiptSelect = `SELECT id, case_id, doc_type, doc_number, supplier_rut, issued_on, amount, plan_line, status, reason,
	file_name, file_type, file_size, file_sha256, submitted_by, submitted_at, decided_by, decided_at, note FROM funds_receipts`

func scanReceipt(r interface{ Scan(...any) error }) (Receipt, error) {
	var x Receipt
	var supplier int64
	var issued db.Day
	var submitted db.Instant
	var decided sql.Null[db.Instant]
	if err := r.Scan(&x.ID, &x.CaseID, &x.DocType, &x.DocNumber, &supplier, &issued, &x.Amount, &x.PlanLine, &x.Status, &x.Reason,
		&x.FileName, &x.FileType, &x.FileSize, &x.FileSHA256, &x.SubmittedBy, &submitted, &x.DecidedBy, &decided, &x.Note); err != nil {
		return x, err
	}
	x.SupplierRUT = rut.Format(supplier)
	x.IssuedOn = issued.Format(time.DateOnly)
	x.SubmittedAt = submitted.Format(time.RFC3339)
	if decided.Valid {
		x.DecidedAt = decided.V.Format(time.RFC3339)
	}
	return x, nil
}

func scanReceiptRows(r *sql.Rows) (Receipt, error) { return scanReceipt(r) }

// AddReceipt records a receipt of a case's purchases with its file (an
// image or a PDF, kept with its SHA-256). Whoever works the case may add
// one (its counsellor, its agency, the region, national staff, finance). A
// receipt for a line of the approved plan, within the line's amount and
// within what the participant holds paid, is accepted at once and
// justifies its amount (paid → justified); any other is held for review
// with its reason (ReviewReceipt).
func (s *Store) AddReceipt(ctx context.Context, caseID int64, in ReceiptInput) (Receipt, error) {
	p, _, err := s.caseScope(ctx, caseID, true)
	if err != nil {
		return Receipt{}, err
	}
	supplier, issued, err := validReceipt(&in)
	if err != nil {
		return Receipt{}, err
	}
	content, err := io.ReadAll(io.LimitReader(in.File, MaxReceiptFile+1))
	if err != nil {
		return Receipt{}, err
	}
	if len(content) == 0 {
		return Receipt{}, invalid("file", "funds.err.file_missing")
	}
	if len(content) > MaxReceiptFile {
		return Receipt{}, invalid("file", "funds.err.file_large", MaxReceiptFile>>20)
	}
	ftype := http.DetectContentType(content)
	if i := strings.IndexByte(ftype, ';'); i >= 0 {
		ftype = ftype[:i]
	}
	if !receiptFileTypes[ftype] {
		return Receipt{}, invalid("file", "funds.err.file_type", ftype)
	}
	sum := sha256.Sum256(content)
	name := strings.TrimSpace(in.FileName)
	if name == "" {
		name = "receipt"
	}
	if len(name) > 120 {
		name = name[:120]
	}
	var out Receipt
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		pt, err := lockedParticipant(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if pt == nil {
			return refuse(fosis.ENOTFOUND, "funds.err.no_participant", caseID)
		}
		if pt.Status == PartReserved || pt.PlanVersion == 0 {
			return refuse(fosis.ECONFLICT, "funds.err.no_plan", caseID)
		}
		if in.PlanLine > len(pt.PlanLines) {
			return invalid("plan_line", "funds.err.plan_line", in.PlanLine, len(pt.PlanLines))
		}
		m, err := money(ctx, tx, caseID)
		if err != nil {
			return err
		}
		reason := ""
		switch {
		case in.PlanLine == 0 || (pt.ApprovedOn != "" && in.IssuedOn < pt.ApprovedOn):
			reason = HeldOutsidePlan
		default:
			var used int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM funds_receipts WHERE participant_id = ? AND plan_line = ? AND status = ?`,
				pt.ID, in.PlanLine, ReceiptAccepted).Scan(&used); err != nil {
				return err
			}
			if used+in.Amount > pt.PlanLines[in.PlanLine-1].Amount {
				reason = HeldLineOverspent
			} else if in.Amount > m.Paid {
				reason = HeldExceedsPaid
			}
		}
		status := ReceiptAccepted
		if reason != "" {
			status = ReceiptHeld
		}
		d := tx.DB()
		id, err := tx.InsertID(ctx, `INSERT INTO funds_receipts (participant_id, case_id, doc_type, doc_number, supplier_rut, issued_on, amount, plan_line,
			status, reason, file_name, file_type, file_size, file_sha256, submitted_by, submitted_at, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			pt.ID, caseID, in.DocType, in.DocNumber, supplier, d.Date(issued), in.Amount, in.PlanLine, status, reason,
			name, ftype, len(content), hex.EncodeToString(sum[:]), p.Username, d.Time(tx.Now), strings.TrimSpace(in.Note))
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return refuse(fosis.ECONFLICT, "funds.err.receipt_duplicate", in.DocType, in.DocNumber, rut.Format(supplier))
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO funds_receipt_files (receipt_id, content) VALUES (?, ?)`, id, content); err != nil {
			return err
		}
		if status == ReceiptAccepted {
			if _, err := postCase(ctx, tx, p, pt, KindJustify, in.Amount, fmt.Sprintf("receipt %d", id)); err != nil {
				return err
			}
		}
		out, err = scanReceipt(tx.QueryRowContext(ctx, receiptSelect+` WHERE id = ?`, id))
		return err
	})
	return out, err
}

// validReceipt checks a receipt's fields, naming each one wrong.
func validReceipt(in *ReceiptInput) (int64, time.Time, error) {
	in.DocType = strings.TrimSpace(in.DocType)
	in.DocNumber = strings.TrimSpace(in.DocNumber)
	var bad []fosis.FieldError
	add := func(field, key string, args ...any) {
		bad = append(bad, fosis.KeyedField(field, key, Messages[key], args...))
	}
	known := false
	for _, t := range DocTypes {
		known = known || t == in.DocType
	}
	if !known {
		add("doc_type", "funds.err.doc_type", in.DocType, strings.Join(DocTypes, ", "))
	}
	if !receiptNumberRe.MatchString(in.DocNumber) {
		add("doc_number", "funds.err.doc_number", in.DocNumber)
	}
	supplier, err := rut.Parse(in.SupplierRUT)
	if err != nil {
		add("supplier_rut", "funds.err.rut", in.SupplierRUT)
	}
	issued, err := time.Parse(time.DateOnly, strings.TrimSpace(in.IssuedOn))
	if err != nil {
		add("issued_on", "funds.err.date", in.IssuedOn)
	}
	in.IssuedOn = issued.Format(time.DateOnly)
	if in.Amount <= 0 {
		add("amount", "funds.err.amount", in.Amount)
	}
	if in.PlanLine < 0 {
		add("plan_line", "funds.err.plan_line", in.PlanLine, 0)
	}
	if in.File == nil {
		add("file", "funds.err.file_missing")
	}
	if len(bad) > 0 {
		return 0, issued, &fosis.Error{Code: fosis.EINVALID, Message: bad[0].Field + ": " + bad[0].Message, Key: bad[0].Key, Args: bad[0].Args, Fields: bad}
	}
	return supplier, issued, nil
}

// ReviewReceipt decides a held receipt: accepted (it justifies its amount,
// paid → justified, which the participant's paid money must cover) or
// rejected (nothing moves; the money stays to be justified or recovered).
// Maker-checker: finance officers and administrators review, never a
// receipt they submitted. Only a held receipt is decided (compare-and-set).
func (s *Store) ReviewReceipt(ctx context.Context, id int64, accept bool, note string) (Receipt, error) {
	p, err := mover(ctx)
	if err != nil {
		return Receipt{}, err
	}
	var out Receipt
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		x, err := scanReceipt(tx.QueryRowContext(ctx, receiptSelect+` WHERE id = ?`, id))
		if db.IsNoRows(err) {
			return refuse(fosis.ENOTFOUND, "funds.err.no_receipt", id)
		}
		if err != nil {
			return err
		}
		if x.SubmittedBy == p.Username {
			return refuse(fosis.EFORBIDDEN, "funds.err.same_person")
		}
		pt, err := lockedParticipant(ctx, tx, x.CaseID)
		if err != nil {
			return err
		}
		status := ReceiptRejected
		if accept {
			status = ReceiptAccepted
			m, err := money(ctx, tx, x.CaseID)
			if err != nil {
				return err
			}
			if m.Paid < x.Amount {
				return refuse(fosis.ECONFLICT, "funds.err.receipt_exceeds_paid", fosis.Pesos(x.Amount), fosis.Pesos(m.Paid))
			}
		}
		d := tx.DB()
		res, err := tx.ExecContext(ctx, `UPDATE funds_receipts SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = ?`,
			status, p.Username, d.Time(tx.Now), strings.TrimSpace(note), id, ReceiptHeld)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "funds.err.receipt_decided", id, fosis.Phrase{Key: "funds.receipt." + x.Status, Text: x.Status})
		}
		if accept {
			if _, err := postCase(ctx, tx, p, pt, KindJustify, x.Amount, fmt.Sprintf("receipt %d (reviewed)", id)); err != nil {
				return err
			}
		}
		out, err = scanReceipt(tx.QueryRowContext(ctx, receiptSelect+` WHERE id = ?`, id))
		return err
	})
	return out, err
}

// ReceiptFile returns a receipt's file, its name and type, to whoever may
// read the case.
func (s *Store) ReceiptFile(ctx context.Context, id int64) (name, ftype string, content []byte, err error) {
	var caseID int64
	err = s.db.QueryRowContext(ctx, `SELECT case_id FROM funds_receipts WHERE id = ?`, id).Scan(&caseID)
	if db.IsNoRows(err) {
		return "", "", nil, refuse(fosis.ENOTFOUND, "funds.err.no_receipt", id)
	}
	if err != nil {
		return "", "", nil, err
	}
	if _, _, err := s.caseScope(ctx, caseID, false); err != nil {
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return "", "", nil, refuse(fosis.ENOTFOUND, "funds.err.no_receipt", id)
		}
		return "", "", nil, err
	}
	var sum string
	err = s.db.QueryRowContext(ctx, `SELECT r.file_name, r.file_type, r.file_sha256, f.content FROM funds_receipts r
		JOIN funds_receipt_files f ON f.receipt_id = r.id WHERE r.id = ?`, id).Scan(&name, &ftype, &sum, &content)
	if err != nil {
		return "", "", nil, err
	}
	if got := sha256.Sum256(content); hex.EncodeToString(got[:]) != sum {
		return "", "", nil, fmt.Errorf("funds: receipt %d: the file's checksum does not match", id)
	}
	return name, ftype, bytes.Clone(content), nil
}

// Recovery is unjustified money past its deadline, flagged for recovery.
type Recovery struct {
	ID        int64  `json:"id"`
	CaseID    int64  `json:"case_id"`
	Amount    int64  `json:"amount"`
	Deadline  string `json:"deadline"`
	Status    string `json:"status"`
	FlaggedOn string `json:"flagged_on"`
	Recovered int64  `json:"recovered"`
	ClosedBy  string `json:"closed_by,omitempty"`
}

// Recovery statuses.
const (
	RecoveryFlagged   = "flagged"
	RecoveryRecovered = "recovered"
)

const recoverySelect = `SELECT id, case_id, amount, deadline, status, flagged_on, recovered, closed_by FROM funds_recoveries`

func scanRecovery(r *sql.Rows) (Recovery, error) {
	var x Recovery
	var deadline, flagged db.Day
	err := r.Scan(&x.ID, &x.CaseID, &x.Amount, &deadline, &x.Status, &flagged, &x.Recovered, &x.ClosedBy)
	x.Deadline, x.FlaggedOn = deadline.Format(time.DateOnly), flagged.Format(time.DateOnly)
	return x, err
}

// FlagOverdue flags for recovery every participant holding paid money not
// justified after the deadline of its latest payment (the payment day plus
// the tranche's days), as of today. A participant is flagged once per
// deadline. Finance officers and administrators; it returns how many were
// flagged now.
func (s *Store) FlagOverdue(ctx context.Context, today time.Time) (int, error) {
	if _, err := mover(ctx); err != nil {
		return 0, err
	}
	type cand struct {
		participant, caseID int64
		deadline            db.Day
	}
	cands, err := db.Collect(ctx, s.db, func(r *sql.Rows) (cand, error) {
		var c cand
		err := r.Scan(&c.participant, &c.caseID, &c.deadline)
		return c, err
	}, `SELECT participant_id, case_id, MAX(justify_by) FROM funds_tranche_payments WHERE status = ? GROUP BY participant_id, case_id
		HAVING MAX(justify_by) < ?`, PayPaid, s.db.Date(today))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cands {
		err := s.db.Transact(ctx, func(tx *db.Tx) error {
			if _, err := lockedParticipant(ctx, tx, c.caseID); err != nil {
				return err
			}
			m, err := money(ctx, tx, c.caseID)
			if err != nil || m.Paid <= 0 {
				return err
			}
			d := tx.DB()
			res, err := tx.ExecContext(ctx, `INSERT INTO funds_recoveries (participant_id, case_id, amount, deadline, status, flagged_on)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, c.participant, c.caseID, m.Paid, d.Date(c.deadline.Time), RecoveryFlagged, d.Date(today))
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			n += int(k)
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Recover records money a participant gave back (paid → recovered): the
// unjustified balance after the deadline, or part of it. Finance officers
// and administrators. When nothing paid is left unjustified, the case's
// flags are closed as recovered.
func (s *Store) Recover(ctx context.Context, caseID, amount int64, note string) (Movement, error) {
	p, err := mover(ctx)
	if err != nil {
		return Movement{}, err
	}
	if err := checkAmount(amount); err != nil {
		return Movement{}, err
	}
	var out Movement
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		pt, err := lockedParticipant(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if pt == nil {
			return refuse(fosis.ENOTFOUND, "funds.err.no_participant", caseID)
		}
		m, err := money(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if m.Paid < amount {
			return refuse(fosis.ECONFLICT, "funds.err.recover_above_paid", fosis.Pesos(amount), fosis.Pesos(m.Paid))
		}
		if note = strings.TrimSpace(note); note == "" {
			note = "recovery"
		}
		if out, err = postCase(ctx, tx, p, pt, KindRecover, amount, note); err != nil {
			return err
		}
		if m.Paid == amount {
			d := tx.DB()
			_, err = tx.ExecContext(ctx, `UPDATE funds_recoveries SET status = ?, recovered = ?, closed_by = ?, closed_at = ? WHERE participant_id = ? AND status = ?`,
				RecoveryRecovered, m.Recovered+amount, p.Username, d.Time(tx.Now), pt.ID, RecoveryFlagged)
		}
		return err
	})
	return out, err
}

// caseScope returns the caller if it may read (write: change) the money of
// case caseID, with the case as the delivery slice shows it: finance
// officers and national staff every case; a regional officer their
// region's; agency staff and counsellors the cases the delivery slice
// gives them. Out of reach answers exactly as a missing case.
func (s *Store) caseScope(ctx context.Context, caseID int64, write bool) (*auth.Principal, CaseInfo, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, CaseInfo{}, refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	if write && !p.Writes() {
		return nil, CaseInfo{}, refuse(fosis.EFORBIDDEN, "funds.err.read_only", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
	}
	missing := refuse(fosis.ENOTFOUND, "funds.err.no_case", caseID)
	asked := ctx
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAnalyst, auth.RoleAuditor, auth.RoleFinance:
		asked = auth.WithPrincipal(ctx, auth.System())
	case auth.RoleRegional, auth.RoleAgency, auth.RoleCounsellor:
	default:
		return nil, CaseInfo{}, refuse(fosis.EFORBIDDEN, "funds.err.role_no_read", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
	}
	if s.part.cases == nil {
		// Without the delivery slice (the slice's own tests): the
		// participant's row and national or regional reach.
		var region string
		err := s.db.QueryRowContext(ctx, `SELECT region FROM funds_participants WHERE case_id = ?`, caseID).Scan(&region)
		if db.IsNoRows(err) || err == nil && !seesAll(p) && !(p.Role == auth.RoleRegional && p.SeesRegion(region)) {
			return nil, CaseInfo{}, missing
		}
		return p, CaseInfo{ID: caseID, Region: region}, err
	}
	c, err := s.part.cases(asked, caseID)
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return nil, CaseInfo{}, missing
	}
	if err != nil {
		return nil, CaseInfo{}, err
	}
	return p, c, nil
}
