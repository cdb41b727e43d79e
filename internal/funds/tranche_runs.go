package funds

// One way money leaves (docs/funds.md, "Tranches"): a participant's tranche
// ordered to the bank is also a payment of the payment runs (purpose
// tranche), so that runs and bank files carry it, and the bank's result
// file settles the tranche. Its ledger order is posted on the participant's
// ref (case:<id>) when the tranche is ordered, so a run's approval does not
// order it again and its result posts confirm or reject on that ref too.

import (
	"context"
	"fmt"
	"strconv"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// CuentaRUT is the account a payee without other bank details is paid to:
// BancoEstado's (bank 012) vista account numbered by the RUT's body.
const cuentaRUTBank = "012"

// trancheRunPayment writes the run payment of tranche payment tpID (key
// case:<case>/tranche:<seq>/payment:<id>, ref tranche-payment:<id>) and
// links the two.
func (s *Store) trancheRunPayment(ctx context.Context, tx *db.Tx, p *auth.Principal, pt *participant, t *Tranche, tpID int64,
	payeeRUT, payeeName string, in OrderInput) error {
	py := Payee{Name: payeeName, TaxID: payeeRUT, Bank: in.Bank, AccountKind: in.AccountKind, Account: in.Account}
	if py.Bank == "" && py.AccountKind == "" && py.Account == "" {
		body, err := rut.Parse(payeeRUT)
		if err != nil {
			return invalid("payee_rut", "funds.err.rut", payeeRUT)
		}
		py.Bank, py.AccountKind, py.Account = cuentaRUTBank, "vista", strconv.FormatInt(body, 10)
	}
	np := NewPayment{Key: fmt.Sprintf("case:%d/tranche:%d/payment:%d", pt.CaseID, t.Seq, tpID), Call: pt.Call, Purpose: PurposeTranche,
		Ref: "tranche-payment:" + strconv.FormatInt(tpID, 10), Payee: py, Amount: t.Amount}
	if err := np.validate(); err != nil {
		return err
	}
	pm, _, err := createPayment(ctx, tx, p, np, 0)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE funds_tranche_payments SET payment_id = ? WHERE id = ? AND payment_id IS NULL`, pm.ID, tpID)
	return err
}

// trancheOfPayment returns the tranche payment a run payment carries (0 for
// none).
func trancheOfPayment(ctx context.Context, q db.Querier, paymentID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM funds_tranche_payments WHERE payment_id = ?`, paymentID).Scan(&id)
	if db.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}

// closeIfAnswered closes approved run id when none of its payments awaits
// the bank.
func closeIfAnswered(ctx context.Context, tx *db.Tx, id int64) error {
	var pending int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM funds_payments WHERE run_id = ? AND state = 'ordered'`, id).Scan(&pending); err != nil {
		return err
	}
	if pending > 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE funds_payruns SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'approved'`, tx.DB().Time(tx.Now), id)
	return err
}

// trancheRunMessages are the refusals of tranches carried by payment runs.
var trancheRunMessages = map[string]string{
	"funds.err.tranche_in_run":      "tranche payment %d is in payment run %d, not yet approved: approve or cancel the run first",
	"funds.err.pay_reissue_tranche": "payment %d pays a participant's tranche: order the tranche again (it is waiting again), do not re-issue it",
}

func init() {
	for k, v := range trancheRunMessages {
		Messages[k] = v
	}
}
