package targeting

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/fosis/fosis"
)

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// checker collects validation problems.
type checker struct{ problems []fosis.FieldError }

// add records a problem of field: key names it in the catalogs
// (internal/web/i18n/*/targeting_errors.json), format is its English.
func (c *checker) add(field, key, format string, args ...any) {
	c.problems = append(c.problems, fosis.KeyedField(field, key, format, args...))
}

// finite checks that a weight is a finite number.
func (c *checker) finite(field string, w float64) {
	if math.IsNaN(w) || math.IsInf(w, 0) {
		c.add(field, "targeting.err.finite", "must be a finite number, got %v", w)
	}
}

// nonNegative checks that a weight is a finite number ≥ 0.
func (c *checker) nonNegative(field string, w float64) {
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		c.add(field, "targeting.err.non_negative", "must be a finite number ≥ 0, got %v", w)
	}
}

// Validate checks the whole model and reports every problem at once: nil, or
// a *fosis.Error with code EINVALID whose Fields name each field path (e.g.
// params.equivalence_exponent) and whose message lists them all.
func (m *Model) Validate() error {
	var c checker
	switch {
	case m.ID == "":
		c.add("id", "targeting.err.required", "is required")
	case len(m.ID) > 64 || !slugRE.MatchString(m.ID):
		c.add("id", "targeting.err.slug", "must be a slug of lower-case letters, digits and single hyphens, at most 64 characters, got %q", m.ID)
	}
	if m.Version <= 0 {
		c.add("version", "targeting.err.positive_int", "must be a positive integer, got %d", m.Version)
	}
	if strings.TrimSpace(m.Name) == "" {
		c.add("name", "targeting.err.required", "is required")
	}
	for i, s := range m.Sources {
		if strings.TrimSpace(s) == "" {
			c.add(fmt.Sprintf("sources[%d]", i), "targeting.err.not_empty", "must not be empty")
		}
	}
	switch m.Kind {
	case KindIncome:
		if m.Income == nil || m.PMT != nil {
			c.add("params", "targeting.err.income_params", "an income model needs income parameters and no pmt parameters")
		} else {
			c.income(m.Income)
		}
	case KindPMT:
		if m.PMT == nil || m.Income != nil {
			c.add("params", "targeting.err.pmt_params", "a pmt model needs pmt parameters and no income parameters")
		} else {
			c.pmt(m.PMT)
		}
	case "":
		c.add("kind", "targeting.err.kind_required", `is required: "income" or "pmt"`)
	default:
		c.add("kind", "targeting.err.kind", `must be "income" or "pmt", got %q`, m.Kind)
	}
	if m.MeansTest != nil {
		c.meansTest(m.MeansTest)
	}
	if len(c.problems) == 0 {
		return nil
	}
	return invalid(m.label(), c.problems)
}

func (c *checker) income(p *IncomeParams) {
	if p.MinimumWageCLP <= 0 {
		c.add("params.minimum_wage_clp", "targeting.err.positive_pesos", "must be a positive amount of pesos, got %d", p.MinimumWageCLP)
	}
	if p.StudentAgeMax < 1 || p.StudentAgeMax > 120 {
		c.add("params.student_age_max", "targeting.err.age_range", "must be between 1 and 120, got %d", p.StudentAgeMax)
	}
	c.nonNegative("params.student_exempt_wages", p.StudentExemptWages)
	if e := p.EquivalenceExponent; !(e >= 0 && e <= 1) {
		c.add("params.equivalence_exponent", "targeting.err.unit_range", "must be between 0 and 1, got %v", e)
	}
	c.olderAdultAge("params.older_adult_age", p.OlderAdultAge)
	n := p.Needs
	c.needsWeight("params.needs.minor", n.Minor)
	c.needsWeight("params.needs.older_adult", n.OlderAdult)
	c.needsWeight("params.needs.disability_moderate", n.DisabilityModerate)
	c.needsWeight("params.needs.disability_severe", n.DisabilitySevere)
	c.needsWeight("params.needs.dependency_moderate", n.DependencyModerate)
	c.needsWeight("params.needs.dependency_severe", n.DependencySevere)
}

// needsWeight checks a needs weight: a number ≥ 0 with at most
// three decimals, so that the needs index is summed exactly in thousandths
// whatever the order of the members.
func (c *checker) needsWeight(field string, w float64) {
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 || w > 1e6 {
		c.nonNegative(field, w)
		if w > 1e6 {
			c.add(field, "targeting.err.at_most_million", "must be at most 1000000, got %v", w)
		}
		return
	}
	if k := w * 1000; math.Abs(k-math.Round(k)) > 1e-6 {
		c.add(field, "targeting.err.three_decimals", "must have at most three decimals (the needs index is counted in thousandths), got %v", w)
	}
}

func (c *checker) olderAdultAge(field string, age int) {
	if age != 60 && age != 65 {
		c.add(field, "targeting.err.older_adult_age", "must be 60 or 65, got %d", age)
	}
}

func (c *checker) pmt(p *PMTParams) {
	c.olderAdultAge("params.older_adult_age", p.OlderAdultAge)
	c.finite("params.intercept", p.Intercept)
	for _, name := range sortedKeys(p.Numeric) {
		field := "params.numeric." + name
		if numericIndex(name) < 0 {
			c.add(field, "targeting.err.unknown_feature", "unknown feature (known: %s)", strings.Join(numericNames[:], ", "))
			continue
		}
		c.finite(field, p.Numeric[name])
	}
	for _, name := range sortedKeys(p.Categorical) {
		field := "params.categorical." + name
		k := categoricalIndex(name)
		if k < 0 {
			c.add(field, "targeting.err.unknown_feature", "unknown feature (known: %s)", strings.Join(CategoricalFeatures(), ", "))
			continue
		}
		cat := categoricals[k]
		levels := p.Categorical[name]
		for _, level := range sortedKeys(levels) {
			if cat.levelCode(level) == 0 {
				c.add(field+"."+level, "targeting.err.unknown_level", "unknown level (known: %s)", cat.levelsHint())
				continue
			}
			c.finite(field+"."+level, levels[level])
		}
	}
	if len(p.Numeric) == 0 && len(p.Categorical) == 0 {
		c.add("params", "targeting.err.pmt_weights", "a pmt model needs at least one numeric or categorical weight")
	}
}

func (c *checker) meansTest(mt *MeansTest) {
	if !validBracket(mt.UpgradeToBracket) {
		c.add("means_test.upgrade_to_bracket", "targeting.err.bracket", "must be one of 40, 50, 60, 70, 80, 90, 100, got %d", mt.UpgradeToBracket)
	}
	thresholds := []struct {
		field string
		v     *int64
	}{
		{"means_test.vehicle_min_clp", mt.VehicleMinCLP},
		{"means_test.property_min_clp", mt.PropertyMinCLP},
		{"means_test.isapre_min_income_clp", mt.IsapreMinIncomeCLP},
		{"means_test.school_fees_min_clp", mt.SchoolFeesMinCLP},
	}
	set := 0
	for _, t := range thresholds {
		if t.v == nil {
			continue
		}
		set++
		if *t.v < 0 {
			c.add(t.field, "targeting.err.negative", "must not be negative, got %d", *t.v)
		}
	}
	if set == 0 {
		c.add("means_test", "targeting.err.no_test", "sets no test: give at least one threshold, or leave the block out")
	}
}

func validBracket(b int) bool { return fosis.BracketIndex(b) >= 0 }
