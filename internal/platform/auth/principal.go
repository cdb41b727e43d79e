// Package auth knows who is asking: users and their roles and territorial
// scopes, passwords, API tokens, sessions and login throttling. Slices take a
// Principal and enforce its scope in their own queries, so that no page,
// count, export or API response leaks outside it.
package auth

import (
	"context"

	"github.com/fosis/fosis"
)

// Role is what a user does in the fund.
type Role string

// The roles. Each one's reach is decided by the methods of Principal.
const (
	RoleAdmin       Role = "admin"       // administrator: everything, including users
	RoleAnalyst     Role = "analyst"     // national analyst: the whole registry, scoring
	RoleRegional    Role = "regional"    // regional officer: one region's households only
	RoleAgency      Role = "agency"      // executing-agency staff: its contracts' people
	RoleCounsellor  Role = "counsellor"  // counsellor: own caseload
	RoleCooperation Role = "cooperation" // cooperation officer: international projects
	RoleCounterpart Role = "counterpart" // partner counterpart: own projects only
	RoleFinancer    Role = "financer"    // financer: read-only on funded projects
	RoleAuditor     Role = "auditor"     // auditor: read-only, sees the audit trail
	RoleFinance     Role = "finance"     // finance officer: budgets, envelopes and payments (internal/funds)
	RoleInstitution Role = "institution" // microcredit institution staff: its own loans and settlements (internal/funds)
)

// RoleCitizen is a person signed in to the citizen portal through an OpenID
// Connect provider (internal/portal): never an account of the users table,
// it reaches only the person's own household, through the slices that
// know it (registry.Store.OwnHouseholdFile); every other slice refuses it.
const RoleCitizen Role = "citizen"

// Roles lists every role, in the order forms show them.
var Roles = []Role{RoleAdmin, RoleAnalyst, RoleRegional, RoleAgency, RoleCounsellor,
	RoleCooperation, RoleCounterpart, RoleFinancer, RoleAuditor, RoleFinance, RoleInstitution}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if k == r {
			return true
		}
	}
	return false
}

// Principal is the authenticated caller of a request or command.
type Principal struct {
	UserID   int64
	Username string
	Role     Role
	// RegionCode is the one region a regional officer may see ("" otherwise).
	RegionCode string
	// System marks the command line run by an operator on the server itself,
	// which acts with administrator reach.
	System bool
	// PersonKey is a citizen's national ID as the registry keys it (the
	// RUN's body in Chile); 0 for staff.
	PersonKey int64
}

// System returns the principal of command-line jobs run on the server.
func System() *Principal {
	return &Principal{Username: "system", Role: RoleAdmin, System: true}
}

// SeesAllRegions reports whether p may see households of every region.
func (p *Principal) SeesAllRegions() bool {
	switch p.Role {
	case RoleAdmin, RoleAnalyst, RoleAuditor:
		return true
	}
	return false
}

// SeesRegion reports whether p may see households of region code.
func (p *Principal) SeesRegion(code string) bool {
	return p.SeesAllRegions() || (p.Role == RoleRegional && p.RegionCode != "" && p.RegionCode == code)
}

// SeesRegistry reports whether p may read the social registry at all.
func (p *Principal) SeesRegistry() bool {
	return p.SeesAllRegions() || p.Role == RoleRegional
}

// SeesSensitive reports whether p may read sensitive personal data (health,
// disability, dependency, indigenous identity, pregnancy). Each such read is
// written to the audit trail by the slice that serves it.
func (p *Principal) SeesSensitive() bool {
	switch p.Role {
	case RoleAdmin, RoleAnalyst, RoleRegional:
		return true
	}
	return false
}

// SeesAudit reports whether p may browse the audit trail.
func (p *Principal) SeesAudit() bool {
	return p.Role == RoleAdmin || p.Role == RoleAuditor
}

// Writes reports whether p may change data at all (auditors and financers
// only read).
func (p *Principal) Writes() bool {
	return p.Role != RoleAuditor && p.Role != RoleFinancer
}

type ctxKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal in ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// Caller returns the principal of ctx if it may read the social registry:
// an unauthorized error without one (so a forgotten principal fails closed),
// a forbidden one for a role without access.
func Caller(ctx context.Context) (*Principal, error) {
	p := FromContext(ctx)
	if p == nil {
		return nil, fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	}
	if !p.SeesRegistry() {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "your role (%s) does not give access to the social registry", p.Role)
	}
	return p, nil
}

// National returns the principal of ctx if it may work on the whole national
// registry (import, export, scoring runs); with write, also change it.
func National(ctx context.Context, write bool) (*Principal, error) {
	p, err := Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.SeesAllRegions() || (write && !p.Writes()) {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "this works on the whole national registry; your role (%s) does not allow it", p.Role)
	}
	return p, nil
}
