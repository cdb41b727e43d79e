package delivery

import (
	"context"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Component progress.
const (
	ProgressDone    = "done"
	ProgressStarted = "in_progress"
	ProgressPending = "pending"
)

// ComponentProgress is how far a case got in one component of its
// methodology, against the component's completion rule.
type ComponentProgress struct {
	Key    string `json:"key"`
	Step   int    `json:"step"`
	Kind   string `json:"kind"`
	NameES string `json:"name_es"`
	NameEN string `json:"name_en"`
	Status string `json:"status"`
	// Have and Need count in Unit: conditions marked, sessions held, hours
	// attended, goods delivered, plans approved.
	Have int    `json:"have"`
	Need int    `json:"need"`
	Unit string `json:"unit"`
	// AttendancePct is a training's attendance share so far (of what was
	// held) and RulePct the share the component needs.
	AttendancePct int `json:"attendance_pct,omitempty"`
	RulePct       int `json:"rule_pct,omitempty"`
	// WaitingFor are the required components not complete yet: the gate
	// refuses this component until they are.
	WaitingFor []string `json:"waiting_for,omitempty"`
}

// Name returns the component's name in lang.
func (p *ComponentProgress) Name(lang string) string {
	if lang == "en" {
		return p.NameEN
	}
	return p.NameES
}

// Progress returns a case's progress in each component of its methodology,
// in the methodology's order.
func (s *Store) Progress(ctx context.Context, caseID int64) ([]ComponentProgress, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.caseFor(ctx, s.db, r, caseID)
	if err != nil {
		return nil, err
	}
	m, err := s.methodologyByID(ctx, s.db, c.MethodologyID)
	if err != nil {
		return nil, err
	}
	return progress(ctx, s.db, c.ID, m)
}

// progress computes the progress of case caseID in every component of m.
func progress(ctx context.Context, q db.Querier, caseID int64, m *Methodology) ([]ComponentProgress, error) {
	count := func(query string, args ...any) (map[string][2]int, error) {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string][2]int{}
		for rows.Next() {
			var k string
			var n, sum int
			if err := rows.Scan(&k, &n, &sum); err != nil {
				return nil, err
			}
			out[k] = [2]int{n, sum}
		}
		return out, rows.Err()
	}
	marks, err := count(`SELECT phase, count(*), 0 FROM delivery_diagnoses WHERE case_id = ? GROUP BY phase`, caseID)
	if err != nil {
		return nil, err
	}
	held, err := count(`SELECT component, count(*), COALESCE(SUM(minutes), 0) FROM delivery_sessions WHERE case_id = ? AND status = 'held' GROUP BY component`, caseID)
	if err != nil {
		return nil, err
	}
	plans, err := count(`SELECT status, count(*), 0 FROM delivery_plans WHERE case_id = ? GROUP BY status`, caseID)
	if err != nil {
		return nil, err
	}
	goods, err := count(`SELECT component, count(*), COALESCE(SUM(quantity), 0) FROM delivery_goods WHERE case_id = ? GROUP BY component`, caseID)
	if err != nil {
		return nil, err
	}
	conditions := len(m.Conditions())
	out := make([]ComponentProgress, 0, len(m.Components))
	status := func(have, need int) string {
		switch {
		case have >= need && need > 0:
			return ProgressDone
		case have > 0:
			return ProgressStarted
		}
		return ProgressPending
	}
	for i := range m.Components {
		k := &m.Components[i]
		p := ComponentProgress{Key: k.Key, Step: k.Step, Kind: k.Kind, NameES: k.NameES, NameEN: k.NameEN}
		switch k.Kind {
		case KindDiagnosis, KindEvaluation:
			phase := PhaseEntry
			if k.Kind == KindEvaluation {
				phase = PhaseExit
			}
			p.Unit, p.Have, p.Need = "conditions", marks[phase][0], conditions
			p.Status = status(p.Have, p.Need)
			if conditions == 0 {
				p.Status = ProgressDone
			}
		case KindSessions, KindVisits:
			p.Unit, p.Have, p.Need = "sessions", held[k.Key][0], max(k.Min, 1)
			if k.Done == DoneHours {
				p.Unit, p.Have = "hours", held[k.Key][1]/60
			}
			p.Status = status(p.Have, p.Need)
		case KindTraining:
			t, err := training(ctx, q, caseID, k)
			if err != nil {
				return nil, err
			}
			p.Unit, p.Have, p.Need = "hours", t.Attended/60, k.Min
			if k.Done == DoneCount {
				p.Unit, p.Have = "sessions", t.Sessions
			}
			p.AttendancePct, p.RulePct = t.Pct, k.AttendancePct
			switch {
			case t.Passed:
				p.Status = ProgressDone
			case t.Held > 0:
				p.Status = ProgressStarted
			default:
				p.Status = ProgressPending
			}
		case KindPlan:
			p.Unit, p.Have, p.Need = "plans", plans[PlanApproved][0], 1
			p.Status = status(p.Have, p.Need)
			if p.Status == ProgressPending && plans[PlanProposed][0] > 0 {
				p.Status = ProgressStarted
			}
		case KindDeliveries:
			p.Unit, p.Have, p.Need = "deliveries", goods[k.Key][0], max(k.Min, 1)
			p.Status = status(p.Have, p.Need)
		}
		out = append(out, p)
	}
	done := map[string]bool{}
	for _, p := range out {
		done[p.Key] = p.Status == ProgressDone
	}
	for i := range out {
		for _, req := range m.Components[i].Requires {
			if !done[req] {
				out[i].WaitingFor = append(out[i].WaitingFor, req)
			}
		}
	}
	return out, nil
}

// Gate says whether component (a key of the case's methodology) of case
// caseID may go ahead: nil when every component it requires is complete,
// else a refusal (fosis.ECONFLICT, key delivery.err.gate) naming the first
// missing component and how far it got, with a field per missing one. The
// case must be within the caller's reach (not found otherwise). Other
// slices call it before acting on a case: the funds slice asks
// Gate(ctx, id, "capital") before committing a Yo Emprendo Semilla seed
// capital (docs/delivery.md, "Gates").
func (s *Store) Gate(ctx context.Context, caseID int64, component string) error {
	r, err := s.access(ctx)
	if err != nil {
		return err
	}
	c, err := s.caseFor(ctx, s.db, r, caseID)
	if err != nil {
		return err
	}
	m, err := s.methodologyByID(ctx, s.db, c.MethodologyID)
	if err != nil {
		return err
	}
	return gate(ctx, s.db, c, m, component)
}

// GateKind is Gate for the first component of kind (KindDeliveries: the
// goods or seed capital; KindPlan: the plan's approval) of the case's
// methodology; a methodology without one has nothing to gate (nil).
func (s *Store) GateKind(ctx context.Context, caseID int64, kind string) error {
	r, err := s.access(ctx)
	if err != nil {
		return err
	}
	c, err := s.caseFor(ctx, s.db, r, caseID)
	if err != nil {
		return err
	}
	m, err := s.methodologyByID(ctx, s.db, c.MethodologyID)
	if err != nil {
		return err
	}
	for _, k := range m.Components {
		if k.Kind == kind {
			return gate(ctx, s.db, c, m, k.Key)
		}
	}
	return nil
}

// gate checks component key of case c (methodology m) in q.
func gate(ctx context.Context, q db.Querier, c *Case, m *Methodology, key string) error {
	var comp *Component
	for i := range m.Components {
		if m.Components[i].Key == key {
			comp = &m.Components[i]
		}
	}
	if comp == nil {
		return withField(refuse(fosis.EINVALID, "delivery.err.no_component", key, c.Line), "component")
	}
	if len(comp.Requires) == 0 {
		return nil
	}
	ps, err := progress(ctx, q, c.ID, m)
	if err != nil {
		return err
	}
	var bad []fosis.FieldError
	for _, p := range ps {
		for _, req := range comp.Requires {
			if p.Key == req && p.Status != ProgressDone {
				bad = append(bad, missing(p))
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	e := refuse(fosis.ECONFLICT, "delivery.err.gate", key, c.ID, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
	e.Fields = bad
	return e
}

// missing says how far a required component got.
func missing(p ComponentProgress) fosis.FieldError {
	switch {
	case p.Kind == KindTraining:
		return field(p.Key, "delivery.err.waits_training", p.Key, p.Have, p.Need, p.AttendancePct, p.RulePct)
	case p.Kind == KindPlan:
		return field(p.Key, "delivery.err.waits_plan", p.Key)
	default:
		return field(p.Key, "delivery.err.waits_count", p.Key, p.Have, p.Need, fosis.Phrase{Key: "training.unit." + p.Unit, Text: p.Unit})
	}
}

// Units lists the units of progress, for the catalogs' test.
var Units = []string{"conditions", "sessions", "hours", "plans", "deliveries"}
