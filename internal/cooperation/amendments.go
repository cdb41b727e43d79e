package cooperation

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// AmendParty is an organisation an amendment adds to the agreement, with
// what it commits to and its IATI role in the project (1 funding, the
// default; 2 accountable; 3 extending; 4 implementing).
type AmendParty struct {
	Org        string `json:"org"`
	Commitment string `json:"commitment"`
	IATIRole   int    `json:"iati_role,omitempty"`
}

// Amendment changes a signed agreement: it adds parties (a financer joining
// makes a bilateral project triangular) or changes the agreement's kind.
// The seed has the modality follow from who finances, and the agreement is
// where the parties commit, so the modality changes only here: never by a
// ledger line. Every party of the agreement as amended signs it; it takes
// effect with the last signature.
type Amendment struct {
	// Kind is the agreement's kind as amended; empty keeps it.
	Kind   string       `json:"kind,omitempty"`
	On     Date         `json:"on"`
	Reason string       `json:"reason"`
	Add    []AmendParty `json:"add,omitempty"`
}

// AmendmentView is an amendment with its state and each party's signature.
type AmendmentView struct {
	Number     int                  `json:"number"`
	Kind       string               `json:"kind"`
	ProposedOn Date                 `json:"proposed_on"`
	Reason     string               `json:"reason"`
	Status     string               `json:"status"` // pending, in_effect, withdrawn
	InEffectOn Date                 `json:"in_effect_on"`
	Signatures []AmendmentSignature `json:"signatures"`
}

// AmendmentSignature is one party's signature of an amendment (SignedOn zero:
// not yet); Added marks a party the amendment brings in.
type AmendmentSignature struct {
	Org        string `json:"org"`
	Added      bool   `json:"added"`
	Commitment string `json:"commitment,omitempty"`
	SignedOn   Date   `json:"signed_on"`
	SignedBy   string `json:"signed_by,omitempty"`
	Place      string `json:"place,omitempty"`
}

// amendable are the steps in which a signed (or being signed) agreement may
// be amended.
var amendable = []Step{StepAgreed, StepExecuting, StepSystematizing}

// minReason is the least an amendment's reason says, in characters.
const minReason = 20

// ProposeAmendment records an amendment of the project's agreement and
// returns its number. One amendment is pending at a time; it must change
// something; the agreement as amended must fit the parties (a project with
// a third party is not bilateral; a trilateral agreement has three parties).
func (s *Store) ProposeAmendment(ctx context.Context, code string, a Amendment) (int, error) {
	if _, err := s.writer(ctx); err != nil {
		return 0, err
	}
	a.Reason = clean(a.Reason)
	if len([]rune(a.Reason)) < minReason {
		return 0, invalid("reason", "coop.err.amend.reason", "say why the agreement is amended (at least %d characters)", minReason)
	}
	if a.Kind != "" && a.Kind != "bilateral" && a.Kind != "trilateral" && a.Kind != "two_bilaterals" {
		return 0, invalid("kind", "coop.err.kind.bilateral_trilateral", "%q is not bilateral, trilateral or two_bilaterals", a.Kind)
	}
	var number int
	err := s.step(ctx, code, pathStep{action: "an amendment", from: amendable, field: "on", on: a.On},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			// The compare-and-set on the project's step locks its row, so
			// that two proposals (or a proposal and a signature) follow
			// one another.
			if err := move(ctx, tx, p, p.Step, ""); err != nil {
				return stepDone{}, err
			}
			var kind string
			err := tx.QueryRowContext(ctx, `SELECT kind FROM coop_agreements WHERE project_id = ?`, p.ID).Scan(&kind)
			if db.IsNoRows(err) {
				return stepDone{}, blocked("coop.refused.agreement.none_to_amend", "project %s has no agreement to amend", p.Code)
			} else if err != nil {
				return stepDone{}, err
			}
			var pending int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM coop_amendments WHERE project_id = ? AND status = 'pending'`, p.ID).Scan(&pending); err != nil {
				return stepDone{}, err
			}
			if pending > 0 {
				return stepDone{}, blocked("coop.refused.agreement.amendment_pending", "project %s already has an amendment waiting for signatures; sign or withdraw it first", p.Code)
			}
			type member struct {
				id       int64
				added    bool
				commit   string
				role     int
				thirdish bool
			}
			var members []member
			seen := map[int64]bool{}
			current, err := db.Collect(ctx, tx, func(sc *sql.Rows) (member, error) {
				var m member
				var country string
				err := sc.Scan(&m.id, &country)
				m.thirdish = (&Org{Country: country}).SideIn(p.PartnerCountry) == SideThird
				return m, err
			},
				`SELECT o.id, o.country FROM coop_signatories s JOIN coop_orgs o ON o.id = s.org_id WHERE s.project_id = ? ORDER BY o.id`, p.ID)
			if err != nil {
				return stepDone{}, err
			}
			for _, m := range current {
				seen[m.id] = true
				members = append(members, m)
			}
			for i, ap := range a.Add {
				field := fmt.Sprintf("add[%d]", i+1)
				o, err := orgByName(ctx, tx, ap.Org)
				if err != nil {
					return stepDone{}, invalid(field, "coop.err.quoted", "%s", phraseOf(err))
				}
				if seen[o.ID] {
					return stepDone{}, invalid(field, "coop.err.amend.already_party", "%s is already a party of the agreement", o.Name)
				}
				if strings.TrimSpace(ap.Commitment) == "" {
					return stepDone{}, invalid(field, "coop.err.item.state_what", "%s: state what it commits to", o.Name)
				}
				if ap.IATIRole == 0 {
					ap.IATIRole = 1
				}
				if ap.IATIRole < 1 || ap.IATIRole > 4 {
					return stepDone{}, invalid(field, "coop.err.amend.iati_role", "%d is not an IATI organisation role (1 to 4)", ap.IATIRole)
				}
				seen[o.ID] = true
				members = append(members, member{id: o.ID, added: true, commit: clean(ap.Commitment), role: ap.IATIRole,
					thirdish: o.SideIn(p.PartnerCountry) == SideThird})
			}
			newKind := a.Kind
			if newKind == "" {
				newKind = kind
			}
			if len(a.Add) == 0 && newKind == kind {
				return stepDone{}, invalid("add", "coop.err.amend.nothing", "an amendment adds a party or changes the agreement's kind; this one changes nothing")
			}
			triangular := false
			for _, m := range members {
				triangular = triangular || m.thirdish
			}
			if triangular && newKind == "bilateral" {
				return stepDone{}, invalid("kind", "coop.err.kind.bilateral_triangular", "project %s is triangular (a third party finances it): its agreement is trilateral or two bilaterals, not bilateral", p.Code)
			}
			if newKind == "trilateral" && len(members) < 3 {
				return stepDone{}, invalid("kind", "coop.err.kind.trilateral_agreement", "a trilateral agreement has at least three parties; this one has %d", len(members))
			}
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM coop_amendments WHERE project_id = ?`, p.ID).Scan(&number); err != nil {
				return stepDone{}, err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_amendments (project_id, number, kind, proposed_on, reason, parties, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				p.ID, number, newKind, tx.DB().Date(a.On.Time), a.Reason, len(members), r.p.Username, tx.DB().Time(tx.Now)); err != nil {
				return stepDone{}, err
			}
			for _, m := range members {
				if _, err := tx.ExecContext(ctx, `INSERT INTO coop_amendment_parties (project_id, number, org_id, added, commitment, iati_role) VALUES (?, ?, ?, ?, ?, ?)`,
					p.ID, number, m.id, db.Bool(m.added), m.commit, max(m.role, 1)); err != nil {
					return stepDone{}, err
				}
			}
			return stepDone{log: p.Step, note: fmt.Sprintf("amendment %d proposed (%s): %s", number, newKind, a.Reason), audit: "coop.amendment",
				after: map[string]any{"number": number, "kind": newKind, "on": a.On, "reason": a.Reason, "add": a.Add}}, nil
		})
	return number, err
}

// SignAmendment records org's signature of amendment number, on or after
// the project's last step. A partner counterpart signs only for its own
// organisation. With the last signature the amendment takes effect: the
// agreement takes its kind, and the added parties become parties of the
// agreement (signed) and of the project, so that their ledger lines are
// accepted from then on.
func (s *Store) SignAmendment(ctx context.Context, code string, number int, org, by string, on Date, place string) error {
	if _, err := s.access(ctx); err != nil {
		return err
	}
	by = clean(by)
	if by == "" {
		return invalid("by", "coop.err.by.name_person", "name the person who signed")
	}
	var o *Org
	forWhom := func(tx *db.Tx, r *reach, p *Project) error {
		var err error
		if o, err = orgByName(ctx, tx, org); err != nil {
			return err
		}
		if !r.write && (r.p.Role != "counterpart" || o.ID != r.org) {
			return fosis.KeyedErrorf(fosis.EFORBIDDEN, "coop.err.you_may_sign", "you may sign only for your own organisation")
		}
		return nil
	}
	return s.step(ctx, code, pathStep{action: "a signature", from: amendable, field: "on", on: on, anyone: true, check: forWhom},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			// Lock the project's row: the last two signatures must not
			// both miss each other.
			if err := move(ctx, tx, p, p.Step, ""); err != nil {
				return stepDone{}, err
			}
			var status, kind string
			var parties int
			err := tx.QueryRowContext(ctx, `SELECT status, kind, parties FROM coop_amendments WHERE project_id = ? AND number = ?`, p.ID, number).Scan(&status, &kind, &parties)
			if db.IsNoRows(err) || err == nil && status != "pending" {
				return stepDone{}, blocked("coop.refused.agreement.no_pending_amendment", "project %s has no amendment %d waiting for signatures", p.Code, number)
			} else if err != nil {
				return stepDone{}, err
			}
			res, err := tx.ExecContext(ctx, `UPDATE coop_amendment_parties SET signed_on = ?, signed_by = ?, place = ? WHERE project_id = ? AND number = ? AND org_id = ? AND signed_on IS NULL`,
				tx.DB().Date(on.Time), by, clean(place), p.ID, number, o.ID)
			if err != nil {
				return stepDone{}, err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return stepDone{}, blocked("coop.refused.agreement.party_amendment", "%s is not a party to amendment %d of %s, or has already signed it", o.Name, number, p.Code)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE coop_amendments SET signed = signed + 1 WHERE project_id = ? AND number = ? AND status = 'pending'`, p.ID, number); err != nil {
				return stepDone{}, err
			}
			var signed int
			if err := tx.QueryRowContext(ctx, `SELECT signed FROM coop_amendments WHERE project_id = ? AND number = ?`, p.ID, number).Scan(&signed); err != nil {
				return stepDone{}, err
			}
			note := fmt.Sprintf("amendment %d signed by %s (%s)", number, o.Name, by)
			if signed == parties {
				if err := s.applyAmendment(ctx, tx, p, number, kind, on); err != nil {
					return stepDone{}, err
				}
				note += fmt.Sprintf("; amendment %d in effect", number)
			}
			return stepDone{log: p.Step, note: note, audit: "coop.amendment.sign",
				after: map[string]any{"number": number, "org": o.Name, "by": by, "on": on, "in_effect": signed == parties}}, nil
		})
}

// applyAmendment puts a fully signed amendment in effect.
func (s *Store) applyAmendment(ctx context.Context, tx *db.Tx, p *Project, number int, kind string, on Date) error {
	res, err := tx.ExecContext(ctx, `UPDATE coop_amendments SET status = 'in_effect', in_effect_on = ? WHERE project_id = ? AND number = ? AND status = 'pending'`,
		tx.DB().Date(on.Time), p.ID, number)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fosis.KeyedErrorf(fosis.ECONFLICT, "coop.err.project_changed_meanwhile", "project %s changed meanwhile; reload it and try again", p.Code)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE coop_agreements SET kind = ? WHERE project_id = ?`, kind, p.ID); err != nil {
		return err
	}
	type added struct {
		org        int64
		role       int
		commit, by string
		place      string
		signed     db.Day
	}
	rows, err := db.Collect(ctx, tx, func(sc *sql.Rows) (added, error) {
		var a added
		err := sc.Scan(&a.org, &a.role, &a.commit, &a.by, &a.place, &a.signed)
		return a, err
	},
		`SELECT org_id, iati_role, commitment, signed_by, place, signed_on FROM coop_amendment_parties WHERE project_id = ? AND number = ? AND added = 1`, p.ID, number)
	if err != nil {
		return err
	}
	for _, a := range rows {
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_signatories (project_id, org_id, commitment, required, signed_on, signed_by, place) VALUES (?, ?, ?, 1, ?, ?, ?)`,
			p.ID, a.org, a.commit, tx.DB().Date(a.signed.Time), a.by, a.place); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_parties (project_id, org_id, iati_role) VALUES (?, ?, ?) ON CONFLICT (project_id, org_id) DO UPDATE SET iati_role = excluded.iati_role`,
			p.ID, a.org, a.role); err != nil {
			return err
		}
	}
	return nil
}

// WithdrawAmendment withdraws a pending amendment (nothing of it took
// effect), so that another may be proposed.
func (s *Store) WithdrawAmendment(ctx context.Context, code string, number int, on Date, reason string) error {
	if _, err := s.writer(ctx); err != nil {
		return err
	}
	reason = clean(reason)
	if reason == "" {
		return invalid("reason", "coop.err.amend.withdraw_reason", "say why the amendment is withdrawn")
	}
	return s.step(ctx, code, pathStep{action: "an amendment", from: amendable, field: "on", on: on},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			res, err := tx.ExecContext(ctx, `UPDATE coop_amendments SET status = 'withdrawn' WHERE project_id = ? AND number = ? AND status = 'pending'`, p.ID, number)
			if err != nil {
				return stepDone{}, err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return stepDone{}, blocked("coop.refused.agreement.no_pending_amendment", "project %s has no amendment %d waiting for signatures", p.Code, number)
			}
			return stepDone{log: p.Step, note: fmt.Sprintf("amendment %d withdrawn: %s", number, reason), audit: "coop.amendment.withdraw",
				after: map[string]any{"number": number, "on": on, "reason": reason}}, nil
		})
}

// amendments reads a project's amendments with their signatures, oldest
// first.
func (s *Store) amendments(ctx context.Context, projectID int64) ([]AmendmentView, error) {
	out, err := db.Collect(ctx, s.db, func(sc *sql.Rows) (AmendmentView, error) {
		var a AmendmentView
		var proposed, eff db.Day
		err := sc.Scan(&a.Number, &a.Kind, &proposed, &a.Reason, &a.Status, &eff)
		a.ProposedOn, a.InEffectOn = Date{proposed.Time}, Date{eff.Time}
		return a, err
	},
		`SELECT number, kind, proposed_on, reason, status, in_effect_on FROM coop_amendments WHERE project_id = ? ORDER BY number`, projectID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Signatures, err = db.Collect(ctx, s.db, func(sc *sql.Rows) (AmendmentSignature, error) {
			var sg AmendmentSignature
			var on db.Day
			var added int
			err := sc.Scan(&sg.Org, &added, &sg.Commitment, &on, &sg.SignedBy, &sg.Place)
			sg.Added, sg.SignedOn = added == 1, Date{on.Time}
			return sg, err
		},
			`SELECT o.name, x.added, x.commitment, x.signed_on, x.signed_by, x.place FROM coop_amendment_parties x JOIN coop_orgs o ON o.id = x.org_id WHERE x.project_id = ? AND x.number = ? ORDER BY o.name`, projectID, out[i].Number)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
