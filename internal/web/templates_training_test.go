package web

import (
	"errors"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

func init() {
	keyPrefixes = append(keyPrefixes, "training")
	course := delivery.Course{ID: 4, Line: "yo-emprendo-semilla", Component: "training", Agency: "ong-demo", Commune: "13101", Region: "13",
		Title: "Gestión del negocio", StartsOn: "2026-10-01", EndsOn: "2026-12-20", Rule: "hours", RuleMin: 22, AttendancePct: 75, Sessions: 2, Participants: 2}
	sessions := []delivery.CourseSession{{ID: 8, CourseID: 4, Number: 1, Date: "2026-10-01", Minutes: 180, Topic: "Costos", Status: "held", Version: 1, Present: 1},
		{ID: 9, CourseID: 4, Number: 2, Date: "2026-10-08", Minutes: 180, Status: "scheduled"}}
	people := []delivery.Participant{{CaseID: 7, HouseholdID: "H-0001", Counsellor: "consejera", State: "in_intervention", Attended: 180, Held: 180, Sessions: 1, Pct: 100},
		{CaseID: 9, HouseholdID: "H-0002", Counsellor: "consejera", State: "in_intervention", Held: 180, Below: true}}
	view := &delivery.CourseView{Course: course, Sessions: sessions, Participants: people,
		Attendance: map[int64]map[int64]delivery.Taken{8: {7: {Present: true, Minutes: 180}, 9: {}}}}
	options := []trainingOption{{Line: "yo-emprendo-semilla", Component: "training", NameES: "Formación en gestión del negocio", NameEN: "Business-management training"}}
	refusal := fosis.KeyedErrorf(fosis.EINVALID, "delivery.err.invalid_course", "the course was not saved: %s: %s", "title", "is required")
	refusal.Fields = []fosis.FieldError{{Field: "title", Message: "is required", Key: "delivery.err.required"}}
	raced := fosis.KeyedErrorf(fosis.ECONFLICT, "delivery.err.attendance_raced", "someone saved the attendance of session %d of %q meanwhile; reload it and try again", 1, "Gestión del negocio")

	var semilla *delivery.Methodology
	for _, m := range delivery.Seeded() {
		if m.Line == "yo-emprendo-semilla" {
			semilla = &m
		}
	}
	c := &delivery.Case{ID: 7, Line: "yo-emprendo-semilla", Version: 1, HouseholdID: "H-0001", Commune: "13101", Region: "13", Agency: "ong-demo",
		Counsellor: "consejera", State: delivery.StateIntervention, OpenedOn: "2026-01-10"}
	extra := &caseExtra{Today: "2026-12-07", MayDeliver: true, Delivered: true,
		Progress: []delivery.ComponentProgress{{Key: "diagnosis", Step: 1, Kind: "diagnosis", NameES: "Diagnóstico", NameEN: "Diagnosis", Status: "done", Have: 4, Need: 4, Unit: "conditions"},
			{Key: "training", Step: 2, Kind: "training", NameES: "Formación", NameEN: "Training", Status: "in_progress", Have: 12, Need: 22, Unit: "hours", AttendancePct: 60, RulePct: 75},
			{Key: "capital", Step: 4, Kind: "deliveries", NameES: "Capital semilla", NameEN: "Seed capital", Status: "pending", Need: 1, Unit: "deliveries", WaitingFor: []string{"training", "plan"}}},
		Goods: &delivery.Goods{TotalCLP: 440000, Items: []delivery.Good{{ID: 1, CaseID: 7, Component: "capital", Item: "Horno", Quantity: 1, UnitCostCLP: 400000, TotalCLP: 400000,
			ReceivedOn: "2026-12-01", ReceivedBy: "María"}, {ID: 2, CaseID: 7, Component: "capital", Item: "Harina", Quantity: 2, UnitCostCLP: 20000, TotalCLP: 40000, ReceivedOn: "2026-12-02", ReceivedBy: "María"}}},
		Actions: []delivery.DueAction{{PlanID: 5, Version: 2, Index: 0, Action: "Cotizar el horno", DueOn: "2026-11-15", Overdue: true},
			{PlanID: 5, Version: 2, Index: 1, Action: "Comprar harina", DueOn: "2027-01-15", DoneOn: "2026-12-01", DoneBy: "consejera"}}}
	for _, k := range semilla.Components {
		if k.Kind == delivery.KindDeliveries {
			extra.GoodComponents = append(extra.GoodComponents, k)
		}
	}
	file := caseData{Case: c, Methodology: semilla, Next: delivery.Next(c.State), Reasons: delivery.ExitReasons, DraftKey: "fosis.session.7",
		Diagnosis: &delivery.Diagnosis{Entry: map[string]delivery.Mark{}, Exit: map[string]delivery.Mark{}}, Extra: extra}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"courses", coursesData{Courses: []delivery.Course{course}, Organiser: true, Options: options, Bad: map[string]bool{},
			Form: delivery.CourseInput{StartsOn: "2026-12-07", EndsOn: "2026-12-07"}}, `href="/courses/4"`},
		templateCase{"courses", coursesData{Organiser: true, Options: options, Error: refusal, Bad: map[string]bool{"title": true}}, `id="course-error"`},
		templateCase{"courses", coursesData{}, `id="courses-none"`},
		templateCase{"course", courseData{View: view, Organiser: true, Saved: "attendance", Today: "2026-12-07"}, `href="/course-sessions/8/attendance"`},
		templateCase{"course", courseData{View: view, Organiser: true, Today: "2026-12-07"}, `text-danger`},
		templateCase{"course", courseData{View: &delivery.CourseView{Course: course}, Error: errors.New("x")}, `id="no-participants"`},
		templateCase{"attendance", attendanceData{Course: course, Session: sessions[0], Participants: people, Taken: view.Attendance[8]}, `id="present-7" checked`},
		templateCase{"attendance", attendanceData{Course: course, Session: sessions[1], Participants: people, Error: raced}, `id="attendance-error"`},
		templateCase{"case", file, `id="progress-capital"`},
		templateCase{"case", file, `id="goods-form"`},
		templateCase{"case", file, `id="done-5-0"`},
		templateCase{"case", file, `$440`},
	)
}
