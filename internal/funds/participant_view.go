package funds

import (
	"context"
	"database/sql"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// PlanLineState is one line of the approved plan with what its receipts
// justify and what is held for review.
type PlanLineState struct {
	Line      int    `json:"line"`
	Item      string `json:"item"`
	Amount    int64  `json:"amount"`
	Justified int64  `json:"justified"`
	Held      int64  `json:"held"`
}

// ParticipantMoney is a participant's money as its page shows it.
type ParticipantMoney struct {
	Case          CaseInfo         `json:"case"`
	Participation int64            `json:"participation"`
	Call          string           `json:"call"`
	Status        string           `json:"status"`
	PlanVersion   int              `json:"plan_version,omitempty"`
	PlanKind      string           `json:"plan_kind,omitempty"`
	PlanTotal     int64            `json:"plan_total"`
	ApprovedOn    string           `json:"approved_on,omitempty"`
	Money         Money            `json:"money"`
	Lines         []PlanLineState  `json:"plan_lines"`
	Tranches      []Tranche        `json:"tranches"`
	Payments      []TranchePayment `json:"payments"`
	Receipts      []Receipt        `json:"receipts"`
	Recoveries    []Recovery       `json:"recoveries"`
	// JustifyBy is the deadline of the latest payment's receipts; Overdue
	// says it passed with money paid and not justified.
	JustifyBy string `json:"justify_by,omitempty"`
	Overdue   bool   `json:"overdue"`
	// CanMove: the caller may order tranches, review receipts and recover.
	CanMove bool `json:"-"`
	// CanAdd: the caller may add receipts.
	CanAdd bool `json:"-"`
}

// Participant returns the money of case caseID to whoever may read the case
// (see caseScope); a case whose money is not on the ledger answers not
// found.
func (s *Store) Participant(ctx context.Context, caseID int64, today time.Time) (*ParticipantMoney, error) {
	p, c, err := s.caseScope(ctx, caseID, false)
	if err != nil {
		return nil, err
	}
	pt, err := scanParticipant(s.db.QueryRowContext(ctx, participantSelect+` WHERE case_id = ?`, caseID))
	if db.IsNoRows(err) {
		return nil, refuse(fosis.ENOTFOUND, "funds.err.no_participant", caseID)
	}
	if err != nil {
		return nil, err
	}
	if c.HouseholdID == "" {
		c.HouseholdID, c.Region, c.Commune, c.Line, c.Version, c.RUN = pt.HouseholdID, pt.Region, pt.Commune, pt.Line, pt.Version, pt.RUN
	}
	out := &ParticipantMoney{Case: c, Participation: pt.Participation, Call: pt.Call, Status: pt.Status, PlanVersion: pt.PlanVersion,
		PlanKind: pt.PlanKind, PlanTotal: pt.PlanTotal, ApprovedOn: pt.ApprovedOn,
		CanMove: p.Role == auth.RoleAdmin || p.Role == auth.RoleFinance, CanAdd: p.Writes() && pt.Status == PartCommitted}
	if out.Money, err = money(ctx, s.db, caseID); err != nil {
		return nil, err
	}
	out.Money.Amount = pt.Amount
	if out.Tranches, err = tranchesOf(ctx, s.db, pt, out.Money); err != nil {
		return nil, err
	}
	if out.Payments, err = db.Collect(ctx, s.db, scanTranchePaymentRows, paymentSelect+` WHERE y.participant_id = ? ORDER BY y.id`, pt.ID); err != nil {
		return nil, err
	}
	if out.Receipts, err = db.Collect(ctx, s.db, scanReceiptRows, receiptSelect+` WHERE participant_id = ? ORDER BY id`, pt.ID); err != nil {
		return nil, err
	}
	if out.Recoveries, err = db.Collect(ctx, s.db, scanRecovery, recoverySelect+` WHERE participant_id = ? ORDER BY id`, pt.ID); err != nil {
		return nil, err
	}
	out.Lines = []PlanLineState{}
	for i, l := range pt.PlanLines {
		st := PlanLineState{Line: i + 1, Item: l.Item, Amount: l.Amount}
		for _, r := range out.Receipts {
			if r.PlanLine != i+1 {
				continue
			}
			switch r.Status {
			case ReceiptAccepted:
				st.Justified += r.Amount
			case ReceiptHeld:
				st.Held += r.Amount
			}
		}
		out.Lines = append(out.Lines, st)
	}
	for _, y := range out.Payments {
		if y.Status == PayPaid && y.JustifyBy > out.JustifyBy {
			out.JustifyBy = y.JustifyBy
		}
	}
	out.Overdue = out.Money.Paid > 0 && out.JustifyBy != "" && out.JustifyBy < today.Format(time.DateOnly)
	return out, nil
}

// ParticipantRow is one participant in a listing.
type ParticipantRow struct {
	CaseID      int64  `json:"case_id"`
	Call        string `json:"call"`
	Line        string `json:"program"`
	Region      string `json:"region"`
	Commune     string `json:"commune"`
	HouseholdID string `json:"household_id"`
	Status      string `json:"status"`
	Amount      int64  `json:"amount"`
	PlanTotal   int64  `json:"plan_total"`
	Held        int    `json:"held_receipts"`
	Flagged     int    `json:"flagged"`
}

// ParticipantFilter selects participants: a region, or only those with
// something to do (receipts held for review or flags for recovery).
type ParticipantFilter struct {
	Region  string
	Pending bool
}

// Participants lists participants for finance officers and national staff
// (every region) and regional officers (their region), newest first, at
// most limit.
func (s *Store) Participants(ctx context.Context, f ParticipantFilter, limit int) ([]ParticipantRow, error) {
	if p := auth.FromContext(ctx); p != nil && p.Role == auth.RoleRegional {
		f.Region = p.RegionCode
	}
	if _, err := reader(ctx, f.Region); err != nil {
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return []ParticipantRow{}, nil
		}
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q := `SELECT p.case_id, p.call_code, p.line, p.region, p.commune, p.household_id, p.status, p.amount, p.plan_total,
		(SELECT COUNT(*) FROM funds_receipts r WHERE r.participant_id = p.id AND r.status = ?),
		(SELECT COUNT(*) FROM funds_recoveries v WHERE v.participant_id = p.id AND v.status = ?)
		FROM funds_participants p WHERE (? = '' OR p.region = ?)`
	if f.Pending {
		q += ` AND (EXISTS (SELECT 1 FROM funds_receipts r WHERE r.participant_id = p.id AND r.status = ?)
			OR EXISTS (SELECT 1 FROM funds_recoveries v WHERE v.participant_id = p.id AND v.status = ?))`
	} else {
		q += ` AND ? <> '' AND ? <> ''`
	}
	q += ` ORDER BY p.id DESC LIMIT ?`
	return db.Collect(ctx, s.db, func(r *sql.Rows) (ParticipantRow, error) {
		var x ParticipantRow
		err := r.Scan(&x.CaseID, &x.Call, &x.Line, &x.Region, &x.Commune, &x.HouseholdID, &x.Status, &x.Amount, &x.PlanTotal, &x.Held, &x.Flagged)
		return x, err
	}, q, ReceiptHeld, RecoveryFlagged, f.Region, f.Region, ReceiptHeld, RecoveryFlagged, limit)
}
