package delivery_test

import (
	"context"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
)

func citizenOf(t *testing.T, run string) context.Context {
	t.Helper()
	key, err := rut.Parse(run)
	if err != nil {
		t.Fatal(err)
	}
	return auth.WithPrincipal(context.Background(), &auth.Principal{Username: "citizen", Role: auth.RoleCitizen, PersonKey: key})
}

// TestOwnProgramme: a person sees their household's case, its next
// scheduled sessions (not the past ones, never notes or attendees) and the
// approved plan's actions; nobody else's; staff are refused.
func TestOwnProgramme(t *testing.T) {
	f := newFixture(t, 40)
	c := f.open("puente", 0, "ong-norte")
	ana := f.ctx["ana"]
	m, _ := f.st.Methodology(ana, "puente", 1)
	f.st.Transition(ana, c.ID, delivery.StateOpen, delivery.StateDiagnosis, "", "")
	if err := f.st.RecordDiagnosis(ana, c.ID, delivery.PhaseEntry, marks(m, delivery.Met)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Transition(ana, c.ID, delivery.StateDiagnosis, delivery.StateIntervention, "", ""); err != nil {
		t.Fatal(err)
	}
	p, err := f.st.ProposePlan(ana, c.ID, delivery.Plan{Kind: "family", Goal: "Amasandería",
		Actions: []delivery.PlanAction{{Action: "Cotizar el horno", Who: "Participante", By: "2027-01-15"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.DecidePlan(f.ctx["coord-norte"], p.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	comp := "home"
	if _, err := f.st.RecordSession(ana, c.ID, delivery.Session{Component: comp, Kind: delivery.SessionHome, Status: delivery.Held, Date: "2026-12-01", Minutes: 45,
		Attendees: []string{"Rosa"}, Notes: "confidencial"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.RecordSession(ana, c.ID, delivery.Session{Component: comp, Kind: delivery.SessionHome, Status: delivery.Scheduled, Date: "2026-12-20", Minutes: 60}); err != nil {
		t.Fatal(err)
	}
	me := citizenOf(t, f.hh[0].Members[0].RUN)
	got, err := f.st.OwnProgramme(me)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != c.ID || got[0].State != delivery.StateIntervention || got[0].Goal != "Amasandería" ||
		len(got[0].Actions) != 1 || len(got[0].Next) != 1 || got[0].Next[0].On != "2026-12-20" {
		t.Errorf("my programme: %+v", got)
	}
	if theirs, err := f.st.OwnProgramme(citizenOf(t, f.hh[1].Members[0].RUN)); err != nil || len(theirs) != 0 {
		t.Errorf("another household's programme: %+v, %v", theirs, err)
	}
	if _, err := f.st.OwnProgramme(ana); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("a counsellor through the portal's door: %v, want forbidden", err)
	}
}
