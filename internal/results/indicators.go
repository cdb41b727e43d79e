package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/db"
)

// Indicators are declared as data for one version of a programme line
// (docs/results.md, "Indicators"): a numerator and a denominator written in
// CEL over one case, each summed over the line version's cases (an
// expression giving true or false counts the cases where it is true; one
// giving a number sums it), a unit, a baseline, targets per period and
// region, and a tolerance. A computation for a month stores every
// indicator's value nationally and per region, with its status against the
// target; earlier computations stay as history.

// Units of an indicator's value.
const (
	UnitPercent = "percent" // 100 × numerator / denominator
	UnitRatio   = "ratio"   // numerator / denominator
	UnitCount   = "count"   // the numerator's sum (no denominator)
	UnitPesos   = "pesos"   // the numerator's sum, in pesos (no denominator)
)

// Units lists the units.
var Units = []string{UnitPercent, UnitRatio, UnitCount, UnitPesos}

// Statuses of a value against its target.
const (
	StatusOnTrack  = "on_track"  // at or above the target less the tolerance
	StatusOffTrack = "off_track" // below the target by more than the tolerance: an alert
	StatusNoTarget = "no_target" // no target for the period and region
	StatusNoData   = "no_data"   // the denominator is zero
)

// Target is an indicator's target for a period (YYYY-MM) and a region (""
// for the country, and for every region without a target of its own).
type Target struct {
	Period string  `json:"period"`
	Region string  `json:"region,omitempty"`
	Target float64 `json:"target"`
}

// Indicator is one declared indicator.
type Indicator struct {
	ID          int64    `json:"id"`
	Line        string   `json:"program"`
	Version     int      `json:"program_version"`
	Code        string   `json:"code"`
	NameES      string   `json:"name_es"`
	NameEN      string   `json:"name_en"`
	Numerator   string   `json:"numerator"`
	Denominator string   `json:"denominator,omitempty"`
	Unit        string   `json:"unit"`
	Baseline    *float64 `json:"baseline,omitempty"`
	Tolerance   float64  `json:"tolerance"`
	Targets     []Target `json:"targets"`
	SavedAt     string   `json:"saved_at,omitempty"`
	SavedBy     string   `json:"saved_by,omitempty"`
}

// Name is the indicator's name in lang.
func (i *Indicator) Name(lang string) string {
	if lang == "en" {
		return i.NameEN
	}
	return i.NameES
}

// TargetFor returns the target of period in region (falling back to the
// national target), and whether there is one.
func (i *Indicator) TargetFor(period, region string) (float64, bool) {
	var national *float64
	for k := range i.Targets {
		t := &i.Targets[k]
		if t.Period != period {
			continue
		}
		if t.Region == region {
			return t.Target, true
		}
		if t.Region == "" {
			national = &t.Target
		}
	}
	if national != nil {
		return *national, true
	}
	return 0, false
}

// CaseVariables are what an indicator's expressions may read of a case,
// with their CEL types (docs/results.md lists their meaning).
var CaseVariables = []struct {
	Name string
	Type *cel.Type
}{
	{"state", cel.StringType}, {"exit_reason", cel.StringType},
	{"graduated", cel.BoolType}, {"exited", cel.BoolType}, {"closed", cel.BoolType},
	{"region", cel.StringType}, {"commune", cel.StringType}, {"agency", cel.StringType},
	{"opened_on", cel.StringType}, {"closed_on", cel.StringType},
	{"months_open", cel.IntType},
	{"sessions_held", cel.IntType}, {"sessions_missed", cel.IntType}, {"sessions_scheduled", cel.IntType}, {"minutes_held", cel.IntType},
	{"plans_approved", cel.IntType}, {"plan_clp", cel.IntType},
	{"exit_met", cel.IntType}, {"exit_marked", cel.IntType},
	{"period_start", cel.StringType}, {"period_end", cel.StringType},
}

var celEnv = func() *cel.Env {
	var opts []cel.EnvOption
	for _, v := range CaseVariables {
		opts = append(opts, cel.Variable(v.Name, v.Type))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		panic(err)
	}
	return env
}()

// compiled is one checked expression.
type compiled struct {
	prg  cel.Program
	bool bool
}

// compile parses and checks an indicator's expression; field names the
// place in refusals ("numerator", "denominator").
func compile(field, expr string) (*compiled, *fosis.Error) {
	if strings.TrimSpace(expr) == "" {
		return nil, invalid(field, "results.err.expr_empty")
	}
	a, iss := celEnv.Compile(expr)
	if iss != nil && iss.Err() != nil {
		first := iss.Errors()[0]
		return nil, invalid(field, "results.err.expr_cel", first.Location.Line(), first.Location.Column()+1, first.Message)
	}
	out := a.OutputType()
	isBool := out.IsExactType(cel.BoolType)
	if !isBool && !out.IsExactType(cel.IntType) && !out.IsExactType(cel.DoubleType) && !out.IsExactType(cel.UintType) {
		return nil, invalid(field, "results.err.expr_type", out.String())
	}
	prg, err := celEnv.Program(a, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, invalid(field, "results.err.expr_cel", 1, 1, err.Error())
	}
	return &compiled{prg: prg, bool: isBool}, nil
}

// eval evaluates c over vars: 1 or 0 for a condition, the number otherwise
// (an evaluation error, such as a division by zero, counts 0).
func (c *compiled) eval(vars map[string]any) float64 {
	v, _, err := c.prg.Eval(vars)
	if err != nil {
		return 0
	}
	return number(v)
}

func number(v ref.Val) float64 {
	switch x := v.(type) {
	case types.Bool:
		if x {
			return 1
		}
		return 0
	case types.Int:
		return float64(x)
	case types.Uint:
		return float64(x)
	case types.Double:
		return float64(x)
	}
	return 0
}

var (
	indicatorCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	periodRE      = regexp.MustCompile(`^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$`)
)

// ValidPeriod reports whether p is a month as YYYY-MM.
func ValidPeriod(p string) bool { return periodRE.MatchString(p) }

// check validates an indicator and compiles its expressions.
func (s *Store) check(i *Indicator) (num, den *compiled, err error) {
	var fields []fosis.FieldError
	add := func(e *fosis.Error) {
		fields = append(fields, e.Fields...)
	}
	if !indicatorCode.MatchString(i.Code) {
		add(invalid("code", "results.err.indicator_code", i.Code))
	}
	if i.Version < 1 {
		add(invalid("program_version", "results.err.version", i.Version))
	}
	i.NameES, i.NameEN = strings.TrimSpace(i.NameES), strings.TrimSpace(i.NameEN)
	if i.NameES == "" || i.NameEN == "" {
		add(invalid("name_es", "results.err.names"))
	}
	if !oneOf(i.Unit, Units...) {
		add(invalid("unit", "results.err.unit", i.Unit))
	}
	if i.Tolerance < 0 || math.IsNaN(i.Tolerance) {
		add(invalid("tolerance", "results.err.tolerance", i.Tolerance))
	}
	num, e := compile("numerator", i.Numerator)
	if e != nil {
		add(e)
	}
	if strings.TrimSpace(i.Denominator) != "" || i.Unit == UnitPercent || i.Unit == UnitRatio {
		if den, e = compile("denominator", i.Denominator); e != nil {
			add(e)
		}
	}
	terr := s.reg.Territory()
	seen := map[[2]string]bool{}
	for k, t := range i.Targets {
		field := fmt.Sprintf("targets[%d]", k)
		if !ValidPeriod(t.Period) {
			add(invalid(field+".period", "results.err.target_period", k, t.Period))
		}
		if _, ok := terr.RegionIndex(t.Region); t.Region != "" && !ok {
			add(invalid(field+".region", "results.err.target_region", k, t.Region))
		}
		if seen[[2]string{t.Period, t.Region}] {
			add(invalid(field, "results.err.target_twice", k, t.Period, t.Region))
		}
		seen[[2]string{t.Period, t.Region}] = true
	}
	if len(fields) > 0 {
		var msgs []string
		for _, f := range fields {
			msgs = append(msgs, f.Field+": "+f.Message)
		}
		first := fields[0]
		return nil, nil, &fosis.Error{Code: fosis.EINVALID, Message: strings.Join(msgs, "; "), Key: first.Key, Args: first.Args, Fields: fields}
	}
	return num, den, nil
}

func oneOf(s string, xs ...string) bool {
	for _, x := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// SaveIndicator declares (or replaces) an indicator of a line version:
// national staff who write. The line version must exist.
func (s *Store) SaveIndicator(ctx context.Context, in Indicator) (*Indicator, error) {
	r, err := s.computer(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.check(&in); err != nil {
		return nil, err
	}
	if _, err := s.prog.Program(ctx, in.Line, in.Version); err != nil {
		return nil, err
	}
	targets, _ := json.Marshal(in.Targets)
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO results_indicators (line_code, program_version, code, name_es, name_en, numerator, denominator,
			unit, baseline, tolerance, targets, saved_at, saved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (line_code, program_version, code) DO UPDATE SET name_es = excluded.name_es, name_en = excluded.name_en,
			numerator = excluded.numerator, denominator = excluded.denominator, unit = excluded.unit, baseline = excluded.baseline,
			tolerance = excluded.tolerance, targets = excluded.targets, saved_at = excluded.saved_at, saved_by = excluded.saved_by`,
			in.Line, in.Version, in.Code, in.NameES, in.NameEN, in.Numerator, in.Denominator, in.Unit, in.Baseline, in.Tolerance,
			string(targets), tx.DB().Time(tx.Now), r.p.Username)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.indicator(ctx, in.Line, in.Version, in.Code)
}

const indicatorSelect = `SELECT id, line_code, program_version, code, name_es, name_en, numerator, denominator, unit, baseline, tolerance, targets, saved_at, saved_by FROM results_indicators`

func scanIndicator(rows *sql.Rows) (Indicator, error) {
	var i Indicator
	var base sql.NullFloat64
	var targets string
	var at db.Instant
	if err := rows.Scan(&i.ID, &i.Line, &i.Version, &i.Code, &i.NameES, &i.NameEN, &i.Numerator, &i.Denominator, &i.Unit, &base, &i.Tolerance, &targets, &at, &i.SavedBy); err != nil {
		return i, err
	}
	if base.Valid {
		i.Baseline = &base.Float64
	}
	if err := json.Unmarshal([]byte(targets), &i.Targets); err != nil {
		return i, err
	}
	if i.Targets == nil {
		i.Targets = []Target{}
	}
	i.SavedAt = at.Format(time.RFC3339)
	return i, nil
}

func (s *Store) indicator(ctx context.Context, line string, version int, code string) (*Indicator, error) {
	is, err := db.Collect(ctx, s.db, scanIndicator, indicatorSelect+` WHERE line_code = ? AND program_version = ? AND code = ?`, line, version, code)
	if err != nil {
		return nil, err
	}
	if len(is) == 0 {
		return nil, refuse(fosis.ENOTFOUND, "results.err.no_indicator", code, line, version)
	}
	return &is[0], nil
}

// Indicators lists the declared indicators (of line when not ""), for
// every reader of results.
func (s *Store) Indicators(ctx context.Context, line string) ([]Indicator, error) {
	if _, err := s.access(ctx); err != nil {
		return nil, err
	}
	return db.Collect(ctx, s.db, scanIndicator, indicatorSelect+` WHERE (? = '' OR line_code = ?) ORDER BY line_code, program_version, code`, line, line)
}

// Value is an indicator's value for a period in a region ("" the country).
type Value struct {
	Indicator   int64    `json:"indicator"`
	Line        string   `json:"program"`
	Version     int      `json:"program_version"`
	Code        string   `json:"code"`
	NameES      string   `json:"name_es"`
	NameEN      string   `json:"name_en"`
	Unit        string   `json:"unit"`
	Period      string   `json:"period"`
	Region      string   `json:"region"`
	Numerator   float64  `json:"numerator"`
	Denominator float64  `json:"denominator"`
	Value       *float64 `json:"value"`
	Target      *float64 `json:"target"`
	Tolerance   float64  `json:"tolerance"`
	Status      string   `json:"status"`
	ComputedAt  string   `json:"computed_at"`
	ComputedBy  string   `json:"computed_by"`
}

// Name is the indicator's name in lang.
func (v Value) Name(lang string) string {
	if lang == "en" {
		return v.NameEN
	}
	return v.NameES
}

// Computation is what ComputeIndicators did.
type Computation struct {
	Period     string `json:"period"`
	Indicators int    `json:"indicators"`
	Values     int    `json:"values"`
	OffTrack   int    `json:"off_track"`
	Cases      int    `json:"cases"`
}

// periodBounds returns a month's first and last days.
func periodBounds(p string) (time.Time, time.Time, error) {
	if !ValidPeriod(p) {
		return time.Time{}, time.Time{}, invalid("period", "results.err.period", p)
	}
	start, _ := time.Parse("2006-01", p)
	return start, start.AddDate(0, 1, -1), nil
}

// ComputeIndicators computes every indicator for period (YYYY-MM) over the
// cases opened by the period's last day, and stores each value nationally
// and per region beside the earlier computations. National staff who
// write run it (the command line monthly, the page's button, the API).
func (s *Store) ComputeIndicators(ctx context.Context, period string) (*Computation, error) {
	r, err := s.computer(ctx)
	if err != nil {
		return nil, err
	}
	start, end, err := periodBounds(period)
	if err != nil {
		return nil, err
	}
	inds, err := s.Indicators(ctx, "")
	if err != nil {
		return nil, err
	}
	type sums struct{ num, den float64 }
	type key struct {
		ind    int
		region string
	}
	acc := map[key]*sums{}
	byLine := map[string][]int{}
	nums := make([]*compiled, len(inds))
	dens := make([]*compiled, len(inds))
	for k := range inds {
		// Stored definitions were checked when saved; a failure here means
		// the variables changed since: the indicator is skipped and logged.
		n, d, err := s.check(&inds[k])
		if err != nil {
			s.log.Warn("results: indicator no longer compiles", "code", inds[k].Code, "err", err)
			continue
		}
		nums[k], dens[k] = n, d
		byLine[inds[k].Line] = append(byLine[inds[k].Line], k)
	}
	out := &Computation{Period: period, Indicators: len(inds)}
	lines := make([]string, 0, len(byLine))
	for l := range byLine {
		lines = append(lines, l)
	}
	sort.Strings(lines)
	vars := map[string]any{}
	for _, l := range lines {
		err := s.dl.CaseFactsOf(ctx, l, end, func(f delivery.CaseFacts) error {
			out.Cases++
			fillVars(vars, f, start, end)
			for _, k := range byLine[l] {
				if inds[k].Version != f.Version {
					continue
				}
				n := nums[k].eval(vars)
				d := 1.0
				if dens[k] != nil {
					d = dens[k].eval(vars)
				}
				for _, region := range []string{"", f.Region} {
					a := acc[key{k, region}]
					if a == nil {
						a = &sums{}
						acc[key{k, region}] = a
					}
					a.num += n
					a.den += d
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var values []Value
	for k := range inds {
		if nums[k] == nil {
			continue
		}
		regions := []string{""}
		for kk := range acc {
			if kk.ind == k && kk.region != "" {
				regions = append(regions, kk.region)
			}
		}
		sort.Strings(regions)
		for _, region := range regions {
			a := acc[key{k, region}]
			if a == nil {
				a = &sums{}
			}
			values = append(values, valueOf(&inds[k], period, region, a.num, a.den))
		}
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if err := lock(ctx, tx, "indicators"); err != nil {
			return err
		}
		at := tx.DB().Time(tx.Now)
		for _, v := range values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO results_indicator_values (indicator, period, region_code, numerator, denominator, value, target, status, computed_at, computed_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.Indicator, v.Period, v.Region, v.Numerator, v.Denominator, v.Value, v.Target, v.Status, at, r.p.Username); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Values = len(values)
	for _, v := range values {
		if v.Status == StatusOffTrack {
			out.OffTrack++
		}
	}
	return out, nil
}

// valueOf works out an indicator's value and status from its sums.
func valueOf(ind *Indicator, period, region string, num, den float64) Value {
	v := Value{Indicator: ind.ID, Line: ind.Line, Version: ind.Version, Code: ind.Code, NameES: ind.NameES, NameEN: ind.NameEN, Unit: ind.Unit,
		Period: period, Region: region, Numerator: num, Denominator: den, Tolerance: ind.Tolerance}
	switch ind.Unit {
	case UnitCount, UnitPesos:
		x := num
		v.Value = &x
	default:
		if den != 0 {
			x := num / den
			if ind.Unit == UnitPercent {
				x *= 100
			}
			x = math.Round(x*100) / 100
			v.Value = &x
		}
	}
	if t, ok := ind.TargetFor(period, region); ok {
		v.Target = &t
	}
	v.Status = Status(v.Value, v.Target, ind.Tolerance)
	return v
}

// Status is a value's status against its target: off track when the value
// is below the target by more than the tolerance (indicators are written
// so that more is better).
func Status(value, target *float64, tolerance float64) string {
	switch {
	case value == nil:
		return StatusNoData
	case target == nil:
		return StatusNoTarget
	case *value < *target-tolerance:
		return StatusOffTrack
	}
	return StatusOnTrack
}

// fillVars sets the expression variables of case f for the period.
func fillVars(vars map[string]any, f delivery.CaseFacts, start, end time.Time) {
	vars["state"] = f.State
	vars["exit_reason"] = f.ExitReason
	vars["graduated"] = f.State == delivery.StateGraduated
	vars["exited"] = f.State == delivery.StateExited
	vars["closed"] = delivery.Final(f.State)
	vars["region"] = f.Region
	vars["commune"] = f.Commune
	vars["agency"] = f.Agency
	vars["opened_on"] = f.OpenedOn
	vars["closed_on"] = f.ClosedOn
	opened, _ := time.Parse(time.DateOnly, f.OpenedOn)
	until := end
	if c, err := time.Parse(time.DateOnly, f.ClosedOn); err == nil && c.Before(end) {
		until = c
	}
	months := int64(0)
	if !opened.IsZero() && until.After(opened) {
		months = int64((until.Year()-opened.Year())*12 + int(until.Month()) - int(opened.Month()))
		if until.Day() < opened.Day() {
			months--
		}
	}
	vars["months_open"] = max(months, 0)
	vars["sessions_held"] = f.SessionsHeld
	vars["sessions_missed"] = f.SessionsMissed
	vars["sessions_scheduled"] = f.SessionsScheduled
	vars["minutes_held"] = f.MinutesHeld
	vars["plans_approved"] = f.PlansApproved
	vars["plan_clp"] = f.PlanCLP
	vars["exit_met"] = f.ExitMet
	vars["exit_marked"] = f.ExitMarked
	vars["period_start"] = start.Format(time.DateOnly)
	vars["period_end"] = end.Format(time.DateOnly)
}

// ValueFilter narrows the values read.
type ValueFilter struct {
	Line, Period, Region string
	// OffTrack keeps the alerts only.
	OffTrack bool
}

// Values returns the latest value of every indicator for each period and
// region, within the caller's reach: a regional officer sees their
// region's values only (not the national ones, which sum every region).
func (s *Store) Values(ctx context.Context, f ValueFilter) ([]Value, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	where := []string{`v.id = (SELECT MAX(w.id) FROM results_indicator_values w WHERE w.indicator = v.indicator AND w.period = v.period AND w.region_code = v.region_code)`}
	var args []any
	if f.Line != "" {
		where = append(where, "i.line_code = ?")
		args = append(args, f.Line)
	}
	if f.Period != "" {
		where = append(where, "v.period = ?")
		args = append(args, f.Period)
	}
	if f.Region != "" {
		where = append(where, "v.region_code = ?")
		args = append(args, f.Region)
	}
	if !r.national {
		where = append(where, "v.region_code = ?")
		args = append(args, r.region)
	}
	if f.OffTrack {
		where = append(where, "v.status = 'off_track'")
	}
	return s.values(ctx, strings.Join(where, " AND "), args...)
}

const valueSelect = `SELECT v.indicator, i.line_code, i.program_version, i.code, i.name_es, i.name_en, i.unit, v.period, v.region_code,
	v.numerator, v.denominator, v.value, v.target, i.tolerance, v.status, v.computed_at, v.computed_by
	FROM results_indicator_values v JOIN results_indicators i ON i.id = v.indicator`

func (s *Store) values(ctx context.Context, where string, args ...any) ([]Value, error) {
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (Value, error) {
		var v Value
		var value, target sql.NullFloat64
		var at db.Instant
		err := rows.Scan(&v.Indicator, &v.Line, &v.Version, &v.Code, &v.NameES, &v.NameEN, &v.Unit, &v.Period, &v.Region,
			&v.Numerator, &v.Denominator, &value, &target, &v.Tolerance, &v.Status, &at, &v.ComputedBy)
		if value.Valid {
			v.Value = &value.Float64
		}
		if target.Valid {
			v.Target = &target.Float64
		}
		v.ComputedAt = at.Format(time.RFC3339)
		return v, err
	}, valueSelect+` WHERE `+where+` ORDER BY i.line_code, i.program_version, i.code, v.period, v.region_code, v.id`, args...)
}

// Alerts are the off-track values of each indicator's latest computed
// period, within the caller's reach: the national view for national staff,
// the region's for its officer.
func (s *Store) Alerts(ctx context.Context) ([]Value, error) {
	all, err := s.Values(ctx, ValueFilter{})
	if err != nil {
		return nil, err
	}
	latest := map[int64]string{}
	for _, v := range all {
		if v.Period > latest[v.Indicator] {
			latest[v.Indicator] = v.Period
		}
	}
	out := []Value{}
	for _, v := range all {
		if v.Status == StatusOffTrack && v.Period == latest[v.Indicator] {
			out = append(out, v)
		}
	}
	return out, nil
}

// History returns every computation of indicator id in region ("" the
// country), oldest first: the latest of each period draws the sparkline,
// the others show how the figure moved when recomputed. A regional officer
// reads only their region's (the default for them).
func (s *Store) History(ctx context.Context, id int64, region string) ([]Value, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national && region == "" {
		region = r.region // a regional officer's default: their region
	}
	if !r.national && region != r.region {
		return nil, refuse(fosis.ENOTFOUND, "results.err.no_history", id)
	}
	return s.values(ctx, "v.indicator = ? AND v.region_code = ?", id, region)
}
