// Package programs turns a scoring run into help for the right families:
// the catalogue of programme lines (versioned), executing agencies and their
// contracts, calls for applications with CEL eligibility rules, quotas,
// reserved shares and a budget envelope, applications, a deterministic
// selection frozen as a record, waiting lists with automatic promotion, and
// enrolment into participations that never overdraws the envelope.
//
// docs/eligibility.md describes the rule language, docs/selection.md the
// selection rules, tie-breaks and the flow-over policy.
package programs

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// Store is the programmes slice's access to the database. The registry and
// the scoring runs are read through their own stores, never their tables.
type Store struct {
	db   *db.DB
	reg  *registry.Store
	tgt  *targeting.Store
	terr *geo.Territory
	log  *slog.Logger

	onEnrol EnrolHook // set by OnEnrol (enrolment.go)
}

// NewStore returns a Store over d.
func NewStore(d *db.DB, reg *registry.Store, tgt *targeting.Store, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: d, reg: reg, tgt: tgt, terr: reg.Territory(), log: log}
}

// regionOf returns the region code of a commune code.
func (s *Store) regionOf(commune string) (string, bool) {
	ci, ok := s.terr.CommuneIndex(commune)
	if !ok {
		return "", false
	}
	return s.terr.Communes[ci].RegionCode, true
}

// viewer is what the caller may see and do in this slice.
type viewer struct {
	p *auth.Principal
	// national: admin, analyst, auditor (all calls and applications).
	national bool
	// region: a regional officer's region.
	region string
	// agency: the agency of an agency user, and its contracted communes per
	// programme line id.
	agency   int64
	contract map[int64]map[string]bool
}

// who returns the caller's reach, failing closed without a principal and
// forbidding roles that have nothing to do with programmes.
func (s *Store) who(ctx context.Context) (*viewer, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, refuse(fosis.EUNAUTHORIZED, "programs.err.sign_in")
	}
	v := &viewer{p: p}
	switch {
	case p.SeesAllRegions():
		v.national = true
	case p.Role == auth.RoleRegional && p.RegionCode != "":
		v.region = p.RegionCode
	case p.Role == auth.RoleAgency:
		v.contract = map[int64]map[string]bool{}
		err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
			var line int64
			var commune string
			if err := rows.Scan(&v.agency, &line, &commune); err != nil {
				return err
			}
			if v.contract[line] == nil {
				v.contract[line] = map[string]bool{}
			}
			v.contract[line][commune] = true
			return nil
		}, `SELECT st.agency, c.line, cc.commune_code FROM agency_staff st
			JOIN agency_contracts c ON c.agency = st.agency
			JOIN agency_contract_communes cc ON cc.contract = c.id WHERE st.user_id = ?`, p.UserID)
		if err != nil {
			return nil, err
		}
		if v.agency == 0 {
			return nil, refuse(fosis.EFORBIDDEN, "programs.err.no_agency")
		}
	default:
		return nil, refuse(fosis.EFORBIDDEN, "programs.err.role_no_access", roleTerm(p.Role))
	}
	return v, nil
}

// manager returns the caller if it may change the catalogue and calls
// (administrators and national analysts).
func (s *Store) manager(ctx context.Context) (*viewer, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	if !v.national || !v.p.Writes() {
		return nil, refuse(fosis.EFORBIDDEN, "programs.err.managers_only", roleTerm(v.p.Role))
	}
	return v, nil
}

// seesApplicant reports whether v may see an application of a call of line
// in commune (in its region, or in its contracts' communes of that line).
func (v *viewer) seesApplicant(line int64, commune, region string) bool {
	switch {
	case v.national:
		return true
	case v.region != "":
		return v.region == region
	default:
		return v.contract[line][commune]
	}
}

// registryCtx is the context the slice reads the registry with on v's
// behalf. Agency staff have no registry access of their own; the slice reads
// the one applicant they name as an analyst would, and answers only after
// checking that the household lives in one of the agency's contracted
// communes (otherwise it answers "not in the registry").
func (v *viewer) registryCtx(ctx context.Context) context.Context {
	if v.p.SeesRegistry() {
		return ctx
	}
	return auth.WithPrincipal(ctx, &auth.Principal{UserID: v.p.UserID, Username: v.p.Username + " (agency, via programmes)", Role: auth.RoleAnalyst})
}

// record writes an audit entry in tx.
func record(ctx context.Context, tx *db.Tx, action, entity, id string, before, after any) error {
	p := auth.FromContext(ctx)
	_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: action,
		Entity: entity, EntityID: id, Before: before, After: after})
	return err
}

// principalName returns the caller's username ("" without one).
func principalName(ctx context.Context) string {
	if p := auth.FromContext(ctx); p != nil {
		return p.Username
	}
	return ""
}

// principalFrom returns the caller's principal (nil without one).
func principalFrom(ctx context.Context) *auth.Principal { return auth.FromContext(ctx) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// nullDay scans a nullable date.
type nullDay = sql.Null[db.Day]

// DB returns the database the store works on.
func (s *Store) DB() *db.DB { return s.db }
