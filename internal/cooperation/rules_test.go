package cooperation

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/fosis/fosis"
)

// TestSeedRules checks each rule of issue 17: every one refuses with its
// code, its key (so that the pages say it in Spanish) and a message naming
// what to do. Each case failed before the rule.
func TestSeedRules(t *testing.T) {
	f := newFixture(t)
	f.share = 4
	ctx := sysCtx()
	f.reviewed("TRI-1", true)
	f.reviewed("BI-1", false)
	f.started("EXE-1", false)
	f.feasible("FEAS-1")

	noFOSIS := agreement(true)
	noFOSIS.Parties = append(noFOSIS.Parties[:1], noFOSIS.Parties[2:]...)
	bilateral := agreement(true)
	bilateral.Kind = "bilateral"
	future := agreement(false)
	future.EffectiveOn = day("2026-12-30")
	beforeReview := agreement(false)
	beforeReview.EffectiveOn = day("2026-02-01")
	onlyChile := f.design(false)
	onlyChile.Budget = onlyChile.Budget[2:]
	backdated := f.design(false)
	backdated.Drafted = day("2026-01-15")

	tests := []struct {
		name string
		run  func() error
		code string
		key  string
		want string // in the English message
	}{
		{"FOSIS left out of the agreement", func() error { return f.s.Agree(ctx, "TRI-1", noFOSIS) }, fosis.ECONFLICT,
			"coop.refused.agreement.fosis", "FOSIS commits and signs every agreement"},
		{"a bilateral agreement for a triangular project", func() error { return f.s.Agree(ctx, "TRI-1", bilateral) }, fosis.EINVALID,
			"coop.err.kind.bilateral_triangular", "its agreement is trilateral or two bilaterals"},
		{"an agreement in effect in the future", func() error { return f.s.Agree(ctx, "BI-1", future) }, fosis.EINVALID,
			"coop.err.item.future_record", "2026-12-30 is in the future"},
		{"an agreement before the review", func() error { return f.s.Agree(ctx, "BI-1", beforeReview) }, fosis.ECONFLICT,
			"coop.refused.dates.before_last_step", "effective_on: 2026-02-01 is before the project's last step (2026-02-10)"},
		{"a design version dated before the feasibility decision", func() error { _, err := f.s.SaveDesign(ctx, "FEAS-1", backdated); return err }, fosis.ECONFLICT,
			"coop.refused.dates.before_last_step", "drafted: 2026-01-15 is before the project's last step (2026-01-20)"},
		{"approval without the requesting country's contribution", func() error {
			f.feasible("NOPY-1")
			if _, err := f.s.SaveDesign(ctx, "NOPY-1", onlyChile); err != nil {
				return err
			}
			return f.s.ReviewDesign(ctx, "NOPY-1", Review{Decision: "approve", DecidedOn: day("2026-02-10"), Directors: "Dirección"})
		}, fosis.ECONFLICT, "coop.refused.shared_costs.partner_share", "give its contribution (at least in kind, valued) in the budget of PY"},
		{"a triangular design approved without its financer", func() error {
			f.feasible("TRI-2")
			if _, err := f.s.SaveDesign(ctx, "TRI-2", f.design(true)); err != nil {
				return err
			}
			return f.s.ReviewDesign(ctx, "TRI-2", Review{Decision: "approve", DecidedOn: day("2026-02-10"), Directors: "Dirección", Financers: "GIZ"})
		}, fosis.ECONFLICT, "coop.refused.financers.missing", "give the decision of GIZ"},
		{"a triangular design approved against its financer", func() error {
			return f.s.ReviewDesign(ctx, "TRI-2", Review{Decision: "approve", DecidedOn: day("2026-02-10"), Directors: "Dirección",
				FinancerDecisions: []FinancerDecision{{"GIZ", "revise"}}})
		}, fosis.ECONFLICT, "coop.refused.financers.against", "GIZ asked for a revision"},
		{"a decision from an organisation that does not finance", func() error {
			return f.s.ReviewDesign(ctx, "TRI-2", Review{Decision: "approve", DecidedOn: day("2026-02-10"), Directors: "Dirección",
				FinancerDecisions: []FinancerDecision{{"GIZ", "approve"}, {"AGCI", "approve"}}})
		}, fosis.EINVALID, "coop.err.financer_decisions.not_financer", "AGCI does not finance design version 1"},
		{"a feasibility evaluation without the required criteria", func() error {
			f.request("REQ-2")
			return f.s.Evaluate(ctx, "REQ-2", Feasibility{Criteria: []Criterion{{Name: "alignment", Met: true}}, Decision: "approve", DecidedOn: day("2026-01-20"), DecidedBy: "Comité"})
		}, fosis.EINVALID, "coop.err.criteria.required", "missing: Commitment of the requesting institution, Availability of professionals"},
		{"a feasibility decision before the request", func() error {
			return f.s.Evaluate(ctx, "REQ-2", Feasibility{Criteria: []Criterion{{Name: "alignment", Met: true}, {Name: "commitment", Met: true}, {Name: "staff", Met: true}},
				Decision: "approve", DecidedOn: day("2026-01-05"), DecidedBy: "Comité"})
		}, fosis.ECONFLICT, "coop.refused.dates.before_last_step", "2026-01-05 is before the project's last step (2026-01-10)"},
		{"a ledger line from a non-party", func() error {
			return f.s.RecordExecution(ctx, "EXE-1", Execution{Org: "GIZ", Year: 2026, Category: "travel", Kind: "cash", Amount: 100, On: day("2026-06-01")})
		}, fosis.ECONFLICT, "coop.refused.shared_costs.not_party", "GIZ is not a party of EXE-1"},
		{"a category that is not the seed's", func() error {
			return f.s.RecordExecution(ctx, "EXE-1", Execution{Org: "AGCI", Year: 2026, Category: "other", Kind: "cash", Amount: 100, On: day("2026-06-01")})
		}, fosis.EINVALID, "coop.err.category.x", `"other" is not one of authorities, professionals, experts, office, materials, travel, lodging, systematization`},
		{"an event before the request", func() error {
			_, err := f.s.AddEvent(ctx, "EXE-1", Event{Kind: "workshop", Mode: "remote", Start: day("2025-01-10"), End: day("2025-01-10"), Report: "Taller de diagnóstico",
				Participants: []Participant{{SideChile, "Ana Rojas", "FOSIS"}, {SidePartner, "Carmen Benítez", "MDS"}}})
			return err
		}, fosis.ECONFLICT, "coop.refused.dates.event_before_request", "before the request (2026-01-10)"},
		{"systematization said in one word", func() error {
			return f.s.SaveSystematization(ctx, "EXE-1", Systematization{Lessons: "x"})
		}, fosis.EINVALID, "coop.err.systematization.short", "lessons learned says too little"},
		{"completed after 9 months", func() error {
			return f.s.CloseWith(ctx, "EXE-1", Closing{On: day("2026-11-30")})
		}, fosis.ECONFLICT, "coop.refused.workflow.needs_project", "closing needs project EXE-1 to be systematizing; it is executing"},
		{"cancelled without a reason", func() error {
			return f.s.CloseWith(ctx, "EXE-1", Closing{On: day("2026-11-30"), Status: "cancelled", Reason: "no"})
		}, fosis.EINVALID, "coop.err.reason.short", "a project cancelled before its end needs the documented reason"},
		{"availability cut below what is committed", func() error {
			_, err := f.s.SaveStaff(ctx, Staff{Name: "Ana Rojas", Position: "Jefa de departamento", Level: LevelDirector, Programs: []Program{{"Puente", "designed"}},
				Avail: []Availability{{"2026-01", "2028-12", 5}}})
			return err
		}, fosis.ECONFLICT, "coop.refused.staff_capacity.cut", "Ana Rojas is already committed to BI-1, EXE-1, TRI-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var fe *fosis.Error
			if !asError(err, &fe) || fe.Code != tc.code || fe.Key != tc.key || !strings.Contains(fe.Message, tc.want) {
				t.Errorf("got %v (key %q), want %s %s containing %q", err, keyOf(err), tc.code, tc.key, tc.want)
			}
		})
	}

	t.Run("every party signs, whatever the agreement says", func(t *testing.T) {
		a := agreement(false)
		a.Parties[2].Required = false // AGCI
		if err := f.s.Agree(ctx, "BI-1", a); err != nil {
			t.Fatal(err)
		}
		for _, org := range []string{"Ministerio de Desarrollo Social PY", "FOSIS"} {
			if err := f.s.Sign(ctx, "BI-1", org, "Firmante", day("2026-02-20"), ""); err != nil {
				t.Fatal(err)
			}
		}
		err := f.s.Start(ctx, "BI-1", day("2026-03-01"))
		if code(err) != fosis.ECONFLICT || !strings.Contains(fosis.ErrorMessage(err), "every party of the agreement has signed; missing: AGCI") {
			t.Errorf("start without AGCI's signature: %v", err)
		}
	})

	t.Run("cancelled early with its reason, reported as such", func(t *testing.T) {
		err := f.s.CloseWith(ctx, "EXE-1", Closing{On: day("2026-11-30"), Status: "cancelled", Reason: "El ministerio socio fue reestructurado y suspendió el programa"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.s.Get(ctx, "EXE-1")
		if err != nil {
			t.Fatal(err)
		}
		if v.Project.Step != StepClosed || v.Project.Closure != "cancelled" || !strings.HasPrefix(v.Project.ClosureReason, "El ministerio") {
			t.Errorf("project after cancelling: %+v", v.Project)
		}
	})
}

// keyOf returns the key of err's *fosis.Error.
func keyOf(err error) string {
	var fe *fosis.Error
	if asError(err, &fe) {
		return fe.Key
	}
	return ""
}

// TestMonthsBetween: the 18 months count whole months with both ends in.
func TestMonthsBetween(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2026-03-01", "2027-08-31", 18}, // issue 17: counted 17 before
		{"2026-03-01", "2027-08-30", 17},
		{"2026-03-15", "2027-09-14", 18},
		{"2026-01-31", "2026-02-28", 1},
		{"2026-03-01", "2027-12-31", 22},
	} {
		if got := monthsBetween(day(tc.a).Time, day(tc.b).Time); got != tc.want {
			t.Errorf("%s to %s: %d months, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestStepRace fires concurrent attempts at the same step of the same
// project: exactly one wins (the step is a compare-and-set), the others
// are told the project changed or is no longer at that step, and the
// timeline and the audit trail hold one line each. Run it on PostgreSQL
// with FOSIS_TEST_DB=postgres.
func TestStepRace(t *testing.T) {
	f := newFixture(t)
	ctx := sysCtx()
	f.request("RACE-1")
	f.reviewed("RACE-2", false)
	const n = 30
	for _, tc := range []struct {
		name, code, logged, action string
		step                       func(context.Context, int) error
	}{
		{"feasibility", "RACE-1", "feasible", "coop.feasibility", func(ctx context.Context, i int) error {
			return f.s.Evaluate(ctx, "RACE-1", Feasibility{Criteria: []Criterion{{Name: "alignment", Met: true}, {Name: "commitment", Met: true}, {Name: "staff", Met: true}},
				Decision: "approve", DecidedOn: day("2026-01-20"), DecidedBy: "Comité"})
		}},
		{"agreement", "RACE-2", "agreed", "coop.agreement", func(ctx context.Context, i int) error { return f.s.Agree(ctx, "RACE-2", agreement(false)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = tc.step(ctx, i)
				}()
			}
			close(start)
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case code(err) != fosis.ECONFLICT:
					t.Errorf("a losing attempt: %v, want a conflict", err)
				}
			}
			if won != 1 {
				t.Errorf("%d attempts won, want exactly 1", won)
			}
			var steps, audits int
			if err := f.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM coop_steps s JOIN coop_projects p ON p.id = s.project_id WHERE p.code = ? AND s.step = ?`, tc.code, tc.logged).Scan(&steps); err != nil {
				t.Fatal(err)
			}
			if err := f.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity_id = ? AND action = ?`, tc.code, tc.action).Scan(&audits); err != nil {
				t.Fatal(err)
			}
			if steps != 1 || audits != 1 {
				t.Errorf("%d timeline lines and %d audit entries for the step, want 1 and 1", steps, audits)
			}
		})
	}
}
