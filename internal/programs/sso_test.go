package programs_test

import (
	"testing"
	"time"

	"github.com/fosis/fosis/internal/programs"
)

// TestSeguridadesYOportunidades: a household enrolled in Familias (invited:
// the line takes no applications) takes part
// in Seguridades y Oportunidades (sso), and every member of it passes the
// sso rule of Apoyo a tu Plan Laboral; an adult of another household fails
// it, with the rule named.
func TestSeguridadesYOportunidades(t *testing.T) {
	f := newFixture(t, 400)
	var family, other *struct{ id, head, member string }
	for _, h := range f.hh {
		if h.CommuneCode != f.main {
			continue
		}
		var head, adult string
		for _, m := range h.Members {
			switch {
			case m.Relation == "head":
				head = m.RUN
			case m.Age >= 18 && adult == "":
				adult = m.RUN
			}
		}
		if head == "" || adult == "" {
			continue
		}
		switch {
		case family == nil:
			family = &struct{ id, head, member string }{h.ID, head, adult}
		case other == nil:
			other = &struct{ id, head, member string }{h.ID, head, adult}
		}
	}
	if other == nil {
		t.Fatal("the fixture needs two households with a head and another adult")
	}
	fam := f.openCall(t, programs.CallInput{Code: "familias-2026", Title: "Familias", Program: "familias",
		OpensOn: "2026-11-01", ClosesOn: "2026-11-30", Run: f.run, BudgetCLP: 0, Communes: map[string]int{f.main: 1000},
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "any", NameES: "a", NameEN: "a", Expr: "true"}}}})
	f.st.SetStatus(f.ctx, fam.Code, programs.StatusClosed)
	if _, err := f.st.RunSelection(f.ctx, fam.Code); err != nil {
		t.Fatal(err)
	}
	apps, err := f.st.Applications(f.ctx, fam.Code, programs.AppSelected)
	if err != nil {
		t.Fatal(err)
	}
	var a *programs.Application
	for i := range apps {
		if apps[i].HouseholdID == family.id {
			a = &apps[i]
		}
	}
	if a == nil || a.Attrs.SSO || !a.Invited {
		t.Fatalf("the family's invitation to Familias: %+v", a)
	}
	if _, err := f.st.Enroll(f.ctx, a.ID, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	plan := f.openCall(t, programs.CallInput{Code: "plan-laboral-2027", Title: "Apoyo a tu Plan Laboral", Program: "apoyo-plan-laboral",
		OpensOn: "2027-01-01", ClosesOn: "2027-02-01", Run: f.run, BudgetCLP: 2 * 180_000, Communes: map[string]int{f.main: 2}})
	in, err := f.st.Apply(f.ctx, plan.Code, programs.ApplyInput{RUN: family.member})
	if err != nil {
		t.Fatal(err)
	}
	if !in.Attrs.SSO || !in.Eligible {
		t.Errorf("a member of a Familias household: sso %v, eligible %v, failed %+v", in.Attrs.SSO, in.Eligible, in.Failed)
	}
	out, err := f.st.Apply(f.ctx, plan.Code, programs.ApplyInput{RUN: other.member})
	if err != nil {
		t.Fatal(err)
	}
	if out.Attrs.SSO || out.Eligible || len(out.Failed) != 1 || out.Failed[0].Rule != "sso" {
		t.Errorf("an adult outside Seguridades y Oportunidades: sso %v, eligible %v, failed %+v", out.Attrs.SSO, out.Eligible, out.Failed)
	}
	// The selection re-checks it the same way.
	f.st.SetStatus(f.ctx, plan.Code, programs.StatusClosed)
	rec, err := f.st.RunSelection(f.ctx, plan.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rec.Applicants {
		if p.Eligible != (p.ID == in.ID) {
			t.Errorf("selection: application %d eligible %v", p.ID, p.Eligible)
		}
	}
}
