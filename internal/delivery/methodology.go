package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Component kinds: what a participant goes through.
const (
	KindDiagnosis  = "diagnosis"  // a baseline instrument (minimum conditions, IDS…)
	KindSessions   = "sessions"   // accompaniment sessions
	KindTraining   = "training"   // training modules
	KindPlan       = "plan"       // a plan (family intervention, business, work placement) with its approval
	KindVisits     = "visits"     // technical-assistance or follow-up visits
	KindDeliveries = "deliveries" // goods or works delivered (housing solutions, garden technologies)
	KindEvaluation = "evaluation" // the closing evaluation (exit line)
)

// Kinds lists the component kinds in the order forms show them.
var Kinds = []string{KindDiagnosis, KindSessions, KindTraining, KindPlan, KindVisits, KindDeliveries, KindEvaluation}

// Session modes (who a session is with).
const (
	ModeIndividual = "individual"
	ModeFamily     = "family"
	ModeGroup      = "group"
	ModeCommunity  = "community"
)

// Completion rules: when a component is done.
const (
	DoneRecorded = "recorded" // the instrument is filled in (every item marked)
	DoneCount    = "count"    // at least Min sessions, visits, modules or deliveries held
	DoneHours    = "hours"    // at least Min hours attended
	DoneApproved = "approved" // the plan is approved
)

// Methodology is what a programme line version delivers: its components in
// order (components of the same Step run in parallel), the conditions its
// diagnosis measures grouped by dimension, and where the structure comes
// from.
type Methodology struct {
	ID         int64       `json:"id,omitempty"`
	Line       string      `json:"program"`
	Version    int         `json:"program_version"`
	Months     int         `json:"duration_months"`
	Components []Component `json:"components"`
	Dimensions []Dimension `json:"dimensions"`
	// Illustrative says that the conditions are an example to be replaced
	// by the official instrument (the research could not verify them).
	Illustrative bool   `json:"illustrative"`
	Source       string `json:"source"`
	CreatedAt    string `json:"created_at,omitempty"`
	CreatedBy    string `json:"created_by,omitempty"`
}

// Component is one part of a methodology.
type Component struct {
	Key    string `json:"key"`
	Step   int    `json:"step"`
	Kind   string `json:"kind"`
	Mode   string `json:"mode,omitempty"` // sessions: individual, family, group, community
	NameES string `json:"name_es"`
	NameEN string `json:"name_en"`
	// Count, Minutes and EveryDays describe sessions and visits: how many,
	// how long, how often.
	Count     int `json:"count,omitempty"`
	Minutes   int `json:"minutes,omitempty"`
	EveryDays int `json:"every_days,omitempty"`
	// Hours is a training's length; AttendancePct what a participant must
	// attend to pass.
	Hours         int `json:"hours,omitempty"`
	AttendancePct int `json:"attendance_pct,omitempty"`
	// Done is the completion rule (DoneRecorded, DoneCount, DoneHours,
	// DoneApproved) and Min its threshold.
	Done string `json:"done"`
	Min  int    `json:"min,omitempty"`
	// Requires are the keys of the components that must be complete before
	// this one goes ahead (a plan approved, goods delivered): the gate
	// (Store.Gate) refuses until they are, naming what is missing.
	Requires []string `json:"requires,omitempty"`
}

// Name returns the component's name in lang.
func (c *Component) Name(lang string) string {
	if lang == "en" {
		return c.NameEN
	}
	return c.NameES
}

// Dimension groups the conditions a diagnosis measures.
type Dimension struct {
	Key        string      `json:"key"`
	NameES     string      `json:"name_es"`
	NameEN     string      `json:"name_en"`
	Conditions []Condition `json:"conditions"`
}

// Name returns the dimension's name in lang.
func (d *Dimension) Name(lang string) string {
	if lang == "en" {
		return d.NameEN
	}
	return d.NameES
}

// Condition is one minimum condition (or baseline item).
type Condition struct {
	Code   string `json:"code"`
	TextES string `json:"text_es"`
	TextEN string `json:"text_en"`
}

// Text returns the condition in lang.
func (c *Condition) Text(lang string) string {
	if lang == "en" {
		return c.TextEN
	}
	return c.TextES
}

// Conditions returns every condition of m with its dimension's key.
func (m *Methodology) Conditions() map[string]string {
	out := map[string]string{}
	for _, d := range m.Dimensions {
		for _, c := range d.Conditions {
			out[c.Code] = d.Key
		}
	}
	return out
}

// Validate checks a methodology before it is stored.
func (m *Methodology) Validate() error {
	var bad []fosis.FieldError
	add := func(f, key string, args ...any) { bad = append(bad, field(f, key, args...)) }
	if m.Line == "" {
		add("program", "delivery.err.required")
	}
	if m.Version < 1 {
		add("program_version", "delivery.err.version")
	}
	if m.Months < 1 {
		add("duration_months", "delivery.err.months")
	}
	if len(m.Components) == 0 {
		add("components", "delivery.err.no_components")
	}
	keys := map[string]bool{}
	for i, c := range m.Components {
		f := fmt.Sprintf("components[%d]", i)
		switch {
		case c.Key == "" || keys[c.Key]:
			add(f+".key", "delivery.err.component_key", c.Key)
		case !oneOf(c.Kind, Kinds...):
			add(f+".kind", "delivery.err.component_kind", c.Kind)
		case !oneOf(c.Done, DoneRecorded, DoneCount, DoneHours, DoneApproved):
			add(f+".done", "delivery.err.component_done", c.Done)
		case (c.Done == DoneCount || c.Done == DoneHours) && c.Min < 1:
			add(f+".min", "delivery.err.component_min")
		case c.Step < 1:
			add(f+".step", "delivery.err.component_step")
		case c.NameES == "" || c.NameEN == "":
			add(f+".name", "delivery.err.component_name")
		}
		keys[c.Key] = true
	}
	for i, c := range m.Components {
		for _, req := range c.Requires {
			if !keys[req] || req == c.Key {
				add(fmt.Sprintf("components[%d].requires", i), "delivery.err.component_requires", req)
			}
		}
	}
	codes := map[string]bool{}
	for i, d := range m.Dimensions {
		for j, c := range d.Conditions {
			if c.Code == "" || codes[c.Code] || c.TextES == "" || c.TextEN == "" {
				add(fmt.Sprintf("dimensions[%d].conditions[%d]", i, j), "delivery.err.condition", c.Code)
			}
			codes[c.Code] = true
		}
	}
	if len(bad) > 0 {
		e := refuse(fosis.EINVALID, "delivery.err.invalid_methodology", bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
		e.Fields = bad
		return e
	}
	return nil
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// SaveMethodology stores m as the methodology of its line from its
// programme version on (replacing none: a version's methodology is written
// once, and running cases keep the one they started with).
func (s *Store) SaveMethodology(ctx context.Context, m *Methodology) (*Methodology, error) {
	r, err := s.national(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		return s.saveMethodology(ctx, tx, r, m)
	})
	if err != nil {
		return nil, err
	}
	return s.Methodology(ctx, m.Line, m.Version)
}

func (s *Store) saveMethodology(ctx context.Context, tx *db.Tx, r *reach, m *Methodology) error {
	spec, err := json.Marshal(methodologySpec{m.Months, m.Components, m.Dimensions, m.Illustrative, m.Source})
	if err != nil {
		return err
	}
	m.ID, err = tx.InsertID(ctx, `INSERT INTO delivery_methodologies (line_code, program_version, spec, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
		m.Line, m.Version, string(spec), tx.DB().Time(tx.Now), r.p.Username)
	if fosis.ErrorCode(err) == fosis.ECONFLICT {
		return refuse(fosis.ECONFLICT, "delivery.err.methodology_exists", m.Line, m.Version)
	}
	if err != nil {
		return err
	}
	return record(ctx, tx, r, "methodology.save", "methodology", fmt.Sprintf("%s/%d", m.Line, m.Version), nil, m)
}

// methodologySpec is what the spec column holds.
type methodologySpec struct {
	Months       int         `json:"duration_months"`
	Components   []Component `json:"components"`
	Dimensions   []Dimension `json:"dimensions"`
	Illustrative bool        `json:"illustrative"`
	Source       string      `json:"source"`
}

const methodologySelect = `SELECT id, line_code, program_version, spec, created_at, created_by FROM delivery_methodologies`

type rowScanner interface{ Scan(...any) error }

func scanMethodology(sc rowScanner) (*Methodology, error) {
	var m Methodology
	var spec string
	var at db.Instant
	if err := sc.Scan(&m.ID, &m.Line, &m.Version, &spec, &at, &m.CreatedBy); err != nil {
		return nil, err
	}
	var ms methodologySpec
	if err := json.Unmarshal([]byte(spec), &ms); err != nil {
		return nil, fmt.Errorf("methodology %s/%d: %w", m.Line, m.Version, err)
	}
	m.Months, m.Components, m.Dimensions, m.Illustrative, m.Source = ms.Months, ms.Components, ms.Dimensions, ms.Illustrative, ms.Source
	m.CreatedAt = at.Format(time.RFC3339)
	return &m, nil
}

// Methodology returns the methodology that applies to version of line: its
// own, or the latest earlier version's (version 0: the latest).
func (s *Store) Methodology(ctx context.Context, line string, version int) (*Methodology, error) {
	if _, err := s.access(ctx); err != nil {
		return nil, err
	}
	return s.methodologyFor(ctx, s.db, line, version)
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Store) methodologyFor(ctx context.Context, q querier, line string, version int) (*Methodology, error) {
	if version == 0 {
		version = 1 << 30
	}
	m, err := scanMethodology(q.QueryRowContext(ctx, methodologySelect+` WHERE line_code = ? AND program_version <= ? ORDER BY program_version DESC LIMIT 1`, line, version))
	if db.IsNoRows(err) {
		return nil, refuse(fosis.ENOTFOUND, "delivery.err.no_methodology", line)
	}
	return m, err
}

// methodologyByID returns a pinned methodology.
func (s *Store) methodologyByID(ctx context.Context, q querier, id int64) (*Methodology, error) {
	if m, ok := s.methods.Load(id); ok {
		return m.(*Methodology), nil
	}
	m, err := scanMethodology(q.QueryRowContext(ctx, methodologySelect+` WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	s.methods.Store(id, m)
	return m, nil
}

// Methodologies lists every stored methodology, by line and version.
func (s *Store) Methodologies(ctx context.Context) ([]Methodology, error) {
	if _, err := s.access(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, methodologySelect+` ORDER BY line_code, program_version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Methodology{}
	for rows.Next() {
		m, err := scanMethodology(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

// CaseMethodology returns the methodology a case is pinned to.
func (s *Store) CaseMethodology(ctx context.Context, id int64) (*Methodology, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.caseFor(ctx, s.db, r, id)
	if err != nil {
		return nil, err
	}
	return s.methodologyByID(ctx, s.db, c.MethodologyID)
}
