package funds

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/fosis/fosis/internal/platform/db"
)

// verifyParticipants checks that participants' money agrees with its
// records (docs/funds.md, "Invariants", 7):
//
//   - every movement with a case ref belongs to a participant, and no
//     participant holds less than zero in any account, nor more in all of
//     them than the line's amount;
//   - each payment is justified or pending: what the bank confirmed for a
//     participant is its paid payments, and equals paid (pending) +
//     justified + recovered; what is ordered is its ordered payments;
//   - what is justified is its accepted receipts;
//   - a committed participant's tranches add up to its plan's total, and a
//     tranche has at most one payment ordered or paid;
//   - a closed participant holds nothing reserved or committed.
func (s *Store) verifyParticipants(ctx context.Context, rep *Report) error {
	type part struct {
		id, amount, planTotal int64
		status                string
		planVersion           int
	}
	parts := map[int64]part{} // by case
	rows, err := db.Collect(ctx, s.db, func(r *sql.Rows) ([2]any, error) {
		var caseID int64
		var p part
		err := r.Scan(&p.id, &caseID, &p.amount, &p.status, &p.planTotal, &p.planVersion)
		return [2]any{caseID, p}, err
	}, `SELECT id, case_id, amount, status, plan_total, plan_version FROM funds_participants`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		parts[r[0].(int64)] = r[1].(part)
	}
	monies := map[int64]*Money{}
	type kv struct {
		ref  string
		kind Kind
		sum  int64
	}
	sums, err := db.Collect(ctx, s.db, func(r *sql.Rows) (kv, error) {
		var x kv
		err := r.Scan(&x.ref, &x.kind, &x.sum)
		return x, err
	}, `SELECT ref, kind, SUM(amount) FROM funds_movements WHERE ref LIKE 'case:%' GROUP BY ref, kind`)
	if err != nil {
		return err
	}
	for _, x := range sums {
		caseID, err := strconv.ParseInt(strings.TrimPrefix(x.ref, "case:"), 10, 64)
		if _, ok := parts[caseID]; err != nil || !ok {
			rep.add("movements with ref %s belong to no participant", x.ref)
			continue
		}
		if monies[caseID] == nil {
			monies[caseID] = &Money{}
		}
		monies[caseID].add(x.kind, x.sum)
	}
	type tot struct{ a, b int64 }
	perPart := func(q string, args ...any) (map[int64]tot, error) {
		out := map[int64]tot{}
		rs, err := db.Collect(ctx, s.db, func(r *sql.Rows) ([3]int64, error) {
			var x [3]int64
			err := r.Scan(&x[0], &x[1], &x[2])
			return x, err
		}, q, args...)
		for _, x := range rs {
			out[x[0]] = tot{x[1], x[2]}
		}
		return out, err
	}
	payments, err := perPart(`SELECT participant_id, COALESCE(SUM(CASE WHEN status = ? THEN amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = ? THEN amount ELSE 0 END), 0) FROM funds_tranche_payments GROUP BY participant_id`, PayOrdered, PayPaid)
	if err != nil {
		return err
	}
	receipts, err := perPart(`SELECT participant_id, COALESCE(SUM(amount), 0), COUNT(*) FROM funds_receipts WHERE status = ? GROUP BY participant_id`, ReceiptAccepted)
	if err != nil {
		return err
	}
	tranches, err := perPart(`SELECT t.participant_id, COALESCE(SUM(t.amount), 0), COUNT(*) FROM funds_tranches t
		JOIN funds_participants p ON p.id = t.participant_id AND p.plan_version = t.plan_version
		WHERE t.status <> ? GROUP BY t.participant_id`, TrancheCancelled)
	if err != nil {
		return err
	}
	var doubled int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT tranche_id FROM funds_tranche_payments WHERE status IN (?, ?)
		GROUP BY tranche_id HAVING COUNT(*) > 1) x`, PayOrdered, PayPaid).Scan(&doubled); err != nil {
		return err
	}
	if doubled > 0 {
		rep.add("%d tranches have more than one payment ordered or paid", doubled)
	}
	for caseID, p := range parts {
		m := Money{}
		if monies[caseID] != nil {
			m = *monies[caseID]
		}
		if m.Reserved < 0 || m.Committed < 0 || m.Ordered < 0 || m.Paid < 0 {
			rep.add("case %d: negative money (reserved %d, committed %d, ordered %d, paid %d)", caseID, m.Reserved, m.Committed, m.Ordered, m.Paid)
		}
		if held := m.Reserved + m.Committed + m.Ordered + m.Paid + m.Justified + m.Recovered; held > p.amount {
			rep.add("case %d: holds %d, more than the line's amount %d", caseID, held, p.amount)
		}
		pay := payments[p.id]
		if pay.a != m.Ordered {
			rep.add("case %d: payments ordered make %d, the ledger's ordered %d", caseID, pay.a, m.Ordered)
		}
		if pay.b != m.Confirmed || m.Confirmed != m.Paid+m.Justified+m.Recovered {
			rep.add("case %d: payments paid make %d, the bank confirmed %d, justified + recovered + pending make %d",
				caseID, pay.b, m.Confirmed, m.Paid+m.Justified+m.Recovered)
		}
		if rc := receipts[p.id]; rc.a != m.Justified {
			rep.add("case %d: accepted receipts make %d, the ledger's justified %d", caseID, rc.a, m.Justified)
		}
		if p.status == PartCommitted && tranches[p.id].a != p.planTotal {
			rep.add("case %d: tranches make %d, the plan's total %d", caseID, tranches[p.id].a, p.planTotal)
		}
		if p.status == PartCommitted && m.Planned != p.planTotal {
			rep.add("case %d: the ledger commits %d, the plan's total %d", caseID, m.Planned, p.planTotal)
		}
		if p.status == PartClosed && (m.Reserved != 0 || m.Committed != 0) {
			rep.add("case %d: closed but holds %d reserved and %d committed", caseID, m.Reserved, m.Committed)
		}
	}
	return nil
}
