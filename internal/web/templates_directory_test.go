package web

import (
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/geo"
)

func init() {
	keyPrefixes = append(keyPrefixes, "directory", "referrals", "plan")
	var puente *delivery.Methodology
	for _, m := range delivery.Seeded() {
		if m.Line == "puente" {
			puente = &m
		}
	}
	c := &delivery.Case{ID: 7, Line: "puente", Version: 1, HouseholdID: "H-0001", Commune: "13101", Region: "13", Agency: "ong-demo",
		Counsellor: "consejera", State: delivery.StateIntervention, OpenedOn: "2026-01-10"}
	cesfam := delivery.Service{ID: 3, Commune: "13101", Region: "13", Institution: "CESFAM Norte", Name: "Inscripción", Dimensions: []string{"salud", "identificacion"},
		Requirements: "Cédula de identidad", Contact: "+56 2 2345 6789", Active: true}
	omil := delivery.Service{ID: 4, Commune: "05101", Region: "05", Institution: "OMIL", Name: "Bolsa de empleo", Dimensions: []string{"trabajo"}}
	groups := []communeGroup{{Name: "Metropolitana de Santiago", Communes: []geo.Commune{{Code: "13101", Name: "Santiago", RegionCode: "13"}}}}
	list := servicesData{Filter: delivery.ServiceFilter{Commune: "13101", Dimension: "salud"}, Dimensions: delivery.ServiceDimensions, Communes: groups,
		Services: []delivery.Service{cesfam, omil}, Names: map[string]string{"13101": "Santiago", "05101": "Valparaíso"}, Editor: true, EditRegion: "13", Saved: true, Cut: true}
	badForm := serviceFormData{Service: delivery.Service{Commune: "13101", Dimensions: []string{"salud"}}, Dimensions: delivery.ServiceDimensions, Communes: groups,
		Errors: map[string]string{"institution": "E-required", "service": "E-required"}, Error: fosis.Errorf(fosis.EINVALID, "bad")}
	conds := []condOption{{Code: "SA1", Text: "Familia inscrita en su centro de atención primaria", Dimension: "Salud", Unmet: true}, {Code: "ID1", Text: "Inscritos", Dimension: "Identificación"}}
	ref := referralData{Case: c, Services: []delivery.Service{cesfam}, Names: map[string]string{"13101": "Santiago"}, Conditions: conds, Dimensions: delivery.ServiceDimensions,
		Form: delivery.ReferralInput{ServiceID: 3, Condition: "SA1", SentOn: "2026-12-07"}, Errors: map[string]string{}}
	refBad := ref
	refBad.Errors, refBad.Error = map[string]string{"sent_on": "E-future"}, fosis.Errorf(fosis.EINVALID, "bad")
	refNone := ref
	refNone.Services = nil
	file := caseData{Case: c, Methodology: puente, Next: delivery.Next(c.State), Reasons: delivery.ExitReasons, Referred: true,
		Diagnosis: &delivery.Diagnosis{Entry: map[string]delivery.Mark{}, Exit: map[string]delivery.Mark{}},
		Referrals: []delivery.Referral{
			{ID: 11, CaseID: 7, ServiceID: 3, Institution: "CESFAM Norte", Service: "Inscripción", Condition: "SA1", Status: delivery.RefResolved, Outcome: "Inscritos", SentOn: "2026-11-01", AttendedOn: "2026-11-05", ClosedOn: "2026-11-10"},
			{ID: 12, CaseID: 7, ServiceID: 3, Institution: "CESFAM Norte", Service: "Inscripción", Condition: "SA3", Status: delivery.RefResolved, Outcome: "Vacunas al día", SentOn: "2026-11-01", ClosedOn: "2026-11-10", SatisfiedOn: "2026-11-12", SatisfiedBy: "consejera"},
			{ID: 13, CaseID: 7, ServiceID: 4, Institution: "OMIL", Service: "Bolsa de empleo", Condition: "TR3", Status: delivery.RefSent, Reason: "Busca trabajo", SentOn: "2026-12-01"}}}
	for i, k := range []string{"referral", "referral_attended", "referral_resolved", "referral_refused", "referral_satisfied"} {
		file.Timeline = append(file.Timeline, delivery.Event{At: time.Date(2026, 11, 1+i, 9, 0, 0, 0, time.UTC), Actor: "consejera", Kind: k, Detail: "#11 CESFAM Norte — Inscripción"})
	}
	noRefs := file
	unmet := file
	unmet.Diagnosis = &delivery.Diagnosis{Entry: map[string]delivery.Mark{"SA1": {Status: delivery.NotMet}, "SA2": {Status: delivery.NotMet}, "SA3": {Status: delivery.Met}},
		Exit: map[string]delivery.Mark{}}
	noRefs.Referrals, noRefs.Referred = nil, false
	plan := planFormData{Case: c, Kind: delivery.PlanFamily, Kinds: []string{"family", "business", "work"}, Goal: "Salud al día", Conditions: conds,
		Actions: []delivery.PlanAction{{Condition: "SA1", Action: "Ir al CESFAM", Who: "María", By: "2027-01-15"}, {Condition: "ID1", Action: "", Who: "", By: "mañana"}},
		Errors:  map[string]string{"actions[1]": "E-action", "actions[1].by": "E-by"}, Error: fosis.Errorf(fosis.EINVALID, "bad"),
		Latest: &delivery.Plan{ID: 5, CaseID: 7, Version: 2, Kind: "family", Status: "proposed", MadeBy: "consejera"}, Checker: true}
	business := planFormData{Case: c, Kind: delivery.PlanBusiness, Kinds: []string{"family", "business", "work"}, Goal: "Amasandería", Conditions: conds, Limit: 575000, Total: 600000,
		Actions: []delivery.PlanAction{{Action: "Cotizar", Who: "María", By: "2027-01-15"}}, Budget: []budgetRow{{"Horno", "400000"}, {"Harina", "200.000"}},
		Errors: map[string]string{"budget": "E-budget"}, Error: fosis.Errorf(fosis.EINVALID, "bad"), Saved: "3", Decided: "approved"}
	counsellorHome := homeData{Dash: dashboard{Work: &homeWork{Counsellor: true, Active: 61, Limit: 60,
		Today:  []delivery.AgendaItem{{Session: 1, CaseID: 7, HouseholdID: "H-0001", Date: "2026-12-07", Kind: "home"}},
		Week:   []delivery.AgendaItem{{Session: 2, CaseID: 8, HouseholdID: "H-0002", Date: "2026-12-09", Kind: "group"}},
		Alerts: []delivery.Alert{{Kind: "no_contact", CaseID: 7, HouseholdID: "H-0001", Since: "2026-10-01", Days: 67}}, AlertsMore: true}}}
	emptyCounsellor := homeData{Dash: dashboard{Work: &homeWork{Counsellor: true, Limit: 60}}}
	agencyHome := homeData{Dash: dashboard{Work: &homeWork{States: delivery.States, Counts: map[string]int{"open": 3, "in_intervention": 12, "graduated": 4}, Open: 15,
		Caseloads: []delivery.Counsellor{{Username: "consejera", Agency: "ong-demo", Limit: 60, Active: 61}, {Username: "apoyo-13-01", Agency: "ong-demo", Limit: 60, Active: 40}},
		Alerts:    []delivery.Alert{{Kind: "overdue", CaseID: 9, HouseholdID: "H-0003", Counsellor: "consejera", Since: "2026-11-20", Days: 17}}}}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"services", list, `id="edit-3"`},
		templateCase{"services", list, `id="service-saved"`},
		templateCase{"services", servicesData{Dimensions: delivery.ServiceDimensions, Communes: groups, Error: fosis.Errorf(fosis.EINVALID, "bad")}, `id="services-none"`},
		templateCase{"services", servicesData{Dimensions: delivery.ServiceDimensions, Communes: groups, Editor: true,
			Imported: &delivery.ServiceImport{Rows: 3, Added: 2, Updated: 1}}, `id="services-imported"`},
		templateCase{"services", servicesData{Dimensions: delivery.ServiceDimensions, Communes: groups, Editor: true,
			ImportError: fosis.KeyedErrorf(fosis.EINVALID, "delivery.err.import_file", "choose a CSV file of services (at most 16 MiB)"),
			Problems: []importProblem{{Line: 3, Column: "commune", Err: fosis.KeyedField("line 3 commune", "delivery.err.service_commune", "%q is not a commune of your territory", "99999")},
				{Line: 4, Err: fosis.KeyedField("line 4", "delivery.err.import_shape", "the row cannot be read: its columns or quotes are wrong")}}}, `id="import-problems"`},
		templateCase{"service_form", serviceFormData{Service: cesfam, Dimensions: delivery.ServiceDimensions, Communes: groups, Errors: map[string]string{}}, `id="dim-salud" checked`},
		templateCase{"service_form", badForm, `id="v-institution-error"`},
		templateCase{"referral_new", ref, `id="svc-3" checked`},
		templateCase{"referral_new", refBad, `id="r-sent-error"`},
		templateCase{"referral_new", refNone, `id="referral-no-services"`},
		templateCase{"case", file, `id="satisfy-11"`},
		templateCase{"case", file, `id="satisfied-12"`},
		templateCase{"case", file, `id="move-referral-13"`},
		templateCase{"case", file, `id="plan-form-link"`},
		templateCase{"case", noRefs, `id="no-referrals"`},
		templateCase{"case", file, `#11 CESFAM Norte — Inscripción`},
		templateCase{"case", unmet, `id="refer-SA2"`},
		templateCase{"plan_form", plan, `id="action-1-by-error"`},
		templateCase{"plan_form", plan, `id="plan-approve"`},
		templateCase{"plan_form", business, `id="budget-error"`},
		templateCase{"plan_form", business, `id="del-budget-1"`},
		templateCase{"plan_form", business, `id="plan-decided"`},
		templateCase{"home", counsellorHome, `id="work-today"`},
		templateCase{"home", counsellorHome, `id="work-alerts-more"`},
		templateCase{"home", emptyCounsellor, `id="work-today-empty"`},
		templateCase{"home", agencyHome, `id="work-loads"`},
		templateCase{"home", agencyHome, `id="work-states"`},
	)
}

// TestDirectoryTermKeys: the words the directory passes as arguments are in
// both languages.
func TestDirectoryTermKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range delivery.DirectoryTermKeys() {
		checkMessage(t, c, key, "")
	}
}

// TestFormField: the plan's problems go back to the form's rows, blank rows
// having been left out.
func TestFormField(t *testing.T) {
	for in, want := range map[string]string{"actions[1].by": "actions[3].by", "budget[0]": "budget[2]", "budget": "budget", "goal": "goal", "actions[9]": "actions[9]"} {
		if got := formField(in, []int{0, 3}, []int{2}); got != want {
			t.Errorf("formField(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]int64{"575.000": 575000, "$ 1000": 1000, "": 0, "diez": -1, "-5": -1} {
		if got := parsePesos(in); got != want {
			t.Errorf("parsePesos(%q) = %d, want %d", in, got, want)
		}
	}
}
