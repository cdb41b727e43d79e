package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
)

// demoServices are the services the demo's directory gives every commune
// with cases: the usual public network a family is referred to (the names
// are the institutions' own; requirements and contacts are examples).
var demoServices = []struct {
	institution, name, dims, requirements, contact string
}{
	{"Registro Civil e Identificación", "Cédula de identidad y certificados", "identificacion", "Certificado de nacimiento o cédula anterior", "registrocivil.cl · 600 370 2000"},
	{"CESFAM %s", "Inscripción en atención primaria", "salud", "Cédula de identidad y comprobante de domicilio", "Oficina SOME del CESFAM"},
	{"CESFAM %s", "Control de niño sano y vacunas", "salud", "Carné de control del niño", "Oficina SOME del CESFAM"},
	{"JUNJI", "Matrícula en jardín infantil", "educacion", "Certificado de nacimiento del niño y Registro Social de Hogares", "junji.gob.cl"},
	{"Municipalidad de %s — Educación", "Matrícula escolar y apoyo de útiles", "educacion", "Certificado de nacimiento", "Departamento de Educación municipal"},
	{"Municipalidad de %s — OPD", "Oficina de Protección de Derechos", "dinamica", "", "OPD comunal"},
	{"Centro de la Mujer (SernamEG)", "Atención en violencia contra la mujer", "dinamica", "", "Fono 1455"},
	{"Municipalidad de %s — Vivienda", "Postulación a subsidios de vivienda", "habitabilidad", "Registro Social de Hogares, ahorro según el subsidio", "Oficina de vivienda municipal"},
	{"OMIL %s", "Intermediación laboral", "trabajo|ingresos", "Cédula de identidad y currículum", "Oficina Municipal de Información Laboral"},
	{"SENCE", "Capacitación en oficios", "trabajo", "Registro Social de Hogares", "sence.cl"},
	{"Municipalidad de %s — Social", "Subsidio Único Familiar (SUF)", "ingresos", "Registro Social de Hogares y cargas acreditadas", "Departamento Social municipal"},
	{"IPS — ChileAtiende", "Pensión Garantizada Universal y beneficios", "ingresos", "Cédula de identidad", "chileatiende.gob.cl · 101"},
}

// SeedDemoDirectory gives every commune with cases the demo's directory of
// services and refers demo cases to them: for Puente cases past their
// diagnosis, a referral for up to two conditions not met at entry, to a
// service of their commune serving that dimension, in every status — many
// resolved, and of those on active cases most satisfying their condition.
// It does nothing if the directory has services; it returns how many
// services and referrals it added.
func (s *Store) SeedDemoDirectory(ctx context.Context, names map[string]string, seed uint64) (services, referrals int, err error) {
	r, err := s.national(ctx)
	if err != nil {
		return 0, 0, err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM delivery_services`).Scan(&n); err != nil || n > 0 {
		return 0, 0, err
	}
	communes, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (string, error) {
		var c string
		return c, rows.Scan(&c)
	}, `SELECT DISTINCT commune_code FROM delivery_cases ORDER BY commune_code`)
	if err != nil {
		return 0, 0, err
	}
	byCommuneDim := map[string]map[string][]int64{}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		for _, c := range communes {
			region := s.communeRegion(c)
			if region == "" {
				continue
			}
			name := names[c]
			if name == "" {
				name = c
			}
			byCommuneDim[c] = map[string][]int64{}
			for _, v := range demoServices {
				inst := v.institution
				if strings.Contains(inst, "%s") {
					inst = fmt.Sprintf(inst, name)
				}
				id, err := tx.InsertID(ctx, `INSERT INTO delivery_services (commune_code, region_code, institution, name, dimensions, requirements, contact, active, created_at, updated_at, updated_by)
					VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`, c, region, inst, v.name, "|"+v.dims+"|", v.requirements, v.contact, d.Time(tx.Now), d.Time(tx.Now), r.p.Username)
				if err != nil {
					return err
				}
				services++
				for _, dim := range splitList(v.dims) {
					byCommuneDim[c][dim] = append(byCommuneDim[c][dim], id)
				}
			}
		}
		return record(ctx, tx, r, "services.demo", "directory", "demo", nil, map[string]int{"communes": len(communes), "services": services})
	})
	if err != nil {
		return 0, 0, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0xd1c7))
	today := s.today()
	for _, state := range []string{StateIntervention, StateClosing, StateGraduated} {
		var after int64
		for {
			page, err := s.Cases(ctx, Filter{Line: "puente", State: state}, after, 500)
			if err != nil {
				return services, referrals, err
			}
			for _, c := range page.Items {
				if rng.IntN(3) == 0 { // about two cases in three are referred
					continue
				}
				added, err := s.demoReferrals(ctx, rng, &c, byCommuneDim[c.Commune], today)
				if err != nil {
					return services, referrals, err
				}
				referrals += added
			}
			if page.Next == 0 {
				break
			}
			after = page.Next
		}
	}
	return services, referrals, nil
}

// demoReferrals refers case c for up to two of its conditions not met at
// entry, to services of its commune, and moves each to a status.
func (s *Store) demoReferrals(ctx context.Context, rng *rand.Rand, c *Case, byDim map[string][]int64, today time.Time) (int, error) {
	dx, err := s.Diagnosis(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	var unmet []Mark
	for _, m := range dx.Entry {
		if m.Status == NotMet && len(byDim[m.Dimension]) > 0 {
			unmet = append(unmet, m)
		}
	}
	slices.SortFunc(unmet, func(a, b Mark) int { return cmpString(a.Condition, b.Condition) })
	rng.Shuffle(len(unmet), func(i, j int) { unmet[i], unmet[j] = unmet[j], unmet[i] })
	opened, err := time.Parse(time.DateOnly, c.OpenedOn)
	if err != nil {
		return 0, err
	}
	span := int(today.Sub(opened).Hours()/24) - 40
	if span < 10 {
		return 0, nil
	}
	added := 0
	for _, m := range unmet[:min(2, len(unmet))] {
		svcs := byDim[m.Dimension]
		sent := opened.AddDate(0, 0, 30+rng.IntN(span))
		x, err := s.Refer(ctx, c.ID, ReferralInput{ServiceID: svcs[rng.IntN(len(svcs))], Condition: m.Condition,
			Reason: "Condición no cumplida en el diagnóstico de entrada", SentOn: sent.Format(time.DateOnly)})
		if err != nil {
			return added, err
		}
		added++
		days := int(today.Sub(sent).Hours() / 24)
		p := rng.IntN(100)
		if days < 7 || p < 20 {
			continue // still sent
		}
		attended := sent.AddDate(0, 0, 1+rng.IntN(min(days, 20)))
		if p < 28 {
			if _, err := s.MoveReferral(ctx, x.ID, RefSent, RefRefused, attended.Format(time.DateOnly), "La familia no asistió a la hora agendada"); err != nil {
				return added, err
			}
			continue
		}
		if _, err := s.MoveReferral(ctx, x.ID, RefSent, RefAttended, attended.Format(time.DateOnly), ""); err != nil {
			return added, err
		}
		left := int(today.Sub(attended).Hours() / 24)
		if p < 45 || left < 2 {
			continue // attended, not resolved yet
		}
		closed := attended.AddDate(0, 0, 1+rng.IntN(min(left, 30)))
		if _, err := s.MoveReferral(ctx, x.ID, RefAttended, RefResolved, closed.Format(time.DateOnly), "Prestación obtenida; se verificó con la familia"); err != nil {
			return added, err
		}
		if (c.State == StateIntervention || c.State == StateClosing) && rng.IntN(10) < 7 {
			if _, err := s.SatisfyCondition(ctx, x.ID); err != nil {
				return added, err
			}
		}
	}
	return added, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
