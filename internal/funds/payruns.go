package funds

// Payment runs: a run gathers ready payments (prepared), is approved by a
// second finance officer (maker-checker: who prepared it cannot approve it),
// which orders its payments in the ledger (committed → ordered, one
// movement per envelope, ref "payrun:<id>", refused as a whole when an
// envelope's committed money does not cover it), is written as the bank's
// batch file (bankfile.go) and is closed when the bank's result files have
// settled every payment (paid: ordered → paid; rejected: ordered →
// committed, ready to be re-issued).

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// RunState is where a payment run is.
type RunState string

// The states of a run: prepared → approved → closed.
const (
	RunPrepared RunState = "prepared"
	RunApproved RunState = "approved"
	RunClosed   RunState = "closed"
)

// Run is a payment run and what its payments add up to.
type Run struct {
	ID         int64      `json:"id"`
	State      RunState   `json:"state"`
	Note       string     `json:"note,omitempty"`
	PreparedBy string     `json:"prepared_by"`
	PreparedAt time.Time  `json:"prepared_at"`
	ApprovedBy string     `json:"approved_by,omitempty"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	// CancelledBy is who cancelled a prepared run ("" for none): its
	// payments went back to ready.
	CancelledBy string `json:"cancelled_by,omitempty"`
	Count       int64  `json:"count"`
	Total       int64  `json:"total"`
	Paid        int64  `json:"paid"`
	Rejected    int64  `json:"rejected"`
	// Pending counts the payments the bank has not settled yet.
	Pending int64 `json:"pending"`
}

// runRef is the ledger ref of a run's movements.
func runRef(id int64) string { return "payrun:" + strconv.FormatInt(id, 10) }

const runCols = `r.id, r.state, r.note, r.prepared_by, r.prepared_at, r.approved_by, r.approved_at, r.closed_at, r.cancelled_by,
	(SELECT COUNT(*) FROM funds_payments p WHERE p.run_id = r.id),
	(SELECT COALESCE(SUM(amount), 0) FROM funds_payments p WHERE p.run_id = r.id),
	(SELECT COUNT(*) FROM funds_payments p WHERE p.run_id = r.id AND p.state = 'paid'),
	(SELECT COUNT(*) FROM funds_payments p WHERE p.run_id = r.id AND (p.state = 'rejected' OR p.state = 'reissued')),
	(SELECT COUNT(*) FROM funds_payments p WHERE p.run_id = r.id AND (p.state = 'ordered' OR p.state = 'in_run'))`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var (
		r                         Run
		state                     string
		prepared, approved, close db.Instant
	)
	err := row.Scan(&r.ID, &state, &r.Note, &r.PreparedBy, &prepared, &r.ApprovedBy, &approved, &close, &r.CancelledBy,
		&r.Count, &r.Total, &r.Paid, &r.Rejected, &r.Pending)
	r.State, r.PreparedAt = RunState(state), prepared.Time
	if !approved.IsZero() {
		t := approved.Time
		r.ApprovedAt = &t
	}
	if !close.IsZero() {
		t := close.Time
		r.ClosedAt = &t
	}
	return r, err
}

func readRun(ctx context.Context, q db.Querier, id int64) (Run, error) {
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runCols+` FROM funds_payruns r WHERE r.id = ?`, id))
	if db.IsNoRows(err) {
		return Run{}, refuse(fosis.ENOTFOUND, "funds.err.run_none", id)
	}
	return r, err
}

// lockRun takes the run's row lock on PostgreSQL (SQLite's writer is
// already exclusive) and reads it: every decision about a run is taken
// under it, so that approvals and result imports of one run queue.
func lockRun(ctx context.Context, tx *db.Tx, id int64) (Run, error) {
	if tx.DB().Engine == db.Postgres {
		var got int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM funds_payruns WHERE id = ? FOR UPDATE`, id).Scan(&got)
		if db.IsNoRows(err) {
			return Run{}, refuse(fosis.ENOTFOUND, "funds.err.run_none", id)
		}
		if err != nil {
			return Run{}, err
		}
	}
	return readRun(ctx, tx, id)
}

// PrepareRun gathers every ready payment (of call only, when not "") into
// a new run. A payment lands in one run only: the guarded update takes
// ready payments, so two runs prepared at once share nothing.
func (s *Store) PrepareRun(ctx context.Context, call, note string) (Run, error) {
	p, err := mover(ctx)
	if err != nil {
		return Run{}, err
	}
	if call != "" {
		if err := validCall(call); err != nil {
			return Run{}, err
		}
	}
	var r Run
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO funds_payruns (state, note, prepared_by, prepared_at) VALUES ('prepared', ?, ?, ?)`,
			note, p.Username, tx.DB().Time(tx.Now))
		if err != nil {
			return err
		}
		q, args := `UPDATE funds_payments SET state = 'in_run', run_id = ? WHERE state = 'ready'`, []any{id}
		if call != "" {
			q, args = q+` AND call_code = ?`, append(args, call)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return refuse(fosis.ECONFLICT, "funds.err.run_empty")
		}
		if r, err = readRun(ctx, tx, id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.payrun_prepare",
			Entity: "funds_payrun", EntityID: strconv.FormatInt(id, 10), After: r})
		return err
	})
	return r, err
}

// Runs lists payment runs, newest first.
func (s *Store) Runs(ctx context.Context) ([]Run, error) {
	if _, err := payReader(ctx); err != nil {
		return nil, err
	}
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (Run, error) { return scanRun(rows) },
		`SELECT `+runCols+` FROM funds_payruns r ORDER BY r.id DESC LIMIT 200`)
}

// Run returns a run and its payments.
func (s *Store) Run(ctx context.Context, id int64) (Run, []Payment, error) {
	if _, err := payReader(ctx); err != nil {
		return Run{}, nil, err
	}
	r, err := readRun(ctx, s.db, id)
	if err != nil {
		return Run{}, nil, err
	}
	ps, err := listPayments(ctx, s.db, PaymentFilter{Run: id, Limit: -1})
	return r, ps, err
}

// envelopeSum is what a run moves in one envelope.
type envelopeSum struct {
	call   string
	amount int64
	count  int64
}

// postPerEnvelope posts one movement of kind per envelope of sums (in call
// order, the same for every run, so that two never lock in a cycle).
func postPerEnvelope(ctx context.Context, tx *db.Tx, p *auth.Principal, kind Kind, sums []envelopeSum, ref, note string) error {
	sort.Slice(sums, func(i, j int) bool { return sums[i].call < sums[j].call })
	for _, e := range sums {
		if e.amount == 0 {
			continue
		}
		env, bid, k, err := envelopeOf(ctx, tx, e.call)
		if err != nil {
			return err
		}
		m := Movement{Kind: kind, Budget: k, Call: e.call, Amount: e.amount, Ref: ref, Note: note}
		if err := post(ctx, tx, p, &m, bid, env); err != nil {
			if fe, ok := err.(*fosis.Error); ok && fe.Key == "funds.err.insufficient" {
				return refuse(fosis.ECONFLICT, "funds.err.run_overspends", e.call, fosis.Phrase{Key: fe.Key, Args: fe.Args, Text: fe.Message})
			}
			return err
		}
	}
	return nil
}

// ApproveRun approves a prepared run: refused to whoever prepared it
// (maker-checker) and when any envelope's committed money does not cover
// its payments (nothing is ordered then). Approval orders every payment:
// committed → ordered in the ledger, one movement per envelope.
func (s *Store) ApproveRun(ctx context.Context, id int64) (Run, error) {
	p, err := mover(ctx)
	if err != nil {
		return Run{}, err
	}
	var r Run
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.PreparedBy == p.Username {
			return refuse(fosis.EFORBIDDEN, "funds.err.run_maker_checker", id)
		}
		res, err := tx.ExecContext(ctx, `UPDATE funds_payruns SET state = 'approved', approved_by = ?, approved_at = ?
			WHERE id = ? AND state = 'prepared' AND prepared_by <> ?`, p.Username, tx.DB().Time(tx.Now), id, p.Username)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return refuse(fosis.ECONFLICT, "funds.err.run_state", id, fosis.Phrase{Key: "funds.runstate." + string(before.State), Text: string(before.State)})
		}
		sums, err := db.Collect(ctx, tx, func(rows *sql.Rows) (envelopeSum, error) {
			var e envelopeSum
			return e, rows.Scan(&e.call, &e.amount, &e.count)
		}, `SELECT call_code, SUM(CASE WHEN EXISTS (SELECT 1 FROM funds_tranche_payments y WHERE y.payment_id = funds_payments.id) THEN 0 ELSE amount END), COUNT(*) FROM funds_payments
			WHERE run_id = ? AND state = 'in_run' GROUP BY call_code`, id)
		if err != nil {
			return err
		}
		var count int64
		for _, e := range sums {
			count += e.count
		}
		// A tranche's payment was ordered in the ledger when the tranche was
		// (ref case:<id>): it is not ordered again (tranche_runs.go).
		if err := postPerEnvelope(ctx, tx, p, KindOrder, sums, runRef(id), ""); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE funds_payments SET state = 'ordered' WHERE run_id = ? AND state = 'in_run'`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != count {
			return fmt.Errorf("funds: run %d: %d payments ordered, %d summed", id, n, count)
		}
		if r, err = readRun(ctx, tx, id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.payrun_approve",
			Entity: "funds_payrun", EntityID: strconv.FormatInt(id, 10), Before: before, After: r})
		return err
	})
	return r, err
}

// CancelRun cancels a prepared run: its payments go back to ready (for
// the next run) and the run is closed, naming who cancelled it. An
// approved run cannot be cancelled: its payments are ordered.
func (s *Store) CancelRun(ctx context.Context, id int64) (Run, error) {
	p, err := mover(ctx)
	if err != nil {
		return Run{}, err
	}
	var r Run
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE funds_payruns SET state = 'closed', cancelled_by = ?, closed_at = ? WHERE id = ? AND state = 'prepared'`,
			p.Username, tx.DB().Time(tx.Now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return refuse(fosis.ECONFLICT, "funds.err.run_not_prepared", id, fosis.Phrase{Key: "funds.runstate." + string(before.State), Text: string(before.State)})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE funds_payments SET state = 'ready', run_id = NULL WHERE run_id = ? AND state = 'in_run'`, id); err != nil {
			return err
		}
		if r, err = readRun(ctx, tx, id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.payrun_cancel",
			Entity: "funds_payrun", EntityID: strconv.FormatInt(id, 10), Before: before, After: r})
		return err
	})
	return r, err
}

// ImportResult is what importing a bank result file did.
type ImportResult struct {
	Run       int64 `json:"run"`
	Rows      int   `json:"rows"`
	Paid      int   `json:"paid"`
	Rejected  int   `json:"rejected"`
	Unchanged int   `json:"unchanged"`
	// Closed is true when the import settled the run's last payment.
	Closed bool `json:"closed"`
}

// ImportResults reads the bank's result file for run (format in
// docs/funds.md, "The bank's result file") and marks each payment paid or
// rejected with the bank's reason. It is all-or-nothing: any bad row (not
// in the run, another amount, an outcome that contradicts one already
// recorded, control totals that do not add up) refuses the whole file,
// naming every bad row. Importing the same file again changes nothing.
func (s *Store) ImportResults(ctx context.Context, id int64, data []byte) (ImportResult, error) {
	p, err := mover(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	rows, err := ParseResults(data)
	if err != nil {
		return ImportResult{}, err
	}
	sum := sha256.Sum256(data)
	out := ImportResult{Run: id, Rows: len(rows)}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		out = ImportResult{Run: id, Rows: len(rows)}
		run, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if run.State == RunPrepared {
			return refuse(fosis.ECONFLICT, "funds.err.run_not_approved", id)
		}
		type have struct {
			state   PaymentState
			amount  int64
			call    string
			purpose Purpose
		}
		byID := map[int64]have{}
		rs, err := tx.QueryContext(ctx, `SELECT id, state, amount, call_code, purpose FROM funds_payments WHERE run_id = ?`, id)
		if err != nil {
			return err
		}
		for rs.Next() {
			var pid int64
			var h have
			var st string
			if err := rs.Scan(&pid, &st, &h.amount, &h.call, &h.purpose); err != nil {
				rs.Close()
				return err
			}
			h.state = PaymentState(st)
			byID[pid] = h
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		var fes []fosis.FieldError
		var changes []ResultRow
		for _, r := range rows {
			h, ok := byID[r.Payment]
			where := "line " + strconv.Itoa(r.Line)
			switch {
			case !ok:
				fes = append(fes, field(where, "funds.err.res_not_in_run", r.Line, r.Payment, id))
			case h.amount != r.Amount:
				fes = append(fes, field(where, "funds.err.res_amount", r.Line, r.Payment, fosis.Pesos(r.Amount), fosis.Pesos(h.amount)))
			case h.state == PaymentOrdered:
				changes = append(changes, r)
			case r.Paid && h.state == PaymentPaid, !r.Paid && (h.state == PaymentRejected || h.state == PaymentReissued):
				out.Unchanged++
			default:
				fes = append(fes, field(where, "funds.err.res_contradicts", r.Line, r.Payment,
					fosis.Phrase{Key: "funds.paystate." + string(h.state), Text: string(h.state)}))
			}
		}
		if len(fes) > 0 {
			return fieldsError(fes)
		}
		if len(changes) == 0 {
			return nil // a file already imported: nothing changes, nothing is written
		}
		d := tx.DB()
		confirm, reject := map[string]*envelopeSum{}, map[string]*envelopeSum{}
		add := func(m map[string]*envelopeSum, call string, amount int64) {
			e := m[call]
			if e == nil {
				e = &envelopeSum{call: call}
				m[call] = e
			}
			e.amount += amount
			e.count++
		}
		upd, err := tx.PrepareContext(ctx, `UPDATE funds_payments SET state = ?, bank_reason = ?, settled_at = ? WHERE id = ? AND run_id = ? AND state = 'ordered'`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, r := range changes {
			st := PaymentRejected
			if r.Paid {
				st = PaymentPaid
			}
			res, err := upd.ExecContext(ctx, string(st), r.Reason, d.Time(tx.Now), r.Payment, id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return refuse(fosis.ECONFLICT, "funds.err.res_contradicts", r.Line, r.Payment, fosis.Phrase{Key: "funds.paystate.ordered", Text: "ordered"})
			}
			if r.Paid {
				out.Paid++
			} else {
				out.Rejected++
			}
			if byID[r.Payment].purpose == PurposeTranche {
				// A participant's tranche: settled on its own ref, as its
				// order was (tranche_runs.go).
				tp, err := trancheOfPayment(ctx, tx, r.Payment)
				if err != nil {
					return err
				}
				if tp != 0 {
					if _, err := settleTranche(ctx, tx, p, tp, r.Paid, r.Reason); err != nil {
						return err
					}
					continue
				}
			}
			if r.Paid {
				add(confirm, byID[r.Payment].call, r.Amount)
			} else {
				add(reject, byID[r.Payment].call, r.Amount)
			}
		}
		flat := func(m map[string]*envelopeSum) []envelopeSum {
			var out []envelopeSum
			for _, e := range m {
				out = append(out, *e)
			}
			return out
		}
		if err := postPerEnvelope(ctx, tx, p, KindConfirm, flat(confirm), runRef(id), "bank result file"); err != nil {
			return err
		}
		if err := postPerEnvelope(ctx, tx, p, KindReject, flat(reject), runRef(id), "bank result file"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO funds_bank_imports (run_id, checksum, rows_read, paid, rejected, unchanged, imported_by, imported_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, hex.EncodeToString(sum[:]), len(rows), out.Paid, out.Rejected, out.Unchanged, p.Username, d.Time(tx.Now)); err != nil {
			return err
		}
		var pending int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM funds_payments WHERE run_id = ? AND state = 'ordered'`, id).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			res, err := tx.ExecContext(ctx, `UPDATE funds_payruns SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'approved'`, d.Time(tx.Now), id)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			out.Closed = n == 1
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.payrun_import",
			Entity: "funds_payrun", EntityID: strconv.FormatInt(id, 10), After: struct {
				ImportResult
				Checksum string `json:"checksum"`
			}{out, hex.EncodeToString(sum[:])}})
		return err
	})
	return out, err
}
