package delivery

import (
	"context"

	"github.com/fosis/fosis/internal/platform/db"
)

// The public sources of the seeded methodologies.
const (
	srcPuente  = "Puente, between the family and their rights (FOSIS, 2009), https://vdocuments.net/puente-program-between-the-family-and-their-rights-october-2009.html: 24 months with an Apoyo Familiar, seven dimensions; FOSIS deck https://slideplayer.com./amp/6358365: 22 home sessions of 45 minutes plus 5 group sessions. Conditions: illustrative, to be checked against FOSIS, Cuadernillo de Trabajo nº 3 (2004), https://mydokument.com/las-condiciones-minimas-para-la-construccion-del-puente.html. Familias (the successor): 24 months, 12 sessions (APS) or 16 (APS + ASL), Norma Técnica 2022, https://www.scribd.com/document/664985761/Norma-Tecnica-programa-Familias-2023-VF-08032023"
	srcSemilla = "CEPAL, Non-contributory Social Protection Programmes Database, https://dds.cepal.org/bpsnc/programme?id=85 (training, technical advice, seed capital); about 7 months (Maule 2024), https://new.diariolaprensa.cl/index.php/2025/01/05/mas-de-2-mil-emprendedores-fueron-beneficiados-por-fosis. Hours and visit counts assumed."
	srcTrabajo = "CEPAL, https://dds.cepal.org/bpsnc/programme?id=100 (socio-labour diagnostic instrument, skills development, active job search). Session counts assumed."
	srcJovenes = "CEPAL, https://dds.cepal.org/bpsnc/programme?id=109: workshops, individual labour plan (up to $180,000), intermediation or self-employment funding, up to 7 months. Hours assumed."
	srcHabit   = "Habitabilidad: diagnosis, building solutions and equipment per family, healthy-home workshops, about 12 months (https://atentos.cl/?p=64298; https://litoralpress.cl/sitio/Prensa_Texto?LPKey=DNMOGN2EQHEPB4XUES3QRYX6KO2CGJPXT5ACFOPWVRFZ5CMCR6SA). Workshop counts assumed."
	srcAuto    = "Autoconsumo: diagnosis, execution (greenhouses, ovens, henhouses, irrigation, seeds, tools), closing; about 10 months (https://www.cronicalibre.cl/2009/08/12/programa-de-produccion-de-alimentos-para-autoconsumo-familiar-favorecera-a-870-familias/; https://www.biobiochile.cl/noticias/nacional/region-del-maule/2017/09/25/50-familias-del-sur-de-maule-logran-comercializar-sus-alimentos-tras-asesorias-del-fosis.shtml). Workshop counts assumed."
	srcAccion  = "Stages of Fortalecimiento de Planes Familiares 2023 (participatory diagnosis, training sessions, work plan, implementation, advice and closing, baseline and exit line), https://es.scribd.com/document/709002367/0-Listado-de-Instrumentos-Verificadores-PTF-2023; Acción en Comunidad bases (Maule 2018, 8 months' execution), https://ru.scribd.com/document/374060569/Bases-Comunidad. Session counts assumed."
	srcGeneric = "Generic structure from the line's components in the catalogue; counts assumed, to be revised by an administrator (a new version)."
)

// dims is the seven Puente dimensions with illustrative conditions.
func puenteDimensions() []Dimension {
	d := func(key, es, en string, cs ...Condition) Dimension {
		return Dimension{Key: key, NameES: es, NameEN: en, Conditions: cs}
	}
	c := func(code, es, en string) Condition { return Condition{Code: code, TextES: es, TextEN: en} }
	return []Dimension{
		d("identificacion", "Identificación", "Identification",
			c("ID1", "Todos los integrantes inscritos en el Registro Civil", "Every member registered at the Civil Registry"),
			c("ID2", "Todos los integrantes tienen cédula de identidad", "Every member holds an identity card"),
			c("ID3", "La familia tiene su registro social al día", "The family's social registry record is current"),
			c("ID4", "Integrantes con discapacidad certificados e inscritos en el Registro Nacional de la Discapacidad", "Members with a disability certified and in the National Disability Registry")),
		d("salud", "Salud", "Health",
			c("SA1", "Familia inscrita en su centro de atención primaria", "Family enrolled at its primary-care clinic"),
			c("SA2", "Embarazadas con controles al día", "Pregnant women with prenatal checks up to date"),
			c("SA3", "Menores de 6 años con vacunas y control de niño sano al día", "Children under 6 with vaccinations and well-child checks up to date"),
			c("SA4", "Enfermos crónicos en tratamiento", "Chronically ill members under treatment")),
		d("educacion", "Educación", "Education",
			c("ED1", "Niños en edad preescolar en un programa de educación inicial", "Preschool children in early education"),
			c("ED2", "Niños hasta 15 años asisten a la escuela", "Children up to 15 attend school"),
			c("ED3", "Ningún menor de 15 deja la escuela por trabajar", "No child under 15 out of school for work"),
			c("ED4", "Los adultos saben leer y escribir", "Adults can read and write")),
		d("dinamica", "Dinámica familiar", "Family dynamics",
			c("DF1", "Conversación diaria sobre hábitos, horarios y recreación", "Daily conversation on habits, schedules and leisure"),
			c("DF2", "Formas de enfrentar los conflictos", "Ways to handle conflict"),
			c("DF3", "Reglas de convivencia acordadas", "Agreed household rules"),
			c("DF4", "Si hay violencia intrafamiliar, las personas están en un programa de apoyo", "If there is domestic violence, those involved are in a support programme")),
		d("habitabilidad", "Habitabilidad", "Housing",
			c("HA1", "Situación de tenencia de la vivienda aclarada", "Tenure of the dwelling clarified"),
			c("HA2", "Agua segura", "Safe water"),
			c("HA3", "Energía y saneamiento adecuados", "Adequate power and sanitation"),
			c("HA4", "Cada integrante tiene una cama equipada", "Every member has an equipped bed"),
			c("HA5", "La vivienda no se llueve ni se inunda", "The dwelling neither leaks nor floods")),
		d("trabajo", "Trabajo", "Work",
			c("TR1", "Al menos un adulto trabaja con remuneración estable", "At least one adult works with regular pay"),
			c("TR2", "Ningún niño deja la escuela para trabajar", "No child leaves school to work"),
			c("TR3", "Adultos sin trabajo inscritos en la OMIL", "Unemployed adults registered at the municipal employment office")),
		d("ingresos", "Ingresos", "Income",
			c("IN1", "Quienes tienen derecho a subsidios (SUF, asignación familiar, pensiones) los reciben", "Members entitled to subsidies (SUF, family allowance, pensions) receive them"),
			c("IN2", "Ingreso del hogar sobre la línea de indigencia", "Household income above the extreme-poverty line"),
			c("IN3", "Presupuesto familiar organizado", "Household budget organised")),
	}
}

// baseline is a short diagnosis instrument of a few items in one dimension.
func baseline(key, es, en string, items ...Condition) []Dimension {
	return []Dimension{{Key: key, NameES: es, NameEN: en, Conditions: items}}
}

func cond(code, es, en string) Condition { return Condition{Code: code, TextES: es, TextEN: en} }

// Seeded returns the built-in methodologies of the catalogue's lines, for
// their version 1.
func Seeded() []Methodology {
	diag := func(step int, es, en string) Component {
		return Component{Key: "diagnosis", Step: step, Kind: KindDiagnosis, NameES: es, NameEN: en, Done: DoneRecorded}
	}
	exit := func(step int) Component {
		return Component{Key: "exit", Step: step, Kind: KindEvaluation, NameES: "Evaluación de cierre (línea de salida)", NameEN: "Closing evaluation (exit line)", Done: DoneRecorded}
	}
	workshops := func(key string, step, n, minutes int, es, en string) Component {
		return Component{Key: key, Step: step, Kind: KindTraining, Mode: ModeGroup, NameES: es, NameEN: en, Count: n, Minutes: minutes, Hours: n * minutes / 60, AttendancePct: 75, Done: DoneHours, Min: n * minutes * 75 / 100 / 60}
	}
	emprendo := baseline("negocio", "Situación del negocio", "Business situation",
		cond("NE1", "Tiene una idea o actividad económica definida", "Has a defined business idea or activity"),
		cond("NE2", "Lleva registro de ingresos y gastos", "Keeps a record of income and expenses"),
		cond("NE3", "Cuenta con el equipamiento básico para producir", "Has the basic equipment to produce"),
		cond("NE4", "Tiene clientes o canales de venta", "Has customers or sales channels"))
	labour := baseline("sociolaboral", "Diagnóstico sociolaboral", "Socio-labour diagnosis",
		cond("SL1", "Tiene su currículum y documentos al día", "Has a CV and documents in order"),
		cond("SL2", "Inscrito en la bolsa de empleo (OMIL, BNE)", "Registered with a job board (OMIL, BNE)"),
		cond("SL3", "Tiene una meta laboral definida", "Has a defined labour goal"),
		cond("SL4", "Resuelve el cuidado de sus dependientes para trabajar", "Has childcare or dependant care arranged to work"))
	housing := baseline("habitabilidad", "Habitabilidad", "Housing",
		cond("HA2", "Agua segura", "Safe water"), cond("HA3", "Energía y saneamiento adecuados", "Adequate power and sanitation"),
		cond("HA4", "Cada integrante tiene una cama equipada", "Every member has an equipped bed"),
		cond("HA5", "La vivienda no se llueve ni se inunda", "The dwelling neither leaks nor floods"),
		cond("HA6", "Al menos dos recintos habitables", "At least two habitable rooms"))
	food := baseline("alimentacion", "Producción de alimentos", "Food production",
		cond("AU1", "Produce alimentos para el consumo del hogar", "Produces food for the household"),
		cond("AU2", "Tiene agua para riego", "Has water for irrigation"),
		cond("AU3", "Conoce técnicas de cultivo y conservación", "Knows growing and preserving techniques"))
	family := baseline("familia", "Capitales de la familia", "Family capitals",
		cond("FA1", "La familia acuerda metas comunes", "The family agrees common goals"),
		cond("FA2", "Maneja formas de resolver conflictos", "Handles conflict"),
		cond("FA3", "Conoce y usa la red local de servicios", "Knows and uses the local service network"),
		cond("FA4", "Participa en una organización del barrio", "Takes part in a neighbourhood organisation"))
	generic := func(line string, months int, es, en string) Methodology {
		return Methodology{Line: line, Version: 1, Months: months, Illustrative: true, Source: srcGeneric,
			Dimensions: baseline("base", "Línea base", "Baseline", cond("B1", "Situación inicial registrada", "Initial situation recorded")),
			Components: []Component{diag(1, "Diagnóstico", "Diagnosis"),
				{Key: "training", Step: 2, Kind: KindTraining, Mode: ModeGroup, NameES: es, NameEN: en, Count: 6, Minutes: 120, Hours: 12, AttendancePct: 75, Done: DoneHours, Min: 9},
				{Key: "followup", Step: 2, Kind: KindVisits, NameES: "Visitas de seguimiento", NameEN: "Follow-up visits", Count: 3, Minutes: 60, EveryDays: 30, Done: DoneCount, Min: 2},
				exit(3)}}
	}
	return []Methodology{
		{Line: "puente", Version: 1, Months: 24, Illustrative: true, Source: srcPuente, Dimensions: puenteDimensions(),
			Components: []Component{
				diag(1, "Diagnóstico de condiciones mínimas", "Diagnosis of minimum conditions"),
				{Key: "plan", Step: 2, Kind: KindPlan, NameES: "Plan de intervención familiar", NameEN: "Family intervention plan", Done: DoneApproved},
				{Key: "home", Step: 3, Kind: KindSessions, Mode: ModeFamily, NameES: "Sesiones en el domicilio", NameEN: "Home sessions", Count: 22, Minutes: 45, EveryDays: 30, Done: DoneCount, Min: 22},
				{Key: "group", Step: 3, Kind: KindSessions, Mode: ModeGroup, NameES: "Sesiones grupales", NameEN: "Group sessions", Count: 5, Minutes: 90, EveryDays: 120, Done: DoneCount, Min: 5},
				exit(4)}},
		{Line: "yo-emprendo-semilla", Version: 1, Months: 7, Source: srcSemilla, Dimensions: emprendo,
			Components: []Component{
				diag(1, "Diagnóstico del emprendimiento", "Business diagnosis"),
				workshops("training", 2, 10, 180, "Formación en gestión del negocio", "Business-management training"),
				{Key: "plan", Step: 3, Kind: KindPlan, NameES: "Plan de negocio", NameEN: "Business plan", Done: DoneApproved, Requires: []string{"training"}},
				{Key: "advice", Step: 4, Kind: KindVisits, NameES: "Asesoría técnica", NameEN: "Technical advice", Count: 4, Minutes: 60, EveryDays: 21, Done: DoneCount, Min: 3},
				{Key: "capital", Step: 4, Kind: KindDeliveries, NameES: "Capital semilla (bienes del plan)", NameEN: "Seed capital (the plan's goods)", Done: DoneCount, Min: 1, Requires: []string{"training", "plan"}},
				exit(5)}},
		{Line: "yo-trabajo", Version: 1, Months: 7, Source: srcTrabajo, Dimensions: labour,
			Components: []Component{
				diag(1, "Instrumento de Diagnóstico Sociolaboral (IDS)", "Socio-labour diagnostic instrument (IDS)"),
				workshops("skills", 2, 8, 180, "Desarrollo de competencias", "Skills development"),
				{Key: "plan", Step: 3, Kind: KindPlan, NameES: "Plan laboral (ruta dependiente o independiente)", NameEN: "Labour plan (employee or self-employment track)", Done: DoneApproved, Requires: []string{"skills"}},
				{Key: "search", Step: 4, Kind: KindSessions, Mode: ModeIndividual, NameES: "Búsqueda activa de empleo", NameEN: "Active job search", Count: 6, Minutes: 60, EveryDays: 14, Done: DoneCount, Min: 4},
				exit(5)}},
		{Line: "yo-trabajo-jovenes", Version: 1, Months: 7, Source: srcJovenes, Dimensions: labour,
			Components: []Component{
				diag(1, "Diagnóstico sociolaboral", "Socio-labour diagnosis"),
				workshops("workshops", 2, 8, 180, "Talleres de formación sociolaboral", "Socio-labour training workshops"),
				{Key: "plan", Step: 3, Kind: KindPlan, NameES: "Plan laboral individual", NameEN: "Individual labour plan", Done: DoneApproved, Requires: []string{"workshops"}},
				{Key: "intermediation", Step: 4, Kind: KindVisits, NameES: "Intermediación laboral o apoyo al trabajo independiente", NameEN: "Job intermediation or self-employment support", Count: 4, Minutes: 60, EveryDays: 14, Done: DoneCount, Min: 2},
				exit(5)}},
		{Line: "habitabilidad", Version: 1, Months: 12, Source: srcHabit, Dimensions: housing,
			Components: []Component{
				diag(1, "Diagnóstico de habitabilidad", "Housing diagnosis"),
				{Key: "plan", Step: 2, Kind: KindPlan, NameES: "Proyecto de soluciones por familia", NameEN: "Solutions project per family", Done: DoneApproved},
				{Key: "solutions", Step: 3, Kind: KindDeliveries, NameES: "Soluciones constructivas y equipamiento", NameEN: "Building solutions and equipment", Done: DoneCount, Min: 1, Requires: []string{"plan"}},
				workshops("healthy-home", 3, 4, 120, "Talleres de hábitos saludables en la vivienda", "Healthy-home workshops"),
				exit(4)}},
		{Line: "autoconsumo", Version: 1, Months: 10, Source: srcAuto, Dimensions: food,
			Components: []Component{
				diag(1, "Diagnóstico familiar", "Family diagnosis"),
				{Key: "technologies", Step: 2, Kind: KindDeliveries, NameES: "Tecnologías (invernadero, horno, gallinero, riego, semillas, herramientas)", NameEN: "Technologies (greenhouse, oven, henhouse, irrigation, seeds, tools)", Done: DoneCount, Min: 1},
				workshops("workshops", 2, 6, 120, "Talleres de producción y alimentación", "Food-production and nutrition workshops"),
				{Key: "followup", Step: 3, Kind: KindVisits, NameES: "Visitas de asistencia técnica", NameEN: "Technical-assistance visits", Count: 3, Minutes: 60, EveryDays: 45, Done: DoneCount, Min: 2},
				exit(4)}},
		{Line: "accion-en-familia", Version: 1, Months: 10, Source: srcAccion, Dimensions: family,
			Components: []Component{
				diag(1, "Diagnóstico participativo (genograma, habilidades para la vida)", "Participatory diagnosis (genogram, life skills)"),
				workshops("training", 2, 8, 120, "Sesiones de formación", "Training sessions"),
				{Key: "plan", Step: 3, Kind: KindPlan, NameES: "Plan de trabajo familiar", NameEN: "Family work plan", Done: DoneApproved, Requires: []string{"training"}},
				{Key: "implementation", Step: 4, Kind: KindSessions, Mode: ModeFamily, NameES: "Implementación del plan (sesiones familiares)", NameEN: "Plan implementation (family sessions)", Count: 6, Minutes: 60, EveryDays: 20, Done: DoneCount, Min: 5},
				exit(5)}},
		{Line: "accion-en-comunidad", Version: 1, Months: 8, Source: srcAccion, Dimensions: family,
			Components: []Component{
				diag(1, "Diagnóstico participativo", "Participatory diagnosis"),
				{Key: "plan", Step: 2, Kind: KindPlan, NameES: "Plan de trabajo comunitario", NameEN: "Community work plan", Done: DoneApproved},
				{Key: "community", Step: 3, Kind: KindSessions, Mode: ModeCommunity, NameES: "Ejecución del plan (sesiones comunitarias)", NameEN: "Plan execution (community sessions)", Count: 8, Minutes: 120, EveryDays: 21, Done: DoneCount, Min: 6},
				exit(4)}},
		generic("yo-emprendo", 8, "Cursos y formación", "Courses and training"),
		generic("yo-emprendo-grupal", 10, "Formación", "Training"),
		generic("acceso-microfinanciamiento", 4, "Educación financiera", "Financial education"),
		generic("apoyo-plan-laboral", 6, "Capital humano", "Human capital"),
		generic("educacion-financiera", 3, "Talleres de educación financiera", "Financial-education workshops"),
	}
}

// seededFor returns the built-in methodology of line (nil for none).
func seededFor(line string) *Methodology {
	for _, m := range Seeded() {
		if m.Line == line {
			return &m
		}
	}
	return nil
}

// SeedMethodologies stores the built-in methodology of every line that has
// none yet (safe to run again; never overwrites). It returns how many it
// added.
func (s *Store) SeedMethodologies(ctx context.Context) (int, error) {
	r, err := s.national(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		for _, m := range Seeded() {
			var k int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM delivery_methodologies WHERE line_code = ?`, m.Line).Scan(&k); err != nil {
				return err
			}
			if k > 0 {
				continue
			}
			if err := m.Validate(); err != nil {
				return err
			}
			if err := s.saveMethodology(ctx, tx, r, &m); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
