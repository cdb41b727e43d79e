package delivery_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/delivery"
)

// TestAlertsAndAgenda: an active case without contact for over 30 days and
// a scheduled session whose day passed raise alerts for who sees the case;
// the agenda lists what is scheduled this week.
func TestAlertsAndAgenda(t *testing.T) {
	f := newFixture(t, 40)
	ctx := f.ctx["ana"]
	old, err := f.st.Open(sysCtx(), delivery.OpenInput{Line: "puente", HouseholdID: f.hh[0].ID, Agency: "ong-norte", OpenedOn: "2026-09-01"})
	if err != nil {
		t.Fatal(err)
	}
	recent, err := f.st.Open(sysCtx(), delivery.OpenInput{Line: "puente", HouseholdID: f.hh[1].ID, Agency: "ong-norte", OpenedOn: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	if recent.Counsellor != "beto" || old.Counsellor != "ana" {
		t.Fatalf("counsellors: %s, %s", old.Counsellor, recent.Counsellor)
	}
	for _, s := range []delivery.Session{
		{Component: "home", Kind: "home", Status: delivery.Held, Date: "2026-10-01", Minutes: 45},
		{Component: "home", Kind: "home", Status: delivery.Scheduled, Date: "2026-11-20"},
		{Component: "group", Kind: "group", Status: delivery.Scheduled, Date: "2026-12-09"},
		{Component: "group", Kind: "group", Status: delivery.Scheduled, Date: "2026-12-30"},
	} {
		if _, err := f.st.RecordSession(ctx, old.ID, s); err != nil {
			t.Fatal(err)
		}
	}
	alerts, err := f.st.Alerts(ctx, 30, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []delivery.Alert{{Kind: "no_contact", CaseID: old.ID, HouseholdID: f.hh[0].ID, Counsellor: "ana", Since: "2026-10-01", Days: 67},
		{Kind: "overdue", CaseID: old.ID, HouseholdID: f.hh[0].ID, Counsellor: "ana", Since: "2026-11-20", Days: 17}}
	if diff := cmp.Diff(want, alerts); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	if got, _ := f.st.Alerts(f.ctx["beto"], 30, 0); len(got) != 0 {
		t.Errorf("beto's alerts: %+v", got)
	}
	if got, _ := f.st.Alerts(f.ctx["coord-norte"], 30, 0); len(got) != 2 {
		t.Errorf("the coordinator's alerts: %+v", got)
	}
	agenda, err := f.st.Agenda(ctx, 7)
	if err != nil || len(agenda) != 1 || agenda[0].Date != "2026-12-09" || agenda[0].Kind != "group" {
		t.Errorf("agenda: %+v, %v", agenda, err)
	}
}
