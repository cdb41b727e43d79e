package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// maxCorrection is the longest a person's description of what is wrong
// may be, in characters.
const maxCorrection = 2000

// ownKey returns the citizen caller and the key of their own household.
func (s *Store) ownKey(ctx context.Context, q db.Querier) (*auth.Principal, int64, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, 0, fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	}
	if p.Role != auth.RoleCitizen || p.PersonKey <= 0 {
		return nil, 0, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.citizens_only", "the portal is for people signed in with their own identity")
	}
	var key int64
	err := q.QueryRowContext(ctx, `SELECT household FROM persons WHERE run = ?`, p.PersonKey).Scan(&key)
	if err == sql.ErrNoRows {
		return nil, 0, fosis.KeyedErrorf(fosis.ENOTFOUND, "portal.err.not_registered", "you are not in the social registry yet")
	}
	return p, key, err
}

// RequestOwnCorrection records a rectification request by a person signed
// in to the portal (auth.RoleCitizen) on their own household, and on no
// other: what is wrong in their words and a note of the evidence they gave
// (the portal's reference to an uploaded file, or ""). It enters the staff's
// change-request queue as a submitted "rectify" request without changes:
// staff check it against the evidence and record the correction (a request
// of their own) or reject it saying why. The person is its maker. Audited.
func (s *Store) RequestOwnCorrection(ctx context.Context, what, evidence, ip string) (*ChangeRequest, error) {
	what, evidence = strings.TrimSpace(what), strings.TrimSpace(evidence)
	var fields []fosis.FieldError
	switch {
	case what == "":
		fields = append(fields, fosis.KeyedField("what", "portal2.err.what_required", "say what is wrong in your household's data"))
	case utf8.RuneCountInString(what) > maxCorrection:
		fields = append(fields, fosis.KeyedField("what", "portal2.err.what_too_long", "say what is wrong in at most %d characters", maxCorrection))
	}
	if len(evidence) > maxReason {
		fields = append(fields, fosis.KeyedField("evidence", "portal2.err.evidence_too_long", "the evidence note is longer than %d characters", maxReason))
	}
	if len(fields) > 0 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: fields[0].Field + ": " + fields[0].Message, Fields: fields, Key: fields[0].Key, Args: fields[0].Args}
	}
	var out *ChangeRequest
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		p, key, err := s.ownKey(ctx, tx)
		if err != nil {
			return err
		}
		var householdID string
		if err := tx.QueryRowContext(ctx, `SELECT household_id FROM households WHERE id = ?`, key).Scan(&householdID); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM change_requests WHERE household = ? AND maker = ? AND state = ?`,
			key, p.Username, StateSubmitted).Scan(&open); err != nil {
			return err
		}
		if open >= maxOpenCorrections {
			return fosis.KeyedErrorf(fosis.ECONFLICT, "portal2.err.too_many_open", "you already have %d corrections waiting; wait for an answer before asking again", maxOpenCorrections)
		}
		cs := ChangeSet{}
		cs.normalise()
		b, _ := json.Marshal(cs)
		id, err := tx.InsertID(ctx, `INSERT INTO change_requests (household, household_id, kind, state, changes, reason, evidence,
			maker, maker_role, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			key, householdID, KindRectify, StateSubmitted, string(b), what, evidence, p.Username, string(p.Role), tx.DB().Time(tx.Now))
		if err != nil {
			return err
		}
		out = &ChangeRequest{ID: id, HouseholdID: householdID, Kind: KindRectify, State: StateSubmitted, Changes: cs,
			Reason: what, Evidence: evidence, Maker: p.Username, MakerRole: string(p.Role), SubmittedAt: tx.Now, key: key}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "change_request.submit",
			Entity: "change_request", EntityID: strconv.FormatInt(id, 10), IP: ip,
			After: map[string]any{"household_id": householdID, "kind": KindRectify, "state": StateSubmitted, "reason": what,
				"evidence": evidence, "channel": "portal"}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// maxOpenCorrections is how many of a person's corrections may wait for an
// answer at once.
const maxOpenCorrections = 5

// OwnCorrections lists the change requests a citizen made on their own
// household, newest first, with their state and the staff's comment.
func (s *Store) OwnCorrections(ctx context.Context) ([]ChangeRequest, error) {
	p, key, err := s.ownKey(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := []ChangeRequest{}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var region string
		r, err := scanChange(rows, &region)
		if err != nil {
			return err
		}
		out = append(out, *r)
		return nil
	}, changeSelect+` WHERE r.household = ? AND r.maker = ? ORDER BY r.id DESC`, key, p.Username)
	return out, err
}
