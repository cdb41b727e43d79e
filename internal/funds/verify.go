package funds

import (
	"context"
	"fmt"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// Report is what Verify found: how much it read and every broken invariant,
// named.
type Report struct {
	Movements int64    `json:"movements"`
	Entries   int64    `json:"entries"`
	Problems  []string `json:"problems"`
}

// OK reports whether every invariant holds.
func (r Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(format string, args ...any) {
	if len(r.Problems) < 1000 {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// Verify checks every invariant of the ledger (docs/funds.md, "Invariants"):
//
//  1. each movement is balanced: exactly two entries, minus and plus its
//     amount, on the accounts and levels its kind moves between;
//  2. each account's chain is whole: seq 1, 2, … with no gap, and each
//     entry's balance_after is the previous one plus its amount;
//  3. nothing is negative but the Law counter-account;
//  4. balances add up: a budget line's accounts and its envelopes' sum to
//     zero, and the whole ledger sums to zero;
//  5. each payment is justified or pending: per envelope, what the bank
//     confirmed equals justified + recovered + paid (pending justification);
//  6. every envelope entry belongs to its envelope's budget line;
//     7–11. payments, payment runs and contracts (verifyPayments);
//  12. participants' money agrees with its records (verifyParticipants).
//
// It needs national reach.
func (s *Store) Verify(ctx context.Context) (Report, error) {
	var rep Report
	p := auth.FromContext(ctx)
	if p == nil {
		return rep, refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	if !seesAll(p) {
		return rep, refuse(fosis.EFORBIDDEN, "funds.err.not_national", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
	}

	// 1 and 6: per movement.
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.kind, m.budget_id, m.envelope_id, m.amount,
		e.budget_id, e.envelope_id, e.account, e.amount
		FROM funds_movements m LEFT JOIN funds_entries e ON e.movement_id = m.id ORDER BY m.id, e.amount`)
	if err != nil {
		return rep, err
	}
	type ent struct {
		budget, env int64
		account     Account
		amount      int64
	}
	var (
		curID             int64 = -1
		curKind           Kind
		curBudget, curEnv int64
		curAmount         int64
		curEntries        []ent
	)
	confirmed := map[int64]int64{} // envelope → what the bank confirmed, net of nothing
	flush := func() {
		if curID < 0 {
			return
		}
		rep.Movements++
		r, ok := rules[curKind]
		if !ok {
			rep.add("movement %d: unknown kind %q", curID, curKind)
			return
		}
		var sum int64
		for _, e := range curEntries {
			sum += e.amount
		}
		if sum != 0 {
			rep.add("movement %d (%s): entries sum to %d, not 0", curID, curKind, sum)
		}
		if len(curEntries) != 2 {
			rep.add("movement %d (%s): %d entries, want 2", curID, curKind, len(curEntries))
			return
		}
		lvl := func(line bool) int64 {
			if line {
				return 0
			}
			return curEnv
		}
		from, to := curEntries[0], curEntries[1] // ordered by amount: the negative first
		if from.account != r.from || from.amount != -curAmount || from.env != lvl(r.fromLine) || from.budget != curBudget {
			rep.add("movement %d (%s): takes %d from %s (level %d), want %d from %s", curID, curKind, -from.amount, from.account, from.env, curAmount, r.from)
		}
		if to.account != r.to || to.amount != curAmount || to.env != lvl(r.toLine) || to.budget != curBudget {
			rep.add("movement %d (%s): puts %d in %s (level %d), want %d in %s", curID, curKind, to.amount, to.account, to.env, curAmount, r.to)
		}
		if r.needsEnvelope && curEnv == 0 {
			rep.add("movement %d (%s): has no envelope", curID, curKind)
		}
		if curKind == KindConfirm {
			confirmed[curEnv] += curAmount
		}
	}
	for rows.Next() {
		var (
			id, budget, env, amount int64
			kind                    Kind
			eb, ee, ea              *int64
			acc                     *string
		)
		if err := rows.Scan(&id, &kind, &budget, &env, &amount, &eb, &ee, &acc, &ea); err != nil {
			rows.Close()
			return rep, err
		}
		if id != curID {
			flush()
			curID, curKind, curBudget, curEnv, curAmount, curEntries = id, kind, budget, env, amount, curEntries[:0]
		}
		if eb != nil {
			curEntries = append(curEntries, ent{*eb, *ee, Account(*acc), *ea})
		}
	}
	flush()
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, err
	}

	// Orphan entries (no movement) cannot exist with the foreign key; entries
	// whose envelope belongs to another budget line can.
	var misplaced int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM funds_entries e JOIN funds_envelopes v ON v.id = e.envelope_id
		WHERE e.envelope_id <> 0 AND v.budget_id <> e.budget_id`).Scan(&misplaced); err != nil {
		return rep, err
	}
	if misplaced > 0 {
		rep.add("%d entries sit in an envelope of another budget line", misplaced)
	}

	// 2, 3, 4, 5: walk every account's chain in order.
	rows, err = s.db.QueryContext(ctx, `SELECT budget_id, envelope_id, account, seq, amount, balance_after
		FROM funds_entries ORDER BY budget_id, envelope_id, account, seq`)
	if err != nil {
		return rep, err
	}
	defer rows.Close()
	type acct struct {
		budget, env int64
		account     Account
	}
	var (
		cur      acct
		seq, bal int64
		started  bool
		total    int64
	)
	lineSum := map[int64]int64{}
	final := map[acct]int64{}
	for rows.Next() {
		var a acct
		var s, amount, after int64
		var name string
		if err := rows.Scan(&a.budget, &a.env, &name, &s, &amount, &after); err != nil {
			return rep, err
		}
		a.account = Account(name)
		rep.Entries++
		total += amount
		lineSum[a.budget] += amount
		if !started || a != cur {
			cur, seq, bal, started = a, 0, 0, true
		}
		if s != seq+1 {
			rep.add("account %s of budget %d envelope %d: entry %d follows %d (a gap or a duplicate)", a.account, a.budget, a.env, s, seq)
		}
		if after != bal+amount {
			rep.add("account %s of budget %d envelope %d, entry %d: balance %d, want %d + %d", a.account, a.budget, a.env, s, after, bal, amount)
		}
		seq, bal = s, after
		if a.account != Law && after < 0 {
			rep.add("account %s of budget %d envelope %d, entry %d: negative balance %d", a.account, a.budget, a.env, s, after)
		}
		final[a] = after
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	if total != 0 {
		rep.add("the ledger sums to %d, not 0", total)
	}
	for b, v := range lineSum {
		if v != 0 {
			rep.add("budget %d: its accounts sum to %d, not 0", b, v)
		}
	}
	envs := map[int64]int64{}
	for a := range final {
		if a.env != 0 {
			envs[a.env] = a.budget
		}
	}
	for env := range confirmed {
		if _, ok := envs[env]; !ok {
			envs[env] = 0
		}
	}
	for env, b := range envs {
		got := final[acct{b, env, Justified}] + final[acct{b, env, Recovered}] + final[acct{b, env, Paid}]
		if got != confirmed[env] {
			rep.add("envelope %d: the bank confirmed %d but justified + recovered + pending make %d", env, confirmed[env], got)
		}
	}
	// 7 to 11: payments, runs and contracts (verify_payments.go).
	if err := s.verifyPayments(ctx, &rep); err != nil {
		return rep, err
	}
	// 12: participants' money (participants_verify.go).
	if err := s.verifyParticipants(ctx, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}
