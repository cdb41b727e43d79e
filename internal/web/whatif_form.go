package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/targeting"
)

// The scoring model as a form: the what-if page's parameters (an income
// model's wage, student rule, equivalence exponent and needs weights; a pmt
// model's intercept and weights, as rows added and removed by the server),
// its means test, and the model's name and version. The same form activates
// the model. The JSON (or YAML) text and upload stay for power users.
// Field names are the model's paths (params.minimum_wage_clp), so that the
// model's own validation (targeting.Model.Validate) names the same fields.

// modelForm is the model form as typed.
type modelForm struct {
	ID, Version, Kind, Name, Description, Sources                     string
	MinWage, StudentAgeMax, StudentExempt, Equivalence, OlderAdultAge string
	Minor, Older, DisMod, DisSev, DepMod, DepSev                      string
	Intercept                                                         string
	Numeric, Categorical                                              []weightRow
	MeansTest                                                         bool
	Upgrade, Vehicle, Property, Isapre, Fees                          string
}

// weightRow is one weight of a pmt model: a feature (and a level of a
// categorical one) and its weight.
type weightRow struct{ Feature, Level, Weight string }

// fnum writes a number as the form shows it.
func fnum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// opt writes an optional threshold.
func opt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// modelFormOf opens a model in the form.
func modelFormOf(m *targeting.Model) modelForm {
	f := modelForm{ID: m.ID, Version: strconv.Itoa(m.Version), Kind: string(m.Kind), Name: m.Name, Description: m.Description,
		Sources: strings.Join(m.Sources, "\n")}
	if p := m.Income; p != nil {
		f.MinWage, f.StudentAgeMax, f.StudentExempt = strconv.FormatInt(p.MinimumWageCLP, 10), strconv.Itoa(p.StudentAgeMax), fnum(p.StudentExemptWages)
		f.Equivalence, f.OlderAdultAge = fnum(p.EquivalenceExponent), strconv.Itoa(p.OlderAdultAge)
		n := p.Needs
		f.Minor, f.Older, f.DisMod, f.DisSev, f.DepMod, f.DepSev = fnum(n.Minor), fnum(n.OlderAdult), fnum(n.DisabilityModerate),
			fnum(n.DisabilitySevere), fnum(n.DependencyModerate), fnum(n.DependencySevere)
	}
	if p := m.PMT; p != nil {
		f.OlderAdultAge, f.Intercept = strconv.Itoa(p.OlderAdultAge), fnum(p.Intercept)
		for _, name := range targeting.NumericFeatures() {
			if w, ok := p.Numeric[name]; ok {
				f.Numeric = append(f.Numeric, weightRow{Feature: name, Weight: fnum(w)})
			}
		}
		for _, name := range targeting.CategoricalFeatures() {
			levels := p.Categorical[name]
			for _, l := range sortedLevels(levels) {
				f.Categorical = append(f.Categorical, weightRow{Feature: name, Level: l, Weight: fnum(levels[l])})
			}
		}
	}
	if mt := m.MeansTest; mt != nil {
		f.MeansTest, f.Upgrade = true, strconv.Itoa(mt.UpgradeToBracket)
		f.Vehicle, f.Property, f.Isapre, f.Fees = opt(mt.VehicleMinCLP), opt(mt.PropertyMinCLP), opt(mt.IsapreMinIncomeCLP), opt(mt.SchoolFeesMinCLP)
	}
	return f
}

// sortedLevels returns a categorical feature's levels in order.
func sortedLevels(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// weightRowsFrom reads block's weight rows from a posted form.
func weightRowsFrom(form url.Values, block string) []weightRow {
	var out []weightRow
	for i := range maxFormRows * 4 {
		p := fmt.Sprintf("%s.%d.", block, i)
		if _, ok := form[p+"feature"]; !ok {
			break
		}
		out = append(out, weightRow{Feature: strings.TrimSpace(form.Get(p + "feature")), Level: strings.TrimSpace(form.Get(p + "level")),
			Weight: strings.TrimSpace(form.Get(p + "weight"))})
	}
	return out
}

// modelFormFrom reads the posted model form.
func modelFormFrom(form url.Values) modelForm {
	g := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	return modelForm{ID: g("id"), Version: g("version"), Kind: g("kind"), Name: g("name"), Description: g("description"), Sources: form.Get("sources"),
		MinWage: g("params.minimum_wage_clp"), StudentAgeMax: g("params.student_age_max"), StudentExempt: g("params.student_exempt_wages"),
		Equivalence: g("params.equivalence_exponent"), OlderAdultAge: g("params.older_adult_age"),
		Minor: g("params.needs.minor"), Older: g("params.needs.older_adult"), DisMod: g("params.needs.disability_moderate"),
		DisSev: g("params.needs.disability_severe"), DepMod: g("params.needs.dependency_moderate"), DepSev: g("params.needs.dependency_severe"),
		Intercept: g("params.intercept"), Numeric: weightRowsFrom(form, "numeric"), Categorical: weightRowsFrom(form, "categorical"),
		MeansTest: form.Get("means_test") == "on", Upgrade: g("means_test.upgrade_to_bracket"), Vehicle: g("means_test.vehicle_min_clp"),
		Property: g("means_test.property_min_clp"), Isapre: g("means_test.isapre_min_income_clp"), Fees: g("means_test.school_fees_min_clp")}
}

// model turns the form into a model, with the problems of values that are
// not numbers; the model's own validation checks the rest.
func (f modelForm) model() (*targeting.Model, []fosis.FieldError) {
	var bad []fosis.FieldError
	num := func(field, v string) float64 {
		x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
		if err != nil {
			bad = append(bad, fosis.KeyedField(field, "modelform.err.number", "write a number"))
		}
		return x
	}
	whole := func(field, v string) int64 {
		x, err := strconv.ParseInt(pesos(v), 10, 64)
		if err != nil {
			bad = append(bad, fosis.KeyedField(field, "modelform.err.whole", "write a whole number"))
		}
		return x
	}
	m := &targeting.Model{ID: f.ID, Version: int(whole("version", f.Version)), Kind: targeting.Kind(f.Kind), Name: f.Name, Description: strings.TrimSpace(f.Description)}
	for _, s := range strings.Split(f.Sources, "\n") {
		if s = strings.TrimSpace(s); s != "" {
			m.Sources = append(m.Sources, s)
		}
	}
	switch m.Kind {
	case targeting.KindIncome:
		m.Income = &targeting.IncomeParams{MinimumWageCLP: whole("params.minimum_wage_clp", f.MinWage),
			StudentAgeMax: int(whole("params.student_age_max", f.StudentAgeMax)), StudentExemptWages: num("params.student_exempt_wages", f.StudentExempt),
			EquivalenceExponent: num("params.equivalence_exponent", f.Equivalence), OlderAdultAge: int(whole("params.older_adult_age", f.OlderAdultAge)),
			Needs: targeting.NeedsWeights{Minor: num("params.needs.minor", f.Minor), OlderAdult: num("params.needs.older_adult", f.Older),
				DisabilityModerate: num("params.needs.disability_moderate", f.DisMod), DisabilitySevere: num("params.needs.disability_severe", f.DisSev),
				DependencyModerate: num("params.needs.dependency_moderate", f.DepMod), DependencySevere: num("params.needs.dependency_severe", f.DepSev)}}
	case targeting.KindPMT:
		p := &targeting.PMTParams{OlderAdultAge: int(whole("params.older_adult_age", f.OlderAdultAge)), Intercept: num("params.intercept", f.Intercept),
			Numeric: map[string]float64{}, Categorical: map[string]map[string]float64{}}
		for i, w := range f.Numeric {
			if w.Feature == "" && w.Weight == "" {
				continue
			}
			field := fmt.Sprintf("numeric[%d]", i)
			if _, dup := p.Numeric[w.Feature]; dup {
				bad = append(bad, fosis.KeyedField(field, "modelform.err.twice", "this feature already has a weight"))
				continue
			}
			p.Numeric[w.Feature] = num(field, w.Weight)
		}
		for i, w := range f.Categorical {
			if w.Feature == "" && w.Level == "" && w.Weight == "" {
				continue
			}
			field := fmt.Sprintf("categorical[%d]", i)
			if p.Categorical[w.Feature] == nil {
				p.Categorical[w.Feature] = map[string]float64{}
			}
			if _, dup := p.Categorical[w.Feature][w.Level]; dup {
				bad = append(bad, fosis.KeyedField(field, "modelform.err.twice", "this feature already has a weight"))
				continue
			}
			p.Categorical[w.Feature][w.Level] = num(field, w.Weight)
		}
		m.PMT = p
	}
	if f.MeansTest {
		mt := &targeting.MeansTest{UpgradeToBracket: int(whole("means_test.upgrade_to_bracket", f.Upgrade))}
		thr := func(field, v string) *int64 {
			if v == "" {
				return nil
			}
			x := whole(field, v)
			return &x
		}
		mt.VehicleMinCLP, mt.PropertyMinCLP = thr("means_test.vehicle_min_clp", f.Vehicle), thr("means_test.property_min_clp", f.Property)
		mt.IsapreMinIncomeCLP, mt.SchoolFeesMinCLP = thr("means_test.isapre_min_income_clp", f.Isapre), thr("means_test.school_fees_min_clp", f.Fees)
		m.MeansTest = mt
	}
	return m, bad
}

// modelRowKey is where a model problem is shown: a pmt weight's problem
// (params.numeric.members, params.categorical.zone.rural) on the row that
// holds it, anything else on its field.
func (f modelForm) modelRowKey(field string) string {
	if name, ok := strings.CutPrefix(field, "params.numeric."); ok {
		for i, w := range f.Numeric {
			if w.Feature == name {
				return fmt.Sprintf("numeric[%d]", i)
			}
		}
	}
	if rest, ok := strings.CutPrefix(field, "params.categorical."); ok {
		feature, level, _ := strings.Cut(rest, ".")
		for i, w := range f.Categorical {
			if w.Feature == feature && (level == "" || w.Level == level) {
				return fmt.Sprintf("categorical[%d]", i)
			}
		}
	}
	return field
}

// modelProblems groups problems by where the form shows them.
func (f modelForm) modelProblems(bad []fosis.FieldError) map[string][]fosis.FieldError {
	out := map[string][]fosis.FieldError{}
	for _, fe := range bad {
		k := f.modelRowKey(fe.Field)
		out[k] = append(out[k], fe)
	}
	return out
}

// modelLabels are the catalog keys of the model form's fields.
var modelLabels = map[string]string{
	"id": "modelform.id", "version": "modelform.version", "name": "modelform.name", "kind": "modelform.kind", "sources": "modelform.sources",
	"params.minimum_wage_clp": "modelform.min_wage", "params.student_age_max": "modelform.student_age_max",
	"params.student_exempt_wages": "modelform.student_exempt", "params.equivalence_exponent": "modelform.equivalence",
	"params.older_adult_age": "modelform.older_adult_age", "params.needs.minor": "modelform.needs.minor",
	"params.needs.older_adult": "modelform.needs.older_adult", "params.needs.disability_moderate": "modelform.needs.disability_moderate",
	"params.needs.disability_severe": "modelform.needs.disability_severe", "params.needs.dependency_moderate": "modelform.needs.dependency_moderate",
	"params.needs.dependency_severe": "modelform.needs.dependency_severe", "params.intercept": "modelform.intercept",
	"numeric": "modelform.numeric", "categorical": "modelform.categorical", "means_test": "modelform.means_test",
	"means_test.upgrade_to_bracket": "modelform.upgrade", "means_test.vehicle_min_clp": "modelform.vehicle",
	"means_test.property_min_clp": "modelform.property", "means_test.isapre_min_income_clp": "modelform.isapre",
	"means_test.school_fees_min_clp": "modelform.fees", "as_of": "whatif.as_of",
}

// modelSummary says every problem with its field's label.
func (s *Server) modelSummary(lang string, f modelForm, bad []fosis.FieldError) []string {
	shown := make([]fosis.FieldError, len(bad))
	for i, fe := range bad {
		shown[i] = fe
		shown[i].Field = f.modelRowKey(fe.Field)
	}
	return s.problemSummary(lang, shown, modelLabels)
}

// whatIfActivate makes the form's model the active one, after the reader
// confirmed it, and comes back to the what-if page saying so.
func (s *Server) whatIfActivate(w http.ResponseWriter, r *http.Request, m *targeting.Model, d whatIfData) {
	if r.FormValue("confirm_activate") != "on" {
		d.Problems = []fosis.FieldError{fosis.KeyedField("confirm_activate", "modelform.err.confirm", "tick the box to confirm the activation")}
		s.whatIfShow(w, r, fosis.HTTPStatus(fosis.EINVALID), d)
		return
	}
	if err := s.cfg.Targeting.Activate(r.Context(), m); err != nil {
		s.whatIfFailed(w, r, d, err)
		return
	}
	http.Redirect(w, r, "/whatif?"+url.Values{"activated": {m.ID}, "version": {strconv.Itoa(m.Version)}}.Encode(), http.StatusSeeOther)
}

// modelFieldView is one labelled field of the model form (partial
// modelfield).
type modelFieldView struct {
	Name, Label, Value, Col, Type string
	Problems                      []fosis.FieldError
}

// F is the field name of the form, labelled by catalog key label, with its
// value, its grid columns and input type, and its problems.
func (d whatIfData) F(name, label, value, col, typ string) modelFieldView {
	return modelFieldView{Name: name, Label: label, Value: value, Col: col, Type: typ, Problems: d.Fields[name]}
}
