package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
)

// DemoTraining says what SeedTrainingDemo added.
type DemoTraining struct {
	Courses    int `json:"courses"`
	Attendance int `json:"attendance"`
	Plans      int `json:"plans"`
	Goods      int `json:"goods"`
}

// demoGoods are the goods the demo delivers per line (item, unit cost in
// whole pesos, most per family).
var demoGoods = map[string][]struct {
	item string
	cost int64
	most int
}{
	"habitabilidad":       {{"Cama equipada", 89_000, 3}, {"Kit de aislación térmica", 350_000, 1}, {"Solución sanitaria (baño)", 420_000, 1}, {"Cocina a gas", 160_000, 1}},
	"autoconsumo":         {{"Invernadero", 280_000, 1}, {"Gallinero y aves", 150_000, 1}, {"Kit de riego por goteo", 120_000, 1}, {"Semillas y herramientas", 45_000, 2}},
	"yo-emprendo-semilla": {{"Horno industrial", 320_000, 1}, {"Materias primas", 80_000, 2}, {"Vitrina refrigerada", 90_000, 1}},
}

// SeedTrainingDemo gives the demo's cases what comes after their
// diagnosis: a course per agency, commune and line with a training
// component (sessions every week, attendance mostly good, some below the
// rule), an approved plan for the cases past it with actions (a few past
// due), and goods delivered where the gates are open. It does nothing if
// courses exist.
func (s *Store) SeedTrainingDemo(ctx context.Context, today time.Time, seed uint64) (*DemoTraining, error) {
	r, err := s.national(ctx)
	if err != nil {
		return nil, err
	}
	out := &DemoTraining{}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM delivery_courses`).Scan(&n); err != nil || n > 0 {
		return out, err
	}
	type demoCase struct {
		id                      int64
		line, agency, commune   string
		region, state, username string
		opened                  time.Time
		methodology             int64
	}
	cases, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (demoCase, error) {
		var c demoCase
		var on db.Day
		err := rows.Scan(&c.id, &c.line, &c.agency, &c.commune, &c.region, &c.state, &on, &c.methodology, &c.username)
		c.opened = on.Time
		return c, err
	}, `SELECT c.id, c.line_code, c.agency_code, c.commune_code, c.region_code, c.state, c.opened_on, c.methodology, COALESCE(u.username, '')
		FROM delivery_cases c LEFT JOIN users u ON u.id = c.counsellor
		WHERE c.agency_code IS NOT NULL AND (c.state = 'in_intervention' OR c.state = 'closing' OR c.state = 'graduated') ORDER BY c.id`)
	if err != nil {
		return nil, err
	}
	methods := map[int64]*Methodology{}
	for _, c := range cases {
		if methods[c.methodology] == nil {
			if methods[c.methodology], err = s.methodologyByID(ctx, s.db, c.methodology); err != nil {
				return nil, err
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x7a1))
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		now := d.Time(tx.Now)
		// Courses: one per agency, commune, line and training component.
		type group struct {
			agency, commune, region, line string
			comp                          *Component
			cases                         []demoCase
		}
		groups := map[string]*group{}
		var keys []string
		for _, c := range cases {
			m := methods[c.methodology]
			for i := range m.Components {
				k := &m.Components[i]
				if k.Kind != KindTraining {
					continue
				}
				key := c.agency + "/" + c.commune + "/" + c.line + "/" + k.Key
				if groups[key] == nil {
					groups[key] = &group{agency: c.agency, commune: c.commune, region: c.region, line: c.line, comp: k}
					keys = append(keys, key)
				}
				groups[key].cases = append(groups[key].cases, c)
			}
		}
		sort.Strings(keys)
		passed := map[int64]bool{} // case → its training passed
		var participants, attendance [][]any
		for _, key := range keys {
			g := groups[key]
			first := g.cases[0].opened
			for _, c := range g.cases {
				if c.opened.Before(first) {
					first = c.opened
				}
			}
			start := first.AddDate(0, 0, 30)
			if start.After(today) {
				start = today
			}
			sessions := max(g.comp.Count, 4)
			end := start.AddDate(0, 0, 7*sessions)
			minutes := max(g.comp.Minutes, 60)
			id, err := tx.InsertID(ctx, `INSERT INTO delivery_courses (line_code, component, agency_code, commune_code, region_code, title, starts_on, ends_on,
				rule, rule_min, attendance_pct, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'demo')`,
				g.line, g.comp.Key, g.agency, g.commune, g.region, g.comp.NameES, d.Date(start), d.Date(end), g.comp.Done, g.comp.Min, g.comp.AttendancePct, now)
			if err != nil {
				return err
			}
			out.Courses++
			for _, c := range g.cases {
				participants = append(participants, []any{id, c.id, d.Date(start), "demo"})
			}
			// Each participant's habit of attending.
			habit := map[int64]float64{}
			attended := map[int64]int{}
			held := 0
			for _, c := range g.cases {
				habit[c.id] = 0.6 + 0.4*rng.Float64()
				if rng.IntN(100) < 80 {
					habit[c.id] = 0.85 + 0.15*rng.Float64()
				}
			}
			for k := 1; k <= sessions; k++ {
				on := start.AddDate(0, 0, 7*(k-1))
				status, version := CourseScheduled, 0
				if !on.After(today) {
					status, version = CourseHeld, 1
				}
				sid, err := tx.InsertID(ctx, `INSERT INTO delivery_course_sessions (course_id, number, on_date, minutes, topic, status, version) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					id, k, d.Date(on), minutes, fmt.Sprintf("Módulo %d", k), status, version)
				if err != nil {
					return err
				}
				if status != CourseHeld {
					continue
				}
				held += minutes
				for _, c := range g.cases {
					if c.opened.After(on) {
						continue
					}
					present := rng.Float64() < habit[c.id]
					mins := 0
					if present {
						mins = minutes
						attended[c.id] += minutes
					}
					attendance = append(attendance, []any{sid, c.id, db.Bool(present), mins, now, "demo"})
				}
			}
			for _, c := range g.cases {
				t := TrainingResult{Attended: attended[c.id], Held: held}
				if held > 0 {
					t.Pct = t.Attended * 100 / held
				}
				passed[c.id] = t.passes(g.comp)
			}
		}
		if _, err := tx.CopyFrom(ctx, "delivery_course_participants", []string{"course_id", "case_id", "added_on", "added_by"}, &db.SliceSource{Rows: participants}); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, "delivery_attendance", []string{"session_id", "case_id", "present", "minutes", "recorded_at", "recorded_by"}, &db.SliceSource{Rows: attendance}); err != nil {
			return err
		}
		out.Attendance = len(attendance)
		// Plans, approved once what they require is done, and goods.
		var goods [][]any
		for _, c := range cases {
			m := methods[c.methodology]
			done := map[string]bool{}
			for _, k := range m.Components {
				done[k.Key] = k.Kind != KindTraining || passed[c.id]
			}
			ready := func(k *Component) bool {
				for _, req := range k.Requires {
					if !done[req] {
						return false
					}
				}
				return true
			}
			var plan, deliveries *Component
			for i := range m.Components {
				switch k := &m.Components[i]; k.Kind {
				case KindPlan:
					plan = k
				case KindDeliveries:
					deliveries = k
				}
			}
			if plan != nil {
				done[plan.Key] = false
				if ready(plan) {
					kind := PlanFamily
					switch c.line {
					case "yo-emprendo-semilla":
						kind = PlanBusiness
					case "yo-trabajo", "yo-trabajo-jovenes":
						kind = PlanWork
					}
					due1, due2 := c.opened.AddDate(0, 0, 90), c.opened.AddDate(0, 0, 200)
					actions := []PlanAction{{Action: "Acordar las metas con la familia", Who: "Participante y " + c.username, By: due1.Format(time.DateOnly)},
						{Action: "Revisar el avance del plan", Who: c.username, By: due2.Format(time.DateOnly)}}
					body, _ := json.Marshal(planBody{Goal: "Plan de trabajo acordado con la familia", Actions: actions, Budget: []BudgetLine{}})
					checked := c.opened.AddDate(0, 0, 60)
					pid, err := tx.InsertID(ctx, `INSERT INTO delivery_plans (case_id, version, kind, body, total_clp, status, made_by, made_at, checked_by, checked_at, comment)
						VALUES (?, 1, ?, ?, 0, 'approved', ?, ?, 'demo-coordinacion', ?, '')`, c.id, kind, string(body), c.username, d.Time(checked.Add(-72*time.Hour)), d.Time(checked))
					if err != nil {
						return err
					}
					out.Plans++
					for i, a := range actions {
						by, _ := time.Parse(time.DateOnly, a.By)
						var doneOn any
						if by.Before(today) && (c.state != StateIntervention || rng.IntN(100) < 85) {
							doneOn = d.Date(by.AddDate(0, 0, -rng.IntN(10)))
						}
						if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_plan_actions (plan_id, idx, case_id, action, due_on, done_on, done_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
							pid, i, c.id, a.Action, d.Date(by), doneOn, c.username); err != nil {
							return err
						}
					}
					done[plan.Key] = true
				}
			}
			if deliveries != nil && ready(deliveries) {
				on := c.opened.AddDate(0, 0, 120+rng.IntN(60))
				if on.After(today) {
					on = today
				}
				for _, g := range demoGoods[c.line] {
					if rng.IntN(100) < 60 {
						goods = append(goods, []any{c.id, deliveries.Key, g.item, 1 + rng.IntN(g.most), g.cost, d.Date(on), "Jefatura de hogar", "", now, "demo"})
					}
				}
			}
		}
		if _, err := tx.CopyFrom(ctx, "delivery_goods", []string{"case_id", "component", "item", "quantity", "unit_cost_clp", "received_on", "received_by", "notes", "recorded_at", "recorded_by"},
			&db.SliceSource{Rows: goods}); err != nil {
			return err
		}
		out.Goods = len(goods)
		return record(ctx, tx, r, "training.demo", "course", "", nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, s.db.Analyze(ctx, "delivery_courses", "delivery_course_sessions", "delivery_course_participants", "delivery_attendance", "delivery_goods", "delivery_plan_actions")
}
