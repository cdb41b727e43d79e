package delivery

import (
	"context"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
)

// DemoHousehold is a household the demo may open a case for.
type DemoHousehold struct {
	Key     int64
	ID      string
	Commune string
	Region  string
	RUN     int64 // the head of household's
}

// DemoAgency is an executing agency of the demo, the regions it works in,
// and its counsellors (usernames already registered with AddCounsellor).
type DemoAgency struct {
	Code        string
	Regions     []string
	Counsellors []string
}

// demoLines are the lines the demo's cases are spread over, with weights.
var demoLines = []struct {
	line   string
	weight int
}{{"puente", 30}, {"yo-emprendo-semilla", 20}, {"yo-trabajo", 14}, {"yo-trabajo-jovenes", 10}, {"habitabilidad", 10}, {"autoconsumo", 8}, {"accion-en-familia", 8}}

var demoNotes = []string{
	"Conversamos sobre la rutina de la familia y los horarios de los niños.",
	"La familia pidió hora en el consultorio; quedamos de revisar en la próxima visita.",
	"Revisamos el presupuesto del hogar y los gastos del mes.",
	"Se acordó inscribir a la hija menor en el jardín infantil.",
	"El jefe de hogar se inscribió en la OMIL.",
	"Sesión grupal sobre redes de apoyo en el barrio.",
}

// SeedDemo opens up to n demonstration cases among households, over the
// last 18 months before today, each run by the agency of its region with
// one of its counsellors (up to each one's limit): cases in every state
// (older cases further on, some exited), the entry diagnosis of those past
// it and an exit line that improves on it, and sessions every few weeks
// (most held, some missed, one scheduled ahead for active cases) with notes
// on some. It does nothing if there are cases already; it returns how many
// it opened.
func (s *Store) SeedDemo(ctx context.Context, households []DemoHousehold, agencies []DemoAgency, n int, today time.Time, seed uint64) (int, error) {
	r, err := s.national(ctx)
	if err != nil {
		return 0, err
	}
	var existing int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM delivery_cases`).Scan(&existing); err != nil || existing > 10 {
		return 0, err
	}
	if _, err := s.SeedMethodologies(ctx); err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	byRegion := map[string]*DemoAgency{}
	for i := range agencies {
		for _, reg := range agencies[i].Regions {
			byRegion[reg] = &agencies[i]
		}
	}
	type counsellor struct {
		id    int64
		limit int
		load  int
	}
	staff := map[string][]*counsellor{}
	for _, a := range agencies {
		for _, u := range a.Counsellors {
			var c counsellor
			if err := s.db.QueryRowContext(ctx, `SELECT k.user_id, k.caseload_limit FROM delivery_counsellors k JOIN users u ON u.id = k.user_id WHERE u.username = ?`, u).Scan(&c.id, &c.limit); err != nil {
				return 0, err
			}
			staff[a.Code] = append(staff[a.Code], &c)
		}
	}
	methods := map[string]*Methodology{}
	for _, l := range demoLines {
		m, err := s.methodologyFor(ctx, s.db, l.line, 1)
		if err != nil {
			return 0, err
		}
		methods[l.line] = m
	}
	total := 0
	for _, l := range demoLines {
		total += l.weight
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	opened := 0
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		var sessions, diagnoses, events [][]any
		for _, h := range households {
			if opened >= n {
				break
			}
			ag := byRegion[h.Region]
			if ag == nil {
				continue
			}
			// The least-loaded counsellor with room; none left: next household.
			cs := staff[ag.Code]
			sort.SliceStable(cs, func(i, j int) bool { return cs[i].load < cs[j].load })
			if len(cs) == 0 || cs[0].load >= cs[0].limit {
				continue
			}
			k := rng.IntN(total)
			line := demoLines[0].line
			for _, l := range demoLines {
				if k < l.weight {
					line = l.line
					break
				}
				k -= l.weight
			}
			m := methods[line]
			on := today.AddDate(0, 0, -rng.IntN(548)) // within 18 months
			months := today.Sub(on).Hours() / 24 / 30.4
			progress := months / float64(m.Months)
			// How far the case got, and whether it left early.
			state, reason := StateOpen, ""
			switch {
			case progress >= 1 && rng.IntN(100) < 85:
				state = StateGraduated
			case progress >= 1:
				state, reason = StateExited, ExitCompleted
			case progress > 0.85:
				state = StateClosing
			case progress > 0.12:
				state = StateIntervention
			case progress > 0.03:
				state = StateDiagnosis
			}
			if state != StateGraduated && state != StateExited && months > 2 {
				switch x := rng.IntN(1000); {
				case x < 70:
					state, reason = StateExited, ExitDropped
				case x < 95:
					state, reason = StateExited, ExitMoved
				case x < 100:
					state, reason = StateExited, ExitDeceased
				}
			}
			end := today
			if Final(state) {
				end = on.AddDate(0, 0, int(float64(today.Sub(on).Hours()/24)*(0.5+0.5*rng.Float64())))
				if state == StateGraduated {
					end = on.AddDate(0, m.Months, 0)
					if end.After(today) {
						end = today
					}
				}
			}
			c := cs[0]
			c.load++
			if Final(state) {
				c.load-- // a closed case leaves the caseload
			}
			created, err := s.open(ctx, tx, r, opening{line: line, version: 1, household: h.Key, householdID: h.ID, run: h.RUN, commune: h.Commune,
				region: h.Region, agency: ag.Code, counsellor: c.id, on: on, why: "demo", state: state, exitReason: reason})
			if err != nil {
				return err
			}
			opened++
			id := created.ID
			at := func(t time.Time) any { return d.Time(t.Add(10 * time.Hour)) }
			// The timeline of the states it went through.
			steps := []string{StateOpen, StateDiagnosis, StateIntervention, StateClosing, StateGraduated}
			last := StateOpen
			for i := 1; i < len(steps); i++ {
				to := steps[i]
				if idx(steps, state) < i && !(state == StateExited) {
					break
				}
				when := on.AddDate(0, 0, int(float64(m.Months)*30.4*[]float64{0, 0.03, 0.12, 0.85, 1}[i]))
				if when.After(end) {
					break
				}
				events = append(events, []any{id, at(when), "demo", "state", last, to, ""})
				last = to
			}
			if state == StateExited {
				events = append(events, []any{id, at(end), "demo", "state", last, StateExited, reason})
			}
			// Diagnoses: entry once past the diagnosis, exit once closing.
			if idx(steps, last) >= 2 {
				var entry []string
				for _, dm := range m.Dimensions {
					for _, cd := range dm.Conditions {
						st := NotMet
						switch x := rng.IntN(100); {
						case x < 40:
							st = Met
						case x < 45:
							st = NA
						}
						entry = append(entry, st)
						diagnoses = append(diagnoses, []any{id, PhaseEntry, cd.Code, dm.Key, st, "visita domiciliaria", d.Date(on.AddDate(0, 0, 20)), "demo"})
					}
				}
				if idx(steps, last) >= 3 {
					i := 0
					for _, dm := range m.Dimensions {
						for _, cd := range dm.Conditions {
							st := entry[i]
							if st == NotMet && rng.IntN(100) < 70 {
								st = Met
							}
							i++
							diagnoses = append(diagnoses, []any{id, PhaseExit, cd.Code, dm.Key, st, "línea de salida", d.Date(end.AddDate(0, 0, -5)), "demo"})
						}
					}
				}
			}
			// Sessions every few weeks of the first session component.
			var comp *Component
			for i := range m.Components {
				if k := m.Components[i].Kind; k == KindSessions || k == KindVisits || k == KindTraining {
					comp = &m.Components[i]
					break
				}
			}
			if comp == nil {
				continue
			}
			every := comp.EveryDays
			if every == 0 {
				every = 14
			}
			kind := SessionHome
			switch comp.Kind {
			case KindVisits:
				kind = SessionVisit
			case KindTraining:
				kind = SessionWorkshop
			}
			minutes := max(comp.Minutes, 45)
			var lastHeld time.Time
			for t := on.AddDate(0, 0, 7+rng.IntN(10)); !t.After(end); t = t.AddDate(0, 0, every-3+rng.IntN(7)) {
				status, notes := Held, ""
				if rng.IntN(100) < 10 {
					status = Missed
				} else {
					lastHeld = t
					if rng.IntN(100) < 30 {
						notes = demoNotes[rng.IntN(len(demoNotes))]
					}
				}
				mins := minutes
				if status == Missed {
					mins = 0
				}
				sessions = append(sessions, []any{id, comp.Key, kind, status, d.Date(t), mins, "Jefatura de hogar", dimsOf(m, rng), notes, d.Time(tx.Now), "demo"})
				events = append(events, []any{id, at(t), "demo", "session", "", "", status + " " + kind + " " + t.Format(time.DateOnly)})
			}
			if !Final(state) {
				next := today.AddDate(0, 0, 1+rng.IntN(20))
				sessions = append(sessions, []any{id, comp.Key, kind, Scheduled, d.Date(next), minutes, "", "", "", d.Time(tx.Now), "demo"})
			}
			if !lastHeld.IsZero() {
				if _, err := tx.ExecContext(ctx, `UPDATE delivery_cases SET last_contact_on = ? WHERE id = ?`, d.Date(lastHeld), id); err != nil {
					return err
				}
			}
		}
		if _, err := tx.CopyFrom(ctx, "delivery_sessions", []string{"case_id", "component", "kind", "status", "on_date", "minutes", "attendees", "dimensions", "notes", "created_at", "created_by"},
			&db.SliceSource{Rows: sessions}); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, "delivery_diagnoses", []string{"case_id", "phase", "condition", "dimension", "status", "evidence", "recorded_on", "recorded_by"},
			&db.SliceSource{Rows: diagnoses}); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, "delivery_events", []string{"case_id", "at", "actor", "kind", "from_state", "to_state", "detail"},
			&db.SliceSource{Rows: events}); err != nil {
			return err
		}
		return record(ctx, tx, r, "cases.demo", "case", "", nil, map[string]any{"cases": opened, "sessions": len(sessions)})
	})
	if err != nil {
		return 0, err
	}
	if err := s.db.Analyze(ctx, "delivery_cases", "delivery_sessions", "delivery_events", "delivery_diagnoses"); err != nil {
		return opened, err
	}
	return opened, nil
}

func idx(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// dimsOf picks one or two dimensions of m for a session.
func dimsOf(m *Methodology, rng *rand.Rand) string {
	if len(m.Dimensions) == 0 {
		return ""
	}
	out := []string{m.Dimensions[rng.IntN(len(m.Dimensions))].Key}
	if len(m.Dimensions) > 1 && rng.IntN(2) == 0 {
		if k := m.Dimensions[rng.IntN(len(m.Dimensions))].Key; k != out[0] {
			out = append(out, k)
		}
	}
	return strings.Join(out, "|")
}
