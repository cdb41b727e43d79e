package web

import (
	"context"
	"slices"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/targeting"
)

// dashboardAudit is how many audit entries the dashboard lists.
const dashboardAudit = 5

// dashboard is the signed-in home page's summary for the user's role. Roles
// that see the registry get their territory's numbers and the latest run;
// administrators and auditors the newest audit entries; the other roles a
// card saying which modules will serve them.
type dashboard struct {
	// Registry: the user sees the social registry (and so the search box,
	// the commune picker and the numbers below).
	Registry bool
	// RegionName names a regional officer's region ("" for the whole country).
	RegionName          string
	Households, Persons int64
	// Run is the latest scoring run, nil when there is none yet.
	Run *targeting.Run
	// RunHouseholds, Bracket40 and Share40 are the run's households in the
	// user's territory and those of them in the 40 % bracket.
	RunHouseholds, Bracket40 int64
	Share40                  float64
	// Module is the catalog key of the card telling a role without registry
	// access which modules will serve it ("" for the roles that see it).
	Module string
	// ModuleLink is where the role's module lives, once it exists ("" while
	// it is still to come).
	ModuleLink string
	// Work is a counsellor's or an agency's work on cases (home_work.go;
	// nil for the other roles).
	Work *homeWork
	// Audit: the user sees the audit trail; AuditEntries are its newest.
	Audit        bool
	AuditEntries []audit.Record
}

// newDashboard reads the dashboard of p through the slices, which enforce
// p's scope (ctx carries p).
func (s *Server) newDashboard(ctx context.Context, p *auth.Principal) (dashboard, error) {
	var d dashboard
	if p == nil {
		return d, nil
	}
	if !p.SeesRegistry() {
		d.Module = moduleKey(p.Role)
		d.ModuleLink = s.moduleLinks()[p.Role]
	}
	var err error
	if d.Work, err = s.newHomeWork(ctx, p); err != nil {
		return d, err
	}
	if d.Work != nil {
		d.Module = "" // the work itself replaces the card that points to it
	}
	if p.SeesRegistry() && s.cfg.Registry != nil {
		d.Registry = true
		if d.Households, d.Persons, err = s.cfg.Registry.Count(ctx); err != nil {
			return d, err
		}
		if !p.SeesAllRegions() {
			d.RegionName = p.RegionCode
			for _, r := range s.cfg.Registry.Territory().Regions {
				if r.Code == p.RegionCode {
					d.RegionName = r.Name
				}
			}
		}
		if s.cfg.Targeting != nil {
			run, err := s.cfg.Targeting.Run(ctx, "latest")
			switch {
			case fosis.ErrorCode(err) == fosis.ENOTFOUND:
			case err != nil:
				return d, err
			default:
				d.Run = run
				dist, err := s.cfg.Targeting.Distribution(ctx, run.ID)
				if err != nil {
					return d, err
				}
				d.setShares(dist)
			}
		}
	}
	if p.SeesAudit() && s.cfg.DB != nil {
		d.Audit = true
		recs, err := audit.List(ctx, s.cfg.DB, audit.Filter{Limit: dashboardAudit})
		if err != nil {
			return d, err
		}
		d.AuditEntries = recs
	}
	return d, nil
}

// setShares sums the run's distribution over the regions the user sees
// (Distribution returns only those).
func (d *dashboard) setShares(dist []targeting.RegionBrackets) {
	d.RunHouseholds, d.Bracket40, d.Share40 = 0, 0, 0
	b40 := slices.Index(targeting.Brackets(), 40)
	for _, rb := range dist {
		d.RunHouseholds += rb.Households
		if b40 >= 0 && b40 < len(rb.Counts) {
			d.Bracket40 += rb.Counts[b40]
		}
	}
	if d.RunHouseholds > 0 {
		d.Share40 = 100 * float64(d.Bracket40) / float64(d.RunHouseholds)
	}
}

// moduleKey is the catalog key of the card for role, which does not see the
// registry.
func moduleKey(role auth.Role) string { return "home.module." + string(role) }

// moduleLinks are the pages where the roles without registry access work,
// for the modules this server runs.
func (s *Server) moduleLinks() map[auth.Role]string {
	links := map[auth.Role]string{}
	if s.cfg.Programs != nil {
		links[auth.RoleAgency] = "/calls"
	}
	if s.cfg.Delivery != nil {
		links[auth.RoleCounsellor] = "/cases/work"
	}
	if s.cfg.Funds != nil {
		links[auth.RoleFinance] = "/funds"
	}
	if s.cfg.Cooperation != nil {
		links[auth.RoleCooperation] = "/cooperation"
		links[auth.RoleCounterpart] = "/cooperation"
		links[auth.RoleFinancer] = "/cooperation"
	}
	if s.cfg.Funds != nil {
		links[auth.RoleInstitution] = "/funds/institutions" // a microcredit institution's loans
	}
	return links
}
