package knowledge

import (
	"context"
	"fmt"

	"github.com/fosis/fosis"
)

// Catalogue is the built-in catalogue: the seed's seven strategic principles
// and the programs, methodologies, instruments and materials it names, in
// Spanish and English. Two programs, both methodologies and the instrument
// carry their design; every item can travel as a package.
func Catalogue() []Item {
	p := func(slug, tes, ten, ses, sen string) Item {
		return Item{Slug: slug, Kind: "principle", TitleES: tes, TitleEN: ten, SummaryES: ses, SummaryEN: sen}
	}
	return []Item{
		p("rights-based-approach", "Enfoque de derechos", "Rights-based approach",
			"Crear oportunidades, fomentar la competitividad, promover la autonomía individual y fortalecer los vínculos comunitarios; formar a actores locales para decidir con autonomía.",
			"Create opportunities, foster competitiveness, promote individual autonomy and strengthen community bonds; train local actors for autonomous decision-making."),
		p("public-private-partnerships", "Alianzas público-privadas", "Public-private partnerships",
			"Incentivos para movilizar recursos del sector privado, organizaciones de la sociedad civil y empresas, a través de oficinas descentralizadas con presencia regional.",
			"Incentives to leverage resources of the private sector, civil society organisations and enterprises, through decentralised offices with a regional presence."),
		p("financial-inclusion", "Inclusión financiera", "Financial inclusion",
			"Educación financiera para acceder a productos adecuados y evitar el endeudamiento; acceso al microcrédito para microemprendedores.",
			"Financial education to reach suitable products and avoid debt; access to microcredit for microentrepreneurs."),
		p("information-management", "Gestión de la información", "Information management",
			"Evaluación y análisis permanentes de la población objetivo, su distribución geográfica y los servicios sociales disponibles, para fijar programas y prioridades.",
			"Permanent evaluation and analysis of the target population, its geographical distribution and the social services available, to set programs and priorities."),
		p("coordination-among-sectors", "Coordinación intersectorial", "Coordination among sectors",
			"Una red fuerte dentro del sector público: trabajo con instituciones locales para prestar servicios sociales y promover actividades generadoras de ingresos.",
			"A strong network within the public sector: work with local institutions to provide social services and promote income-generating activities."),
		p("results-oriented-work", "Trabajo orientado a resultados", "Results-oriented work",
			"Resultados medibles y comparables empíricamente: efectividad, metas logradas y cambios generados.",
			"Measurable results that can be compared empirically: effectiveness, goals achieved and changes generated."),
		p("monitoring-feedback-adaptation", "Monitoreo, retroalimentación y adaptación", "Monitoring, feedback and adaptation",
			"Retroalimentación oportuna para mejorar la gestión; el monitoreo permanente permite adaptar los programas cuando cambian las condiciones.",
			"Timely feedback to improve management; permanent monitoring lets programs adapt when conditions change."),
		{Slug: "psychosocial-support", Kind: "program", TitleES: "Acompañamiento psicosocial (Puente)", TitleEN: "Psycho-social support (Bridge)",
			SummaryES: "Apoyo psicosocial y sociolaboral personalizado a familias en extrema pobreza, que refuerza sus capacidades y las vincula con la red pública de servicios.",
			SummaryEN: "Personalised psycho-social and socio-vocational support to extremely poor families, strengthening their skills and linking them to the public service network.",
			Design: &Design{
				Components: []Component{{"Acompañamiento familiar", "Sesiones periódicas de un apoyo familiar con cada familia, en su hogar, durante 24 meses"},
					{"Vinculación con la red", "Derivación a los servicios públicos de salud, educación, empleo y prestaciones"}},
				Eligibility: []Eligibility{{"Extrema pobreza", "Familias en el 5 % más vulnerable según el instrumento de focalización"},
					{"Consentimiento", "La familia firma un compromiso de participación"}},
				Indicators: []Indicator{{"Familias que cumplen las condiciones mínimas", "porcentaje", 70}, {"Familias vinculadas a la red", "familias", 1000}},
				Materials:  []Material{{"Manual del apoyo familiar", "manual", ""}, {"Fichas de las condiciones mínimas", "instrumento", ""}},
			}},
		{Slug: "yo-emprendo", Kind: "program", TitleES: "Yo Emprendo", TitleEN: "Yo Emprendo (I start a business)",
			SummaryES: "Formación, apoyo al plan de negocio, asistencia técnica y capital semilla para microemprendimientos.",
			SummaryEN: "Training, business-plan support, technical assistance and seed capital for microenterprises.",
			Design: &Design{
				Components:  []Component{{"Formación", "Talleres de gestión y educación financiera"}, {"Capital semilla", "Financiamiento del plan de negocio"}},
				Eligibility: []Eligibility{{"Vulnerabilidad", "Personas del 40 % más vulnerable"}, {"Emprendimiento", "Con un negocio en marcha o una idea de negocio"}},
				Indicators:  []Indicator{{"Emprendimientos que siguen activos a los 12 meses", "porcentaje", 60}},
				Materials:   []Material{{"Guía del plan de negocio", "guía", ""}},
			}},
		{Slug: "yo-trabajo", Kind: "program", TitleES: "Yo Trabajo", TitleEN: "Yo Trabajo (I work)",
			SummaryES: "Habilidades básicas para el trabajo, plan de inserción laboral y financiamiento de sus actividades.",
			SummaryEN: "Basic work skills training, a work placement plan and funding for its activities."},
		{Slug: "habitability", Kind: "program", TitleES: "Habitabilidad", TitleEN: "Housing (habitability)",
			SummaryES: "Soluciones concretas para viviendas precarias: reparaciones básicas, equipamiento y talleres de hábitos.",
			SummaryEN: "Concrete solutions for precarious homes: basic repairs, household goods and workshops on habits."},
		{Slug: "mirrored-teams", Kind: "methodology", TitleES: "Equipos espejo", TitleEN: "Mirrored teams",
			SummaryES: "Un equipo en Chile y uno en el país socio, con pares en cada nivel de decisión, para un intercambio profundo en cada paso.",
			SummaryEN: "A team in Chile and one in the partner country, paired at every level of decision-making, for a deep exchange at every step.",
			Design: &Design{
				Components: []Component{{"Conformación de equipos", "Cada parte nombra a sus profesionales por nivel de decisión (directivo, técnico, operativo) y cada uno tiene su par"},
					{"Diagnóstico conjunto", "Los equipos revisan juntos la situación del país socio y la experiencia de FOSIS"},
					{"Diseño y adaptación", "El modelo se adapta al país socio; cada versión del diseño se revisa por ambas partes"},
					{"Pasantías e intercambios", "Visitas, talleres y reuniones virtuales entre pares"},
					{"Sistematización", "Registro de lo aprendido y lecciones para otros proyectos"}},
				Materials: []Material{{"Ficha de equipo espejo", "instrumento", ""}},
			}},
		{Slug: "social-protection-scorecard", Kind: "instrument", TitleES: "Instrumento de focalización", TitleEN: "Targeting scorecard",
			SummaryES: "Ordena a los hogares por vulnerabilidad para priorizar el acceso a los programas.",
			SummaryEN: "Ranks households by vulnerability to prioritise access to programs.",
			Design: &Design{
				Components: []Component{{"Registro de hogares", "Datos de los integrantes, ingresos, vivienda y salud, de registros administrativos y de la declaración del hogar"},
					{"Modelo de puntaje", "Ingresos corregidos por un índice de necesidades, o un modelo de comprobación de medios (PMT)"},
					{"Tramos", "Percentil del hogar en la población y tramo de calificación (40, 50, 60, 70, 80, 90 y 100 %)"},
					{"Explicación", "Cada puntaje se explica al hogar en palabras simples"}},
			}},
		{Slug: "family-support-manual", Kind: "material", TitleES: "Manual del apoyo familiar", TitleEN: "Family support manual",
			SummaryES: "Guía de sesiones, instrumentos y registro del acompañamiento a las familias.",
			SummaryEN: "Guide to the sessions, instruments and records of the support to families."},
		{Slug: "family-accompaniment", Kind: "methodology", TitleES: "Acompañamiento a familias", TitleEN: "Family accompaniment",
			SummaryES: "Metodología del acompañamiento psicosocial y sociolaboral: diagnóstico, sesiones en el hogar y grupales, plan de intervención y condiciones mínimas en siete dimensiones.",
			SummaryEN: "The methodology of psycho-social and socio-vocational accompaniment: diagnosis, home and group sessions, an intervention plan and minimum conditions in seven dimensions.",
			Design: &Design{
				Components: []Component{{"Diagnóstico", "Condiciones mínimas marcadas como cumplidas o no en siete dimensiones: identificación, salud, educación, dinámica familiar, habitabilidad, trabajo e ingresos"},
					{"Plan de intervención", "Acciones acordadas por cada condición no cumplida, con responsable y plazo"},
					{"Sesiones", "Sesiones individuales y familiares en el hogar, y sesiones grupales"},
					{"Derivaciones", "Vinculación con los servicios públicos de la comuna"},
					{"Evaluación de salida", "Las condiciones mínimas se miden de nuevo al egreso"}},
				Materials: []Material{{"Manual del apoyo familiar", "manual", ""}},
			}},
	}
}

// demoLinks are the demo's cooperation projects and what each shared.
var demoLinks = map[string][]string{
	"CSS-PY-01": {"psychosocial-support", "mirrored-teams", "family-support-manual", "family-accompaniment", "monitoring-feedback-adaptation"},
	"CSS-GT-01": {"yo-emprendo", "financial-inclusion"},
	"CSS-HN-01": {"coordination-among-sectors", "information-management"},
	"CSS-CO-01": {"social-protection-scorecard", "information-management"},
}

// SeedDemo saves the built-in catalogue (once) and links it to the demo's
// cooperation projects that exist. It returns how many items it added.
func (s *Store) SeedDemo(ctx context.Context) (int, error) {
	have, err := s.List(ctx)
	if err != nil || len(have) > 0 {
		return 0, err
	}
	items := Catalogue()
	for _, it := range items {
		if _, err := s.Save(ctx, it); err != nil {
			return 0, fmt.Errorf("%s: %w", it.Slug, err)
		}
	}
	for code, slugs := range demoLinks {
		for _, slug := range slugs {
			err := s.Link(ctx, slug, code)
			if fosis.ErrorCode(err) == fosis.ENOTFOUND {
				continue // the cooperation demo is not there
			}
			if err != nil {
				return 0, err
			}
		}
	}
	return len(items), nil
}
