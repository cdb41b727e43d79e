package funds

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// When a tranche falls due.
const (
	DueApproval  = "approval"  // when the plan is approved
	DueJustified = "justified" // when every earlier tranche is paid and fully justified
)

// Who a tranche is paid to.
const (
	PayeeParticipant = "participant"
	PayeeSupplier    = "supplier"
)

// Tranche statuses.
const (
	TrancheWaiting   = "waiting"   // not ordered yet (due or not)
	TrancheOrdered   = "ordered"   // a payment is ordered, awaiting the bank
	TranchePaid      = "paid"      // the bank paid it
	TrancheCancelled = "cancelled" // the case ended, or a later plan version replaced it
)

// TranchePayment statuses.
const (
	PayOrdered  = "ordered"
	PayPaid     = "paid"
	PayRejected = "rejected"
)

// TrancheRule is one tranche of a line version's schedule.
type TrancheRule struct {
	Seq     int    `json:"seq"`
	Percent int    `json:"percent"`
	Due     string `json:"due"`
	Payee   string `json:"payee"`
	// JustifyDays is how long after the payment its receipts may come.
	JustifyDays int `json:"justify_days"`
}

// DefaultTranches is the schedule of a line version that declares none: 70 %
// at plan approval, 30 % once the purchases of the first are justified, both
// to the participant, each justified within 90 days.
var DefaultTranches = []TrancheRule{
	{Seq: 1, Percent: 70, Due: DueApproval, Payee: PayeeParticipant, JustifyDays: 90},
	{Seq: 2, Percent: 30, Due: DueJustified, Payee: PayeeParticipant, JustifyDays: 90},
}

// ParseTranches reads a schedule written as
// "70:approval:participant:90,30:justified:supplier:60" (percent, due,
// payee, days to justify; the last two may be left out).
func ParseTranches(spec string) ([]TrancheRule, error) {
	var out []TrancheRule
	for i, part := range strings.Split(spec, ",") {
		f := strings.Split(strings.TrimSpace(part), ":")
		field := fmt.Sprintf("tranches[%d]", i)
		if len(f) < 2 || len(f) > 4 {
			return nil, invalid(field, "funds.err.tranche_spec", part)
		}
		pct, err := strconv.Atoi(f[0])
		if err != nil {
			return nil, invalid(field+".percent", "funds.err.tranche_percent", f[0])
		}
		r := TrancheRule{Seq: i + 1, Percent: pct, Due: f[1], Payee: PayeeParticipant, JustifyDays: 90}
		if len(f) > 2 {
			r.Payee = f[2]
		}
		if len(f) > 3 {
			if r.JustifyDays, err = strconv.Atoi(f[3]); err != nil {
				return nil, invalid(field+".justify_days", "funds.err.tranche_days", f[3])
			}
		}
		out = append(out, r)
	}
	return out, validTranches(out)
}

// validTranches checks a schedule: one to six tranches, each 1–100 %, adding
// up to 100 %, the first due at plan approval, known dues and payees, 1–730
// days to justify.
func validTranches(rules []TrancheRule) error {
	if len(rules) == 0 || len(rules) > 6 {
		return invalid("tranches", "funds.err.tranche_count", len(rules))
	}
	sum := 0
	for i, r := range rules {
		field := fmt.Sprintf("tranches[%d]", i)
		if r.Percent < 1 || r.Percent > 100 {
			return invalid(field+".percent", "funds.err.tranche_percent", strconv.Itoa(r.Percent))
		}
		if r.Due != DueApproval && r.Due != DueJustified {
			return invalid(field+".due", "funds.err.tranche_due", r.Due)
		}
		if r.Payee != PayeeParticipant && r.Payee != PayeeSupplier {
			return invalid(field+".payee", "funds.err.tranche_payee", r.Payee)
		}
		if r.JustifyDays < 1 || r.JustifyDays > 730 {
			return invalid(field+".justify_days", "funds.err.tranche_days", strconv.Itoa(r.JustifyDays))
		}
		sum += r.Percent
	}
	if rules[0].Due != DueApproval {
		return invalid("tranches[0].due", "funds.err.tranche_first")
	}
	if sum != 100 {
		return invalid("tranches", "funds.err.tranche_sum", sum)
	}
	return nil
}

// SetTranches declares the tranche schedule of a programme line version
// (finance officers and administrators). Participants whose plan is
// already committed keep the tranches they have.
func (s *Store) SetTranches(ctx context.Context, line string, version int, rules []TrancheRule) error {
	p, err := mover(ctx)
	if err != nil {
		return err
	}
	if !lineRe.MatchString(line) {
		return invalid("line", "funds.err.line", line)
	}
	if version < 1 {
		return invalid("version", "funds.err.version", version)
	}
	for i := range rules {
		rules[i].Seq = i + 1
	}
	if err := validTranches(rules); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM funds_tranche_plans WHERE line = ? AND version = ?`, line, version); err != nil {
			return err
		}
		for _, r := range rules {
			if _, err := tx.ExecContext(ctx, `INSERT INTO funds_tranche_plans (line, version, seq, percent, due, payee, justify_days, set_by, set_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, line, version, r.Seq, r.Percent, r.Due, r.Payee, r.JustifyDays, p.Username, tx.DB().Time(tx.Now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Tranches returns the schedule of a line version and whether it is the
// default one (the line declares none).
func (s *Store) Tranches(ctx context.Context, line string, version int) ([]TrancheRule, bool, error) {
	if auth.FromContext(ctx) == nil {
		return nil, false, refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	return schedule(ctx, s.db, line, version)
}

func schedule(ctx context.Context, q db.Querier, line string, version int) ([]TrancheRule, bool, error) {
	rules, err := db.Collect(ctx, q, func(r *sql.Rows) (TrancheRule, error) {
		var t TrancheRule
		err := r.Scan(&t.Seq, &t.Percent, &t.Due, &t.Payee, &t.JustifyDays)
		return t, err
	}, `SELECT seq, percent, due, payee, justify_days FROM funds_tranche_plans WHERE line = ? AND version = ? ORDER BY seq`, line, version)
	if err != nil {
		return nil, false, err
	}
	if len(rules) == 0 {
		return append([]TrancheRule{}, DefaultTranches...), true, nil
	}
	return rules, false, nil
}

// fixTranches writes a participant's tranches for plan version v of total
// pesos (the last tranche takes the rounding), cancelling those of earlier
// versions still waiting.
func (s *Store) fixTranches(ctx context.Context, tx *db.Tx, pt *participant, v int, total int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE funds_tranches SET status = ? WHERE participant_id = ? AND status = ? AND plan_version <> ?`,
		TrancheCancelled, pt.ID, TrancheWaiting, v); err != nil {
		return err
	}
	rules, _, err := schedule(ctx, tx, pt.Line, pt.Version)
	if err != nil {
		return err
	}
	left := total
	for i, r := range rules {
		amount := total * int64(r.Percent) / 100
		if i == len(rules)-1 {
			amount = left
		}
		left -= amount
		if _, err := tx.ExecContext(ctx, `INSERT INTO funds_tranches (participant_id, seq, percent, amount, due, payee, justify_days, status, plan_version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, pt.ID, r.Seq, r.Percent, amount, r.Due, r.Payee, r.JustifyDays, TrancheWaiting, v); err != nil {
			return err
		}
	}
	return nil
}

// Tranche is one of a participant's tranches.
type Tranche struct {
	ID          int64  `json:"id"`
	Seq         int    `json:"seq"`
	Percent     int    `json:"percent"`
	Amount      int64  `json:"amount"`
	Due         string `json:"due"`
	Payee       string `json:"payee"`
	JustifyDays int    `json:"justify_days"`
	Status      string `json:"status"`
	PlanVersion int    `json:"plan_version"`
	// Ready: waiting and its condition holds (it may be ordered now).
	Ready bool `json:"ready"`
}

const trancheSelect = `SELECT id, seq, percent, amount, due, payee, justify_days, status, plan_version FROM funds_tranches`

func scanTranche(r *sql.Rows) (Tranche, error) {
	var t Tranche
	err := r.Scan(&t.ID, &t.Seq, &t.Percent, &t.Amount, &t.Due, &t.Payee, &t.JustifyDays, &t.Status, &t.PlanVersion)
	return t, err
}

// tranchesOf lists a participant's tranches of its current plan version,
// with Ready worked out from its money.
func tranchesOf(ctx context.Context, q db.Querier, pt *participant, m Money) ([]Tranche, error) {
	ts, err := db.Collect(ctx, q, scanTranche, trancheSelect+` WHERE participant_id = ? AND plan_version = ? ORDER BY seq`, pt.ID, pt.PlanVersion)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		ts[i].Ready = pt.Status == PartCommitted && ts[i].Status == TrancheWaiting && due(ts, i, m)
	}
	return ts, nil
}

// due reports whether tranche i's condition holds: at approval, always;
// after justification, when every earlier tranche is paid and nothing paid
// is left unjustified.
func due(ts []Tranche, i int, m Money) bool {
	if ts[i].Due == DueApproval {
		return true
	}
	for _, t := range ts[:i] {
		if t.Status != TranchePaid && t.Amount > 0 {
			return false
		}
	}
	return m.Paid == 0 && m.Ordered == 0
}

// TranchePayment is a tranche ordered to the bank. The payments slice writes the
// bank's batch file from the ordered ones (OrderedPayments) and settles each
// with SettlePayment from the bank's result file.
type TranchePayment struct {
	ID             int64  `json:"id"`
	CaseID         int64  `json:"case_id"`
	Tranche        int64  `json:"tranche_id"`
	Seq            int    `json:"tranche_seq"`
	Amount         int64  `json:"amount"`
	PayeeKind      string `json:"payee_kind"`
	PayeeRUT       string `json:"payee_rut"`
	PayeeName      string `json:"payee_name"`
	Status         string `json:"status"`
	IdempotencyKey string `json:"idempotency_key"`
	Reason         string `json:"reason,omitempty"`
	JustifyBy      string `json:"justify_by,omitempty"`
	OrderedBy      string `json:"ordered_by"`
	OrderedAt      string `json:"ordered_at"`
	SettledAt      string `json:"settled_at,omitempty"`
	Call           string `json:"call"`
}

const paymentSelect = `SELECT y.id, y.case_id, y.tranche_id, t.seq, y.amount, y.payee_kind, y.payee_rut, y.payee_name, y.status,
	y.idempotency_key, y.reason, y.justify_by, y.ordered_by, y.ordered_at, y.settled_at, p.call_code
	FROM funds_tranche_payments y JOIN funds_tranches t ON t.id = y.tranche_id JOIN funds_participants p ON p.id = y.participant_id`

func scanTranchePayment(r interface{ Scan(...any) error }) (TranchePayment, error) {
	var y TranchePayment
	var justify sql.Null[db.Day]
	var ordered db.Instant
	var settled sql.Null[db.Instant]
	if err := r.Scan(&y.ID, &y.CaseID, &y.Tranche, &y.Seq, &y.Amount, &y.PayeeKind, &y.PayeeRUT, &y.PayeeName, &y.Status,
		&y.IdempotencyKey, &y.Reason, &justify, &y.OrderedBy, &ordered, &settled, &y.Call); err != nil {
		return y, err
	}
	if justify.Valid {
		y.JustifyBy = justify.V.Format(time.DateOnly)
	}
	y.OrderedAt = ordered.Format(time.RFC3339)
	if settled.Valid {
		y.SettledAt = settled.V.Format(time.RFC3339)
	}
	return y, nil
}

func scanTranchePaymentRows(r *sql.Rows) (TranchePayment, error) { return scanTranchePayment(r) }

// OrderInput orders one tranche of a case: which one, the supplier for a
// tranche paid to suppliers, and the caller's idempotency key ("" for one
// made of the tranche and its attempt).
type OrderInput struct {
	Seq          int    `json:"seq"`
	SupplierRUT  string `json:"supplier_rut,omitempty"`
	SupplierName string `json:"supplier_name,omitempty"`
	Key          string `json:"idempotency_key,omitempty"`
	// The payee's bank account for the payment runs' batch file; left
	// empty, the payee's CuentaRUT (BancoEstado, 012, vista, account = the
	// RUT's body).
	Bank        string `json:"bank,omitempty"`
	AccountKind string `json:"account_kind,omitempty"`
	Account     string `json:"account,omitempty"`
}

// OrderTranche orders a due tranche of a case as a payment (committed →
// ordered): finance officers and administrators. The tranche must be
// waiting and its condition hold; of two orders at once one wins. An order
// sent again with the same idempotency key answers the same payment.
func (s *Store) OrderTranche(ctx context.Context, caseID int64, in OrderInput) (TranchePayment, error) {
	p, err := mover(ctx)
	if err != nil {
		return TranchePayment{}, err
	}
	if len(in.Key) > 100 {
		return TranchePayment{}, invalid("idempotency_key", "funds.err.key")
	}
	var out TranchePayment
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		pt, err := lockedParticipant(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if pt == nil {
			return refuse(fosis.ENOTFOUND, "funds.err.no_participant", caseID)
		}
		// Under the participant's lock, so that the same order sent twice at
		// once finds the first one's payment.
		if in.Key != "" {
			y, err := scanTranchePayment(tx.QueryRowContext(ctx, paymentSelect+` WHERE y.idempotency_key = ?`, in.Key))
			if err == nil {
				if y.CaseID != caseID {
					return refuse(fosis.ECONFLICT, "funds.err.key_used", in.Key)
				}
				out = y
				return nil
			}
			if !db.IsNoRows(err) {
				return err
			}
		}
		if pt.Status != PartCommitted {
			return refuse(fosis.ECONFLICT, "funds.err.not_committed", caseID)
		}
		m, err := money(ctx, tx, caseID)
		if err != nil {
			return err
		}
		ts, err := tranchesOf(ctx, tx, pt, m)
		if err != nil {
			return err
		}
		var t *Tranche
		for i := range ts {
			if ts[i].Seq == in.Seq {
				t = &ts[i]
			}
		}
		if t == nil {
			return refuse(fosis.ENOTFOUND, "funds.err.no_tranche", in.Seq, caseID)
		}
		if t.Status != TrancheWaiting {
			return refuse(fosis.ECONFLICT, "funds.err.tranche_ordered", in.Seq, fosis.Phrase{Key: "funds.tranche." + t.Status, Text: t.Status})
		}
		if !t.Ready {
			return refuse(fosis.ECONFLICT, "funds.err.tranche_not_due", in.Seq)
		}
		if t.Amount <= 0 {
			return refuse(fosis.ECONFLICT, "funds.err.tranche_empty", in.Seq)
		}
		if m.Committed < t.Amount {
			return refuse(fosis.ECONFLICT, "funds.err.insufficient", fosis.Phrase{Key: "funds.account.committed", Text: "committed"},
				fosis.Pesos(m.Committed), fosis.Pesos(t.Amount))
		}
		payeeRUT, payeeName := pt.RUN, pt.HouseholdID
		if t.Payee == PayeeSupplier {
			body, err := rut.Parse(in.SupplierRUT)
			if err != nil {
				return invalid("supplier_rut", "funds.err.rut", in.SupplierRUT)
			}
			name := strings.TrimSpace(in.SupplierName)
			if name == "" || len(name) > 120 {
				return invalid("supplier_name", "funds.err.supplier_name")
			}
			payeeRUT, payeeName = rut.Format(body), name
		}
		res, err := tx.ExecContext(ctx, `UPDATE funds_tranches SET status = ? WHERE id = ? AND status = ?`, TrancheOrdered, t.ID, TrancheWaiting)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "funds.err.tranche_ordered", in.Seq, fosis.Phrase{Key: "funds.tranche.ordered", Text: "ordered"})
		}
		var attempts int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM funds_tranche_payments WHERE tranche_id = ?`, t.ID).Scan(&attempts); err != nil {
			return err
		}
		key := in.Key
		if key == "" {
			key = fmt.Sprintf("case-%d-tranche-%d-%d", caseID, t.ID, attempts+1)
		}
		d := tx.DB()
		id, err := tx.InsertID(ctx, `INSERT INTO funds_tranche_payments (participant_id, case_id, tranche_id, amount, payee_kind, payee_rut, payee_name,
			status, idempotency_key, ordered_by, ordered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			pt.ID, caseID, t.ID, t.Amount, t.Payee, payeeRUT, payeeName, PayOrdered, key, p.Username, d.Time(tx.Now))
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return refuse(fosis.ECONFLICT, "funds.err.key_used", key)
		}
		if err != nil {
			return err
		}
		if _, err := postCase(ctx, tx, p, pt, KindOrder, t.Amount, fmt.Sprintf("payment %d, tranche %d", id, t.Seq)); err != nil {
			return err
		}
		// One way money leaves: the tranche is also a payment of the
		// payment runs, which carry it to the bank (its ledger order is the
		// one just posted on the participant's ref).
		if err := s.trancheRunPayment(ctx, tx, p, pt, t, id, payeeRUT, payeeName, in); err != nil {
			return err
		}
		out, err = scanTranchePayment(tx.QueryRowContext(ctx, paymentSelect+` WHERE y.id = ?`, id))
		return err
	})
	return out, err
}

// SettlePayment records the bank's answer for an ordered payment: paid
// (ordered → paid; its receipts are due within the tranche's days) or
// rejected with the bank's reason (ordered → committed; the tranche may be
// ordered again). Finance officers and administrators; the payments slice
// calls it for each line of the bank's result file. Only an ordered payment
// is settled (compare-and-set).
func (s *Store) SettlePayment(ctx context.Context, id int64, paid bool, reason string) (TranchePayment, error) {
	p, err := mover(ctx)
	if err != nil {
		return TranchePayment{}, err
	}
	reason = strings.TrimSpace(reason)
	if !paid && reason == "" {
		return TranchePayment{}, invalid("reason", "funds.err.reject_reason")
	}
	var out TranchePayment
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		// The run payment that carries the tranche (migration 00087): a
		// direct settlement settles it too, so the two never disagree.
		var link sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT payment_id FROM funds_tranche_payments WHERE id = ?`, id).Scan(&link); db.IsNoRows(err) {
			return refuse(fosis.ENOTFOUND, "funds.err.no_payment", id)
		} else if err != nil {
			return err
		}
		var pm Payment
		if link.Valid {
			if pm, err = scanPayment(tx.QueryRowContext(ctx, `SELECT `+paymentCols+` FROM funds_payments WHERE id = ?`, link.Int64)); err != nil {
				return err
			}
			if pm.State == PaymentInRun {
				return refuse(fosis.ECONFLICT, "funds.err.tranche_in_run", id, pm.Run)
			}
			if pm.State == PaymentOrdered {
				// The run's lock first, as an import of its result file takes it.
				if _, err := lockRun(ctx, tx, pm.Run); err != nil {
					return err
				}
			}
		}
		if out, err = settleTranche(ctx, tx, p, id, paid, reason); err != nil {
			return err
		}
		if !link.Valid {
			return nil
		}
		st := PaymentRejected
		if paid {
			st = PaymentPaid
		}
		res, err := tx.ExecContext(ctx, `UPDATE funds_payments SET state = ?, bank_reason = ?, settled_at = ? WHERE id = ? AND state = ?`,
			string(st), out.Reason, tx.DB().Time(tx.Now), pm.ID, string(pm.State))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return refuse(fosis.ECONFLICT, "funds.err.payment_settled", id, fosis.Phrase{Key: "funds.paystate." + string(pm.State), Text: string(pm.State)})
		}
		if pm.State == PaymentOrdered {
			return closeIfAnswered(ctx, tx, pm.Run)
		}
		return nil
	})
	return out, err
}

// settleTranche records the bank's answer for ordered tranche payment id
// inside tx (the ledger on the participant's ref, the tranche's state): the
// body of SettlePayment, also called by ImportResults for a run's tranche
// payments.
func settleTranche(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, paid bool, reason string) (TranchePayment, error) {
	var out TranchePayment
	err := func() error {
		y, err := scanTranchePayment(tx.QueryRowContext(ctx, paymentSelect+` WHERE y.id = ?`, id))
		if db.IsNoRows(err) {
			return refuse(fosis.ENOTFOUND, "funds.err.no_payment", id)
		}
		if err != nil {
			return err
		}
		pt, err := lockedParticipant(ctx, tx, y.CaseID)
		if err != nil {
			return err
		}
		var days int
		if err := tx.QueryRowContext(ctx, `SELECT justify_days FROM funds_tranches WHERE id = ?`, y.Tranche).Scan(&days); err != nil {
			return err
		}
		d := tx.DB()
		status, kind, tranche := PayRejected, KindReject, TrancheWaiting
		var justifyBy any
		if paid {
			status, kind, tranche = PayPaid, KindConfirm, TranchePaid
			day := time.Date(tx.Now.Year(), tx.Now.Month(), tx.Now.Day(), 0, 0, 0, 0, time.UTC)
			justifyBy = d.Date(day.AddDate(0, 0, days))
			reason = ""
		}
		res, err := tx.ExecContext(ctx, `UPDATE funds_tranche_payments SET status = ?, reason = ?, justify_by = ?, settled_at = ? WHERE id = ? AND status = ?`,
			status, reason, justifyBy, d.Time(tx.Now), id, PayOrdered)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ECONFLICT, "funds.err.payment_settled", id, fosis.Phrase{Key: "funds.payment." + y.Status, Text: y.Status})
		}
		closed := pt.Status == PartClosed && !paid
		if closed {
			// The case ended while the bank held the payment: the money
			// goes back to the envelope and the tranche is not paid.
			tranche = TrancheCancelled
		}
		if _, err := tx.ExecContext(ctx, `UPDATE funds_tranches SET status = ? WHERE id = ? AND status = ?`, tranche, y.Tranche, TrancheOrdered); err != nil {
			return err
		}
		note := fmt.Sprintf("payment %d", id)
		if reason != "" {
			note += ": " + reason
		}
		if _, err := postCase(ctx, tx, p, pt, kind, y.Amount, note); err != nil {
			return err
		}
		if closed {
			if _, err := postCase(ctx, tx, p, pt, KindReleaseCommitted, y.Amount, note+" (case ended)"); err != nil {
				return err
			}
		}
		out, err = scanTranchePayment(tx.QueryRowContext(ctx, paymentSelect+` WHERE y.id = ?`, id))
		return err
	}()
	return out, err
}

// OrderedPayments lists the payments ordered and not yet settled, oldest
// first, after id after (0 for the first page), at most limit: what the
// payments slice puts in the bank's batch file. Finance officers and
// administrators.
func (s *Store) OrderedPayments(ctx context.Context, after int64, limit int) ([]TranchePayment, error) {
	if _, err := mover(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	return db.Collect(ctx, s.db, scanTranchePaymentRows, paymentSelect+` WHERE y.status = ? AND y.id > ? ORDER BY y.id LIMIT ?`, PayOrdered, after, limit)
}
