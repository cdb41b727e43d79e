package delivery_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/programs"
)

func TestSeededMethodologies(t *testing.T) {
	for _, m := range delivery.Seeded() {
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", m.Line, err)
		}
	}
	f := newFixture(t, 40)
	m, err := f.st.Methodology(sysCtx(), "puente", 3) // a later version uses version 1's
	if err != nil {
		t.Fatal(err)
	}
	var dims []string
	for _, d := range m.Dimensions {
		dims = append(dims, d.Key)
	}
	if diff := cmp.Diff([]string{"identificacion", "salud", "educacion", "dinamica", "habitabilidad", "trabajo", "ingresos"}, dims); diff != "" {
		t.Errorf("Puente dimensions (-want +got):\n%s", diff)
	}
	sessions := map[string]int{}
	for _, c := range m.Components {
		if c.Kind == delivery.KindSessions {
			sessions[c.Key] = c.Count
		}
	}
	if diff := cmp.Diff(map[string]int{"home": 22, "group": 5}, sessions); diff != "" || m.Months != 24 || !m.Illustrative {
		t.Errorf("Puente: %d months, illustrative %v, sessions %s", m.Months, m.Illustrative, diff)
	}
	if n, err := f.st.SeedMethodologies(sysCtx()); err != nil || n != 0 {
		t.Errorf("seeding again: %d, %v", n, err)
	}
	if _, err := f.st.SaveMethodology(sysCtx(), &delivery.Methodology{Line: "puente", Version: 1, Months: 24,
		Components: []delivery.Component{{Key: "x", Step: 1, Kind: "party", NameES: "x", NameEN: "x", Done: "recorded"}}}); fosis.ErrorCode(err) != fosis.EINVALID ||
		!strings.Contains(err.Error(), "components[0].kind") {
		t.Errorf("bad kind: %v", err)
	}
}

// TestEnrolmentOpensCase: an enrolment opens a case in the same
// transaction, pinned to the line version, run by the agency holding the
// contract, with its least-loaded counsellor.
func TestEnrolmentOpensCase(t *testing.T) {
	f := newFixture(t, 200)
	ctx := sysCtx()
	f.prog.OnEnrol(f.st.OnEnrol)
	commune := f.hh[0].CommuneCode
	if _, err := f.prog.AddContract(ctx, "ong-norte", programs.Contract{Line: "yo-emprendo-semilla", TenderCode: "T-1", StartsOn: "2026-01-01", EndsOn: "2027-12-31",
		Families: 10, BudgetCLP: 10 * 575_000, Communes: []string{commune}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.prog.CreateCall(ctx, programs.CallInput{Code: "c1", Title: "Semilla", Program: "yo-emprendo-semilla", OpensOn: "2026-11-01", ClosesOn: "2026-11-30",
		Run: f.run, BudgetCLP: 2 * 575_000, Communes: map[string]int{commune: 2},
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "any", NameES: "a", NameEN: "a", Expr: "true"}}}}); err != nil {
		t.Fatal(err)
	}
	f.prog.SetStatus(ctx, "c1", programs.StatusOpen)
	n := 0
	for _, h := range f.hh {
		if h.CommuneCode != commune {
			continue
		}
		for _, m := range h.Members {
			if m.Relation == "head" && n < 4 {
				if _, err := f.prog.Apply(ctx, "c1", programs.ApplyInput{RUN: m.RUN}); err == nil {
					n++
				}
			}
		}
	}
	f.prog.SetStatus(ctx, "c1", programs.StatusClosed)
	if _, err := f.prog.RunSelection(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	sel, _ := f.prog.Applications(ctx, "c1", programs.AppSelected)
	if len(sel) != 2 {
		t.Fatalf("selected %d", len(sel))
	}
	for _, a := range sel {
		if _, err := f.prog.Enroll(ctx, a.ID, testToday); err != nil {
			t.Fatal(err)
		}
	}
	page, err := f.st.Cases(ctx, delivery.Filter{Line: "yo-emprendo-semilla"}, 0, 10)
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("cases: %+v, %v", page, err)
	}
	got := map[string]bool{}
	for _, c := range page.Items {
		if c.State != delivery.StateOpen || c.Agency != "ong-norte" || c.Version != 1 || c.Participation == 0 || c.Commune != commune {
			t.Errorf("case: %+v", c)
		}
		got[c.Counsellor] = true
	}
	if diff := cmp.Diff(map[string]bool{"ana": true, "beto": true}, got); diff != "" {
		t.Errorf("counsellors: the least loaded first (-want +got):\n%s", diff)
	}
	tl, err := f.st.Timeline(ctx, page.Items[0].ID)
	if err != nil || len(tl) != 2 || tl[0].Kind != "opened" || !strings.Contains(tl[0].Detail, "call c1") || tl[1].Kind != "assigned" {
		t.Errorf("timeline: %+v, %v", tl, err)
	}
}

// TestStateMachine walks a case from open to graduated with its gates, and
// refuses skipped states and exits without a reason.
func TestStateMachine(t *testing.T) {
	f := newFixture(t, 40)
	c := f.open("puente", 0, "ong-norte")
	ctx := f.ctx["ana"]
	if c.Counsellor != "ana" {
		t.Fatalf("counsellor %q", c.Counsellor)
	}
	m, _ := f.st.Methodology(ctx, "puente", 1)
	step := func(from, to, reason string, want string) {
		t.Helper()
		_, err := f.st.Transition(ctx, c.ID, from, to, reason, "")
		if fosis.ErrorCode(err) != want {
			t.Errorf("%s → %s: got %v, want %q", from, to, err, want)
		}
	}
	step(delivery.StateOpen, delivery.StateIntervention, "", fosis.ECONFLICT) // skips the diagnosis
	step(delivery.StateOpen, delivery.StateDiagnosis, "", "")
	step(delivery.StateDiagnosis, delivery.StateIntervention, "", fosis.ECONFLICT) // diagnosis not taken
	entry := marks(m, delivery.NotMet)
	if err := f.st.RecordDiagnosis(ctx, c.ID, delivery.PhaseEntry, entry[:5]); err != nil {
		t.Fatal(err)
	}
	_, err := f.st.Transition(ctx, c.ID, delivery.StateDiagnosis, delivery.StateIntervention, "", "")
	if fosis.ErrorCode(err) != fosis.ECONFLICT || !strings.Contains(err.Error(), "mark the 22 conditions left") {
		t.Errorf("partial diagnosis: %v", err)
	}
	bad := append([]delivery.Mark{}, entry...)
	bad[3].Status = "maybe"
	bad = append(bad, delivery.Mark{Condition: "ZZ9", Status: delivery.Met})
	if err := f.st.RecordDiagnosis(ctx, c.ID, delivery.PhaseEntry, bad); fosis.ErrorCode(err) != fosis.EINVALID || len(err.(*fosis.Error).Fields) != 2 {
		t.Errorf("bad marks: %v", err)
	}
	if err := f.st.RecordDiagnosis(ctx, c.ID, delivery.PhaseEntry, entry); err != nil {
		t.Fatal(err)
	}
	step(delivery.StateDiagnosis, delivery.StateIntervention, "", "")
	step(delivery.StateIntervention, delivery.StateClosing, "", "")
	step(delivery.StateClosing, delivery.StateGraduated, "", fosis.ECONFLICT) // exit line not taken
	if err := f.st.RecordDiagnosis(ctx, c.ID, delivery.PhaseExit, marks(m, delivery.Met)); err != nil {
		t.Fatal(err)
	}
	step(delivery.StateClosing, delivery.StateGraduated, "", "")
	step(delivery.StateGraduated, delivery.StateExited, delivery.ExitOther, fosis.ECONFLICT)
	got, _ := f.st.Case(ctx, c.ID)
	if got.State != delivery.StateGraduated || got.ClosedOn != "2026-12-07" {
		t.Errorf("graduated: %+v", got)
	}
	dx, _ := f.st.Diagnosis(ctx, c.ID)
	if len(dx.Entry) != 27 || len(dx.Exit) != 27 || dx.Exit["SA1"].Status != delivery.Met || dx.Entry["SA1"].Dimension != "salud" {
		t.Errorf("diagnosis: %d entry, %d exit, %+v", len(dx.Entry), len(dx.Exit), dx.Exit["SA1"])
	}

	c2 := f.open("puente", 1, "ong-norte")
	ctx2 := f.ctx[c2.Counsellor]
	if _, err := f.st.Transition(ctx2, c2.ID, delivery.StateOpen, delivery.StateExited, "bored", ""); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("exit without a known reason: %v", err)
	}
	out, err := f.st.Transition(ctx2, c2.ID, delivery.StateOpen, delivery.StateExited, delivery.ExitMoved, "se fue a Talca")
	if err != nil || out.ExitReason != delivery.ExitMoved {
		t.Errorf("exit: %+v, %v", out, err)
	}
	tl, _ := f.st.Timeline(ctx2, c2.ID)
	if last := tl[len(tl)-1]; last.To != delivery.StateExited || last.Detail != "moved se fue a Talca" {
		t.Errorf("timeline: %+v", last)
	}
}

// TestTransitionConcurrently: 30 requests move the same case at once; one
// wins, the others are told the case moved, and the timeline has one entry.
func TestTransitionConcurrently(t *testing.T) {
	f := newFixture(t, 40)
	c := f.open("yo-trabajo", 2, "ong-sur")
	ctx := f.ctx["coord-sur"]
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 30 {
		wg.Go(func() {
			_, err := f.st.Transition(ctx, c.ID, delivery.StateOpen, delivery.StateDiagnosis, "", "")
			mu.Lock()
			codes[fosis.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if diff := cmp.Diff(map[string]int{"": 1, fosis.ECONFLICT: 29}, codes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	tl, _ := f.st.Timeline(ctx, c.ID)
	n := 0
	for _, e := range tl {
		if e.Kind == "state" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d state changes in the timeline, want 1", n)
	}
	// Exits racing with each other and with a step forward: one wins.
	codes = map[string]int{}
	for g := range 30 {
		wg.Go(func() {
			to, reason := delivery.StateExited, delivery.ExitDropped
			if g%2 == 0 {
				to, reason = delivery.StateIntervention, ""
			}
			_, err := f.st.Transition(ctx, c.ID, delivery.StateDiagnosis, to, reason, "")
			mu.Lock()
			codes[fosis.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	// The step forward is gated (no diagnosis), so the exits race alone.
	if codes[""] != 1 || codes[fosis.ECONFLICT] != 29 {
		t.Errorf("outcomes: %v", codes)
	}
}

// TestScope: each role sees what it should, below the handlers; a case out
// of reach answers like a missing one.
func TestScope(t *testing.T) {
	f := newFixture(t, 80)
	var other int
	for i, h := range f.hh {
		if h.RegionCode != f.hh[0].RegionCode {
			other = i
			break
		}
	}
	if other == 0 {
		t.Fatal("the fixture needs two regions")
	}
	a := f.open("puente", 0, "ong-norte")        // ana
	b := f.open("habitabilidad", 1, "ong-norte") // beto
	c := f.open("puente", other, "ong-sur")      // carla
	f.user("regional", "regional", f.hh[0].RegionCode)
	ids := func(user string) []int64 {
		page, err := f.st.Cases(f.ctx[user], delivery.Filter{}, 0, 50)
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		out := []int64{}
		for _, x := range page.Items {
			out = append(out, x.ID)
		}
		return out
	}
	want := map[string][]int64{
		"ana": {a.ID}, "beto": {b.ID}, "carla": {c.ID}, "coord-norte": {a.ID, b.ID}, "coord-sur": {c.ID},
		"nacional": {a.ID, b.ID, c.ID}, "auditora": {a.ID, b.ID, c.ID},
	}
	if f.hh[1].RegionCode == f.hh[0].RegionCode {
		want["regional"] = []int64{a.ID, b.ID}
	} else {
		want["regional"] = []int64{a.ID}
	}
	for user, w := range want {
		if diff := cmp.Diff(w, ids(user)); diff != "" {
			t.Errorf("%s sees (-want +got):\n%s", user, diff)
		}
	}
	if _, err := f.st.Case(f.ctx["ana"], c.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("ana reads carla's case: %v", err)
	}
	if _, err := f.st.Cases(f.ctx["coop"], delivery.Filter{}, 0, 10); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("cooperation officer: %v", err)
	}
	if _, err := f.st.Transition(f.ctx["auditora"], a.ID, delivery.StateOpen, delivery.StateDiagnosis, "", ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("auditor moves a case: %v", err)
	}
	if _, err := f.st.Transition(f.ctx["carla"], a.ID, delivery.StateOpen, delivery.StateDiagnosis, "", ""); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("carla moves ana's case: %v", err)
	}
	// Reassignment: agency staff only, within the agency, kept in the timeline.
	if _, err := f.st.Assign(f.ctx["ana"], a.ID, "beto"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("a counsellor reassigns: %v", err)
	}
	if _, err := f.st.Assign(f.ctx["coord-norte"], a.ID, "carla"); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("assigning another agency's counsellor: %v", err)
	}
	if _, err := f.st.Assign(f.ctx["coord-norte"], a.ID, "beto"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{a.ID, b.ID}, ids("beto")); diff != "" {
		t.Errorf("beto after the reassignment (-want +got):\n%s", diff)
	}
	if got := ids("ana"); len(got) != 0 {
		t.Errorf("ana still sees %v", got)
	}
	tl, _ := f.st.Timeline(sysCtx(), a.ID)
	if last := tl[len(tl)-1]; last.Kind != "assigned" || last.Detail != "ana → beto" {
		t.Errorf("timeline: %+v", last)
	}
}

// TestSessionNotes: notes are read only by the counsellor, their supervisor
// and authorised staff, and every read (and refused read) is audited.
func TestSessionNotes(t *testing.T) {
	f := newFixture(t, 40)
	c := f.open("puente", 0, "ong-norte")
	ana := f.ctx["ana"]
	s, err := f.st.RecordSession(ana, c.ID, delivery.Session{Component: "home", Kind: delivery.SessionHome, Date: "2026-12-01", Minutes: 45,
		Attendees: []string{"María", " Pedro "}, Dimensions: []string{"salud"}, Notes: "Conversamos sobre los controles de salud."})
	if err != nil {
		t.Fatal(err)
	}
	if s.Notes != "" || !s.HasNotes {
		t.Errorf("the answer carries the notes: %+v", s)
	}
	_, err = f.st.RecordSession(ana, c.ID, delivery.Session{Component: "nope", Kind: "party", Date: "2026-13-01", Dimensions: []string{"magic"}})
	if e, ok := err.(*fosis.Error); !ok || e.Code != fosis.EINVALID || len(e.Fields) != 5 {
		t.Errorf("bad session: %v", err)
	}
	list, err := f.st.Sessions(f.ctx["nacional"], c.ID)
	if err != nil || len(list) != 1 || list[0].Notes != "" || !list[0].HasNotes || list[0].Attendees[1] != "Pedro" {
		t.Errorf("sessions: %+v, %v", list, err)
	}
	got, _ := f.st.Case(ana, c.ID)
	if got.LastContactOn != "2026-12-01" {
		t.Errorf("last contact %q", got.LastContactOn)
	}
	read := func(user string) error {
		n, err := f.st.Notes(f.ctx[user], s.ID, "10.0.0.1")
		if err == nil && n != "Conversamos sobre los controles de salud." {
			t.Errorf("%s read %q", user, n)
		}
		return err
	}
	for user, want := range map[string]string{"ana": "", "coord-norte": "", "nacional": fosis.EFORBIDDEN, "beto": fosis.ENOTFOUND, "coord-sur": fosis.ENOTFOUND} {
		if err := read(user); fosis.ErrorCode(err) != want {
			t.Errorf("%s reads the notes: %v, want %q", user, err, want)
		}
	}
	if err := f.st.GrantNotes(f.ctx["nacional"], "nacional"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("an analyst grants: %v", err)
	}
	if err := f.st.GrantNotes(sysCtx(), "nacional"); err != nil {
		t.Fatal(err)
	}
	if err := read("nacional"); err != nil {
		t.Errorf("authorised analyst: %v", err)
	}
	log, err := audit.List(sysCtx(), f.d, audit.Filter{Entity: "session"})
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, e := range log {
		who = append(who, e.Actor+":"+e.Action)
	}
	if diff := cmp.Diff([]string{"ana:session.notes_read", "coord-norte:session.notes_read", "nacional:session.notes_read", "nacional:session.notes_refused"}, sorted(who)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func sorted(xs []string) []string { slices.Sort(xs); return xs }
