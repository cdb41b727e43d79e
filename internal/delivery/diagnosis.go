package delivery

import (
	"context"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Diagnosis phases: the baseline at entry and the exit line.
const (
	PhaseEntry = "entry"
	PhaseExit  = "exit"
)

// Condition statuses.
const (
	Met    = "met"
	NotMet = "not_met"
	NA     = "na"
)

// Mark is one condition's status in one phase, with its evidence.
type Mark struct {
	Condition  string `json:"condition"`
	Dimension  string `json:"dimension,omitempty"`
	Status     string `json:"status"`
	Evidence   string `json:"evidence,omitempty"`
	RecordedOn string `json:"recorded_on,omitempty"`
	RecordedBy string `json:"recorded_by,omitempty"`
}

// Diagnosis is a case's conditions at entry and exit.
type Diagnosis struct {
	Entry map[string]Mark `json:"entry"`
	Exit  map[string]Mark `json:"exit"`
}

// RecordDiagnosis marks conditions of a case's methodology in phase (entry
// while in diagnosis, exit while closing). Marks replace earlier marks of
// the same condition and phase; a mark of a condition the methodology does
// not have, or with another status, refuses the whole set.
func (s *Store) RecordDiagnosis(ctx context.Context, id int64, phase string, marks []Mark) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	if phase != PhaseEntry && phase != PhaseExit {
		return withField(refuse(fosis.EINVALID, "delivery.err.bad_phase", phase), "phase")
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.caseFor(ctx, tx, r, id)
		if err != nil {
			return err
		}
		want := StateDiagnosis
		if phase == PhaseExit {
			want = StateClosing
		}
		if c.State != want {
			return refuse(fosis.ECONFLICT, "delivery.err.diagnosis_state", phaseTerm(phase), stateTerm(want), stateTerm(c.State))
		}
		m, err := s.methodologyByID(ctx, tx, c.MethodologyID)
		if err != nil {
			return err
		}
		dims := m.Conditions()
		var bad []fosis.FieldError
		for i, mk := range marks {
			f := "marks[" + itoa(int64(i)) + "]"
			if _, ok := dims[mk.Condition]; !ok {
				bad = append(bad, field(f+".condition", "delivery.err.no_condition", mk.Condition, c.Line))
			} else if !oneOf(mk.Status, Met, NotMet, NA) {
				bad = append(bad, field(f+".status", "delivery.err.bad_status", mk.Status))
			}
		}
		if len(bad) > 0 {
			e := refuse(fosis.EINVALID, "delivery.err.invalid_marks", bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
			e.Fields = bad
			return e
		}
		d := tx.DB()
		today := d.Date(s.today())
		for _, mk := range marks {
			if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_diagnoses (case_id, phase, condition, dimension, status, evidence, recorded_on, recorded_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (case_id, phase, condition) DO UPDATE SET status = excluded.status, evidence = excluded.evidence,
					recorded_on = excluded.recorded_on, recorded_by = excluded.recorded_by`,
				id, phase, mk.Condition, dims[mk.Condition], mk.Status, clean(mk.Evidence), today, r.p.Username); err != nil {
				return err
			}
		}
		met := 0
		for _, mk := range marks {
			if mk.Status == Met {
				met++
			}
		}
		if err := event(ctx, tx, r, id, "diagnosis", "", "", phase+": "+itoa(int64(len(marks)))+" conditions, "+itoa(int64(met))+" met"); err != nil {
			return err
		}
		return record(ctx, tx, r, "case.diagnosis", "case", itoa(id), nil, map[string]any{"phase": phase, "marks": len(marks)})
	})
}

// missingConditions counts the conditions of c's methodology not marked in
// phase.
func (s *Store) missingConditions(ctx context.Context, tx *db.Tx, c *Case, phase string) (int, error) {
	m, err := s.methodologyByID(ctx, tx, c.MethodologyID)
	if err != nil {
		return 0, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM delivery_diagnoses WHERE case_id = ? AND phase = ?`, c.ID, phase).Scan(&n); err != nil {
		return 0, err
	}
	return len(m.Conditions()) - n, nil
}

// Diagnosis returns a case's marks at entry and exit.
func (s *Store) Diagnosis(ctx context.Context, id int64) (*Diagnosis, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, s.db, r, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT phase, condition, dimension, status, evidence, recorded_on, recorded_by FROM delivery_diagnoses WHERE case_id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &Diagnosis{Entry: map[string]Mark{}, Exit: map[string]Mark{}}
	for rows.Next() {
		var phase string
		var m Mark
		var on db.Day
		if err := rows.Scan(&phase, &m.Condition, &m.Dimension, &m.Status, &m.Evidence, &on, &m.RecordedBy); err != nil {
			return nil, err
		}
		m.RecordedOn = on.Format(time.DateOnly)
		if phase == PhaseEntry {
			out.Entry[m.Condition] = m
		} else {
			out.Exit[m.Condition] = m
		}
	}
	return out, rows.Err()
}
