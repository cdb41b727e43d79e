package cooperation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// testToday is the fixed clock of the tests: the fixture project started in
// March 2026 and is in execution.
var testToday = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func sysCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System()) }

func day(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

type fixture struct {
	t     *testing.T
	d     *db.DB
	s     *Store
	staff map[string]int64
	// share is the Chilean members' share of time in design (0: 30% for
	// Ana, 20% for Luis); tests that approve many projects lower it.
	share int
	// others are further receiving countries of the next requests (a
	// regional initiative).
	others []string
}

// newFixture returns a store over a fresh database with the organisations
// and professionals the tests share.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.Open(t)
	f := &fixture{t: t, d: d, s: NewStore(d, nil, func() time.Time { return testToday }), staff: map[string]int64{}}
	ctx := sysCtx()
	for _, o := range []Org{
		{Name: "FOSIS", Country: "CL", IATIRef: "CL-RUT-60109000-3", Technical: true, Reporting: true},
		{Name: "AGCI", Country: "CL", IATIRef: "CL-RUT-60514000-5", Strategic: true, Technical: true, Agency: true},
		{Name: "Ministerio de Desarrollo Social PY", Country: "PY", Technical: true},
		{Name: "STP Paraguay", Country: "PY", Strategic: true, Agency: true},
		{Name: "Ministerio de Desarrollo Social GT", Country: "GT", Technical: true},
		{Name: "GIZ", Country: "DE", IATIRef: "XM-DAC-5-7", Financial: true, Technical: true},
	} {
		if _, err := f.s.SaveOrg(ctx, o); err != nil {
			t.Fatalf("org %s: %v", o.Name, err)
		}
	}
	for _, st := range []Staff{
		{Name: "Ana Rojas", Position: "Jefa de departamento", Level: LevelDirector, Programs: []Program{{"Puente", "designed"}},
			Avail: []Availability{{"2026-01", "2028-12", 50}}},
		{Name: "Luis Soto", Position: "Profesional", Level: LevelProfessional, Programs: []Program{{"Yo Emprendo", "ran"}},
			Avail: []Availability{{"2026-01", "2026-06", 40}, {"2026-07", "2028-12", 20}}},
		{Name: "Marta Díaz", Position: "Profesional", Level: LevelProfessional, Avail: []Availability{{"2026-01", "2028-12", 100}}},
	} {
		out, err := f.s.SaveStaff(ctx, st)
		if err != nil {
			t.Fatalf("staff %s: %v", st.Name, err)
		}
		f.staff[st.Name] = out.ID
	}
	return f
}

// request files a request with code for the Paraguayan ministry.
func (f *fixture) request(code string) {
	f.t.Helper()
	_, err := f.s.CreateRequest(sysCtx(), Request{Code: code, Title: "Acompañamiento psicosocial " + code, PartnerCountry: "PY",
		RequestingOrg: "Ministerio de Desarrollo Social PY", Channel: ChannelAGCI, Problem: "Familias en extrema pobreza sin acompañamiento",
		SEGIBSector: "Otros servicios y políticas sociales", Public: true, RequestedOn: day("2026-01-10"), SDGs: []int{10, 1}, OtherCountries: f.others})
	if err != nil {
		f.t.Fatalf("request %s: %v", code, err)
	}
}

// feasible takes a request through an approving feasibility evaluation.
func (f *fixture) feasible(code string) {
	f.t.Helper()
	f.request(code)
	err := f.s.Evaluate(sysCtx(), code, Feasibility{Criteria: []Criterion{{Name: "alignment", Met: true}, {Name: "commitment", Met: true}, {Name: "staff", Met: true}},
		Decision: "approve", DecidedOn: day("2026-01-20"), DecidedBy: "Comité de cooperación"})
	if err != nil {
		f.t.Fatalf("feasibility %s: %v", code, err)
	}
}

// design returns a valid design: 22 months, four stages, mirrored teams
// (Ana with the partner's director, Luis with a partner professional),
// budget from Paraguay, Chile and, when triangular, GIZ.
func (f *fixture) design(triangular bool) *Design {
	d := &Design{
		Summary:    "Transferencia del modelo de acompañamiento psicosocial",
		Objectives: []string{"Diseñar un programa de acompañamiento adaptado a Paraguay"},
		Start:      day("2026-03-01"), End: day("2027-12-31"), Drafted: day("2026-01-25"),
		Stages: []StagePlan{
			{StageRequest, day("2026-03-01"), day("2026-04-30")},
			{StagePlanning, day("2026-05-01"), day("2026-07-31")},
			{StageExecution, day("2026-08-01"), day("2027-09-30")},
			{StageSystematization, day("2027-10-01"), day("2027-12-31")},
		},
		Results: []Result{{Title: "Programa diseñado", Type: 1, Indicators: []Indicator{{Title: "Manual de operación aprobado", BaselineYear: 2026, Baseline: 0, Target: 1}}}},
		Activities: []Activity{
			{Title: "Misión de diagnóstico", Stage: StageRequest, Start: day("2026-03-10"), End: day("2026-03-20")},
			{Title: "Pasantía en Chile", Stage: StageExecution, Start: day("2026-09-01"), End: day("2026-09-10")},
		},
		Team: []Member{
			{Key: "c1", Side: SideChile, StaffID: f.staff["Ana Rojas"], Name: "Ana Rojas", Level: LevelDirector, Mirror: "p1", Share: 30, From: "2026-03", To: "2027-12"},
			{Key: "c2", Side: SideChile, StaffID: f.staff["Luis Soto"], Name: "Luis Soto", Level: LevelProfessional, Mirror: "p2", Share: 20, From: "2026-03", To: "2027-12"},
			{Key: "p1", Side: SidePartner, Name: "Carmen Benítez", Institution: "Ministerio de Desarrollo Social PY", Level: LevelDirector},
			{Key: "p2", Side: SidePartner, Name: "Jorge Ayala", Institution: "Ministerio de Desarrollo Social PY", Level: LevelProfessional},
		},
		Budget: []BudgetLine{
			{Org: "Ministerio de Desarrollo Social PY", Year: 2026, Category: "professionals", Kind: "in_kind", Valuation: "salary cost of hours", Amount: 20000},
			{Org: "Ministerio de Desarrollo Social PY", Year: 2026, Category: "office", Kind: "in_kind", Valuation: "market rent", Amount: 5000},
			{Org: "FOSIS", Year: 2026, Category: "experts", Kind: "in_kind", Valuation: "salary cost of hours", Amount: 30000},
			{Org: "FOSIS", Year: 2027, Category: "experts", Kind: "in_kind", Valuation: "salary cost of hours", Amount: 25000},
			{Org: "AGCI", Year: 2026, Category: "travel", Kind: "cash", Amount: 12000},
		},
	}
	if f.share > 0 {
		d.Team[0].Share, d.Team[1].Share = f.share, f.share
	}
	if triangular {
		d.Budget = append(d.Budget,
			BudgetLine{Org: "GIZ", Year: 2026, Category: "travel", Kind: "cash", Amount: 18000},
			BudgetLine{Org: "GIZ", Year: 2027, Category: "systematization", Kind: "cash", Amount: 15000})
	}
	return d
}

// reviewed takes a feasible project through an approved design.
func (f *fixture) reviewed(code string, triangular bool) {
	f.t.Helper()
	f.feasible(code)
	if _, err := f.s.SaveDesign(sysCtx(), code, f.design(triangular)); err != nil {
		f.t.Fatalf("design %s: %v", code, err)
	}
	rv := Review{Decision: "approve", DecidedOn: day("2026-02-10"), Directors: "Dirección ejecutiva", Financers: "GIZ"}
	if triangular {
		rv.FinancerDecisions = []FinancerDecision{{Org: "GIZ", Decision: "approve"}}
	}
	if err := f.s.ReviewDesign(sysCtx(), code, rv); err != nil {
		f.t.Fatalf("review %s: %v", code, err)
	}
}

// agreement returns the agreement of a reviewed project.
func agreement(triangular bool) Agreement {
	a := Agreement{Kind: "bilateral", EffectiveOn: day("2026-02-15"), Deadlines: "Diagnóstico a abril de 2026; manual a diciembre de 2027",
		Resources: "Según presupuesto aprobado", StartupFinancing: 5000, Parties: []Commitment{
			{Org: "Ministerio de Desarrollo Social PY", Commitment: "Equipo espejo y oficinas", Required: true},
			{Org: "FOSIS", Commitment: "Expertos", Required: true},
			{Org: "AGCI", Commitment: "Pasajes", Required: true},
		}}
	if triangular {
		a.Kind = "trilateral"
		a.Parties = append(a.Parties, Commitment{Org: "GIZ", Commitment: "Pasajes, consultores", Required: true, IATIActivity: "XM-DAC-5-7-2026-PY-01"})
	}
	return a
}

// started takes a project all the way to execution.
func (f *fixture) started(code string, triangular bool) {
	f.t.Helper()
	f.reviewed(code, triangular)
	ctx := sysCtx()
	a := agreement(triangular)
	if err := f.s.Agree(ctx, code, a); err != nil {
		f.t.Fatalf("agree %s: %v", code, err)
	}
	for _, c := range a.Parties {
		if err := f.s.Sign(ctx, code, c.Org, "Firmante de "+c.Org, day("2026-02-20"), "Asunción"); err != nil {
			f.t.Fatalf("sign %s: %v", code, err)
		}
	}
	if err := f.s.Start(ctx, code, day("2026-03-01")); err != nil {
		f.t.Fatalf("start %s: %v", code, err)
	}
}

// userCtx returns a context for a new user with role linked to org ("" for none).
func (f *fixture) userCtx(name string, role auth.Role, org string) context.Context {
	f.t.Helper()
	var id int64
	err := f.d.Transact(context.Background(), func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO users (username, role, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)`,
			name, string(role), tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if org != "" {
		if err := f.s.LinkMember(sysCtx(), id, org); err != nil {
			f.t.Fatal(err)
		}
	}
	return auth.WithPrincipal(context.Background(), &auth.Principal{UserID: id, Username: name, Role: role})
}

// code returns err's fosis code and message for comparisons.
func code(err error) string { return fosis.ErrorCode(err) }

func asError(err error, target **fosis.Error) bool { return errors.As(err, target) }
