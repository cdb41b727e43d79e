package delivery_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// intervention moves case c to in_intervention as ctx's user.
func (f *fixture) intervention(c *delivery.Case, user string) {
	f.t.Helper()
	ctx := f.ctx[user]
	m, err := f.st.CaseMethodology(ctx, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Transition(ctx, c.ID, delivery.StateOpen, delivery.StateDiagnosis, "", ""); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.RecordDiagnosis(ctx, c.ID, delivery.PhaseEntry, marks(m, delivery.NotMet)); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Transition(ctx, c.ID, delivery.StateDiagnosis, delivery.StateIntervention, "", ""); err != nil {
		f.t.Fatal(err)
	}
}

// course creates a course of line in case c's commune with n sessions of
// minutes each, c enrolled.
func (f *fixture) course(c *delivery.Case, user string, n, minutes int) *delivery.CourseView {
	f.t.Helper()
	ctx := f.ctx[user]
	k, err := f.st.CreateCourse(ctx, delivery.CourseInput{Line: c.Line, Commune: c.Commune, Title: "Gestión del negocio", StartsOn: "2026-10-01", EndsOn: "2026-12-20"})
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range n {
		if _, err := f.st.AddCourseSession(ctx, k.ID, fmt.Sprintf("2026-10-%02d", 1+i*2), minutes, "Módulo"); err != nil {
			f.t.Fatal(err)
		}
	}
	if added, err := f.st.EnrolInCourse(ctx, k.ID, []int64{c.ID}); err != nil || added != 1 {
		f.t.Fatalf("enrol: %d, %v", added, err)
	}
	v, err := f.st.Course(ctx, k.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func statusOf(ps []delivery.ComponentProgress) map[string]string {
	out := map[string]string{}
	for _, p := range ps {
		out[p.Key] = p.Status
	}
	return out
}

// TestTrainingGatesPlanAndCapital: a Yo Emprendo Semilla participant's
// business plan is not approved, and no seed capital goods are recorded,
// until the training is passed (22 of 30 hours and 75 % attendance); the
// refusal names what is missing; progress follows.
func TestTrainingGatesPlanAndCapital(t *testing.T) {
	f := newFixture(t, 40)
	c := f.open("yo-emprendo-semilla", 0, "ong-norte")
	ana, coord := f.ctx["ana"], f.ctx["coord-norte"]
	f.intervention(c, "ana")
	plan := delivery.Plan{Kind: "business", Goal: "Amasandería", Budget: []delivery.BudgetLine{{Item: "Horno", AmountCLP: 400_000}},
		Actions: []delivery.PlanAction{{Action: "Cotizar el horno", Who: "Participante", By: "2026-11-15"}, {Action: "Comprar harina", Who: "Participante", By: "2027-01-15"}}}
	p, err := f.st.ProposePlan(ana, c.ID, plan)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.st.DecidePlan(coord, p.ID, true, "")
	e, ok := err.(*fosis.Error)
	if !ok || e.Code != fosis.ECONFLICT || e.Key != "delivery.err.gate" || !strings.Contains(e.Message, "the training training is not passed (0 of 22 hours") {
		t.Fatalf("approval before the training: %v", err)
	}
	if err := f.st.Gate(coord, c.ID, "capital"); fosis.ErrorCode(err) != fosis.ECONFLICT || len(err.(*fosis.Error).Fields) != 2 {
		t.Errorf("the capital's gate: %v", err)
	}
	if _, err := f.st.RecordGood(ana, c.ID, delivery.Good{Item: "Horno", Quantity: 1, UnitCostCLP: 400_000, ReceivedOn: "2026-12-01", ReceivedBy: "María"}); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("goods before the gate: %v", err)
	}

	if _, err := f.st.CreateCourse(ana, delivery.CourseInput{Line: c.Line, Commune: c.Commune, Title: "x", StartsOn: "2026-10-01", EndsOn: "2026-12-01"}); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("a counsellor organises a course: %v", err)
	}
	if _, err = f.st.CreateCourse(coord, delivery.CourseInput{Line: c.Line, Commune: "99999", Title: "x", StartsOn: "2026-10-01", EndsOn: "2026-12-01"}); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("a course in no commune: %v", err)
	}
	_, err = f.st.CreateCourse(coord, delivery.CourseInput{Line: "puente", Commune: c.Commune, Agency: "ong-sur", Title: "", StartsOn: "2026-10-01", EndsOn: "2026-09-01"})
	if e, ok := err.(*fosis.Error); !ok || len(e.Fields) != 4 {
		t.Errorf("a bad course: %v", err)
	}
	v := f.course(c, "coord-norte", 10, 180)
	if v.Course.Rule != delivery.DoneHours || v.Course.RuleMin != 22 || v.Course.AttendancePct != 75 || len(v.Sessions) != 10 {
		t.Fatalf("course: %+v", v.Course)
	}
	// The carla counsellor (ong-sur) does not see the course.
	if _, err := f.st.Course(f.ctx["carla"], v.Course.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("another agency's counsellor: %v", err)
	}
	// Seven of ten sessions attended: 21 hours, 70 %: not passed.
	for i, x := range v.Sessions {
		if _, err := f.st.SaveAttendance(ana, x.ID, 0, []delivery.AttendanceMark{{CaseID: c.ID, Present: i < 7}}); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := f.st.Progress(ana, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ps[1].Status != delivery.ProgressStarted || ps[1].Have != 21 || ps[1].AttendancePct != 70 {
		t.Errorf("training at 70 %%: %+v", ps[1])
	}
	alerts, _ := f.st.Alerts(ana, 365, 0)
	if len(alerts) != 1 || alerts[0].Kind != delivery.AlertAttendance || alerts[0].Since != "2026-10-01" {
		t.Errorf("alerts at 70 %%: %+v", alerts)
	}
	// An eighth: 24 hours, 80 %: passed; the plan is approved.
	if _, err := f.st.SaveAttendance(coord, v.Sessions[7].ID, 1, []delivery.AttendanceMark{{CaseID: c.ID, Present: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.DecidePlan(coord, p.ID, true, ""); err != nil {
		t.Fatalf("approval once passed: %v", err)
	}
	g, err := f.st.RecordGood(ana, c.ID, delivery.Good{Item: "Horno industrial", Quantity: 1, UnitCostCLP: 400_000, ReceivedOn: "2026-12-01", ReceivedBy: "María"})
	if err != nil || g.Component != "capital" || g.TotalCLP != 400_000 {
		t.Fatalf("goods: %+v, %v", g, err)
	}
	if _, err := f.st.RecordGood(ana, c.ID, delivery.Good{Item: "Harina", Quantity: 2, UnitCostCLP: 20_000, ReceivedOn: "2026-12-02", ReceivedBy: "María"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.st.RecordGood(ana, c.ID, delivery.Good{Item: "", Quantity: 0, UnitCostCLP: -1, ReceivedOn: "2027-01-01"})
	if e, ok := err.(*fosis.Error); !ok || len(e.Fields) != 5 {
		t.Errorf("a bad delivery: %v", err)
	}
	goods, err := f.st.CaseGoods(ana, c.ID)
	if err != nil || len(goods.Items) != 2 || goods.TotalCLP != 440_000 {
		t.Errorf("goods: %+v, %v", goods, err)
	}
	ps, _ = f.st.Progress(ana, c.ID)
	want := map[string]string{"diagnosis": "done", "training": "done", "plan": "done", "advice": "pending", "capital": "done", "exit": "pending"}
	if diff := cmp.Diff(want, statusOf(ps)); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	// The plan's first action is past due (2026-11-15).
	alerts, _ = f.st.Alerts(ana, 365, 0)
	if len(alerts) != 1 || alerts[0].Kind != delivery.AlertPlanDue || alerts[0].Since != "2026-11-15" {
		t.Errorf("alerts once passed: %+v", alerts)
	}
	acts, err := f.st.PlanActions(ana, c.ID)
	if err != nil || len(acts) != 2 || !acts[0].Overdue || acts[1].Overdue {
		t.Fatalf("actions: %+v, %v", acts, err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 25 {
		wg.Go(func() {
			err := f.st.CompleteAction(ana, p.ID, 0)
			mu.Lock()
			codes[fosis.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes[fosis.ECONFLICT] != 24 {
		t.Errorf("marks done at once: %v", codes)
	}
	if alerts, _ = f.st.Alerts(ana, 365, 0); len(alerts) != 0 {
		t.Errorf("alerts once done: %+v", alerts)
	}
}

// TestAttendanceConcurrently: 30 saves of the same session's attendance,
// each from the version it read, at once: one wins, the others are told to
// reload; a counsellor saves only their own participants.
func TestAttendanceConcurrently(t *testing.T) {
	f := newFixture(t, 40)
	c := f.open("yo-trabajo", 0, "ong-norte")
	c2 := f.open("yo-trabajo", 1, "ong-norte")
	f.intervention(c, c.Counsellor)
	f.intervention(c2, c2.Counsellor)
	v := f.course(c, "coord-norte", 2, 180)
	if n, err := f.st.EnrolInCourse(f.ctx["coord-norte"], v.Course.ID, []int64{c.ID, c2.ID}); err != nil || n != 1 {
		t.Fatalf("enrol: %d, %v", n, err)
	}
	v, _ = f.st.Course(f.ctx["coord-norte"], v.Course.ID)
	if len(v.Participants) != 2 {
		t.Fatalf("participants: %+v", v.Participants)
	}
	if mine, _ := f.st.Course(f.ctx[c.Counsellor], v.Course.ID); len(mine.Participants) != 1 {
		t.Errorf("the counsellor sees %d participants", len(mine.Participants))
	}
	if _, err := f.st.SaveAttendance(f.ctx[c.Counsellor], v.Sessions[0].ID, 0, []delivery.AttendanceMark{{CaseID: c2.ID, Present: true}}); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("a counsellor marks another's case: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for g := range 30 {
		wg.Go(func() {
			_, err := f.st.SaveAttendance(f.ctx["coord-norte"], v.Sessions[0].ID, 0, []delivery.AttendanceMark{{CaseID: c.ID, Present: g%2 == 0}, {CaseID: c2.ID, Present: true, Minutes: 90}})
			mu.Lock()
			codes[fosis.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes[fosis.ECONFLICT] != 29 {
		t.Errorf("saves: %v", codes)
	}
	v, _ = f.st.Course(f.ctx["coord-norte"], v.Course.ID)
	if v.Sessions[0].Version != 1 || v.Sessions[0].Status != delivery.CourseHeld || v.Attendance[v.Sessions[0].ID][c2.ID].Minutes != 90 {
		t.Errorf("session: %+v, %+v", v.Sessions[0], v.Attendance)
	}
}

// TestImportAttendance: an agency's attendance file is imported all or
// nothing, naming every bad row; the same file again changes nothing.
func TestImportAttendance(t *testing.T) {
	f := newFixture(t, 40)
	c := f.open("yo-trabajo-jovenes", 0, "ong-norte")
	f.intervention(c, c.Counsellor)
	v := f.course(c, "coord-norte", 3, 180)
	other := f.open("puente", 2, "ong-sur")
	ctx := f.ctx["coord-norte"]
	k, id := fmt.Sprint(v.Course.ID), fmt.Sprint(c.ID)
	good := "course;session;case;present;minutes\n" + k + ";1;" + id + ";si;\n" + k + ";2;" + id + ";0;\n" + k + ";3;" + id + ";1;120\n"
	bad := good + k + ";9;" + id + ";1;\n" + k + ";1;" + fmt.Sprint(other.ID) + ";1;\n" + k + ";2;" + id + ";tal vez;\n" + k + ";3;" + id + ";1;999\n" + k + ";1;" + id + ";1;\n"
	_, err := f.st.ImportAttendance(ctx, strings.NewReader(bad), "asistencia.csv")
	e, ok := err.(*fosis.Error)
	if !ok || e.Code != fosis.EINVALID {
		t.Fatalf("bad file: %v", err)
	}
	var fields []string
	for _, x := range e.Fields {
		fields = append(fields, x.Field)
	}
	if diff := cmp.Diff([]string{"line 5 session", "line 6 case_id", "line 7 present", "line 8 case", "line 9 case"}, fields); diff != "" {
		t.Errorf("bad rows (-want +got):\n%s\n%v", diff, e.Fields)
	}
	if v2, _ := f.st.Course(ctx, v.Course.ID); len(v2.Attendance) != 0 {
		t.Errorf("a refused file wrote %v", v2.Attendance)
	}
	res, err := f.st.ImportAttendance(ctx, strings.NewReader(good), "asistencia.csv")
	if err != nil || res.Added != 3 || res.Rows != 3 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	res, err = f.st.ImportAttendance(ctx, strings.NewReader(good), "asistencia.csv")
	if err != nil || res.Added != 0 || res.Unchanged != 3 {
		t.Errorf("again: %+v, %v", res, err)
	}
	v2, _ := f.st.Course(ctx, v.Course.ID)
	if p := v2.Participants[0]; p.Attended != 300 || p.Held != 540 || p.Sessions != 2 || !p.Below {
		t.Errorf("participant: %+v", p)
	}
}

// FuzzParseAttendance: the attendance parser never panics, and every row
// it returns is whole (ids and a session number of 1 or more, minutes 0 or
// more), every problem carries its line.
//
//	go test -run '^$' -fuzz FuzzParseAttendance ./internal/delivery/
func FuzzParseAttendance(f *testing.F) {
	f.Add([]byte("course;session;case;present;minutes\n4;1;12;si;\n4;2;12;no;\n4;3;12;1;120\n"))
	f.Add([]byte("course,session,case,present,minutes\r\n4,1,12,tal vez,\r\n4,x,12,1,\r\n\"4,1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, bad, err := delivery.ParseAttendance(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Course < 1 || r.Session < 1 || r.Mark.CaseID < 1 || r.Line < 2 {
				t.Fatalf("parsed a bad row: %+v", r)
			}
		}
		for _, p := range bad {
			if p.Line < 1 || p.Message == "" {
				t.Fatalf("a problem without its line: %+v", p)
			}
		}
	})
}
