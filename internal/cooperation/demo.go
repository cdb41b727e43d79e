package cooperation

import (
	"context"
	"fmt"
	"time"
)

// DemoOrgs are the organisations of the demo: FOSIS (with a placeholder
// IATI id: the real one is FOSIS's RUT), AGCI, partner ministries and
// agencies of seven partner countries and three financing sources.
var DemoOrgs = []Org{
	{Name: "FOSIS", Country: "CL", IATIRef: "CL-RUT-00000000-0", Technical: true, Reporting: true},
	{Name: "AGCI", Country: "CL", Strategic: true, Technical: true, Agency: true},
	{Name: "Ministerio de Desarrollo Social (Paraguay)", Country: "PY", Technical: true},
	{Name: "Secretaría Técnica de Planificación (Paraguay)", Country: "PY", Strategic: true, Agency: true},
	{Name: "Ministerio de Desarrollo Social (Guatemala)", Country: "GT", Technical: true},
	{Name: "Secretaría de Desarrollo e Inclusión Social (Honduras)", Country: "HN", Technical: true},
	{Name: "Gabinete de Coordinación de Políticas Sociales (República Dominicana)", Country: "DO", Technical: true},
	{Name: "Fondo de Inversión Social para el Desarrollo Local (El Salvador)", Country: "SV", Technical: true},
	{Name: "Ministerio de Desarrollo Productivo (Bolivia)", Country: "BO", Technical: true},
	{Name: "Prosperidad Social (Colombia)", Country: "CO", Technical: true},
	{Name: "APC-Colombia", Country: "CO", Strategic: true, Agency: true},
	{Name: "GIZ", Country: "DE", IATIRef: "XM-DAC-5-7", Type: 10, Financial: true, Technical: true},
	{Name: "Banco Interamericano de Desarrollo", IATIRef: "XI-IATI-IADB", Type: 40, Financial: true, Technical: true},
	{Name: "Global Affairs Canada", Country: "CA", IATIRef: "XM-DAC-301-2", Financial: true},
}

// SeedDemo fills an empty cooperation module with a realistic pipeline as
// of today: projects with seven countries, bilateral and triangular, at every
// step from a fresh request to a closed project, each taken along the path
// through the same rules as real ones. It does nothing if projects exist.
func (s *Store) SeedDemo(ctx context.Context) (int, error) {
	if ps, err := s.List(ctx); err != nil || len(ps) > 0 {
		return 0, err
	}
	for _, o := range DemoOrgs {
		if _, err := s.SaveOrg(ctx, o); err != nil {
			return 0, err
		}
	}
	today := s.today()
	m := func(months int) Month { return MonthOf(today.AddDate(0, months, 0)) }
	staff := map[string]int64{}
	for _, st := range []Staff{
		{Name: "Ana Rojas Fuentes", Position: "Jefa del Departamento de Cooperación", Level: LevelDirector, Programs: []Program{{"Puente", "designed"}, {"Familias Seguridades y Oportunidades", "ran"}}},
		{Name: "Luis Soto Araya", Position: "Coordinador de Acompañamiento", Level: LevelCoordinator, Programs: []Program{{"Acompañamiento Psicosocial", "designed"}}},
		{Name: "Marcela Pino Vera", Position: "Profesional de Emprendimiento", Level: LevelProfessional, Programs: []Program{{"Yo Emprendo", "ran"}, {"Yo Emprendo Semilla", "designed"}}},
		{Name: "Jorge Muñoz Lagos", Position: "Profesional de Empleabilidad", Level: LevelProfessional, Programs: []Program{{"Yo Trabajo", "ran"}}},
		{Name: "Daniela Reyes Soto", Position: "Directora Regional", Level: LevelDirector, Programs: []Program{{"Acción en Comunidad", "ran"}}},
	} {
		st.Avail = []Availability{{From: m(-48), To: m(36), Share: 60}}
		out, err := s.SaveStaff(ctx, st)
		if err != nil {
			return 0, err
		}
		staff[st.Name] = out.ID
	}
	day := func(months, days int) Date { return Date{today.AddDate(0, months, days)} }
	type plan struct {
		code, title, country, org, channel, asker, financer, upto string
		start                                                     int // planned start, months from today
		public                                                    bool
	}
	plans := []plan{
		{"CSS-PY-01", "Acompañamiento psicosocial para familias en extrema pobreza", "PY", "Ministerio de Desarrollo Social (Paraguay)", "partner_agency", "GIZ", "GIZ", "closed", -30, true},
		{"CSS-GT-01", "Emprendimiento y microfinanzas para mujeres rurales", "GT", "Ministerio de Desarrollo Social (Guatemala)", "agci", "", "", "executing", -8, true},
		{"CSS-HN-01", "Modelo de gestión territorial de programas sociales", "HN", "Secretaría de Desarrollo e Inclusión Social (Honduras)", "financer", "Banco Interamericano de Desarrollo", "Banco Interamericano de Desarrollo", "agreed", 1, true},
		{"CSS-CO-01", "Sistema de información para la focalización", "CO", "Prosperidad Social (Colombia)", "financer", "Global Affairs Canada", "Global Affairs Canada", "reviewed", 2, true},
		{"CSS-DO-01", "Habitabilidad: soluciones para viviendas precarias", "DO", "Gabinete de Coordinación de Políticas Sociales (República Dominicana)", "direct", "", "", "designing", 3, false},
		{"CSS-SV-01", "Capital semilla para emprendimientos locales", "SV", "Fondo de Inversión Social para el Desarrollo Local (El Salvador)", "agci", "", "", "requested", 4, false},
		{"CSS-BO-01", "Empleabilidad juvenil", "BO", "Ministerio de Desarrollo Productivo (Bolivia)", "direct", "", "", "rejected", 4, false},
	}
	order := map[string]int{"requested": 0, "rejected": 1, "feasible": 1, "designing": 2, "reviewed": 3, "agreed": 4, "executing": 5, "closed": 6}
	for i, pl := range plans {
		st := pl.start
		reqOn := day(min(st-4, -3), 0)
		if _, err := s.CreateRequest(ctx, Request{Code: pl.code, Title: pl.title, PartnerCountry: pl.country, RequestingOrg: pl.org,
			Channel: Channel(pl.channel), TriangularAsker: pl.asker, Problem: "Solicitud de intercambio de conocimientos sobre " + pl.title,
			SEGIBSector: "Otros servicios y políticas sociales", Public: pl.public, RequestedOn: reqOn, SDGs: []int{1, 10}, Bidirectional: pl.code == "CSS-GT-01"}); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		if pl.upto == "requested" {
			continue
		}
		decision := "approve"
		if pl.upto == "rejected" {
			decision = "reject"
		}
		if err := s.Evaluate(ctx, pl.code, Feasibility{Criteria: []Criterion{
			{Name: "Alineación con programas de FOSIS", Met: decision == "approve"},
			{Name: "Compromiso de la institución solicitante", Met: true},
			{Name: "Disponibilidad de profesionales", Met: true}},
			Decision: decision, DecidedOn: Date{reqOn.AddDate(0, 0, 10)}, DecidedBy: "Comité de Cooperación Internacional"}); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		if order[pl.upto] < 2 {
			continue
		}
		d := demoDesign(pl.org, pl.financer, today.AddDate(0, st, 0), staff, i)
		d.Drafted = Date{reqOn.AddDate(0, 0, 15)}
		if pl.upto == "designing" {
			first := *d
			first.End = Date{first.Start.AddDate(1, 0, 0)} // a first draft too short; fixed below
			first.Stages = nil
			if _, err := s.SaveDesign(ctx, pl.code, &first); err == nil {
				return 0, fmt.Errorf("%s: a 12-month draft was accepted", pl.code)
			}
		}
		if _, err := s.SaveDesign(ctx, pl.code, d); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		if order[pl.upto] < 3 {
			continue
		}
		reviewOn := Date{reqOn.AddDate(0, 1, 0)}
		rv := Review{Decision: "approve", DecidedOn: reviewOn, Directors: "Dirección Ejecutiva y Jefaturas de División", Financers: pl.financer}
		if pl.financer != "" {
			rv.FinancerDecisions = []FinancerDecision{{Org: pl.financer, Decision: "approve"}}
		}
		if err := s.ReviewDesign(ctx, pl.code, rv); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		if order[pl.upto] < 4 {
			continue
		}
		kind := "bilateral"
		parties := []Commitment{
			{Org: pl.org, Commitment: "Equipo espejo, oficinas, materiales y convocatoria de actores locales", Required: true},
			{Org: "FOSIS", Commitment: "Expertos de los programas nacionales y materiales metodológicos", Required: true},
			{Org: "AGCI", Commitment: "Pasajes y viáticos de los expertos chilenos", Required: true},
		}
		if pl.financer != "" {
			kind = "trilateral"
			parties = append(parties, Commitment{Org: pl.financer, Commitment: "Pasajes, estadías, materiales y consultores de evaluación", Required: true})
		}
		effective := Date{reviewOn.AddDate(0, 0, 10)}
		if err := s.Agree(ctx, pl.code, Agreement{Kind: kind, EffectiveOn: effective, Deadlines: "Diagnóstico en tres meses; diseño en seis; piloto en doce; sistematización al cierre",
			Resources: "Según el presupuesto aprobado por partes y años", StartupFinancing: 8000, Parties: parties}); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		for j, c := range parties {
			if pl.upto == "agreed" && j > 0 {
				break // the partner signed; FOSIS and the financer have not yet
			}
			if err := s.Sign(ctx, pl.code, c.Org, "Autoridad de "+c.Org, Date{effective.AddDate(0, 0, 3+j)}, "Santiago"); err != nil {
				return 0, fmt.Errorf("%s: %w", pl.code, err)
			}
		}
		if _, err := s.AddDocument(ctx, pl.code, Document{Title: "Convenio " + kind + " firmado", Category: "A09",
			URL: "https://fosis.example/cooperacion/" + pl.code + "/convenio.pdf", Format: "application/pdf", Date: effective}); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		if order[pl.upto] < 5 {
			continue
		}
		started := Date{today.AddDate(0, st, 0)}
		if err := s.Start(ctx, pl.code, started); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		events := []Event{
			{Kind: "expert_visit", Mode: "on_site", Start: Date{started.AddDate(0, 1, 0)}, End: Date{started.AddDate(0, 1, 5)}, Place: "Capital de " + pl.country,
				Report:       "Misión de diagnóstico: entrevistas con equipos centrales y territoriales; acuerdo sobre el alcance del piloto.",
				Participants: []Participant{{SideChile, "Ana Rojas Fuentes", "FOSIS"}, {SideChile, "Luis Soto Araya", "FOSIS"}, {SidePartner, "Directora de Programas", pl.org}}},
			{Kind: "study_tour", Mode: "on_site", Start: Date{started.AddDate(0, 4, 0)}, End: Date{started.AddDate(0, 4, 8)}, Place: "Santiago y Valparaíso",
				Report:       "Pasantía: el equipo espejo conoció la operación en tres comunas y el sistema de seguimiento.",
				Participants: []Participant{{SideChile, "Marcela Pino Vera", "FOSIS"}, {SidePartner, "Equipo técnico", pl.org}}},
			{Kind: "monitoring", Mode: "remote", Start: Date{started.AddDate(0, 7, 0)}, End: Date{started.AddDate(0, 7, 0)},
				Participants: []Participant{{SideChile, "Luis Soto Araya", "FOSIS"}, {SidePartner, "Coordinación del piloto", pl.org}}},
		}
		for _, e := range events {
			if e.End.After(today) {
				e.Report = ""
			}
			if _, err := s.AddEvent(ctx, pl.code, e); err != nil {
				return 0, fmt.Errorf("%s: %w", pl.code, err)
			}
		}
		for _, l := range d.Budget {
			if l.Year > today.Year() {
				continue
			}
			on := Date{time.Date(l.Year, 12, 31, 0, 0, 0, 0, time.UTC)}
			if on.After(today) {
				on = Date{today}
			}
			if on.After(d.End.Time) {
				on = d.End
			}
			if on.Before(started.Time) {
				continue
			}
			if err := s.RecordExecution(ctx, pl.code, Execution{Org: l.Org, Year: l.Year, Category: l.Category, Kind: l.Kind, Amount: l.Amount * 9 / 10, On: on}); err != nil {
				return 0, fmt.Errorf("%s: %w", pl.code, err)
			}
		}
		if order[pl.upto] < 6 {
			continue
		}
		if err := s.BeginSystematization(ctx, pl.code, day(-5, 0)); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		if err := s.SaveSystematization(ctx, pl.code, Systematization{
			Lessons:            "El equipo espejo, con pares en cada nivel de decisión, aceleró la adaptación; la pasantía temprana alineó expectativas.",
			Challenge:          "Familias en extrema pobreza sin acompañamiento personalizado ni vínculo con la red pública.",
			Solution:           "Adaptación conjunta del modelo de acompañamiento psicosocial, con manual, instrumentos y formación de facilitadores.",
			Results:            "Manual aprobado; 60 facilitadores formados; piloto con 1.200 familias en dos departamentos.",
			Sustainability:     "El programa entra al presupuesto nacional y a la estructura del ministerio.",
			Replicability:      "Aplicable a países con registro social y red municipal; requiere un equipo espejo estable.",
			Findings:           "La evaluación externa encontró metas de formación cumplidas y retraso de tres meses en el piloto.",
			ManagementResponse: "Se acepta: se incorpora un hito de contratación temprana en los próximos proyectos.",
		}); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
		if err := s.Close(ctx, pl.code, day(-2, 0)); err != nil {
			return 0, fmt.Errorf("%s: %w", pl.code, err)
		}
	}
	return len(plans), nil
}

// demoDesign is a 24-month design starting at start, with mirrored teams
// (one member of the partner left unpaired in every third project, to show
// the flag) and a budget by party and year.
func demoDesign(org, financer string, start time.Time, staff map[string]int64, i int) *Design {
	start = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(2, 0, -1)
	at := func(months int) Date { return Date{start.AddDate(0, months, 0)} }
	mo := func(t time.Time) Month { return MonthOf(t) }
	d := &Design{
		Summary:    "Intercambio de conocimientos entre FOSIS y " + org + ", con diseño conjunto, pasantías y acompañamiento remoto.",
		Objectives: []string{"Adaptar conjuntamente un programa de FOSIS a la realidad del país socio", "Formar al equipo que lo ejecutará"},
		Start:      Date{start}, End: Date{end},
		Stages: []StagePlan{{StageRequest, at(0), Date{at(3).AddDate(0, 0, -1)}}, {StagePlanning, at(3), Date{at(6).AddDate(0, 0, -1)}},
			{StageExecution, at(6), Date{at(21).AddDate(0, 0, -1)}}, {StageSystematization, at(21), Date{end}}},
		Results: []Result{
			{Title: "Programa adaptado y aprobado", Type: 1, Indicators: []Indicator{{Title: "Manual de operación aprobado", BaselineYear: start.Year(), Baseline: 0, Target: 1}}},
			{Title: "Equipo del país socio formado", Type: 2, Indicators: []Indicator{{Title: "Facilitadores formados", BaselineYear: start.Year(), Baseline: 0, Target: 60}}},
		},
		Activities: []Activity{
			{Title: "Misión de diagnóstico", Stage: StageRequest, Start: at(1), End: Date{at(1).AddDate(0, 0, 5)}},
			{Title: "Pasantía del equipo espejo en Chile", Stage: StagePlanning, Start: at(4), End: Date{at(4).AddDate(0, 0, 8)}},
			{Title: "Piloto acompañado", Stage: StageExecution, Start: at(6), End: at(20)},
			{Title: "Sistematización y evaluación", Stage: StageSystematization, Start: at(21), End: Date{end}},
		},
		Team: []Member{
			{Key: "c1", Side: SideChile, StaffID: staff["Ana Rojas Fuentes"], Name: "Ana Rojas Fuentes", Role: "Jefa de proyecto", Level: LevelDirector, Mirror: "p1", Share: 10, From: mo(start), To: mo(end)},
			{Key: "c2", Side: SideChile, StaffID: staff["Luis Soto Araya"], Name: "Luis Soto Araya", Role: "Metodólogo", Level: LevelCoordinator, Mirror: "p2", Share: 15, From: mo(start), To: mo(end)},
			{Key: "c3", Side: SideChile, StaffID: staff["Marcela Pino Vera"], Name: "Marcela Pino Vera", Role: "Formadora", Level: LevelProfessional, Mirror: "p3", Share: 10, From: mo(start.AddDate(0, 3, 0)), To: mo(end)},
			{Key: "p1", Side: SidePartner, Name: "Directora de Programas", Institution: org, Level: LevelDirector},
			{Key: "p2", Side: SidePartner, Name: "Coordinador técnico", Institution: org, Level: LevelCoordinator},
			{Key: "p3", Side: SidePartner, Name: "Facilitadora", Institution: org, Level: LevelProfessional},
		},
	}
	if i%3 == 1 {
		d.Team = append(d.Team, Member{Key: "p4", Side: SidePartner, Name: "Asesor jurídico", Institution: org, Level: LevelProfessional})
	}
	// Each year's lines are for the project's months in that year: a
	// first or last year of a few months carries a few months' share
	// (issue 17: a one-month year carried a whole year's 24,000).
	y0, y1 := start.Year(), end.Year()
	for y := y0; y <= y1; y++ {
		from, to := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
		if start.After(from) {
			from = start
		}
		if end.Before(to) {
			to = end
		}
		months := int64(monthsBetween(from, to))
		share := func(amount int64) int64 { return amount * months / 12 }
		d.Budget = append(d.Budget,
			BudgetLine{Org: org, Year: y, Category: "professionals", Kind: "in_kind", Valuation: "costo salarial de las horas comprometidas", Amount: share(18000)},
			BudgetLine{Org: org, Year: y, Category: "office", Kind: "in_kind", Valuation: "arriendo de mercado de oficinas equivalentes", Amount: share(4000)},
			BudgetLine{Org: "FOSIS", Year: y, Category: "experts", Kind: "in_kind", Valuation: "costo salarial de las horas comprometidas", Amount: share(26000)})
		if financer != "" {
			d.Budget = append(d.Budget,
				BudgetLine{Org: financer, Year: y, Category: "travel", Kind: "cash", Amount: share(15000)},
				BudgetLine{Org: financer, Year: y, Category: "systematization", Kind: "cash", Amount: share(9000)})
		} else {
			d.Budget = append(d.Budget, BudgetLine{Org: "AGCI", Year: y, Category: "travel", Kind: "cash", Amount: share(12000)})
		}
	}
	return d
}
