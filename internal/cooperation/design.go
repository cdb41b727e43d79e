package cooperation

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis"
)

// Stage is one of the seed's four stages of a cooperation program.
type Stage string

// The four stages, in order.
const (
	StageRequest         Stage = "request"         // application/request from the foreign country and analysis
	StagePlanning        Stage = "planning"        // internal planning (in Chile)
	StageExecution       Stage = "execution"       // program execution
	StageSystematization Stage = "systematization" // systematization and evaluation
)

// Stages lists the four stages in order.
var Stages = []Stage{StageRequest, StagePlanning, StageExecution, StageSystematization}

// MinMonths is the seed's fourth principle: projects are designed for the
// medium term, at least 18 months from diagnosis to implementation.
const MinMonths = 18

// Design is one version of the detailed initial study and draft project.
// It is typed data: the rules below read it, the IATI export publishes its
// objectives, results and budget, and the capacity check reads its team.
type Design struct {
	Summary    string       `json:"summary"`
	Objectives []string     `json:"objectives"`
	Start      Date         `json:"start"`
	End        Date         `json:"end"`
	Stages     []StagePlan  `json:"stages"`
	Results    []Result     `json:"results"`
	Activities []Activity   `json:"activities"`
	Team       []Member     `json:"team"`
	Budget     []BudgetLine `json:"budget"`
	// Drafted is the version's date (today when not given): back-dated
	// versions keep their own date on the timeline, in order.
	Drafted Date `json:"drafted"`
}

// StagePlan is one stage's time frame.
type StagePlan struct {
	Stage Stage `json:"stage"`
	Start Date  `json:"start"`
	End   Date  `json:"end"`
}

// Result is an expected result with its indicators.
type Result struct {
	Title      string      `json:"title"`
	Type       int         `json:"type"` // IATI ResultType: 1 output, 2 outcome, 3 impact
	Indicators []Indicator `json:"indicators"`
}

// Indicator measures a result (IATI IndicatorMeasure 1, unit).
type Indicator struct {
	Title        string  `json:"title"`
	BaselineYear int     `json:"baseline_year"`
	Baseline     float64 `json:"baseline"`
	Target       float64 `json:"target"`
}

// Activity is a planned activity in one stage.
type Activity struct {
	Title string `json:"title"`
	Stage Stage  `json:"stage"`
	Start Date   `json:"start"`
	End   Date   `json:"end"`
}

// Member is a member of one of the two mirrored teams. Chilean members are
// FOSIS professionals (StaffID); partner members are named with their
// institution. Mirror names the Key of the counterpart on the other side at
// the same decision level.
type Member struct {
	Key         string `json:"key"`
	Side        Side   `json:"side"` // chile or partner
	StaffID     int64  `json:"staff_id,omitempty"`
	Name        string `json:"name"`
	Institution string `json:"institution,omitempty"`
	Role        string `json:"role,omitempty"`
	Level       Level  `json:"level"`
	Mirror      string `json:"mirror,omitempty"`
	// Share is the percent of the member's time the project takes in the
	// months From to To (Chilean members; the capacity check reads it).
	Share int   `json:"share,omitempty"`
	From  Month `json:"from,omitempty"`
	To    Month `json:"to,omitempty"`
}

// BudgetLine is what one party puts in one year, in one category, in cash
// or in kind (with how it was valued).
type BudgetLine struct {
	Org       string `json:"org"`
	Year      int    `json:"year"`
	Category  string `json:"category"`
	Kind      string `json:"kind"` // cash or in_kind
	Valuation string `json:"valuation,omitempty"`
	Amount    int64  `json:"amount"`
}

// Categories are the shared-costs categories of the seed's sixth principle.
//
// The seed: "The requesting country ensures that its authorities,
// professionals, and experts (plus office space and materials) are made
// available for the project. Chile provides the expertise of its FOSIS
// professionals. Financing sources cover the costs of travel, room and
// board, preparation of materials, and the systematization and evaluation
// of the process by consultants."
var Categories = []string{"authorities", "professionals", "experts", "office", "materials", "travel", "lodging", "systematization"}

func validCategory(c string) bool {
	for _, k := range Categories {
		if k == c {
			return true
		}
	}
	return false
}

// Date is a calendar date that reads and writes as YYYY-MM-DD.
type Date struct{ time.Time }

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fosis.KeyedErrorf(fosis.EINVALID, "coop.err.date_yyyy_mm", "%q is not a date (YYYY-MM-DD)", s)
	}
	return Date{t}, nil
}

// String returns YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// MarshalJSON writes the date as "YYYY-MM-DD", and the zero date as null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" (or null or "" for none).
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(s)
	*d = p
	return err
}

// monthsBetween returns the whole months from a to b (b on or after a's day
// in the month counts the month).
func monthsBetween(a, b time.Time) int {
	// b is the last day of the period: the period runs to the day after it
	// (2026-03-01 to 2027-08-31 is 18 whole months).
	b = b.AddDate(0, 0, 1)
	m := (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
	if b.Day() < a.Day() {
		m--
	}
	return m
}

// Flag is a finding that does not block a step but that people must see:
// an unpaired member of a mirrored team.
type Flag struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Key and Args say Message in the web catalogs' terms (see
	// fosis.Error.Key); not part of the API's shape.
	Key  string `json:"-"`
	Args []any  `json:"-"`
}

// Phrase returns the flag's message as a Phrase, for the pages.
func (f Flag) Phrase() fosis.Phrase { return fosis.Phrase{Key: f.Key, Args: f.Args, Text: f.Message} }

// Validate checks the design on its own (the rules that need the database —
// staff experience, capacity, parties — are checked by the Store) and
// returns the flags it raises. Every error names the field and the item.
func (d *Design) Validate() ([]Flag, error) {
	var errs []fosis.FieldError
	add := func(field, key, format string, args ...any) {
		errs = append(errs, fosis.KeyedField(field, key, format, args...))
	}
	d.Summary = strings.TrimSpace(d.Summary)
	// Principle 1: objectives, time frames, resources and stages defined
	// beforehand.
	var objs []string
	for _, o := range d.Objectives {
		if o = strings.TrimSpace(o); o != "" {
			objs = append(objs, o)
		}
	}
	d.Objectives = objs
	if len(objs) == 0 {
		add("objectives", "coop.err.design.state_at_least", "state at least one objective (principle 1: objectives defined beforehand)")
	}
	if d.Start.IsZero() || d.End.IsZero() {
		add("start", "coop.err.design.give_project_s", "give the project's start and end dates (principle 1: time frames defined beforehand)")
	} else if !d.End.After(d.Start.Time) {
		add("end", "coop.err.design.end_after_start", "the end (%s) is not after the start (%s)", d.End, d.Start)
	} else if n := monthsBetween(d.Start.Time, d.End.Time); n < MinMonths {
		// Principle 4.
		add("end", "coop.err.design.project_lasts_months", "the project lasts %d months (%s to %s); the minimum is %d months (principle 4: medium term)", n, d.Start, d.End, MinMonths)
	}
	seen := map[Stage]bool{}
	for i, sp := range d.Stages {
		f := fmt.Sprintf("stages[%d]", i+1)
		if !validStage(sp.Stage) {
			add(f, "coop.err.design.stage_request_planning", "%q is not a stage (request, planning, execution, systematization)", sp.Stage)
			continue
		}
		if seen[sp.Stage] {
			add(f, "coop.err.design.stage_appears_twice", "stage %s appears twice", sp.Stage)
		}
		seen[sp.Stage] = true
		if sp.Start.IsZero() || sp.End.IsZero() || sp.End.Before(sp.Start.Time) {
			add(f, "coop.err.design.stage_needs_start", "stage %s needs a start and an end on or after it", sp.Stage)
		} else if !d.Start.IsZero() && !d.End.IsZero() && (sp.Start.Before(d.Start.Time) || sp.End.After(d.End.Time)) {
			add(f, "coop.err.design.stage_falls_outside", "stage %s (%s to %s) falls outside the project (%s to %s)", sp.Stage, sp.Start, sp.End, d.Start, d.End)
		}
	}
	for _, st := range Stages {
		if !seen[st] {
			add("stages", "coop.err.design.stage_has_no", "stage %s has no time frame (principle 1: stages defined beforehand)", st)
		}
	}
	for i := 1; i < len(d.Stages); i++ {
		if stageIndex(d.Stages[i].Stage) < stageIndex(d.Stages[i-1].Stage) || d.Stages[i].Start.Before(d.Stages[i-1].Start.Time) {
			add(fmt.Sprintf("stages[%d]", i+1), "coop.err.design.stages_go_order", "stages go in order: request, planning, execution, systematization")
			break
		}
	}
	for i := range d.Results {
		r := &d.Results[i]
		f := fmt.Sprintf("results[%d]", i+1)
		r.Title = strings.TrimSpace(r.Title)
		if r.Title == "" {
			add(f, "coop.err.design.result_needs_title", "a result needs a title")
		}
		if r.Type == 0 {
			r.Type = 1
		}
		if r.Type != 1 && r.Type != 2 && r.Type != 3 {
			add(f, "coop.err.design.type_output_outcome", "type %d is not 1 (output), 2 (outcome) or 3 (impact)", r.Type)
		}
		if len(r.Indicators) == 0 {
			add(f, "coop.err.design.result_needs_at", "result %q needs at least one indicator", r.Title)
		}
		for j := range r.Indicators {
			in := &r.Indicators[j]
			in.Title = strings.TrimSpace(in.Title)
			if in.Title == "" {
				add(fmt.Sprintf("%s.indicators[%d]", f, j+1), "coop.err.design.indicator_needs_title", "an indicator needs a title")
			}
			if in.BaselineYear < 1990 || in.BaselineYear > 2100 {
				add(fmt.Sprintf("%s.indicators[%d]", f, j+1), "coop.err.design.baseline_year_plausible", "baseline year %d is not a plausible year", in.BaselineYear)
			}
		}
	}
	if len(d.Results) == 0 {
		add("results", "coop.err.design.state_at_least2", "state at least one expected result with its indicators")
	}
	for i := range d.Activities {
		a := &d.Activities[i]
		f := fmt.Sprintf("activities[%d]", i+1)
		a.Title = strings.TrimSpace(a.Title)
		if a.Title == "" {
			add(f, "coop.err.design.activity_needs_title", "an activity needs a title")
		}
		if !validStage(a.Stage) {
			add(f, "coop.err.design.activity_stage", "activity %q: %q is not a stage", a.Title, a.Stage)
		}
		if a.Start.IsZero() || a.End.IsZero() || a.End.Before(a.Start.Time) {
			add(f, "coop.err.design.activity_needs_start", "activity %q needs a start and an end on or after it", a.Title)
		} else if !d.Start.IsZero() && !d.End.IsZero() && (a.Start.Before(d.Start.Time) || a.End.After(d.End.Time)) {
			add(f, "coop.err.design.activity_falls_outside", "activity %q (%s to %s) falls outside the project", a.Title, a.Start, a.End)
		}
	}
	if len(d.Activities) == 0 {
		add("activities", "coop.err.design.plan_at_least", "plan at least one activity")
	}
	flags := d.validateTeam(add)
	// Principle 1 again: resources defined beforehand.
	if len(d.Budget) == 0 {
		add("budget", "coop.err.design.give_budget_by", "give the budget by party and year (principle 1: resources defined beforehand)")
	}
	type lineKey struct {
		org, cat, kind string
		year           int
	}
	lines := map[lineKey]bool{}
	for i := range d.Budget {
		b := &d.Budget[i]
		f := fmt.Sprintf("budget[%d]", i+1)
		b.Org = clean(b.Org)
		b.Valuation = strings.TrimSpace(b.Valuation)
		if b.Org == "" {
			add(f, "coop.err.design.budget_line_needs", "a budget line needs the party (organisation) that contributes")
		}
		if !validCategory(b.Category) {
			add(f, "coop.err.design.category", "category %q is not one of %s", b.Category, strings.Join(Categories, ", "))
		}
		switch b.Kind {
		case "cash":
		case "in_kind":
			if b.Valuation == "" {
				add(f, "coop.err.design.kind_contribution_needs", "an in-kind contribution needs its valuation method (e.g. salary cost of hours, market rent)")
			}
		default:
			add(f, "coop.err.design.kind_neither_cash", "kind %q is neither cash nor in_kind", b.Kind)
		}
		if b.Amount < 0 {
			add(f, "coop.err.design.amount_negative", "amount %d is negative", b.Amount)
		}
		if !d.Start.IsZero() && !d.End.IsZero() && (b.Year < d.Start.Year() || b.Year > d.End.Year()) {
			add(f, "coop.err.design.year_outside_project", "year %d is outside the project (%d to %d)", b.Year, d.Start.Year(), d.End.Year())
		}
		k := lineKey{b.Org, b.Category, b.Kind, b.Year}
		if lines[k] {
			add(f, "coop.err.design.appears_twice_give", "%s %d %s %s appears twice; give one line per party, year, category and kind", b.Org, b.Year, b.Category, b.Kind)
		}
		lines[k] = true
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Field + ": " + e.Message
		}
		return flags, &fosis.Error{Code: fosis.EINVALID, Message: "the design is incomplete: " + strings.Join(msgs, "; "), Fields: errs, Key: "coop.err.design_incomplete"}
	}
	return flags, nil
}

// validateTeam checks the mirrored teams: keys unique, sides and levels
// known, the partner in the team (principle 2, joint design), pairs across
// sides at the same level (a pair at different levels is an error), and
// flags each member without a counterpart.
func (d *Design) validateTeam(add func(field, key, format string, args ...any)) []Flag {
	byKey := map[string]*Member{}
	var chile, partner int
	for i := range d.Team {
		m := &d.Team[i]
		f := fmt.Sprintf("team[%d]", i+1)
		m.Key, m.Name, m.Institution, m.Role = strings.TrimSpace(m.Key), clean(m.Name), clean(m.Institution), clean(m.Role)
		if m.Key == "" {
			m.Key = fmt.Sprintf("m%d", i+1)
		}
		if byKey[m.Key] != nil {
			add(f, "coop.err.design.key_used_twice", "key %q is used twice", m.Key)
		}
		byKey[m.Key] = m
		if !m.Level.Valid() {
			add(f, "coop.err.design.decision_level_authority", "%s: %q is not a decision level (authority, director, coordinator, professional)", m.Name, m.Level)
		}
		switch m.Side {
		case SideChile:
			chile++
			if m.StaffID == 0 {
				add(f, "coop.err.design.chilean_team_members", "%s: Chilean team members are FOSIS professionals; give the staff id (principle 5)", m.Name)
			}
			if m.Share <= 0 || m.Share > 100 {
				add(f, "coop.err.design.share_time_between", "%s: share of time %d%% is not between 1 and 100", m.Name, m.Share)
			}
			from, err1 := ParseMonth(string(m.From))
			to, err2 := ParseMonth(string(m.To))
			if err1 != nil || err2 != nil || to < from {
				add(f, "coop.err.design.give_months_dedication", "%s: give the months of dedication, from and to (YYYY-MM)", m.Name)
			} else {
				m.From, m.To = from, to
			}
		case SidePartner:
			partner++
			if m.Name == "" || m.Institution == "" {
				add(f, "coop.err.design.partner_side_member", "a partner-side member needs a name and an institution")
			}
		default:
			add(f, "coop.err.design.side_neither_chile", "side %q is neither chile nor partner", m.Side)
		}
	}
	if chile == 0 {
		add("team", "coop.err.design.chilean_team_has", "the Chilean team has no FOSIS professional")
	}
	if partner == 0 {
		add("team", "coop.err.design.partner_country_s", "the partner country's team is empty; the project is designed jointly with it (principle 2)")
	}
	paired := map[string]string{}
	for i := range d.Team {
		m := &d.Team[i]
		if m.Mirror == "" {
			continue
		}
		o := byKey[m.Mirror]
		f := fmt.Sprintf("team[%d]", i+1)
		switch {
		case o == nil:
			add(f, "coop.err.design.mirror_member", "%s: mirror %q is not a member", m.Name, m.Mirror)
		case o.Side == m.Side:
			add(f, "coop.err.design.are_same_side", "%s and %s are on the same side; a mirror is the counterpart on the other side", m.Name, o.Name)
		case o.Level != m.Level:
			add(f, "coop.err.design.mirrored_with_mirrored", "%s (%s) is mirrored with %s (%s); mirrored members share a decision level", m.Name, m.Level, o.Name, o.Level)
		case o.Mirror != "" && o.Mirror != m.Key:
			add(f, "coop.err.design.mirrored_with_who", "%s is mirrored with %s, who is mirrored with someone else", m.Name, o.Name)
		case paired[o.Key] != "" && paired[o.Key] != m.Key:
			add(f, "coop.err.design.already_mirror_another", "%s is already the mirror of another member", o.Name)
		default:
			paired[m.Key], paired[o.Key] = o.Key, m.Key
		}
	}
	var flags []Flag
	for _, m := range d.Team {
		if paired[m.Key] == "" {
			flags = append(flags, mirrorFlag(m))
		}
	}
	return flags
}

// Pairs returns the mirrored pairs (Chilean member, partner member) and the
// unpaired members, in team order, for the side-by-side view.
func (d *Design) Pairs() (pairs [][2]Member, unpaired []Member) {
	byKey := map[string]Member{}
	for _, m := range d.Team {
		byKey[m.Key] = m
	}
	done := map[string]bool{}
	for _, m := range d.Team {
		if done[m.Key] {
			continue
		}
		o, ok := byKey[m.Mirror]
		if !ok {
			for _, x := range d.Team {
				if x.Mirror == m.Key {
					o, ok = x, true
				}
			}
		}
		if ok && o.Side != m.Side && o.Level == m.Level && !done[o.Key] {
			done[m.Key], done[o.Key] = true, true
			if m.Side == SideChile {
				pairs = append(pairs, [2]Member{m, o})
			} else {
				pairs = append(pairs, [2]Member{o, m})
			}
			continue
		}
		done[m.Key] = true
		unpaired = append(unpaired, m)
	}
	return pairs, unpaired
}

func validStage(s Stage) bool { return stageIndex(s) >= 0 }

func stageIndex(s Stage) int {
	for i, k := range Stages {
		if k == s {
			return i
		}
	}
	return -1
}

// canonical returns the design's canonical JSON and its SHA-256.
func (d *Design) canonical() ([]byte, string) {
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// ParseDesign reads a design from JSON, refusing unknown fields so that a
// misspelt field is not silently dropped.
func ParseDesign(b []byte) (*Design, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var d Design
	if err := dec.Decode(&d); err != nil {
		return nil, fosis.KeyedErrorf(fosis.EINVALID, "coop.err.design_file_valid", "the design file is not valid: %v", err)
	}
	return &d, nil
}

// mirrorFlag is the flag of a member without a counterpart, keyed
// (coop.flag.no_counterpart) with the side and level as catalog words.
func mirrorFlag(m Member) Flag {
	const format = "%s (%s, %s) has no counterpart at the same decision level on the other side"
	side := fosis.Phrase{Key: "coop.side." + string(m.Side), Text: string(m.Side)}
	level := fosis.Phrase{Key: "coop.level." + string(m.Level), Text: string(m.Level)}
	return Flag{Rule: "mirrored_teams", Message: fmt.Sprintf(format, m.Name, m.Side, m.Level),
		Key: "coop.flag.no_counterpart", Args: []any{m.Name, side, level}}
}
