package funds

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Participants' money (docs/funds.md, "Participants"): each enrolment whose
// call has an envelope reserves the line's amount for its case; the
// approved business or work-placement plan commits its budget total out of
// that reservation; tranches of the commitment are ordered as payments,
// confirmed by the bank, justified by receipts or recovered. Every peso of
// a participant moves in the ledger with ref "case:<id>", so what a
// participant holds in each account is summed from its movements.

// Participant statuses.
const (
	PartReserved  = "reserved"  // enrolled: the line's amount is reserved
	PartCommitted = "committed" // an approved plan's total is committed
	PartClosed    = "closed"    // the case ended: what was not ordered went back to the envelope
)

// CaseInfo is what the funds slice learns of a case from the delivery slice.
type CaseInfo struct {
	ID          int64  `json:"id"`
	Line        string `json:"program"`
	Version     int    `json:"program_version"`
	HouseholdID string `json:"household_id"`
	RUN         string `json:"run,omitempty"`
	Commune     string `json:"commune"`
	Region      string `json:"region"`
	Agency      string `json:"agency,omitempty"`
	Counsellor  string `json:"counsellor,omitempty"`
	State       string `json:"state"`
}

// CaseReader reads a case as the caller in ctx may see it (the delivery
// slice's scope: a counsellor their caseload, agency staff their agency's,
// a regional officer their region's); out of reach answers not found.
type CaseReader func(ctx context.Context, id int64) (CaseInfo, error)

// participantsConfig is what cli wires for the participants' side.
type participantsConfig struct {
	cases CaseReader
}

// ReadCasesWith sets how the slice reads a case and its caller's reach
// (cli wires delivery.Store.Case). Set it once, before serving.
func (s *Store) ReadCasesWith(r CaseReader) { s.part.cases = r }

// Enrolment is what an enrolment tells the funds slice (cli converts the
// programmes slice's enrolment and adds the case the delivery slice opened).
type Enrolment struct {
	Participation int64
	CaseID        int64
	Call          string
	Line          string
	Version       int
	Region        string
	Commune       string
	Agency        string
	HouseholdID   string
	RUN           string
	Amount        int64
}

// caseRef is the ledger ref of a case's movements.
func caseRef(caseID int64) string { return "case:" + strconv.FormatInt(caseID, 10) }

// OnEnrol reserves the line's amount for an enrolment, inside the
// enrolment's transaction (programs.Store.OnEnrol, wired by cli): envelope →
// reserved, ref "case:<id>". A call without an envelope is not on the
// ledger and reserves nothing; an enrolment seen twice reserves once; an
// envelope that does not hold the amount refuses the enrolment.
func (s *Store) OnEnrol(ctx context.Context, tx *db.Tx, e Enrolment) error {
	p := auth.FromContext(ctx)
	if p == nil {
		return refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	if e.Amount <= 0 || e.CaseID == 0 {
		return nil
	}
	env, bid, k, err := envelopeOf(ctx, tx, e.Call)
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	now := tx.DB().Time(tx.Now)
	res, err := tx.ExecContext(ctx, `INSERT INTO funds_participants (participation, case_id, call_code, line, version, region, commune, agency,
		household_id, run, amount, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, e.Participation, e.CaseID, e.Call, e.Line, e.Version, e.Region, e.Commune, e.Agency,
		e.HouseholdID, e.RUN, e.Amount, PartReserved, now, now)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // already reserved: once is enough
	}
	m := Movement{Kind: KindReserve, Budget: k, Call: e.Call, Amount: e.Amount, Ref: caseRef(e.CaseID),
		Note: fmt.Sprintf("enrolment %d", e.Participation)}
	return post(ctx, tx, p, &m, bid, env)
}

// participant is a funds_participants row.
type participant struct {
	ID            int64
	Participation int64
	CaseID        int64
	Call          string
	Line          string
	Version       int
	Region        string
	Commune       string
	Agency        string
	HouseholdID   string
	RUN           string
	Amount        int64
	Status        string
	PlanID        int64
	PlanVersion   int
	PlanKind      string
	PlanTotal     int64
	PlanLines     []PlanLine
	ApprovedOn    string
}

const participantSelect = `SELECT id, participation, case_id, call_code, line, version, region, commune, agency, household_id, run,
	amount, status, plan_id, plan_version, plan_kind, plan_total, plan_budget, approved_on FROM funds_participants`

func scanParticipant(sc interface{ Scan(...any) error }) (*participant, error) {
	var p participant
	var budget string
	var approved sql.Null[db.Day]
	if err := sc.Scan(&p.ID, &p.Participation, &p.CaseID, &p.Call, &p.Line, &p.Version, &p.Region, &p.Commune, &p.Agency,
		&p.HouseholdID, &p.RUN, &p.Amount, &p.Status, &p.PlanID, &p.PlanVersion, &p.PlanKind, &p.PlanTotal, &budget, &approved); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(budget), &p.PlanLines); err != nil {
		return nil, fmt.Errorf("funds: participant %d plan budget: %w", p.ID, err)
	}
	if approved.Valid {
		p.ApprovedOn = approved.V.Format(time.DateOnly)
	}
	return &p, nil
}

// lockedParticipant reads the participant of case caseID inside tx, locking
// its row on PostgreSQL (a decision on a participant's money reads its
// other movements; on SQLite the single writer serialises). It answers nil
// for a case whose money is not on the ledger. The participant's row is
// locked before the budget line's and the envelope's (post), always in
// that order.
func lockedParticipant(ctx context.Context, tx *db.Tx, caseID int64) (*participant, error) {
	q := participantSelect + ` WHERE case_id = ?`
	if tx.DB().Engine == db.Postgres {
		q += ` FOR UPDATE`
	}
	p, err := scanParticipant(tx.QueryRowContext(ctx, q, caseID))
	if db.IsNoRows(err) {
		return nil, nil
	}
	return p, err
}

// Money is what a participant holds in each account, summed from the
// ledger's movements of its case.
type Money struct {
	// Amount is the line's amount per participant, reserved at enrolment.
	Amount    int64 `json:"amount"`
	Reserved  int64 `json:"reserved"`
	Committed int64 `json:"committed"`
	Ordered   int64 `json:"ordered"`
	Paid      int64 `json:"paid"`
	Justified int64 `json:"justified"`
	Recovered int64 `json:"recovered"`
	// Released is what went back to the envelope (drop-out, unspent).
	Released int64 `json:"released"`
	// Planned is what the approved plan committed (commitments net of
	// released commitments): the ceiling of the tranches.
	Planned int64 `json:"planned"`
	// Confirmed is what the bank confirmed paid, all told.
	Confirmed int64 `json:"confirmed"`
}

func (m *Money) add(kind Kind, v int64) {
	switch kind {
	case KindReserve:
		m.Reserved += v
	case KindCommit:
		m.Reserved -= v
		m.Committed += v
		m.Planned += v
	case KindReleaseReserved:
		m.Reserved -= v
		m.Released += v
	case KindReleaseCommitted:
		m.Committed -= v
		m.Released += v
		m.Planned -= v
	case KindOrder:
		m.Committed -= v
		m.Ordered += v
	case KindReject:
		m.Ordered -= v
		m.Committed += v
	case KindConfirm:
		m.Ordered -= v
		m.Paid += v
		m.Confirmed += v
	case KindJustify:
		m.Paid -= v
		m.Justified += v
	case KindRecover:
		m.Paid -= v
		m.Recovered += v
	}
}

// money sums the movements of case caseID.
func money(ctx context.Context, q db.Querier, caseID int64) (Money, error) {
	var m Money
	type kv struct {
		k Kind
		v int64
	}
	rows, err := db.Collect(ctx, q, func(r *sql.Rows) (kv, error) {
		var x kv
		err := r.Scan(&x.k, &x.v)
		return x, err
	}, `SELECT kind, SUM(amount) FROM funds_movements WHERE ref = ? GROUP BY kind`, caseRef(caseID))
	if err != nil {
		return m, err
	}
	for _, x := range rows {
		m.add(x.k, x.v)
	}
	return m, nil
}

// postCase posts one movement of a participant's money: kind, amount, note,
// on the participant's envelope, ref "case:<id>".
func postCase(ctx context.Context, tx *db.Tx, p *auth.Principal, pt *participant, kind Kind, amount int64, note string) (Movement, error) {
	env, bid, k, err := envelopeOf(ctx, tx, pt.Call)
	if err != nil {
		return Movement{}, err
	}
	m := Movement{Kind: kind, Budget: k, Call: pt.Call, Amount: amount, Ref: caseRef(pt.CaseID), Note: note}
	err = post(ctx, tx, p, &m, bid, env)
	return m, err
}

// PlanLine is one line of an approved plan's budget.
type PlanLine struct {
	Item   string `json:"item"`
	Amount int64  `json:"amount"`
}

// PlanApproval is what a plan's approval tells the funds slice (cli
// converts the delivery slice's plan).
type PlanApproval struct {
	CaseID  int64
	PlanID  int64
	Version int
	Kind    string // business, work (family plans carry no money)
	Lines   []PlanLine
	Total   int64
	On      time.Time
}

// OnPlanApproved commits an approved business or work-placement plan's
// budget total out of the case's reservation, inside the approval's
// transaction (delivery.Store.OnPlanApproved, wired by cli), and fixes its
// tranches from the line version's schedule. A total above the line's
// amount, or above what is still reserved, refuses the approval. A later
// version re-commits the difference, as long as no tranche was ordered.
func (s *Store) OnPlanApproved(ctx context.Context, tx *db.Tx, a PlanApproval) error {
	p := auth.FromContext(ctx)
	if p == nil {
		return refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	if a.Kind != "business" && a.Kind != "work" || a.Total <= 0 {
		return nil
	}
	pt, err := lockedParticipant(ctx, tx, a.CaseID)
	if err != nil || pt == nil {
		return err
	}
	if pt.Status == PartClosed {
		return refuse(fosis.ECONFLICT, "funds.err.case_closed", a.CaseID)
	}
	if a.Total > pt.Amount {
		return refuse(fosis.ECONFLICT, "funds.err.plan_above_line", fosis.Pesos(a.Total), fosis.Pesos(pt.Amount), pt.Line)
	}
	m, err := money(ctx, tx, a.CaseID)
	if err != nil {
		return err
	}
	if m.Ordered+m.Confirmed > 0 && a.Total != m.Planned {
		return refuse(fosis.ECONFLICT, "funds.err.plan_after_payment", a.CaseID)
	}
	note := fmt.Sprintf("plan %d v%d", a.PlanID, a.Version)
	switch delta := a.Total - m.Planned; {
	case delta > 0:
		if m.Reserved < delta {
			return refuse(fosis.ECONFLICT, "funds.err.plan_above_reserved", fosis.Pesos(a.Total), fosis.Pesos(m.Reserved+m.Planned))
		}
		if _, err := postCase(ctx, tx, p, pt, KindCommit, delta, note); err != nil {
			return err
		}
	case delta < 0:
		// Less is committed: the difference goes back to the envelope and
		// is reserved for the participant again.
		if _, err := postCase(ctx, tx, p, pt, KindReleaseCommitted, -delta, note); err != nil {
			return err
		}
		if _, err := postCase(ctx, tx, p, pt, KindReserve, -delta, note); err != nil {
			return err
		}
	}
	lines, err := json.Marshal(a.Lines)
	if err != nil {
		return err
	}
	d := tx.DB()
	res, err := tx.ExecContext(ctx, `UPDATE funds_participants SET status = ?, plan_id = ?, plan_version = ?, plan_kind = ?, plan_total = ?,
		plan_budget = ?, approved_on = ?, updated_at = ? WHERE id = ? AND status = ?`,
		PartCommitted, a.PlanID, a.Version, a.Kind, a.Total, string(lines), d.Date(a.On), d.Time(tx.Now), pt.ID, pt.Status)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return refuse(fosis.ECONFLICT, "funds.err.participant_changed", a.CaseID)
	}
	return s.fixTranches(ctx, tx, pt, a.Version, a.Total)
}

// OnCaseClosed gives back to the envelope, inside the transaction that ends
// the case (graduated or exited; delivery.Store.OnCaseClosed, wired by
// cli), what the participant still holds reserved or committed and not yet
// ordered; tranches not ordered are cancelled. Money already ordered or
// paid stays: the bank settles it, and receipts or a recovery account for it.
func (s *Store) OnCaseClosed(ctx context.Context, tx *db.Tx, caseID int64, state string) error {
	p := auth.FromContext(ctx)
	if p == nil {
		return refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	pt, err := lockedParticipant(ctx, tx, caseID)
	if err != nil || pt == nil || pt.Status == PartClosed {
		return err
	}
	m, err := money(ctx, tx, caseID)
	if err != nil {
		return err
	}
	note := "case " + state
	if m.Reserved > 0 {
		if _, err := postCase(ctx, tx, p, pt, KindReleaseReserved, m.Reserved, note); err != nil {
			return err
		}
	}
	if m.Committed > 0 {
		if _, err := postCase(ctx, tx, p, pt, KindReleaseCommitted, m.Committed, note); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE funds_tranches SET status = ? WHERE participant_id = ? AND status = ?`,
		TrancheCancelled, pt.ID, TrancheWaiting); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE funds_participants SET status = ?, updated_at = ? WHERE id = ? AND status = ?`,
		PartClosed, tx.DB().Time(tx.Now), pt.ID, pt.Status)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return refuse(fosis.ECONFLICT, "funds.err.participant_changed", caseID)
	}
	return nil
}
