package web

import "github.com/fosis/fosis/internal/platform/auth"

// menu is which entries of the layout's navigation a user sees. It depends
// on the role alone, so it is worked out once per role (menus) and the
// layout tests plain fields: a page view no longer makes a dozen reflective
// method and "and" calls to draw the same bar.
type menu struct {
	Home, Search, Runs, Imports, Calls, Changes, Users, Tokens, Audit, Cooperation bool
	Cases                                                                          bool
	// Funds is the budget execution page, beside the other entries (Funds)
	// or, for the roles whose bar is full, in the administration menu
	// (FundsInAdmin).
	Funds, FundsInAdmin bool
	// FundsContracts is the agencies' contracts (funds_payments.go), for
	// an agency's staff, who read no budget (the others reach contracts,
	// payments and runs from the budget pages).
	FundsContracts bool
	// Microcredit is an institution's own loans and settlements.
	Microcredit bool
	// Results is coverage and indicators, placed as Funds is.
	Results, ResultsInAdmin bool
}

// menus holds the menu of every role; a role it lacks (none, today) gets an
// empty one.
var menus = func() map[auth.Role]*menu {
	m := map[auth.Role]*menu{}
	for _, r := range auth.Roles {
		p := &auth.Principal{Role: r}
		m[r] = &menu{
			Home:        true,
			Search:      p.SeesRegistry(),
			Runs:        p.SeesRegistry(),
			Imports:     p.SeesAllRegions(),
			Calls:       p.SeesRegistry() || r == auth.RoleAgency,
			Changes:     p.SeesRegistry(),
			Users:       p.SeesAudit(),
			Tokens:      true,
			Audit:       p.SeesAudit(),
			Cooperation: r == auth.RoleCooperation || r == auth.RoleAdmin || r == auth.RoleAuditor || r == auth.RoleCounterpart || r == auth.RoleFinancer,
			Cases:       p.SeesRegistry() || r == auth.RoleAgency || r == auth.RoleCounsellor,
		}
		readsFunds := r == auth.RoleFinance || r == auth.RoleAdmin || r == auth.RoleAnalyst || r == auth.RoleAuditor || r == auth.RoleRegional
		m[r].FundsInAdmin = readsFunds && (m[r].Users || m[r].Audit)
		m[r].Funds = readsFunds && !m[r].FundsInAdmin
		m[r].FundsContracts = r == auth.RoleAgency
		m[r].Microcredit = r == auth.RoleInstitution
		readsResults := p.SeesRegistry()
		m[r].ResultsInAdmin = readsResults && (m[r].Users || m[r].Audit)
		m[r].Results = readsResults && !m[r].ResultsInAdmin
	}
	return m
}()

// Menu is the navigation the page's user sees (nil when signed out).
func (p page) Menu() *menu {
	if p.User == nil {
		return nil
	}
	if m, ok := menus[p.User.Role]; ok {
		return m
	}
	return &menu{}
}
