package targeting

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fosis/fosis"
)

const incomeJSON = `{
  "id": "chile-rsh", "version": 2, "kind": "income", "name": "RSH test",
  "description": "d", "sources": ["a", "b"],
  "params": {
    "minimum_wage_clp": 539000, "student_age_max": 24, "student_exempt_wages": 2,
    "equivalence_exponent": 0.7, "older_adult_age": 60,
    "needs": {"minor": 0.2, "older_adult": 0.3, "disability_moderate": 0.3,
              "disability_severe": 0.6, "dependency_moderate": 0.4, "dependency_severe": 0.8}
  },
  "means_test": {"upgrade_to_bracket": 90, "vehicle_min_clp": 25000000, "isapre_min_income_clp": 0}
}`

// incomeYAML is incomeJSON spelled differently: YAML, other key order,
// defaults left out, 0.70 for 0.7, comments.
const incomeYAML = `# the same model
kind: income
version: 2
id: chile-rsh
name: RSH test
description: d
sources: [a, b]
means_test:
  isapre_min_income_clp: 0
  vehicle_min_clp: 25_000_000
  upgrade_to_bracket: 90
params:
  needs:
    dependency_severe: 0.8
    dependency_moderate: 0.40
    disability_severe: 0.6
    disability_moderate: 0.3
    older_adult: 0.3
    minor: 0.2
  minimum_wage_clp: 539000
  equivalence_exponent: 0.70
`

const pmtYAML = `id: pmt-test
version: 1
kind: pmt
name: PMT test
params:
  intercept: 100
  numeric: {members: -10, head_age: 0.5}
  categorical:
    zone: {rural: -20}
    region: {"13": 5}
`

const pmtJSON = `{"id": "pmt-test", "version": 1, "kind": "pmt", "name": "PMT test",
 "params": {"older_adult_age": 60, "intercept": 100.0,
  "numeric": {"head_age": 0.5, "members": -10},
  "categorical": {"region": {"13": 5}, "zone": {"rural": -20}, "roof": {}}}}`

func TestLoadModelSpellings(t *testing.T) {
	tests := []struct {
		name               string
		aName, a, bName, b string
	}{
		{"income JSON and YAML", "m.json", incomeJSON, "m.yaml", incomeYAML},
		{"pmt YAML and JSON", "p.yml", pmtYAML, "p.json", pmtJSON},
		{"format from the first byte", "model", incomeJSON, "model", incomeYAML},
		{"byte-order mark", "m.json", "\ufeff" + incomeJSON, "m.yaml", "\ufeff" + incomeYAML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := LoadModel(tt.aName, []byte(tt.a))
			if err != nil {
				t.Fatalf("LoadModel(%s): %v", tt.aName, err)
			}
			b, err := LoadModel(tt.bName, []byte(tt.b))
			if err != nil {
				t.Fatalf("LoadModel(%s): %v", tt.bName, err)
			}
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("models differ (-%s +%s):\n%s", tt.aName, tt.bName, diff)
			}
			if diff := cmp.Diff(string(a.Canonical()), string(b.Canonical())); diff != "" {
				t.Errorf("canonical forms differ:\n%s", diff)
			}
			if a.Digest() != b.Digest() {
				t.Errorf("digests differ: %s and %s", a.Digest(), b.Digest())
			}
		})
	}
}

func TestLoadModelDefaults(t *testing.T) {
	m, err := LoadModel("m.yaml", []byte(incomeYAML))
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]any{m.Income.StudentAgeMax, m.Income.StudentExemptWages, m.Income.OlderAdultAge}; got != [3]any{24, 2.0, 60} {
		t.Errorf("defaults (student_age_max, student_exempt_wages, older_adult_age) = %v, want [24 2 60]", got)
	}
	if !strings.Contains(string(m.Canonical()), `"student_age_max":24`) {
		t.Errorf("canonical form does not spell the default student_age_max: %s", m.Canonical())
	}
}

func TestCanonicalRoundTrip(t *testing.T) {
	for _, m := range BuiltinModels() {
		t.Run(m.ID, func(t *testing.T) {
			again, err := LoadModel("stored.json", m.Canonical())
			if err != nil {
				t.Fatalf("LoadModel(Canonical()): %v", err)
			}
			if diff := cmp.Diff(m, again); diff != "" {
				t.Errorf("round trip changed the model (-want +got):\n%s", diff)
			}
			if d := m.Digest(); !strings.HasPrefix(d, "sha256:") || len(d) != 7+64 || d != again.Digest() {
				t.Errorf("Digest() = %q, again %q; want the same sha256:<64 hex>", d, again.Digest())
			}
		})
	}
}

func TestCanonicalOfGoModel(t *testing.T) {
	// A model built in Go with nil maps has the canonical form of its file.
	m := roomsModel(nil)
	m.Sources, m.PMT.Categorical = nil, map[string]map[string]float64{"zone": {}}
	loaded, err := LoadModel("rooms.yaml", []byte("id: rooms\nversion: 1\nkind: pmt\nname: rooms\nparams: {numeric: {rooms_per_person: 1}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(loaded.Canonical()), string(m.Canonical())); diff != "" {
		t.Errorf("canonical forms (-file +Go):\n%s", diff)
	}
}

func TestMarshalJSONNonFinite(t *testing.T) {
	m := roomsModel(nil)
	m.PMT.Intercept = math.NaN()
	if _, err := json.Marshal(m); err == nil {
		t.Error("json.Marshal of a model with a NaN intercept: no error")
	}
	b, err := json.Marshal(DefaultModel())
	if err != nil || string(b) != string(DefaultModel().Canonical()) {
		t.Errorf("json.Marshal(DefaultModel()) = %.60s…, %v; want the canonical form", b, err)
	}
}

func TestDigestChangesWithContent(t *testing.T) {
	a := DefaultModel()
	b := DefaultModel()
	b.Income.Needs.Minor += 0.01
	if a.Digest() == b.Digest() {
		t.Error("changing a needs weight did not change the digest")
	}
}

func TestBuiltinModels(t *testing.T) {
	var ids []string
	for _, m := range BuiltinModels() {
		ids = append(ids, m.ID)
	}
	if diff := cmp.Diff([]string{"chile-fps-pmt", "chile-rsh"}, ids); diff != "" {
		t.Errorf("built-in model ids (-want +got):\n%s", diff)
	}
	m := DefaultModel()
	if m.ID != DefaultModelID || m.Kind != KindIncome || m.Income.MinimumWageCLP != 539000 {
		t.Errorf("DefaultModel() = %s %s, minimum wage %d; want chile-rsh income 539000", m.ID, m.Kind, m.Income.MinimumWageCLP)
	}
	m.Income.MinimumWageCLP = 1
	if DefaultModel().Income.MinimumWageCLP != 539000 {
		t.Error("changing one DefaultModel() changed the next one")
	}
}

// problems returns the field problems of a LoadModel or Validate error,
// failing the test unless it is an EINVALID *fosis.Error.
func problems(t *testing.T, err error) []fosis.FieldError {
	t.Helper()
	var fe *fosis.Error
	if !errors.As(err, &fe) || fe.Code != fosis.EINVALID {
		t.Fatalf("error %v (%T), want an EINVALID *fosis.Error", err, err)
	}
	return fe.Fields
}

func TestLoadModelInvalid(t *testing.T) {
	fe := func(field, msg string) fosis.FieldError { return fosis.FieldError{Field: field, Message: msg} }
	tests := []struct {
		name, file, data string
		want             []fosis.FieldError
	}{
		{"unknown top-level field, JSON", "m.json",
			`{"id": "a", "version": 1, "kind": "income", "name": "A", "colour": "red", "params": {"minimum_wage_clp": 1}}`,
			[]fosis.FieldError{fe("colour", "unknown field")}},
		{"unknown nested field, JSON", "m.json",
			`{"id": "a", "version": 1, "kind": "income", "name": "A", "params": {"minimum_wage_clp": 1, "needs": {"minorr": 1}}}`,
			[]fosis.FieldError{fe("params.needs.minorr", "unknown field")}},
		{"unknown fields, YAML", "m.yaml",
			"id: a\nversion: 1\nkind: pmt\nname: A\nweights: {}\nparams: {numeric: {members: 1}}\nmeans_test: {upgrade_to_bracket: 90, vehicle_max_clp: 1}\n",
			[]fosis.FieldError{fe("means_test.vehicle_max_clp", "unknown field"), fe("weights", "unknown field")}},
		{"income field in a pmt model", "m.yaml",
			"id: a\nversion: 1\nkind: pmt\nname: A\nparams: {numeric: {members: 1}, equivalence_exponent: 0.7}\n",
			[]fosis.FieldError{fe("params.equivalence_exponent", "unknown field")}},
		{"bad kind", "m.yaml", "id: a\nversion: 1\nkind: score\nname: A\nparams: {}\n",
			[]fosis.FieldError{fe("kind", `must be "income" or "pmt", got "score"`)}},
		{"missing id and version", "m.yaml", "kind: income\nname: A\nparams: {minimum_wage_clp: 1}\n",
			[]fosis.FieldError{fe("id", "is required"), fe("version", "must be a positive integer, got 0")}},
		{"negative threshold", "m.yaml",
			"id: a\nversion: 1\nkind: income\nname: A\nparams: {minimum_wage_clp: 1}\nmeans_test: {upgrade_to_bracket: 90, property_min_clp: -5}\n",
			[]fosis.FieldError{fe("means_test.property_min_clp", "must not be negative, got -5")}},
		{"fractional whole numbers", "m.yaml",
			"id: a\nversion: 1.5\nkind: income\nname: A\nparams: {minimum_wage_clp: 539000.5}\n",
			[]fosis.FieldError{fe("params.minimum_wage_clp", "must be a whole number, got 539000.5"),
				fe("version", "must be a whole number, got 1.5")}},
		{"means test without tests and a bad bracket", "m.yaml",
			"id: a\nversion: 1\nkind: income\nname: A\nparams: {minimum_wage_clp: 1}\nmeans_test: {upgrade_to_bracket: 85}\n",
			[]fosis.FieldError{fe("means_test.upgrade_to_bracket", "must be one of 40, 50, 60, 70, 80, 90, 100, got 85"),
				fe("means_test", "sets no test: give at least one threshold, or leave the block out")}},
		{"NaN and Inf weights", "m.yaml",
			"id: a\nversion: 1\nkind: pmt\nname: A\nparams: {intercept: .inf, numeric: {members: .nan}, categorical: {zone: {rural: -.inf}}}\n",
			[]fosis.FieldError{fe("params.intercept", "must be a finite number, got +Inf"),
				fe("params.numeric.members", "must be a finite number, got NaN"),
				fe("params.categorical.zone.rural", "must be a finite number, got -Inf")}},
		{"NaN needs weight", "m.yaml",
			"id: a\nversion: 1\nkind: income\nname: A\nparams: {minimum_wage_clp: 1, needs: {older_adult: .nan, minor: -0.1}}\n",
			[]fosis.FieldError{fe("params.needs.minor", "must be a finite number ≥ 0, got -0.1"),
				fe("params.needs.older_adult", "must be a finite number ≥ 0, got NaN")}},
		{"unknown feature and level", "m.yaml",
			"id: a\nversion: 1\nkind: pmt\nname: A\nparams:\n  numeric: {members: 1, cars: 2}\n  categorical: {zone: {suburban: 1, rural: 2}, colour: {red: 1}, region: {\"13\": 1, \"0\": 1, \"01\": 1, \"256\": 1}}\n",
			[]fosis.FieldError{
				fe("params.numeric.cars", "unknown feature (known: "+strings.Join(NumericFeatures(), ", ")+")"),
				fe("params.categorical.colour", "unknown feature (known: zone, tenure, water, sanitation, floor, walls, roof, region)"),
				fe("params.categorical.region.0", "unknown level (known: a region number from 1 to 255)"),
				fe("params.categorical.region.01", "unknown level (known: a region number from 1 to 255)"),
				fe("params.categorical.region.256", "unknown level (known: a region number from 1 to 255)"),
				fe("params.categorical.zone.suburban", "unknown level (known: urban, rural)"),
			}},
		{"pmt without weights", "m.yaml", "id: a\nversion: 1\nkind: pmt\nname: A\nparams: {intercept: 3}\n",
			[]fosis.FieldError{fe("params", "a pmt model needs at least one numeric or categorical weight")}},
		{"all problems at once", "m.yaml",
			"id: Bad_ID\nversion: -1\nkind: income\nname: ''\nsources: ['']\nparams: {minimum_wage_clp: 0, student_age_max: 0, student_exempt_wages: -1, equivalence_exponent: 1.7, older_adult_age: 62}\n",
			[]fosis.FieldError{
				fe("id", `must be a slug of lower-case letters, digits and single hyphens, at most 64 characters, got "Bad_ID"`),
				fe("version", "must be a positive integer, got -1"),
				fe("name", "is required"),
				fe("sources[0]", "must not be empty"),
				fe("params.minimum_wage_clp", "must be a positive amount of pesos, got 0"),
				fe("params.student_age_max", "must be between 1 and 120, got 0"),
				fe("params.student_exempt_wages", "must be a finite number ≥ 0, got -1"),
				fe("params.equivalence_exponent", "must be between 0 and 1, got 1.7"),
				fe("params.older_adult_age", "must be 60 or 65, got 62"),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := LoadModel(tt.file, []byte(tt.data))
			if err == nil {
				t.Fatalf("LoadModel accepted it: %+v", m)
			}
			got := problems(t, err)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(fosis.FieldError{}, "Key", "Args")); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			for _, p := range got {
				if !strings.HasPrefix(p.Key, "targeting.err.") {
					t.Errorf("%s: %q has no key: the pages could not say it in Spanish", p.Field, p.Message)
				}
			}
		})
	}
}

func TestLoadModelMessages(t *testing.T) {
	tests := []struct {
		name, file, data, want string
	}{
		{"one problem names model and field", "m.yaml",
			"id: chile-rsh\nversion: 2\nkind: income\nname: A\nparams: {minimum_wage_clp: 1, equivalence_exponent: 1.7}\n",
			`model "chile-rsh" v2: params.equivalence_exponent: must be between 0 and 1, got 1.7`},
		{"several problems are counted", "m.yaml",
			"id: a\nversion: 1\nkind: income\nname: A\nparams: {minimum_wage_clp: 0, older_adult_age: 70}\n",
			`model "a" v1: 2 problems: params.minimum_wage_clp: must be a positive amount of pesos, got 0; params.older_adult_age: must be 60 or 65, got 70`},
		{"unknown field names the file", "m.json", `{"id": "a", "extra": 1}`,
			`model file "m.json": extra: unknown field`},
		{"JSON type error names the field", "m.json",
			`{"id": "a", "version": "2", "kind": "income", "name": "A", "params": {"minimum_wage_clp": 1}}`,
			`model file "m.json": version: must be a whole number, got a JSON string`},
		{"JSON syntax error names the line", "m.json", "{\"id\": \"a\",\n\"version\": 1,\n}",
			`model file "m.json": line 3: invalid JSON: invalid character '}' looking for beginning of object key string`},
		{"YAML type error names the line", "m.yaml",
			"id: a\nversion: 1\nkind: income\nname: A\nparams:\n  minimum_wage_clp: lots\n",
			"model file \"m.yaml\": line 6: cannot unmarshal !!str `lots` into a whole number"},
		{"second YAML document", "m.yaml", "id: a\n---\nid: b\n",
			`model file "m.yaml": more than one YAML document; a model file holds exactly one`},
		{"not a mapping", "m.yaml", "- a\n- b\n",
			`model file "m.yaml": must be a mapping of fields, starting with id, version and kind`},
		{"empty", "m.yaml", "", `model file "m.yaml": empty file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadModel(tt.file, []byte(tt.data))
			if got := fosis.ErrorMessage(err); got != tt.want {
				t.Errorf("message:\n got %s\nwant %s", got, tt.want)
			}
			if fosis.ErrorCode(err) != fosis.EINVALID {
				t.Errorf("code %q, want %q", fosis.ErrorCode(err), fosis.EINVALID)
			}
		})
	}
}

func TestValidateGoModel(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *Model)
		want   []string // fields
	}{
		{"valid", func(m *Model) {}, nil},
		{"NaN numeric weight", func(m *Model) { m.PMT.Numeric["members"] = math.NaN() }, []string{"params.numeric.members"}},
		{"Inf level weight", func(m *Model) { m.PMT.Categorical["zone"] = map[string]float64{"urban": math.Inf(1)} },
			[]string{"params.categorical.zone.urban"}},
		{"income params in a pmt model", func(m *Model) { m.Income = &IncomeParams{} }, []string{"params"}},
		{"missing kind", func(m *Model) { m.Kind = "" }, []string{"kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := roomsModel(nil)
			tt.change(m)
			err := m.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var got []string
			for _, p := range problems(t, err) {
				got = append(got, p.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}
