package targeting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fosis/fosis"
)

// Decoding model files: format detection, the strict decoders, the schema walk
// that names every unknown field, and error messages in a model author's terms.

// detectJSON tells whether a model file is JSON: by extension, else by its
// first non-space byte.
func detectJSON(name string, data []byte) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

func decodeGeneric(isJSON bool, data []byte) (any, error) {
	var v any
	if isJSON {
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		return v, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file")
		}
		return nil, err
	}
	var extra any
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, errors.New("more than one YAML document; a model file holds exactly one")
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	return v, nil
}

func decodeStrict(isJSON bool, data []byte, target any) error {
	if isJSON {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		return dec.Decode(target)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(target)
}

// typeWord names a Go type of the model files the way a model author knows it.
func typeWord(goType string) string {
	switch goType {
	case "int", "int64":
		return "a whole number"
	case "float64":
		return "a number"
	case "string", "targeting.Kind":
		return "a text"
	case "[]string":
		return "a list of texts"
	case "map[string]float64":
		return "a mapping of names to weights"
	case "map[string]map[string]float64":
		return "a mapping of features to levels and weights"
	}
	return "a mapping of fields"
}

var yamlIntoType = regexp.MustCompile(`into (\S+)$`)

// decodeProblem describes a decoding error in the model author's terms: the
// field path (JSON) or line (YAML) and what was expected there.
func decodeProblem(err error, data []byte) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := strings.TrimPrefix(te.Field, "modelHeader.")
		return fmt.Sprintf("%s: must be %s, got a JSON %s", field, typeWord(te.Type.String()), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("line %d: invalid JSON: %v", line, se)
	}
	var ye *yaml.TypeError
	if errors.As(err, &ye) {
		msgs := make([]string, len(ye.Errors))
		for i, e := range ye.Errors {
			msgs[i] = yamlIntoType.ReplaceAllStringFunc(e, func(m string) string {
				return "into " + typeWord(strings.TrimPrefix(m, "into "))
			})
		}
		return strings.Join(msgs, "; ")
	}
	return err.Error()
}

// schemaProblems walks a generically decoded document against the Go type it
// will be decoded into and records every key that type does not know, and
// every fractional number given for a whole-number field (the YAML decoder
// would silently truncate version: 1.5 to 1).
func schemaProblems(v any, t reflect.Type, at string, out *[]fosis.FieldError) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m := asStringMap(v)
		if m == nil {
			return // a type mismatch: the strict decoder reports it
		}
		fields := structFields(t)
		for _, k := range sortedKeys(m) {
			ft, ok := fields[k]
			if !ok {
				*out = append(*out, fosis.KeyedField(join(at, k), "targeting.err.unknown_field", "unknown field"))
				continue
			}
			schemaProblems(m[k], ft, join(at, k), out)
		}
	case reflect.Map:
		m := asStringMap(v)
		for _, k := range sortedKeys(m) {
			schemaProblems(m[k], t.Elem(), join(at, k), out)
		}
	case reflect.Int, reflect.Int64:
		if x, ok := v.(float64); ok && x != math.Trunc(x) {
			*out = append(*out, fosis.KeyedField(at, "targeting.err.whole", "must be a whole number, got %v", x))
		}
	case reflect.Slice:
		if s, ok := v.([]any); ok {
			for i, e := range s {
				schemaProblems(e, t.Elem(), fmt.Sprintf("%s[%d]", at, i), out)
			}
		}
	}
}

// structFields maps the json names of t's fields, embedded ones included, to
// their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			for k, v := range structFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	return fields
}

func asStringMap(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[fmt.Sprint(k)] = e
		}
		return out
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(at, field string) string {
	if at == "" {
		return field
	}
	return at + "." + field
}
