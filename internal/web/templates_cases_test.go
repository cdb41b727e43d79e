package web

import (
	"errors"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

func init() {
	keyPrefixes = append(keyPrefixes, "cases")
	var puente *delivery.Methodology
	for _, m := range delivery.Seeded() {
		if m.Line == "puente" {
			puente = &m
		}
	}
	c := &delivery.Case{ID: 7, Line: "puente", Version: 1, HouseholdID: "H-0001", Commune: "13101", Region: "13", Agency: "ong-demo",
		Counsellor: "consejera", State: delivery.StateIntervention, OpenedOn: "2026-01-10", LastContactOn: "2026-12-01"}
	exited := *c
	exited.State, exited.ExitReason, exited.ClosedOn = delivery.StateExited, delivery.ExitMoved, "2026-12-02"
	file := caseData{Case: c, Methodology: puente, Next: delivery.Next(c.State), Reasons: delivery.ExitReasons, MayNotes: true, DraftKey: "fosis.session.7", Saved: true,
		Timeline: []delivery.Event{{At: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC), Actor: "system", Kind: "opened", To: "open", Detail: "enrolment 3 (call c1)"},
			{At: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), Actor: "consejera", Kind: "state", From: "open", To: "in_diagnosis"}},
		Diagnosis: &delivery.Diagnosis{Entry: map[string]delivery.Mark{"SA1": {Condition: "SA1", Status: delivery.NotMet}}, Exit: map[string]delivery.Mark{"SA1": {Condition: "SA1", Status: delivery.Met}}},
		Sessions: []delivery.Session{{ID: 3, CaseID: 7, Component: "home", Kind: "home", Status: "held", Date: "2026-12-01", Minutes: 45,
			Attendees: []string{"María", "Pedro"}, Dimensions: []string{"salud"}, HasNotes: true}}}
	file.Checker = true
	file.Plans = []delivery.Plan{{ID: 5, CaseID: 7, Version: 2, Kind: "business", Goal: "Amasandería", Status: "proposed", MadeBy: "consejera", TotalCLP: 575000,
		Budget: []delivery.BudgetLine{{Item: "Horno", AmountCLP: 400000}, {Item: "Harina", AmountCLP: 175000}}, Actions: []delivery.PlanAction{{Action: "Cotizar", Who: "María", By: "2027-01-15"}}},
		{ID: 4, CaseID: 7, Version: 1, Kind: "business", Goal: "Amasandería", Status: "rejected", MadeBy: "consejera", CheckedBy: "coordina", Comment: "falta cotización"}}
	closed := file
	closed.Case, closed.Next, closed.MayNotes, closed.Saved = &exited, nil, false, false
	closed.Error = fosis.KeyedErrorf(fosis.ECONFLICT, "delivery.err.moved", "case %d is no longer %s (someone moved it to %s); reload the case and try again", 7, "open", "exited")
	form := sessionData{Case: c, Dimensions: puente.Dimensions, Kinds: delivery.SessionKinds, Statuses: []string{"held", "missed", "scheduled"}, DraftKey: "fosis.session.7",
		Form: delivery.Session{Component: "home", Kind: "home", Status: "held", Date: "2026-12-07", Minutes: 45, Dimensions: []string{"salud"}}, Bad: map[string]bool{}}
	for _, k := range puente.Components {
		if k.Kind == delivery.KindSessions {
			form.Components = append(form.Components, k)
		}
	}
	bad := form
	bad.Error = errors.New("date: not a date")
	bad.Bad = map[string]bool{"date": true}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"cases", casesData{States: delivery.States, Page: &delivery.Page{Items: []delivery.Case{*c, exited}, Next: 9}, More: "after=9",
			Filter: delivery.Filter{State: "in_intervention", Active: true}}, `href="/cases/7"`},
		templateCase{"cases", casesData{States: delivery.States, Page: &delivery.Page{Items: []delivery.Case{}}}, `id="cases-none"`},
		// The next page's link keeps its query string as it is (a string
		// was escaped again: /cases?after%3d9, a new page at every step).
		templateCase{"cases", casesData{States: delivery.States, Page: &delivery.Page{Items: []delivery.Case{*c}, Next: 9}, More: "active=1&after=9"},
			`href="/cases?active=1&amp;after=9"`},
		templateCase{"case", file, `id="move-closing"`},
		templateCase{"case", file, `href="/sessions/3/notes?case=7"`},
		templateCase{"case", file, `data-draft-key="fosis.session.7"`},
		templateCase{"case", closed, `id="case-error"`},
		templateCase{"case", file, `id="approve-5"`},
		templateCase{"case", file, `Horno: $400`},
		templateCase{"session_new", form, `id="session-form"`},
		templateCase{"session_new", bad, `is-invalid`},
		templateCase{"diagnosis", diagnosisData{Case: c, Phase: "entry", Dimensions: puente.Dimensions, Statuses: []string{"met", "not_met", "na"},
			Marks: map[string]delivery.Mark{"SA1": {Condition: "SA1", Status: "met", Evidence: "carnet"}}}, `id="s-SA1-met" checked`},
		templateCase{"diagnosis", diagnosisData{Case: c, Phase: "exit", Dimensions: puente.Dimensions, Statuses: []string{"met", "not_met", "na"},
			Marks: map[string]delivery.Mark{}, Error: errors.New("marks[0].status: bad")}, `id="diagnosis-error"`},
		templateCase{"cases_work", workData{Days: 30, AlertsFull: true,
			Agenda:    []delivery.AgendaItem{{Session: 4, CaseID: 7, HouseholdID: "H-0001", Counsellor: "consejera", Date: "2026-12-09", Kind: "group", Component: "group"}},
			Alerts:    []delivery.Alert{{Kind: "no_contact", CaseID: 7, HouseholdID: "H-0001", Since: "2026-10-01", Days: 67}, {Kind: "overdue", CaseID: 7, HouseholdID: "H-0001", Since: "2026-11-20", Days: 17}},
			Caseloads: []delivery.Counsellor{{Username: "consejera", Agency: "ong-demo", Limit: 60, Active: 61}, {Username: "apoyo-13-01", Agency: "ong-demo", Limit: 60, Active: 40}}}, `text-danger`},
		templateCase{"cases_work", workData{Days: 30}, `id="alerts-empty"`},
		templateCase{"session_notes", notesData{Session: 3, Case: "7", Notes: "Conversamos"}, `id="notes-audited"`},
	)
}
