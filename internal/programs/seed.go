package programs

import (
	"context"
	"database/sql"

	"github.com/fosis/fosis/internal/platform/db"
)

// Catalogue is FOSIS's offer as seeded: the three areas and their programme
// lines with components, target groups, typical amounts per participant and
// durations, from public sources named in each line's Source (the
// figures marked "assumed" had no published source and are placeholders an
// administrator should revise, which makes a new version).
func Catalogue() []Program {
	adult := Rule{"adult", "Tener 18 años o más", "Be 18 or older", "age >= 18"}
	tramo40 := Rule{"tramo40", "Pertenecer al tramo 40% del RSH", "Be in the RSH 40% bracket", "scored && bracket <= 40"}
	tramo60 := Rule{"tramo60", "Pertenecer al tramo 60% del RSH o menos", "Be in the RSH 60% bracket or below", "scored && bracket <= 60"}
	sso := Rule{"sso", "Participar en Seguridades y Oportunidades (Familias o Puente)", "Take part in Seguridades y Oportunidades (Familias or Puente)", "sso"}
	notEmployed := Rule{"not-employed", "Estar sin trabajo o inactivo", "Be unemployed or inactive", "!employed"}
	head := Rule{"head", "Postula la jefatura del hogar", "The head of household applies", `relation == "head"`}
	young := Rule{"young", "Tener entre 18 y 29 años", "Be between 18 and 29", "age >= 18 && age <= 29"}
	return []Program{
		{Code: "yo-emprendo-semilla", Area: AreaEntrepreneurship, Unit: UnitPerson, NameES: "Yo Emprendo Semilla", NameEN: "Yo Emprendo Semilla (seed entrepreneurship)",
			AmountCLP: 575_000, Months: 7, Spec: Spec{
				ComponentsES: []string{"Formación", "Asesoría técnica", "Capital semilla"}, ComponentsEN: []string{"Training", "Technical advice", "Seed capital"},
				TargetES: "Personas de 18 años o más, sin trabajo o con trabajo precario, del tramo 40% del RSH, con una idea o negocio inicial",
				TargetEN: "People aged 18 or more, unemployed or in precarious work, in the RSH 40% bracket, with an idea or an early-stage business",
				Source:   "CEPAL non-contributory programmes database, programme 85 (https://dds.cepal.org/bpsnc/programme?id=85); $450–700k and about 7 months in Maule 2024 (diariolaprensa.cl, 2025-01-05)", Rules: []Rule{adult, tramo40}}},
		{Code: "yo-emprendo", Area: AreaEntrepreneurship, Unit: UnitPerson, NameES: "Yo Emprendo", NameEN: "Yo Emprendo (business growth)",
			AmountCLP: 1_100_000, Months: 8, Spec: Spec{
				ComponentsES: []string{"Financiamiento de capital", "Cursos y formación", "Asesoría técnica", "Taller de género y emprendimiento"},
				ComponentsEN: []string{"Capital financing", "Courses and training", "Technical advice", "Gender and entrepreneurship workshop"},
				TargetES:     "Personas en pobreza o vulnerabilidad con una actividad económica independiente en marcha",
				TargetEN:     "People in poverty or vulnerability with a running independent economic activity",
				Source:       "MDS programme follow-up report 2017 (PRG2018-3-3228); $1.1M for existing businesses in Antofagasta 2020 (portalantofagasta.cl); duration assumed", Rules: []Rule{adult, tramo60}}},
		{Code: "yo-emprendo-grupal", Area: AreaEntrepreneurship, Unit: UnitPerson, NameES: "Yo Emprendo Grupal", NameEN: "Yo Emprendo Grupal (group enterprise)",
			AmountCLP: 1_000_000, Months: 10, Spec: Spec{
				ComponentsES: []string{"Inversión productiva grupal", "Formación", "Asesoría"}, ComponentsEN: []string{"Group productive investment", "Training", "Advice"},
				TargetES: "Integrantes de organizaciones de 15 o más miembros con personalidad jurídica y fin productivo, de 18 años o más",
				TargetEN: "Members, 18 or older, of organisations of 15 or more members with legal personality and a productive aim",
				Source:   "FOSIS call notices for Yo Emprendo Grupal (noticiasdelsur.cl, Pucón; diarioeldia.cl); amount and duration assumed", Rules: []Rule{adult}}},
		{Code: "acceso-microfinanciamiento", Area: AreaEntrepreneurship, Unit: UnitPerson, NameES: "Acceso al Microfinanciamiento", NameEN: "Access to Microfinance",
			AmountCLP: 150_000, Months: 4, Spec: Spec{
				ComponentsES: []string{"Subsidio a la operación de crédito", "Educación financiera"}, ComponentsEN: []string{"Loan-operation subsidy", "Financial education"},
				TargetES: "Personas con un negocio en marcha del tramo 60% del RSH", TargetEN: "People with a running business in the RSH 60% bracket",
				Source: "FOSIS microcredit pilot in seven regions, Sep–Dec 2024 (valparaisonoticias.cl, 2024-08-22); amount assumed", Rules: []Rule{adult, tramo60}}},
		{Code: "yo-trabajo", Area: AreaEmployment, Unit: UnitPerson, NameES: "Yo Trabajo", NameEN: "Yo Trabajo (employment)",
			AmountCLP: 300_000, Months: 7, Spec: Spec{
				ComponentsES: []string{"Ruta de empleo dependiente o independiente", "Desarrollo de competencias", "Búsqueda activa de empleo", "Instrumento de Diagnóstico Sociolaboral"},
				ComponentsEN: []string{"Employee or self-employment track", "Skills development", "Active job search", "Socio-labour diagnostic (IDS)"},
				TargetES:     "Personas de 18 años o más del tramo 40% del RSH, sin trabajo o inactivas; prioridad: discapacidad, jefatura de hogar, pueblos indígenas",
				TargetEN:     "People aged 18 or more in the RSH 40% bracket, unemployed or inactive; priority: disability, heads of household, indigenous peoples",
				Source:       "CEPAL non-contributory programmes database, programme 100 (https://dds.cepal.org/bpsnc/programme?id=100); amount and duration assumed", Rules: []Rule{adult, tramo40, notEmployed}}},
		{Code: "yo-trabajo-jovenes", Area: AreaEmployment, Unit: UnitPerson, NameES: "Yo Trabajo Jóvenes", NameEN: "Yo Trabajo Jóvenes (youth employment)",
			AmountCLP: 180_000, Months: 7, Spec: Spec{
				ComponentsES: []string{"Talleres de formación sociolaboral", "Plan laboral individual", "Intermediación o financiamiento de trabajo independiente"},
				ComponentsEN: []string{"Socio-labour training workshops", "Individual labour plan", "Job intermediation or self-employment funding"},
				TargetES:     "Jóvenes de 18 a 29 años sin trabajo, buscando su primer empleo o inactivos, del tramo 40% del RSH",
				TargetEN:     "Young people aged 18 to 29, unemployed, seeking a first job or inactive, in the RSH 40% bracket",
				Source:       "CEPAL non-contributory programmes database, programme 109 (https://dds.cepal.org/bpsnc/programme?id=109): up to 7 months, $180,000 for the labour plan", Rules: []Rule{young, tramo40, notEmployed}}},
		{Code: "apoyo-plan-laboral", Area: AreaEmployment, Unit: UnitPerson, NameES: "Apoyo a tu Plan Laboral", NameEN: "Support for your Labour Plan",
			AmountCLP: 180_000, Months: 6, Spec: Spec{
				ComponentsES: []string{"Capital humano", "Asistencia técnica", "Apoyo a entrevistas", "Cuidado infantil", "Transporte"},
				ComponentsEN: []string{"Human capital", "Technical assistance", "Job-interview support", "Childcare", "Transport"},
				TargetES:     "Participantes de Seguridades y Oportunidades con un plan laboral", TargetEN: "Seguridades y Oportunidades participants with a labour plan",
				Source: "CEPAL non-contributory programmes database, programme 108 (https://dds.cepal.org/bpsnc/programme?id=108); amount and duration assumed", Rules: []Rule{adult, sso}}},
		{Code: "accion-en-familia", Area: AreaSocialDevelopment, Unit: UnitHousehold, NameES: "Acción en Familia", NameEN: "Action in the Family",
			AmountCLP: 467_000, Months: 10, Spec: Spec{
				ComponentsES: []string{"Capital familiar", "Capital humano", "Capital social", "Capital físico"}, ComponentsEN: []string{"Family capital", "Human capital", "Social capital", "Physical capital"},
				TargetES: "Familias en pobreza o vulnerabilidad con dificultades en su dinámica relacional", TargetEN: "Families in poverty or vulnerability with difficulties in their relational dynamics",
				Source: "Urrutia (2015), thesis, Universidad de Chile, on the implementation of Acción en Familia; amount from Acción en Comunidad (Maule 2018 tender bases)", Rules: []Rule{tramo40, head}}},
		{Code: "accion-en-comunidad", Area: AreaSocialDevelopment, Unit: UnitHousehold, NameES: "Acción en Comunidad", NameEN: "Action in the Community",
			AmountCLP: 467_000, Months: 8, Spec: Spec{
				ComponentsES: []string{"Diagnóstico participativo", "Plan de trabajo comunitario", "Ejecución del plan"}, ComponentsEN: []string{"Participatory diagnosis", "Community work plan", "Plan execution"},
				TargetES: "Familias de territorios vulnerables", TargetEN: "Families of vulnerable neighbourhoods",
				Source: "FOSIS Maule tender bases for Acción en Comunidad 2018 (code 387301): $114,485,000 for 245 families, 8 months' execution", Rules: []Rule{tramo60, head}}},
		{Code: "puente", Area: AreaSocialDevelopment, Unit: UnitHousehold, NameES: "Puente", NameEN: "Bridge (Puente)",
			AmountCLP: 0, Months: 24, Spec: Spec{Invitation: true,

				ComponentsES: []string{"Acompañamiento psicosocial", "Condiciones mínimas de bienestar"}, ComponentsEN: []string{"Psychosocial support", "Minimum well-being conditions"},
				TargetES: "Familias en extrema pobreza (5% más vulnerable)", TargetEN: "Families in extreme poverty (the poorest 5%)",
				Source: "Puente: between the family and their rights (FOSIS, October 2009); bonuses are paid by other programmes, so no amount here", Rules: []Rule{{"poorest5", "Estar en el 5% más vulnerable", "Be in the poorest 5%", "scored && poorest5"}, head}}},
		{Code: "familias", Area: AreaSocialDevelopment, Unit: UnitHousehold, NameES: "Familias (Seguridades y Oportunidades)", NameEN: "Families (Seguridades y Oportunidades)",
			AmountCLP: 0, Months: 24, Spec: Spec{Invitation: true,

				ComponentsES: []string{"Programa Eje", "Acompañamiento psicosocial", "Acompañamiento sociolaboral"}, ComponentsEN: []string{"Eje programme", "Psychosocial support", "Socio-occupational support"},
				TargetES: "Familias en extrema pobreza invitadas por el Ministerio de Desarrollo Social y Familia según el RSH", TargetEN: "Families in extreme poverty invited by the Ministry of Social Development and Family from the RSH",
				Source: "Ley 20.595 (2012); fosis.gob.cl/es/programas/programa-familias: 24 months of accompaniment; transfers are paid by other programmes, so no amount here",
				Rules:  []Rule{{"poorest5", "Estar en el 5% más vulnerable", "Be in the poorest 5%", "scored && poorest5"}, head}}},
		{Code: "habitabilidad", Area: AreaSocialDevelopment, Unit: UnitHousehold, NameES: "Habitabilidad", NameEN: "Habitability",
			AmountCLP: 313_626, Months: 12, Spec: Spec{Invitation: true,

				ComponentsES: []string{"Soluciones constructivas", "Equipamiento (camas, muebles, calefones)", "Talleres de hábitos saludables"},
				ComponentsEN: []string{"Building solutions", "Equipment (beds, furniture, water heaters)", "Healthy-home workshops"},
				TargetES:     "Familias de Seguridades y Oportunidades con al menos una condición de habitabilidad", TargetEN: "Seguridades y Oportunidades families with at least one habitability condition",
				Source: "Habitabilidad in Maule (atentos.cl) and Araucanía (litoralpress.cl): about 12 months; $313,626 per family in materials (Iquique 2012)", Rules: []Rule{sso, head}}},
		{Code: "autoconsumo", Area: AreaSocialDevelopment, Unit: UnitHousehold, NameES: "Autoconsumo", NameEN: "Food self-production (Autoconsumo)",
			AmountCLP: 500_000, Months: 10, Spec: Spec{Invitation: true,

				ComponentsES: []string{"Invernaderos, hornos, gallineros", "Riego y semillas", "Herramientas"}, ComponentsEN: []string{"Greenhouses, ovens, henhouses", "Irrigation and seeds", "Tools"},
				TargetES: "Familias de Seguridades y Oportunidades, principalmente rurales", TargetEN: "Seguridades y Oportunidades families, mainly rural",
				Source: "Autoconsumo in Longaví 2017 (biobiochile.cl, 2017-09-25): about 10 months, $500k per family", Rules: []Rule{sso, head}}},
		{Code: "educacion-financiera", Area: AreaSocialDevelopment, Unit: UnitPerson, NameES: "Educación Financiera", NameEN: "Financial Education",
			AmountCLP: 0, Months: 3, Spec: Spec{
				ComponentsES: []string{"Talleres de educación financiera"}, ComponentsEN: []string{"Financial-education workshops"},
				TargetES: "Jefaturas de hogar y microemprendedores vulnerables", TargetEN: "Vulnerable heads of household and micro-entrepreneurs",
				Source: "FOSIS financial education (radioantara.cl; radioagricultura.cl, 2021-10-15); duration assumed", Rules: []Rule{adult, tramo60}}},
	}
}

// SeedCatalogue stores every programme of Catalogue whose line is not in the
// database yet (so it is safe to run again, and never overwrites an edited
// programme). It returns how many lines it added.
func (s *Store) SeedCatalogue(ctx context.Context) (int, error) {
	if _, err := s.manager(ctx); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		for _, p := range Catalogue() {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM program_lines WHERE code = ?`, p.Code).Scan(&id)
			if err == nil {
				continue
			}
			if err != sql.ErrNoRows {
				return err
			}
			if err := p.Validate(); err != nil {
				return err
			}
			if _, err := s.saveProgram(ctx, tx, &p); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
