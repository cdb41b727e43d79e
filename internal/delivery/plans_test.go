package delivery_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// TestPlans: a business plan's budget stays within the line's amount; the
// plan is approved by someone other than its maker and the counsellor;
// versions are kept; of many approvals at once, one wins.
func TestPlans(t *testing.T) {
	f := newFixture(t, 40)
	c := f.open("yo-emprendo-semilla", 0, "ong-norte") // $575,000 per participant
	ana := f.ctx["ana"]
	m, _ := f.st.Methodology(ana, "yo-emprendo-semilla", 1)
	if _, err := f.st.ProposePlan(ana, c.ID, delivery.Plan{Kind: "business", Goal: "Amasandería"}); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("a plan before the intervention: %v", err)
	}
	f.st.Transition(ana, c.ID, delivery.StateOpen, delivery.StateDiagnosis, "", "")
	if err := f.st.RecordDiagnosis(ana, c.ID, delivery.PhaseEntry, marks(m, delivery.NotMet)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Transition(ana, c.ID, delivery.StateDiagnosis, delivery.StateIntervention, "", ""); err != nil {
		t.Fatal(err)
	}
	over := delivery.Plan{Kind: "business", Goal: "Amasandería", Budget: []delivery.BudgetLine{{"Horno", 400_000}, {"Harina", 200_000}, {"", -5}},
		Actions: []delivery.PlanAction{{Action: "Cotizar el horno", Who: "Participante", By: "2027-01-15"}, {Action: "Curso", Who: "", By: "mañana"}}}
	_, err := f.st.ProposePlan(ana, c.ID, over)
	e, ok := err.(*fosis.Error)
	if !ok || e.Code != fosis.EINVALID {
		t.Fatalf("over budget: %v", err)
	}
	var fields []string
	for _, x := range e.Fields {
		fields = append(fields, x.Field)
	}
	if strings.Join(fields, " ") != "actions[1] actions[1].by budget[2] budget" || !strings.Contains(e.Fields[3].Message, "over the $575,000 per participant") {
		t.Errorf("problems: %v; %s", fields, e.Fields[len(e.Fields)-1].Message)
	}
	plan := delivery.Plan{Kind: "business", Goal: "Amasandería", Budget: []delivery.BudgetLine{{"Horno", 400_000}, {"Harina", 175_000}},
		Actions: []delivery.PlanAction{{Action: "Cotizar el horno", Who: "Participante", By: "2027-01-15"}}}
	p1, err := f.st.ProposePlan(ana, c.ID, plan)
	if err != nil || p1.Version != 1 || p1.TotalCLP != 575_000 || p1.Status != delivery.PlanProposed {
		t.Fatalf("propose: %+v, %v", p1, err)
	}
	if _, err := f.st.DecidePlan(ana, p1.ID, true, ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("the counsellor approves: %v", err)
	}
	if _, err := f.st.ProposePlan(f.ctx["coord-norte"], c.ID, plan); err != nil {
		t.Fatal(err)
	}
	plans, _ := f.st.Plans(ana, c.ID)
	if len(plans) != 2 || plans[0].MadeBy != "coord-norte" {
		t.Fatalf("versions: %+v", plans)
	}
	if _, err := f.st.DecidePlan(f.ctx["coord-norte"], plans[0].ID, true, ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("the maker approves: %v", err)
	}
	// Version 1, by ana: the coordinator and a national analyst decide it at once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for g := range 20 {
		wg.Go(func() {
			who := "coord-norte"
			if g%2 == 1 {
				who = "nacional"
			}
			_, err := f.st.DecidePlan(f.ctx[who], p1.ID, g%3 != 0, "revisado")
			mu.Lock()
			codes[fosis.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes[fosis.ECONFLICT] != 19 {
		t.Errorf("decisions: %v", codes)
	}
	if _, err := f.st.ProposePlan(f.ctx["coord-norte"], f.open("puente", 1, "ong-norte").ID, plan); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("a plan of a case not in intervention: %v", err)
	}
}
