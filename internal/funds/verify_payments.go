package funds

import (
	"context"
	"strconv"
	"strings"
)

// verifyPayments checks the invariants of payments, runs and contracts
// (docs/funds.md, "Invariants", 7 to 11) and adds what it finds to rep:
//
//  7. a run's ledger matches its payments: per run and envelope, the order
//     movements (ref payrun:<id>) sum what its payments ordered, the
//     confirm movements what the bank paid and the reject movements what
//     it rejected;
//  8. a run's state matches its payments' (a prepared run's payments are
//     in the run, an approved or closed one's none, a closed one's all
//     settled) and its approver is not its preparer (maker-checker);
//     A tranche payment's run payment (linked by payment_id) is excluded: its ledger is on the participant's
//     ref (case:<id>), checked with the participants; it must agree with
//     its tranche payment (amount and state) instead.
//  9. nothing is paid twice: a re-issued payment's original was rejected
//     and re-issued once, with the same amount;
//  10. a contract's milestones add up to its territories' amounts, and a
//     signed contract's amount is reserved and committed in its envelope
//     (ref contract:<code>);
//  11. a released milestone has its payment, for its amount, released by
//     someone other than who requested it.
func (s *Store) verifyPayments(ctx context.Context, rep *Report) error {
	// 7: what the ledger moved per run, envelope and kind.
	type rk struct {
		run  int64
		call string
		kind Kind
	}
	ledger := map[rk]int64{}
	rows, err := s.db.QueryContext(ctx, `SELECT m.ref, v.call_code, m.kind, SUM(m.amount) FROM funds_movements m
		JOIN funds_envelopes v ON v.id = m.envelope_id WHERE m.ref LIKE 'payrun:%' GROUP BY m.ref, v.call_code, m.kind`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var ref, call, kind string
		var sum int64
		if err := rows.Scan(&ref, &call, &kind, &sum); err != nil {
			rows.Close()
			return err
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(ref, "payrun:"), 10, 64)
		ledger[rk{id, call, Kind(kind)}] += sum
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	want := map[rk]int64{}
	rows, err = s.db.QueryContext(ctx, `SELECT run_id, call_code, state, SUM(amount) FROM funds_payments
		WHERE run_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM funds_tranche_payments y WHERE y.payment_id = funds_payments.id) GROUP BY run_id, call_code, state`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var run, sum int64
		var call, state string
		if err := rows.Scan(&run, &call, &state, &sum); err != nil {
			rows.Close()
			return err
		}
		switch PaymentState(state) {
		case PaymentOrdered:
			want[rk{run, call, KindOrder}] += sum
		case PaymentPaid:
			want[rk{run, call, KindOrder}] += sum
			want[rk{run, call, KindConfirm}] += sum
		case PaymentRejected, PaymentReissued:
			want[rk{run, call, KindOrder}] += sum
			want[rk{run, call, KindReject}] += sum
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for k, v := range want {
		if ledger[k] != v {
			rep.add("payment run %d, call %s: %s movements sum %d, its payments %d", k.run, k.call, k.kind, ledger[k], v)
		}
	}
	for k, v := range ledger {
		if _, ok := want[k]; !ok {
			rep.add("payment run %d, call %s: %s movements sum %d without payments", k.run, k.call, k.kind, v)
		}
	}

	// 8, 9, 11: one count query each; every count should be 0.
	for _, c := range []struct{ what, q string }{
		{"cancelled runs that were approved", `SELECT COUNT(*) FROM funds_payruns WHERE cancelled_by <> '' AND approved_by <> ''`},
		{"payment runs approved by whoever prepared them", `SELECT COUNT(*) FROM funds_payruns WHERE approved_by <> '' AND approved_by = prepared_by`},
		{"prepared runs with payments not in the run", `SELECT COUNT(*) FROM funds_payments p JOIN funds_payruns r ON r.id = p.run_id
			WHERE r.state = 'prepared' AND p.state <> 'in_run'`},
		{"approved or closed runs with payments not ordered", `SELECT COUNT(*) FROM funds_payments p JOIN funds_payruns r ON r.id = p.run_id
			WHERE r.state <> 'prepared' AND p.state = 'in_run'`},
		{"closed runs with payments the bank has not answered", `SELECT COUNT(*) FROM funds_payments p JOIN funds_payruns r ON r.id = p.run_id
			WHERE r.state = 'closed' AND p.state = 'ordered'`},
		{"ready payments inside a run, or run payments without one", `SELECT COUNT(*) FROM funds_payments
			WHERE (state = 'ready' AND run_id IS NOT NULL) OR (state <> 'ready' AND run_id IS NULL
			  AND NOT EXISTS (SELECT 1 FROM funds_tranche_payments y WHERE y.payment_id = funds_payments.id))`},
		{"tranche payments whose run payment disagrees (amount, purpose or state)", `SELECT COUNT(*) FROM funds_tranche_payments y
			JOIN funds_payments p ON p.id = y.payment_id
			WHERE p.amount <> y.amount OR p.purpose <> 'tranche' OR NOT (
			  (y.status = 'ordered' AND p.state IN ('ready', 'in_run', 'ordered'))
			  OR (y.status = 'paid' AND p.state = 'paid') OR (y.status = 'rejected' AND p.state = 'rejected'))`},
		{"re-issues of payments that were not rejected and re-issued, or for another amount", `SELECT COUNT(*) FROM funds_payments n
			JOIN funds_payments o ON o.id = n.reissue_of WHERE o.state <> 'reissued' OR o.amount <> n.amount`},
		{"re-issued payments without their new payment", `SELECT COUNT(*) FROM funds_payments o
			WHERE o.state = 'reissued' AND NOT EXISTS (SELECT 1 FROM funds_payments n WHERE n.reissue_of = o.id)`},
		{"contracts whose milestones do not add up to their territories' amounts", `SELECT COUNT(*) FROM funds_contracts c
			WHERE (SELECT COALESCE(SUM(amount), 0) FROM funds_milestones m WHERE m.contract_id = c.id)
			   <> (SELECT COALESCE(SUM(amount), 0) FROM funds_contract_territories t WHERE t.contract_id = c.id)`},
		{"signed contracts whose amount is not reserved and committed in their envelope", `SELECT COUNT(*) FROM funds_contracts c
			WHERE c.state = 'signed' AND (
			  (SELECT COALESCE(SUM(amount), 0) FROM funds_movements m WHERE m.ref = 'contract:' || c.code AND m.kind = 'reserve')
			   <> (SELECT COALESCE(SUM(amount), 0) FROM funds_contract_territories t WHERE t.contract_id = c.id)
			OR (SELECT COALESCE(SUM(amount), 0) FROM funds_movements m WHERE m.ref = 'contract:' || c.code AND m.kind = 'commit')
			   <> (SELECT COALESCE(SUM(amount), 0) FROM funds_contract_territories t WHERE t.contract_id = c.id))`},
		{"released milestones without their payment, for another amount, or released by who requested them", `SELECT COUNT(*) FROM funds_milestones m
			LEFT JOIN funds_payments p ON p.id = m.payment_id
			WHERE m.state = 'released' AND (p.id IS NULL OR p.amount <> m.amount OR m.released_by = m.requested_by)`},
	} {
		var n int64
		if err := s.db.QueryRowContext(ctx, c.q).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			rep.add("%d %s", n, c.what)
		}
	}
	return nil
}
