package targeting

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/fosis/fosis"
)

// Kind is the kind of a scorecard model.
type Kind string

// The model kinds.
const (
	// KindIncome is an income model: corrected equivalent income in pesos.
	KindIncome Kind = "income"
	// KindPMT is a linear proxy-means test: intercept plus weighted features.
	KindPMT Kind = "pmt"
)

// Model is a parsed scorecard model. Exactly one of Income and PMT is set,
// matching Kind. Build one with LoadModel; a Model built in Go code must pass
// Validate before it is scored.
type Model struct {
	ID          string   // slug, e.g. "chile-rsh"
	Version     int      // positive; a changed model gets a new version
	Kind        Kind     // KindIncome or KindPMT
	Name        string   // human name
	Description string   // what the model is for and how far to trust it
	Sources     []string // where the numbers come from

	Income    *IncomeParams // params of an income model
	PMT       *PMTParams    // params of a pmt model
	MeansTest *MeansTest    // optional upgrades applied after ranking
}

// IncomeParams are the parameters of an income model. See docs/scorecard.md.
type IncomeParams struct {
	// MinimumWageCLP is the monthly minimum wage in pesos; the student rule
	// exempts StudentExemptWages of them.
	MinimumWageCLP int64 `json:"minimum_wage_clp" yaml:"minimum_wage_clp"`
	// StudentAgeMax is the oldest age (inclusive) at which a member in school
	// counts as a working student. Default 24.
	StudentAgeMax int `json:"student_age_max" yaml:"student_age_max"`
	// StudentExemptWages is how many minimum wages of a working student's
	// labour income are not counted. Default 2.
	StudentExemptWages float64 `json:"student_exempt_wages" yaml:"student_exempt_wages"`
	// EquivalenceExponent is e in the divisor n^e for n members. Default 0.7.
	EquivalenceExponent float64 `json:"equivalence_exponent" yaml:"equivalence_exponent"`
	// OlderAdultAge is the age (60 or 65) from which a member is an older
	// adult. Default 60.
	OlderAdultAge int `json:"older_adult_age" yaml:"older_adult_age"`
	// Needs are the per-member weights of the needs index.
	Needs NeedsWeights `json:"needs" yaml:"needs"`
}

// NeedsWeights are the per-member additions to the needs index 1 + Σ w. A
// member adds its age weight (minor or older adult) plus the larger of its
// disability weight and its dependency weight. Mild or no disability or
// dependency adds nothing.
type NeedsWeights struct {
	Minor              float64 `json:"minor" yaml:"minor"`
	OlderAdult         float64 `json:"older_adult" yaml:"older_adult"`
	DisabilityModerate float64 `json:"disability_moderate" yaml:"disability_moderate"`
	DisabilitySevere   float64 `json:"disability_severe" yaml:"disability_severe"`
	DependencyModerate float64 `json:"dependency_moderate" yaml:"dependency_moderate"`
	DependencySevere   float64 `json:"dependency_severe" yaml:"dependency_severe"`
}

// PMTParams are the parameters of a proxy-means-test model: value =
// Intercept + Σ Numeric[f] × f + Σ Categorical[f][level of f]. Feature names
// come from NumericFeatures and CategoricalFeatures; a level missing from a
// categorical map weighs 0.
type PMTParams struct {
	// OlderAdultAge is the age (60 or 65) from which a member counts in
	// older_adults. Default 60.
	OlderAdultAge int                           `json:"older_adult_age" yaml:"older_adult_age"`
	Intercept     float64                       `json:"intercept" yaml:"intercept"`
	Numeric       map[string]float64            `json:"numeric" yaml:"numeric"`
	Categorical   map[string]map[string]float64 `json:"categorical" yaml:"categorical"`
}

// MeansTest raises the bracket of households whose assets contradict their
// ranking. A nil threshold disables that test. The vehicle, property and
// school-fee tests apply when the household's amount is positive and at least
// the threshold (so 0 means "has any"); the isapre test applies when any
// member has an isapre plan and the income it compares is at least the
// threshold (so 0 means "any isapre member").
type MeansTest struct {
	// UpgradeToBracket is the bracket an upgraded household is raised to
	// (never lowered): one of 40, 50, …, 100.
	UpgradeToBracket int `json:"upgrade_to_bracket" yaml:"upgrade_to_bracket"`
	// VehicleMinCLP is compared with the fiscal value of the household's vehicles.
	VehicleMinCLP *int64 `json:"vehicle_min_clp,omitempty" yaml:"vehicle_min_clp"`
	// PropertyMinCLP is compared with the fiscal value of its real estate.
	PropertyMinCLP *int64 `json:"property_min_clp,omitempty" yaml:"property_min_clp"`
	// IsapreMinIncomeCLP applies when any member has an isapre health plan:
	// it is compared with the corrected equivalent income (income models) or
	// the monthly per-capita income (pmt models).
	IsapreMinIncomeCLP *int64 `json:"isapre_min_income_clp,omitempty" yaml:"isapre_min_income_clp"`
	// SchoolFeesMinCLP is compared with the household's monthly school fees.
	SchoolFeesMinCLP *int64 `json:"school_fees_min_clp,omitempty" yaml:"school_fees_min_clp"`
}

// The file shapes: a common header, then params whose schema depends on kind.
type modelHeader struct {
	ID          string   `json:"id" yaml:"id"`
	Version     int      `json:"version" yaml:"version"`
	Kind        Kind     `json:"kind" yaml:"kind"`
	Name        string   `json:"name" yaml:"name"`
	Description string   `json:"description" yaml:"description"`
	Sources     []string `json:"sources" yaml:"sources"`
}

type incomeFile struct {
	modelHeader `yaml:",inline"`
	Params      IncomeParams `json:"params" yaml:"params"`
	MeansTest   *MeansTest   `json:"means_test,omitempty" yaml:"means_test"`
}

type pmtFile struct {
	modelHeader `yaml:",inline"`
	Params      PMTParams  `json:"params" yaml:"params"`
	MeansTest   *MeansTest `json:"means_test,omitempty" yaml:"means_test"`
}

// otherFile is the shape used when kind is missing or unknown, so that the
// header can still be checked.
type otherFile struct {
	modelHeader `yaml:",inline"`
	Params      any `json:"params" yaml:"params"`
	MeansTest   any `json:"means_test,omitempty" yaml:"means_test"`
}

// Defaults of the parameters that have one; fields left out of a model file
// take these values, so the canonical form always spells them.
const (
	defaultStudentAgeMax       = 24
	defaultStudentExemptWages  = 2
	defaultEquivalenceExponent = 0.7
	defaultOlderAdultAge       = 60
)

// LoadModel parses a model file strictly and validates it. name is the file
// name: a .json, .yaml or .yml extension picks the format, otherwise a first
// non-space byte '{' means JSON and anything else YAML. Unknown fields, a
// second document, and every validation problem are reported as a
// *fosis.Error with code EINVALID.
func LoadModel(name string, data []byte) (*Model, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // editors on Windows add one
	isJSON := detectJSON(name, data)
	generic, err := decodeGeneric(isJSON, data)
	if err != nil {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("model file %q: %s", name, decodeProblem(err, data))}
	}
	top, ok := generic.(map[string]any)
	if !ok {
		return nil, fosis.Errorf(fosis.EINVALID, "model file %q: must be a mapping of fields, starting with id, version and kind", name)
	}
	kind, _ := top["kind"].(string)
	var target any
	switch Kind(kind) {
	case KindIncome:
		target = &incomeFile{Params: IncomeParams{
			StudentAgeMax:       defaultStudentAgeMax,
			StudentExemptWages:  defaultStudentExemptWages,
			EquivalenceExponent: defaultEquivalenceExponent,
			OlderAdultAge:       defaultOlderAdultAge,
		}}
	case KindPMT:
		target = &pmtFile{Params: PMTParams{OlderAdultAge: defaultOlderAdultAge}}
	default:
		target = &otherFile{}
	}
	// Unknown fields are found with a schema walk first, so that all of them
	// are reported with their paths; the strict decoders below then guard the
	// decode itself.
	var problems []fosis.FieldError
	schemaProblems(generic, reflect.TypeOf(target).Elem(), "", &problems)
	if len(problems) > 0 {
		return nil, invalid(fmt.Sprintf("model file %q", name), problems)
	}
	if err := decodeStrict(isJSON, data, target); err != nil {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("model file %q: %s", name, decodeProblem(err, data))}
	}
	m := modelFromFile(target)
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func modelFromFile(target any) *Model {
	var m *Model
	switch f := target.(type) {
	case *incomeFile:
		m = headerModel(f.modelHeader)
		p := f.Params
		m.Income, m.MeansTest = &p, f.MeansTest
	case *pmtFile:
		m = headerModel(f.modelHeader)
		p := normalPMT(f.Params)
		m.PMT, m.MeansTest = &p, f.MeansTest
	case *otherFile:
		m = headerModel(f.modelHeader)
	}
	return m
}

// normalPMT returns p with empty maps for absent ones and without empty
// level maps, so that spellings that mean the same have one canonical form.
func normalPMT(p PMTParams) PMTParams {
	numeric := map[string]float64{}
	for k, w := range p.Numeric {
		numeric[k] = w
	}
	categorical := map[string]map[string]float64{}
	for k, levels := range p.Categorical {
		if len(levels) > 0 {
			categorical[k] = levels
		}
	}
	p.Numeric, p.Categorical = numeric, categorical
	return p
}

func headerModel(h modelHeader) *Model {
	if h.Sources == nil {
		h.Sources = []string{}
	}
	return &Model{ID: h.ID, Version: h.Version, Kind: h.Kind, Name: h.Name,
		Description: h.Description, Sources: h.Sources}
}

// Canonical returns the model's canonical JSON encoding: fields in a fixed
// order, map keys sorted, defaults spelled out, no insignificant space. Two
// files that spell the same model differently (JSON or YAML, key order,
// omitted defaults, 0.70 or 0.7) have the same canonical form. It panics if
// the model holds a non-finite number, which Validate rejects.
func (m *Model) Canonical() []byte {
	b, err := m.canonical()
	if err != nil {
		panic(err)
	}
	return b
}

func (m *Model) canonical() ([]byte, error) {
	h := modelHeader{ID: m.ID, Version: m.Version, Kind: m.Kind, Name: m.Name,
		Description: m.Description, Sources: m.Sources}
	if h.Sources == nil {
		h.Sources = []string{}
	}
	var v any
	switch {
	case m.Kind == KindIncome && m.Income != nil:
		v = incomeFile{modelHeader: h, Params: *m.Income, MeansTest: m.MeansTest}
	case m.Kind == KindPMT && m.PMT != nil:
		v = pmtFile{modelHeader: h, Params: normalPMT(*m.PMT), MeansTest: m.MeansTest}
	default:
		v = h
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("targeting: canonical encoding of %s: %w", m.label(), err)
	}
	return b, nil
}

// Digest returns "sha256:" and the hex SHA-256 of the canonical encoding: the
// identity of the exact model a scoring run used.
func (m *Model) Digest() string {
	sum := sha256.Sum256(m.Canonical())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// MarshalJSON encodes the model in its canonical form, so that an API can
// return a model as the same document a file would hold.
func (m *Model) MarshalJSON() ([]byte, error) {
	return m.canonical()
}

// label names the model in messages: model "chile-rsh" v2.
func (m *Model) label() string {
	return fmt.Sprintf("model %q v%d", m.ID, m.Version)
}

// invalid builds the EINVALID error of a list of field problems.
func invalid(prefix string, problems []fosis.FieldError) *fosis.Error {
	parts := make([]string, len(problems))
	for i, p := range problems {
		parts[i] = p.Field + ": " + p.Message
	}
	msg := prefix + ": " + parts[0]
	if len(parts) > 1 {
		msg = fmt.Sprintf("%s: %d problems: %s", prefix, len(parts), strings.Join(parts, "; "))
	}
	return &fosis.Error{Code: fosis.EINVALID, Message: msg, Fields: problems}
}
