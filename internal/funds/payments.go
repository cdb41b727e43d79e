package funds

// Payments: money to a payee's bank account, drawn on one call's envelope,
// with an idempotency key so that nothing is paid twice (docs/funds.md,
// "Payments and payment runs"). A payment is created ready; a payment run
// (payruns.go) gathers ready payments, is approved by someone other than
// who prepared it, and orders them in the ledger; the bank's result file
// marks each paid or rejected; a rejected payment can be re-issued.

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// Purpose is what a payment pays for.
type Purpose string

// The purposes of a payment.
const (
	PurposeTranche     Purpose = "tranche"     // a participant's tranche (seed capital, plan funds)
	PurposeMilestone   Purpose = "milestone"   // an executing agency's contract milestone
	PurposeMicrocredit Purpose = "microcredit" // a microcredit institution's monthly settlement
)

// Purposes lists every purpose, in the order forms show them.
var Purposes = []Purpose{PurposeTranche, PurposeMilestone, PurposeMicrocredit}

// PaymentState is where a payment is in its life.
type PaymentState string

// The states of a payment: ready → in_run → ordered → paid | rejected →
// reissued (a new payment took its place).
const (
	PaymentReady    PaymentState = "ready"
	PaymentInRun    PaymentState = "in_run"
	PaymentOrdered  PaymentState = "ordered"
	PaymentPaid     PaymentState = "paid"
	PaymentRejected PaymentState = "rejected"
	PaymentReissued PaymentState = "reissued"
)

// PaymentStates lists every state, in life order.
var PaymentStates = []PaymentState{PaymentReady, PaymentInRun, PaymentOrdered, PaymentPaid, PaymentRejected, PaymentReissued}

// AccountKinds are the kinds of bank account a payee may have: checking
// (cuenta corriente), savings (cuenta de ahorro), vista (cuenta vista, such
// as BancoEstado's CuentaRUT).
var AccountKinds = []string{"checking", "savings", "vista"}

// Payee is who receives a payment and where.
type Payee struct {
	Name string `json:"name"`
	// TaxID is the payee's RUN or RUT, normalised as 12345678-5.
	TaxID string `json:"tax_id"`
	// Bank is the bank's three-digit code (SBIF/CMF), such as 012 for
	// BancoEstado.
	Bank        string `json:"bank"`
	AccountKind string `json:"account_kind"`
	Account     string `json:"account"`
}

// NewPayment is what a payment needs.
type NewPayment struct {
	// Key is the idempotency key: a second payment with the same key is
	// the same payment (returned as it is) or refused if it differs.
	Key     string  `json:"key"`
	Call    string  `json:"call"`
	Purpose Purpose `json:"purpose"`
	// Ref names what is paid (a plan's tranche, a milestone, a settlement).
	Ref    string `json:"ref"`
	Payee  Payee  `json:"payee"`
	Amount int64  `json:"amount"`
}

// Payment is one payment.
type Payment struct {
	ID      int64        `json:"id"`
	Key     string       `json:"key"`
	Call    string       `json:"call"`
	Purpose Purpose      `json:"purpose"`
	Ref     string       `json:"ref,omitempty"`
	Payee   Payee        `json:"payee"`
	Amount  int64        `json:"amount"`
	State   PaymentState `json:"state"`
	// Run is the payment run it belongs to (0 while ready).
	Run int64 `json:"run,omitempty"`
	// ReissueOf is the rejected payment this one re-issues (0 for none).
	ReissueOf int64 `json:"reissue_of,omitempty"`
	// BankReason is the bank's reason code of a rejection.
	BankReason string     `json:"bank_reason,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	SettledAt  *time.Time `json:"settled_at,omitempty"`
}

var (
	idemRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9:/._-]{0,119}$`)
	bankRe    = regexp.MustCompile(`^[0-9]{3}$`)
	accountRe = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// payReader returns the caller if it may read payments and runs: finance
// officers, administrators, national analysts and auditors (payments cross
// regions, so a regional officer reads them through their region's
// contracts instead).
func payReader(ctx context.Context) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	if !seesAll(p) {
		return nil, refuse(fosis.EFORBIDDEN, "funds.err.pay_role", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
	}
	return p, nil
}

// normalisePayee checks a payee and writes its tax id as 12345678-5.
func normalisePayee(py *Payee) []fosis.FieldError {
	var fes []fosis.FieldError
	py.Name = strings.TrimSpace(py.Name)
	if py.Name == "" || len(py.Name) > 120 {
		fes = append(fes, field("payee_name", "funds.err.pay_name"))
	}
	if body, err := rut.Parse(py.TaxID); err != nil {
		fes = append(fes, field("payee_tax_id", "funds.err.pay_tax_id", py.TaxID))
	} else {
		py.TaxID = rut.Format(body)
	}
	if !bankRe.MatchString(py.Bank) {
		fes = append(fes, field("bank", "funds.err.pay_bank", py.Bank))
	}
	ok := false
	for _, k := range AccountKinds {
		ok = ok || k == py.AccountKind
	}
	if !ok {
		fes = append(fes, field("account_kind", "funds.err.pay_account_kind", py.AccountKind, strings.Join(AccountKinds, ", ")))
	}
	py.Account = strings.NewReplacer("-", "", " ", "", ".", "").Replace(strings.TrimSpace(py.Account))
	if !accountRe.MatchString(py.Account) {
		fes = append(fes, field("account", "funds.err.pay_account", py.Account))
	}
	return fes
}

// field is one keyed field problem.
func field(name, key string, args ...any) fosis.FieldError {
	return fosis.KeyedField(name, key, Messages[key], args...)
}

// fieldsError is a refusal of several field problems: its message is the
// first one's, its fields all of them.
func fieldsError(fes []fosis.FieldError) *fosis.Error {
	first := fes[0]
	return &fosis.Error{Code: fosis.EINVALID, Message: first.Field + ": " + first.Message, Key: first.Key, Args: first.Args, Fields: fes}
}

func (np *NewPayment) validate() error {
	var fes []fosis.FieldError
	np.Key = strings.TrimSpace(np.Key)
	if !idemRe.MatchString(np.Key) {
		fes = append(fes, field("key", "funds.err.pay_key", np.Key))
	}
	if !callRe.MatchString(np.Call) {
		fes = append(fes, field("call", "funds.err.call", np.Call))
	}
	ok := false
	for _, p := range Purposes {
		ok = ok || p == np.Purpose
	}
	if !ok {
		fes = append(fes, field("purpose", "funds.err.pay_purpose", string(np.Purpose)))
	}
	if np.Amount <= 0 {
		fes = append(fes, field("amount", "funds.err.amount", np.Amount))
	}
	fes = append(fes, normalisePayee(&np.Payee)...)
	if len(fes) > 0 {
		return fieldsError(fes)
	}
	return nil
}

const paymentCols = `id, idem_key, call_code, purpose, ref, payee_name, payee_tax_id, bank_code, account_kind, account_number,
	amount, state, run_id, reissue_of, bank_reason, created_by, created_at, settled_at`

func scanPayment(rows interface{ Scan(...any) error }) (Payment, error) {
	var (
		pm            Payment
		run, reissue  sql.NullInt64
		created       db.Instant
		settled       db.Instant
		purpose, stat string
	)
	err := rows.Scan(&pm.ID, &pm.Key, &pm.Call, &purpose, &pm.Ref, &pm.Payee.Name, &pm.Payee.TaxID, &pm.Payee.Bank,
		&pm.Payee.AccountKind, &pm.Payee.Account, &pm.Amount, &stat, &run, &reissue, &pm.BankReason, &pm.CreatedBy, &created, &settled)
	pm.Purpose, pm.State, pm.Run, pm.ReissueOf, pm.CreatedAt = Purpose(purpose), PaymentState(stat), run.Int64, reissue.Int64, created.Time
	if !settled.IsZero() {
		t := settled.Time
		pm.SettledAt = &t
	}
	return pm, err
}

func scanPaymentRows(rows *sql.Rows) (Payment, error) { return scanPayment(rows) }

// CreatePayment records a ready payment. Its idempotency key makes it safe
// to send again: the same key with the same payment returns the payment
// already recorded (created false); with a different one it is refused.
func (s *Store) CreatePayment(ctx context.Context, np NewPayment) (Payment, bool, error) {
	p, err := mover(ctx)
	if err != nil {
		return Payment{}, false, err
	}
	if err := np.validate(); err != nil {
		return Payment{}, false, err
	}
	var pm Payment
	created := false
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		var err error
		pm, created, err = createPayment(ctx, tx, p, np, 0)
		return err
	})
	return pm, created, err
}

// createPayment writes a validated payment inside tx (reissueOf: the
// payment it re-issues, 0 for none).
func createPayment(ctx context.Context, tx *db.Tx, p *auth.Principal, np NewPayment, reissueOf int64) (Payment, bool, error) {
	if _, _, _, err := envelopeOf(ctx, tx, np.Call); err != nil {
		return Payment{}, false, err
	}
	var re any
	if reissueOf != 0 {
		re = reissueOf
	}
	d := tx.DB()
	res, err := tx.ExecContext(ctx, `INSERT INTO funds_payments (idem_key, call_code, purpose, ref, payee_name, payee_tax_id, bank_code,
		account_kind, account_number, amount, state, reissue_of, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ready', ?, ?, ?)
		ON CONFLICT (idem_key) DO NOTHING`, np.Key, np.Call, string(np.Purpose), np.Ref, np.Payee.Name, np.Payee.TaxID, np.Payee.Bank,
		np.Payee.AccountKind, np.Payee.Account, np.Amount, re, p.Username, d.Time(tx.Now))
	if err != nil {
		return Payment{}, false, fmt.Errorf("funds: write payment: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Payment{}, false, err
	}
	pm, err := scanPayment(tx.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM funds_payments WHERE idem_key = ?`, np.Key))
	if err != nil {
		return Payment{}, false, err
	}
	if n == 0 {
		// The key was used: the same payment is a replay, another a clash.
		if pm.Call != np.Call || pm.Amount != np.Amount || pm.Payee != np.Payee || pm.Purpose != np.Purpose || pm.Ref != np.Ref {
			return Payment{}, false, refuse(fosis.ECONFLICT, "funds.err.pay_key_used", np.Key, pm.ID)
		}
		return pm, false, nil
	}
	_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.payment_create",
		Entity: "funds_payment", EntityID: strconv.FormatInt(pm.ID, 10), After: pm})
	return pm, true, err
}

// PaymentFilter selects payments: a zero field selects every value.
type PaymentFilter struct {
	State PaymentState
	Run   int64
	Call  string
	// Limit caps the list (500 when 0).
	Limit int
}

// Payments lists payments, newest first.
func (s *Store) Payments(ctx context.Context, f PaymentFilter) ([]Payment, error) {
	if _, err := payReader(ctx); err != nil {
		return nil, err
	}
	return listPayments(ctx, s.db, f)
}

func listPayments(ctx context.Context, q db.Querier, f PaymentFilter) ([]Payment, error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.Run != 0 {
		where, args = append(where, "run_id = ?"), append(args, f.Run)
	}
	if f.Call != "" {
		where, args = append(where, "call_code = ?"), append(args, f.Call)
	}
	query := `SELECT ` + paymentCols + ` FROM funds_payments`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY id DESC"
	if f.Run != 0 {
		order = " ORDER BY id"
	}
	query += order
	if f.Limit >= 0 {
		if f.Limit == 0 {
			f.Limit = 500
		}
		query += " LIMIT " + strconv.Itoa(f.Limit)
	}
	return db.Collect(ctx, q, scanPaymentRows, query, args...)
}

// Payment returns one payment.
func (s *Store) Payment(ctx context.Context, id int64) (Payment, error) {
	if _, err := payReader(ctx); err != nil {
		return Payment{}, err
	}
	pm, err := scanPayment(s.db.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM funds_payments WHERE id = ?`, id))
	if db.IsNoRows(err) {
		return Payment{}, refuse(fosis.ENOTFOUND, "funds.err.pay_none", id)
	}
	return pm, err
}

// Reissue re-issues a payment the bank rejected: the old one becomes
// reissued and a new ready payment, linked to it, takes its place, to the
// corrected account when payee is not nil. The rejection already gave the
// money back to committed; the new payment's run orders it again.
func (s *Store) Reissue(ctx context.Context, id int64, payee *Payee) (Payment, error) {
	p, err := mover(ctx)
	if err != nil {
		return Payment{}, err
	}
	if payee != nil {
		if fes := normalisePayee(payee); len(fes) > 0 {
			return Payment{}, fieldsError(fes)
		}
	}
	var pm Payment
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		old, err := scanPayment(tx.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM funds_payments WHERE id = ?`, id))
		if db.IsNoRows(err) {
			return refuse(fosis.ENOTFOUND, "funds.err.pay_none", id)
		}
		if err != nil {
			return err
		}
		tp, err := trancheOfPayment(ctx, tx, id)
		if err != nil {
			return err
		}
		if tp != 0 {
			// Its tranche is waiting again: ordering it anew makes the new
			// payment, with its ledger order (tranche_runs.go).
			return refuse(fosis.ECONFLICT, "funds.err.pay_reissue_tranche", id)
		}
		res, err := tx.ExecContext(ctx, `UPDATE funds_payments SET state = 'reissued' WHERE id = ? AND state = 'rejected'`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return refuse(fosis.ECONFLICT, "funds.err.pay_not_rejected", id, fosis.Phrase{Key: "funds.paystate." + string(old.State), Text: string(old.State)})
		}
		np := NewPayment{Key: fmt.Sprintf("%s/r%d", old.Key, old.ID), Call: old.Call, Purpose: old.Purpose, Ref: old.Ref, Payee: old.Payee, Amount: old.Amount}
		if len(np.Key) > 120 {
			np.Key = fmt.Sprintf("reissue:%d", old.ID)
		}
		if payee != nil {
			np.Payee = *payee
		}
		var created bool
		pm, created, err = createPayment(ctx, tx, p, np, old.ID)
		if err != nil {
			return err
		}
		if !created {
			return refuse(fosis.ECONFLICT, "funds.err.pay_key_used", np.Key, pm.ID)
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.payment_reissue",
			Entity: "funds_payment", EntityID: strconv.FormatInt(old.ID, 10), Before: old, After: pm})
		return err
	})
	return pm, err
}
