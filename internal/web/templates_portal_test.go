package web

import (
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

func init() {
	keyPrefixes = append(keyPrefixes, "portal")
	h := &portal.Household{Self: 0, H: &registry.HouseholdView{ID: "H0000001", CommuneName: "Ñuñoa", RegionName: "Región Metropolitana de Santiago",
		Members: []registry.PersonView{{Name: "Ana Rojas Díaz", RUN: "12345678-5", Relation: "head", Age: 41}, {Name: "Tomás Soto Rojas", RUN: "23456789-6", Relation: "child", Age: 9}}},
		Score: &targeting.ScoredHousehold{Run: &targeting.Run{ID: 3, AsOf: "2026-11-01"}, Result: &targeting.HouseholdResult{Bracket: 40, Percentile: 27.5},
			Summary: "$ 123.456"}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"portal", &portalData{Enabled: true, ProviderID: "ClaveÚnica"}, `id="portal-signin"`},
		templateCase{"portal", &portalData{}, `id="portal-unavailable"`},
		templateCase{"portal", &portalData{Enabled: true, SignedIn: true, Household: h}, `id="portal-bracket"`},
		templateCase{"portal", &portalData{Enabled: true, SignedIn: true, NotInReg: true}, `id="portal-register"`},
		templateCase{"portal", &portalData{Enabled: true, Error: fosis.KeyedErrorf(fosis.EUNAUTHORIZED, "portal.err.state", "we could not match the sign-in to this browser; start again")}, `id="portal-error"`},
		templateCase{"portal_verify", &portalVerifyData{Code: "ABCD-EFGH-JKMN", Statement: &portal.Statement{Code: "ABCD-EFGH-JKMN", HouseholdID: "H0000001", RunID: 3, Bracket: 40,
			Percentile: 27.5, Members: 2, IssuedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}}, `id="verify-ok"`},
		templateCase{"portal_verify", &portalVerifyData{Code: "NOPE", NotFound: true}, `id="verify-none"`},
		templateCase{"portal_calls", &portalCallsData{Form: map[string]string{}, Calls: []programs.CallCheck{
			{Call: programs.Call{Code: "semilla-2026", Title: "Semilla 2026", ProgramNameES: "Yo Emprendo Semilla", ProgramNameEN: "Yo Emprendo Semilla", ClosesOn: "2026-12-31"},
				Check: programs.Application{Eligible: true}},
			{Call: programs.Call{Code: "trabajo-2026", Title: "Trabajo 2026", ClosesOn: "2026-12-31"},
				Check: programs.Application{Failed: []programs.Failure{{Rule: "bracket", NameES: "Tramo 40", NameEN: "Bracket 40"}}}},
		}}, `id="apply-semilla-2026"`},
		templateCase{"portal_calls", &portalCallsData{Code: "semilla-2026", Form: map[string]string{"phone": "12ab"},
			Error: &fosis.Error{Code: fosis.EINVALID, Message: "consent: accept", Fields: []fosis.FieldError{
				fosis.KeyedField("consent", "programs.err.online.consent", "accept the processing of your data to apply"),
				fosis.KeyedField("phone", "programs.err.online.phone", "%q is not a phone number (digits, spaces and +)", "12ab")}},
			Calls: []programs.CallCheck{{Call: programs.Call{Code: "semilla-2026", Title: "Semilla 2026", ClosesOn: "2026-12-31"}, Check: programs.Application{Eligible: true}}}},
			`id="consent-err-semilla-2026"`},
		templateCase{"portal_calls", &portalCallsData{Form: map[string]string{}}, `id="portal-no-calls"`},
		templateCase{"portal_applications", &portalApplicationsData{Applied: "semilla-2026", Applications: []programs.Application{
			{Call: "semilla-2026", Status: "waitlisted", WaitPos: 3, SubmittedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
			{Call: "trabajo-2026", Status: "ineligible", Failed: []programs.Failure{{NameES: "Tramo 40", NameEN: "Bracket 40"}}, SubmittedAt: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}}},
			`id="applied"`},
	)
}
