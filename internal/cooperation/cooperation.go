// Package cooperation is fosis's South-South and Triangular Cooperation
// slice: partner organisations and FOSIS professionals, the path of a
// project from a partner's request to systematization (enforced as a
// workflow with the seed's principles as rules), the shared-costs ledger and
// the modality it implies, and the IATI 2.03 and SEGIB exports.
//
// Every function takes the caller's principal from ctx and enforces its reach
// here, below any handler: cooperation officers and administrators see and
// change everything, auditors read everything, partner counterparts see only
// the projects their organisation takes part in, financers only the projects
// they fund (read-only). A project outside the caller's reach answers exactly
// like a missing one.
package cooperation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Store keeps the cooperation module's data.
type Store struct {
	db  *db.DB
	log *slog.Logger
	now func() time.Time
}

// NewStore returns a Store over d. now is the clock rules about the future
// ("no actual date or transaction in the future") read; nil means time.Now.
func NewStore(d *db.DB, log *slog.Logger, now func() time.Time) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, log: log, now: now}
}

// today is the store's current date (UTC midnight).
func (s *Store) today() time.Time {
	t := s.now().UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// reach is what a caller may see of the module.
type reach struct {
	p *auth.Principal
	// all is true for officers, administrators and auditors.
	all bool
	// org is the organisation a counterpart or financer speaks for.
	org int64
	// write is true for those who may change projects (officers, admins).
	write bool
}

// access returns the caller's reach: unauthorized without a principal (a
// forgotten principal fails closed), forbidden for roles with no business in
// cooperation, and for counterparts and financers without an organisation.
func (s *Store) access(ctx context.Context) (*reach, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, fosis.KeyedErrorf(fosis.EUNAUTHORIZED, "coop.err.sign_first", "sign in first")
	}
	switch p.Role {
	case auth.RoleAdmin, auth.RoleCooperation:
		return &reach{p: p, all: true, write: true}, nil
	case auth.RoleAuditor:
		return &reach{p: p, all: true}, nil
	case auth.RoleCounterpart, auth.RoleFinancer:
		var org int64
		err := s.db.QueryRowContext(ctx, `SELECT org_id FROM coop_members WHERE user_id = ?`, p.UserID).Scan(&org)
		if db.IsNoRows(err) {
			return nil, fosis.KeyedErrorf(fosis.EFORBIDDEN, "coop.err.your_account_linked", "your account is not linked to a partner organisation yet; ask a cooperation officer to link it")
		}
		if err != nil {
			return nil, err
		}
		return &reach{p: p, org: org}, nil
	}
	return nil, fosis.KeyedErrorf(fosis.EFORBIDDEN, "coop.err.your_role_does", "your role (%s) does not give access to international cooperation", p.Role)
}

// writer returns the caller's reach if it may change cooperation data.
func (s *Store) writer(ctx context.Context) (*reach, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.write {
		return nil, fosis.KeyedErrorf(fosis.EFORBIDDEN, "coop.err.your_role_may", "your role (%s) may read cooperation projects but not change them", r.p.Role)
	}
	return r, nil
}

// scopeSQL returns a condition on coop_projects aliased p that keeps the
// projects r may see, and its arguments. Counterparts see the projects their
// organisation takes part in; financers those their organisation puts money
// or in-kind resources into (a ledger line) or funds as IATI role 1.
func (r *reach) scopeSQL() (string, []any) {
	switch {
	case r.all:
		return "1 = 1", nil
	case r.p.Role == auth.RoleCounterpart:
		return "(p.requesting_org = ? OR EXISTS (SELECT 1 FROM coop_parties x WHERE x.project_id = p.id AND x.org_id = ?))", []any{r.org, r.org}
	default:
		return "(EXISTS (SELECT 1 FROM coop_contributions x WHERE x.project_id = p.id AND x.org_id = ?) OR EXISTS (SELECT 1 FROM coop_parties x WHERE x.project_id = p.id AND x.org_id = ? AND x.iati_role = 1))", []any{r.org, r.org}
	}
}

// notFound is the one answer for a missing project and a project outside the
// caller's reach.
func notFound(code string) error {
	return fosis.KeyedErrorf(fosis.ENOTFOUND, "coop.err.no_cooperation_project", "no cooperation project %q", code)
}

// auditWrite appends an audit entry for a change made by r inside tx.
func auditWrite(ctx context.Context, tx *db.Tx, r *reach, action, entity, id string, before, after any) error {
	_, err := audit.Append(ctx, tx, audit.Entry{Actor: r.p.Username, ActorRole: string(r.p.Role),
		Action: action, Entity: entity, EntityID: id, Before: before, After: after})
	return err
}

// invalid returns an EINVALID error naming the field that is wrong, keyed
// (key, with its English format) so that the pages say it in the reader's
// language.
func invalid(field, key, format string, args ...any) error {
	fe := fosis.KeyedField(field, key, format, args...)
	return &fosis.Error{Code: fosis.EINVALID, Message: field + ": " + fe.Message, Fields: []fosis.FieldError{fe}, Key: key, Args: args}
}

// RefusedPrefix starts the key of every refusal by a rule of the seed:
// coop.refused.<rule>.<name>. RuleOf reads the rule back from the key.
const RefusedPrefix = "coop.refused."

// blocked returns the error of a refused transition: which rule blocks it
// (named in its key, coop.refused.<rule>.<name>) and why. The English
// message starts with `refused by rule "<rule>": `; the key says the reason
// alone, and the pages show the rule's name next to it.
func blocked(key, format string, args ...any) error {
	e := fosis.KeyedErrorf(fosis.ECONFLICT, key, format, args...)
	e.Message = fmt.Sprintf("refused by rule %q: %s", RuleOf(key), e.Message)
	return e
}

// RuleOf returns the rule a refusal's key names ("" for a key that is not
// a refusal by a rule).
func RuleOf(key string) string {
	rest, ok := strings.CutPrefix(key, RefusedPrefix)
	if !ok {
		return ""
	}
	rule, _, _ := strings.Cut(rest, ".")
	return rule
}

// phraseOf returns err's message as a phrase, so that a refusal that quotes
// another (an unknown organisation, a bad date) says both in the reader's
// language.
func phraseOf(err error) fosis.Phrase {
	var e *fosis.Error
	if errors.As(err, &e) {
		return e.Phrase()
	}
	return fosis.Phrase{Text: fosis.ErrorMessage(err)}
}

// clean trims s and collapses inner runs of white space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }
