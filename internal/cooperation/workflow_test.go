package cooperation

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
)

// TestPath takes a triangular request through every step to closing and
// checks what the project page shows at the end.
func TestPath(t *testing.T) {
	f := newFixture(t)
	ctx := sysCtx()
	f.started("CSS-PY-01", true)
	if _, err := f.s.AddEvent(ctx, "CSS-PY-01", Event{Kind: "study_tour", Mode: "on_site", Start: day("2026-09-01"), End: day("2026-09-10"), Place: "Santiago",
		Report:       "El equipo paraguayo conoció la operación del programa en tres comunas",
		Participants: []Participant{{SideChile, "Ana Rojas", "FOSIS"}, {SidePartner, "Carmen Benítez", "Ministerio de Desarrollo Social PY"}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordExecution(ctx, "CSS-PY-01", Execution{Org: "GIZ", Year: 2026, Category: "travel", Kind: "cash", Amount: 17500, On: day("2026-11-30")}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.BeginSystematization(ctx, "CSS-PY-01", day("2026-11-01")); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SaveSystematization(ctx, "CSS-PY-01", fullSystematization); err != nil {
		t.Fatal(err)
	}
	// 2026-03-01 to 2027-08-31 is 18 months: the project may close as
	// completed on that day, not before (issue 17: it was counted as 17).
	f.s.now = func() time.Time { return time.Date(2027, 9, 15, 0, 0, 0, 0, time.UTC) }
	if err := f.s.Close(ctx, "CSS-PY-01", day("2027-08-30")); code(err) != fosis.ECONFLICT || !strings.Contains(err.Error(), `rule "medium_term"`) {
		t.Fatalf("closing after 17 months: got %v, want the medium-term rule", err)
	}
	if err := f.s.Close(ctx, "CSS-PY-01", day("2027-08-31")); err != nil {
		t.Fatal(err)
	}
	v, err := f.s.Get(ctx, "css-py-01")
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range v.Timeline {
		steps = append(steps, string(e.Stage)+"/"+string(e.Step))
	}
	got := map[string]any{
		"step": v.Project.Step, "stage": v.Project.Stage, "modality": v.Project.Modality, "start": v.Project.ActualStart.String(), "end": v.Project.ActualEnd.String(),
		"versions": len(v.Versions), "events": len(v.Events), "signatures": len(v.Agreement.Signatures), "flags": len(v.Flags),
		"first": steps[0], "last": steps[len(steps)-1], "timeline": len(steps), "systematized": v.Systematization != nil && v.Systematization.Lessons != "",
	}
	wantMap := map[string]any{
		"step": StepClosed, "stage": StageSystematization, "modality": Triangular, "start": "2026-03-01", "end": "2027-08-31",
		"versions": 1, "events": 1, "signatures": 4, "flags": 0, "first": "request/requested", "last": "systematization/closed", "timeline": 12, "systematized": true,
	}
	if diff := cmp.Diff(wantMap, got); diff != "" {
		t.Errorf("project after closing (-want +got):\n%s\ntimeline: %v", diff, steps)
	}
	var parties []string
	for _, p := range v.Parties {
		parties = append(parties, p.Org+"/"+string(p.Side)+"/"+string(rune('0'+p.IATIRole)))
	}
	wantParties := []string{"GIZ/third/1", "AGCI/chile/2", "FOSIS/chile/4", "Ministerio de Desarrollo Social PY/partner/4"}
	if diff := cmp.Diff(wantParties, parties); diff != "" {
		t.Errorf("parties (-want +got):\n%s", diff)
	}
}

// TestRules checks that each principle and gate refuses what it should,
// with the code and a message naming the rule.
func TestRules(t *testing.T) {
	f := newFixture(t)
	f.share = 4
	ctx := sysCtx()
	f.request("REQ-1")
	f.feasible("FEAS-1")
	f.reviewed("REV-1", false)
	f.reviewed("REV-2", true)
	if err := f.s.Agree(ctx, "REV-2", agreement(true)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Sign(ctx, "REV-2", "FOSIS", "Director FOSIS", day("2026-02-20"), "Santiago"); err != nil {
		t.Fatal(err)
	}
	f.started("EXE-1", false)

	short := f.design(false)
	short.End = day("2027-06-30")
	noPartner := f.design(false)
	noPartner.Team = noPartner.Team[:2]
	noPartner.Team[0].Mirror, noPartner.Team[1].Mirror = "", ""
	inexperienced := f.design(false)
	inexperienced.Team[1].StaffID, inexperienced.Team[1].Name = f.staff["Marta Díaz"], "Marta Díaz"
	mislevel := f.design(false)
	mislevel.Team[3].Level = LevelDirector
	noStages := f.design(false)
	noStages.Stages = noStages.Stages[:3]
	noBudget := f.design(false)
	noBudget.Budget = nil
	noValuation := f.design(false)
	noValuation.Budget[0].Valuation = ""
	noAgreementPartner := agreement(false)
	noAgreementPartner.Parties = noAgreementPartner.Parties[1:]
	noGIZ := agreement(false)
	noGIZ.Kind = "trilateral"

	tests := []struct {
		name string
		run  func() error
		code string
		want string // in the message
	}{
		{"request from a Chilean institution", func() error {
			_, err := f.s.CreateRequest(ctx, Request{Code: "X-1", Title: "x", PartnerCountry: "PY", RequestingOrg: "AGCI", Channel: ChannelAGCI, RequestedOn: day("2026-01-01")})
			return err
		}, fosis.EINVALID, "the request comes from the partner country"},
		{"request via a financer without the asker", func() error {
			_, err := f.s.CreateRequest(ctx, Request{Code: "X-2", Title: "x", PartnerCountry: "PY", RequestingOrg: "STP Paraguay", Channel: ChannelFinancer, RequestedOn: day("2026-01-01")})
			return err
		}, fosis.EINVALID, "triangular_asker"},
		{"request dated in the future", func() error {
			_, err := f.s.CreateRequest(ctx, Request{Code: "X-3", Title: "x", PartnerCountry: "PY", RequestingOrg: "STP Paraguay", Channel: ChannelDirect, RequestedOn: day("2027-01-01")})
			return err
		}, fosis.EINVALID, "in the future"},
		{"duplicate code", func() error {
			_, err := f.s.CreateRequest(ctx, Request{Code: "REQ-1", Title: "x", PartnerCountry: "PY", RequestingOrg: "STP Paraguay", Channel: ChannelDirect, RequestedOn: day("2026-01-01")})
			return err
		}, fosis.ECONFLICT, "already exists"},
		{"approve feasibility with an unmet criterion", func() error {
			return f.s.Evaluate(ctx, "REQ-1", Feasibility{Criteria: []Criterion{{Name: "alignment", Met: true}, {Name: "commitment", Met: true}, {Name: "Disponibilidad de profesionales", Met: false}}, Decision: "approve", DecidedOn: day("2026-01-20"), DecidedBy: "Comité"})
		}, fosis.ECONFLICT, `rule "feasibility": cannot approve: criteria not met: Disponibilidad de profesionales`},
		{"design before feasibility", func() error { _, err := f.s.SaveDesign(ctx, "REQ-1", f.design(false)); return err }, fosis.ECONFLICT, `rule "workflow"`},
		{"shorter than 18 months", func() error { _, err := f.s.SaveDesign(ctx, "FEAS-1", short); return err }, fosis.EINVALID, "lasts 16 months (2026-03-01 to 2027-06-30); the minimum is 18 months (principle 4"},
		{"no partner in the team", func() error { _, err := f.s.SaveDesign(ctx, "FEAS-1", noPartner); return err }, fosis.EINVALID, "designed jointly with it (principle 2)"},
		{"Chilean member without program experience", func() error { _, err := f.s.SaveDesign(ctx, "FEAS-1", inexperienced); return err }, fosis.EINVALID, "Marta Díaz has not designed or run a FOSIS program"},
		{"mirror at another decision level", func() error { _, err := f.s.SaveDesign(ctx, "FEAS-1", mislevel); return err }, fosis.EINVALID, "mirrored members share a decision level"},
		{"a stage without time frame", func() error { _, err := f.s.SaveDesign(ctx, "FEAS-1", noStages); return err }, fosis.EINVALID, "stage systematization has no time frame (principle 1"},
		{"no resources", func() error { _, err := f.s.SaveDesign(ctx, "FEAS-1", noBudget); return err }, fosis.EINVALID, "resources defined beforehand"},
		{"in kind without valuation", func() error { _, err := f.s.SaveDesign(ctx, "FEAS-1", noValuation); return err }, fosis.EINVALID, "valuation method"},
		{"agreement without the requesting institution", func() error { return f.s.Agree(ctx, "REV-1", noAgreementPartner) }, fosis.ECONFLICT, `rule "joint_design"`},
		{"start before every signature", func() error { return f.s.Start(ctx, "REV-2", day("2026-03-01")) }, fosis.ECONFLICT,
			`rule "signatures": execution starts only when every party of the agreement has signed; missing: AGCI, GIZ, Ministerio de Desarrollo Social PY`},
		{"start a project not agreed", func() error { return f.s.Start(ctx, "REV-1", day("2026-03-01")) }, fosis.ECONFLICT, "starting execution needs project REV-1 to be agreed; it is reviewed"},
		{"sign twice", func() error { return f.s.Sign(ctx, "REV-2", "FOSIS", "Otra persona", day("2026-02-21"), "") }, fosis.ECONFLICT, "already signed"},
		{"event with one side only", func() error {
			_, err := f.s.AddEvent(ctx, "EXE-1", Event{Kind: "workshop", Mode: "remote", Start: day("2026-05-01"), End: day("2026-05-01"), Participants: []Participant{{SideChile, "Ana Rojas", "FOSIS"}}})
			return err
		}, fosis.ECONFLICT, `rule "mutual_learning"`},
		{"report on an event not yet held", func() error {
			_, err := f.s.AddEvent(ctx, "EXE-1", Event{Kind: "workshop", Mode: "remote", Start: day("2027-05-01"), End: day("2027-05-01"), Report: "x",
				Participants: []Participant{{SideChile, "Ana Rojas", "FOSIS"}, {SidePartner, "Carmen Benítez", "MDS"}}})
			return err
		}, fosis.EINVALID, "report on it once it has happened"},
		{"systematize without an exchange report", func() error { return f.s.BeginSystematization(ctx, "EXE-1", day("2026-11-01")) }, fosis.ECONFLICT, `rule "exchange"`},
		{"execution recorded in the future", func() error {
			return f.s.RecordExecution(ctx, "EXE-1", Execution{Org: "AGCI", Year: 2026, Category: "travel", Kind: "cash", Amount: 1, On: day("2026-12-02")})
		}, fosis.EINVALID, "in the future"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if code(err) != tc.code || !strings.Contains(fosis.ErrorMessage(err), tc.want) {
				t.Errorf("got %v (%s), want %s containing %q", err, code(err), tc.code, tc.want)
			}
		})
	}
	t.Run("trilateral agreement without the financer", func(t *testing.T) {
		f.reviewed("REV-3", true)
		err := f.s.Agree(ctx, "REV-3", noGIZ)
		if code(err) != fosis.ECONFLICT || !strings.Contains(err.Error(), `rule "shared_costs"`) || !strings.Contains(err.Error(), "missing: GIZ") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("close without the systematization", func(t *testing.T) {
		f.started("EXE-2", false)
		if _, err := f.s.AddEvent(ctx, "EXE-2", Event{Kind: "monitoring", Mode: "remote", Start: day("2026-06-01"), End: day("2026-06-01"), Report: "Avance según plan",
			Participants: []Participant{{SideChile, "Luis Soto", "FOSIS"}, {SidePartner, "Jorge Ayala", "MDS"}}}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.BeginSystematization(ctx, "EXE-2", day("2026-11-01")); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SaveSystematization(ctx, "EXE-2", Systematization{Lessons: fullSystematization.Lessons, Challenge: fullSystematization.Challenge, Solution: fullSystematization.Solution,
			Results: fullSystematization.Results, Sustainability: fullSystematization.Sustainability, Replicability: fullSystematization.Replicability}); err != nil {
			t.Fatal(err)
		}
		err := f.s.Close(ctx, "EXE-2", day("2026-11-30"))
		want := `refused by rule "systematization": record the evaluation findings, the management response before closing`
		if code(err) != fosis.ECONFLICT || fosis.ErrorMessage(err) != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
}

// TestUnpairedFlagged checks that a member without a mirror is flagged, not
// refused.
func TestUnpairedFlagged(t *testing.T) {
	f := newFixture(t)
	f.feasible("F-1")
	d := f.design(false)
	d.Team[1].Mirror = ""
	d.Team = d.Team[:3] // Jorge Ayala leaves; Luis Soto is alone at his level
	res, err := f.s.SaveDesign(sysCtx(), "F-1", d)
	if err != nil {
		t.Fatal(err)
	}
	want := []Flag{{Rule: "mirrored_teams", Message: "Luis Soto (chile, professional) has no counterpart at the same decision level on the other side",
		Key: "coop.flag.no_counterpart", Args: []any{"Luis Soto", fosis.Phrase{Key: "coop.side.chile", Text: "chile"}, fosis.Phrase{Key: "coop.level.professional", Text: "professional"}}}}
	if diff := cmp.Diff(want, res.Flags); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
	pairs, unpaired := d.Pairs()
	if len(pairs) != 1 || pairs[0][0].Name != "Ana Rojas" || pairs[0][1].Name != "Carmen Benítez" || len(unpaired) != 1 || unpaired[0].Name != "Luis Soto" {
		t.Errorf("pairs %v, unpaired %v", pairs, unpaired)
	}
	if res.Version != 1 {
		t.Errorf("version %d, want 1", res.Version)
	}
	res, err = f.s.SaveDesign(sysCtx(), "F-1", f.design(false))
	if err != nil || res.Version != 2 || len(res.Flags) != 0 {
		t.Errorf("second version: %+v, %v", res, err)
	}
}

// TestCapacityClash approves one project and then refuses a second whose
// team would exceed two professionals' availability, naming them and the
// months.
func TestCapacityClash(t *testing.T) {
	f := newFixture(t)
	ctx := sysCtx()
	f.reviewed("A-1", false)
	f.feasible("A-2")
	if _, err := f.s.SaveDesign(ctx, "A-2", f.design(false)); err != nil {
		t.Fatal(err)
	}
	err := f.s.ReviewDesign(ctx, "A-2", Review{Decision: "approve", DecidedOn: day("2026-02-10"), Directors: "Dirección"})
	want := `refused by rule "staff_capacity": the team would exceed staff availability: Ana Rojas 2026-03 to 2027-12: 60% asked, 50% available; Luis Soto 2026-07 to 2027-12: 40% asked, 20% available`
	if code(err) != fosis.ECONFLICT || fosis.ErrorMessage(err) != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	v, err := f.s.Get(ctx, "A-2")
	if err != nil || v.Project.Step != StepDesigning || len(v.Ledger) != 0 {
		t.Errorf("a refused approval changed the project: %+v, %v", v.Project, err)
	}
	// A smaller share fits.
	d := f.design(false)
	d.Team[0].Share = 20
	d.Team[1].From = "2026-03"
	d.Team[1].To = "2026-06"
	if _, err := f.s.SaveDesign(ctx, "A-2", d); err != nil {
		t.Fatal(err)
	}
	if err := f.s.ReviewDesign(ctx, "A-2", Review{Decision: "approve", DecidedOn: day("2026-02-10"), Directors: "Dirección"}); err != nil {
		t.Errorf("a design within capacity was refused: %v", err)
	}
}

func TestClashes(t *testing.T) {
	staff := []Staff{{ID: 1, Name: "Ana", Avail: []Availability{{"2026-01", "2026-03", 50}, {"2026-04", "2026-12", 100}}}, {ID: 2, Name: "Bea"}}
	tests := []struct {
		name string
		as   []Assignment
		want []Clash
	}{
		{"within capacity", []Assignment{{StaffID: 1, Share: 50, From: "2026-01", To: "2026-12"}}, nil},
		{"over in the first period only", []Assignment{{StaffID: 1, Share: 40, From: "2026-01", To: "2026-06"}, {StaffID: 1, Share: 30, From: "2026-02", To: "2026-05"}},
			[]Clash{{Staff: "Ana", From: "2026-02", To: "2026-03", Load: 70, Capacity: 50}}},
		{"no availability recorded", []Assignment{{StaffID: 2, Share: 10, From: "2026-05", To: "2026-05"}}, []Clash{{Staff: "Bea", From: "2026-05", To: "2026-05", Load: 10, Capacity: 0}}},
		{"spans across a year", []Assignment{{StaffID: 1, Share: 60, From: "2025-11", To: "2026-02"}},
			[]Clash{{Staff: "Ana", From: "2025-11", To: "2025-12", Load: 60, Capacity: 0}, {Staff: "Ana", From: "2026-01", To: "2026-02", Load: 60, Capacity: 50}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Clashes(staff, tc.as)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// fullSystematization is a systematization with every part said with
// substance.
var fullSystematization = Systematization{
	Lessons:            "El equipo espejo, con pares en cada nivel de decisión, acelera la adaptación del modelo",
	Challenge:          "Familias en extrema pobreza sin acompañamiento personalizado ni vínculo con la red pública",
	Solution:           "Modelo de acompañamiento psicosocial adaptado conjuntamente, con manual e instrumentos propios",
	Results:            "Manual aprobado por el ministerio y sesenta facilitadores formados en dos departamentos",
	Sustainability:     "El programa entra al presupuesto nacional de 2028 y a la estructura del ministerio",
	Replicability:      "Aplicable a otros países de la región con registro social y red municipal activa",
	Findings:           "La evaluación externa encontró metas de formación cumplidas y un piloto con tres meses de retraso",
	ManagementResponse: "Se acepta la recomendación: se incorpora un hito de contratación temprana en los próximos proyectos",
}
