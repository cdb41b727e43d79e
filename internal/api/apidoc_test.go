package api

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateDocs = flag.Bool("update-docs", false, "write docs/api.md from the OpenAPI document")

// apiReference writes the API reference in Markdown from the merged OpenAPI
// document: one table per tag, in the document's order, one row per
// operation (method and path, summary, whether it writes).
func apiReference(doc []byte) (string, error) {
	var d struct {
		Tags []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tags"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return "", err
	}
	type op struct{ method, path, summary string }
	byTag := map[string][]op{}
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	order := []string{"get", "post", "put", "patch", "delete"}
	for _, p := range paths {
		for _, m := range order {
			raw, ok := d.Paths[p][m]
			if !ok {
				continue
			}
			var o struct {
				Summary string   `json:"summary"`
				Tags    []string `json:"tags"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				return "", fmt.Errorf("%s %s: %v", m, p, err)
			}
			tag := "other"
			if len(o.Tags) > 0 {
				tag = o.Tags[0]
			}
			byTag[tag] = append(byTag[tag], op{strings.ToUpper(m), p, o.Summary})
		}
	}
	var b strings.Builder
	b.WriteString("# API reference\n\n")
	b.WriteString("Every route of the JSON API, written from the OpenAPI document that the server serves at\n")
	b.WriteString("`/api/v1/openapi.json` (parameters, bodies, answers and errors are there). This file is\n")
	b.WriteString("generated: `go test ./internal/api -run TestAPIReference -update-docs` writes it again, and\n")
	b.WriteString("the test fails when it and the document disagree.\n")
	seen := map[string]bool{}
	write := func(name, desc string) {
		ops := byTag[name]
		if len(ops) == 0 || seen[name] {
			return
		}
		seen[name] = true
		fmt.Fprintf(&b, "\n## %s\n\n", name)
		if desc != "" {
			fmt.Fprintf(&b, "%s\n\n", desc)
		}
		b.WriteString("| route | what it does |\n|---|---|\n")
		for _, o := range ops {
			fmt.Fprintf(&b, "| `%s %s` | %s |\n", o.method, o.path, strings.ReplaceAll(o.summary, "|", `\|`))
		}
	}
	for _, t := range d.Tags {
		write(t.Name, t.Description)
	}
	rest := make([]string, 0, len(byTag))
	for name := range byTag {
		rest = append(rest, name)
	}
	slices.Sort(rest)
	for _, name := range rest {
		write(name, "")
	}
	return b.String(), nil
}

// TestAPIReference keeps docs/api.md, the API's list of routes, in step with
// the OpenAPI document (which openapi_test.go keeps in step with the route
// table): a route added without its line, or a line left for a route that is
// gone, fails here.
func TestAPIReference(t *testing.T) {
	want, err := apiReference(openAPI)
	if err != nil {
		t.Fatal(err)
	}
	const file = "../../docs/api.md"
	if *updateDocs {
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (write it with go test ./internal/api -run TestAPIReference -update-docs)", err)
	}
	if diff := cmp.Diff(want, string(have)); diff != "" {
		t.Errorf("docs/api.md disagrees with the OpenAPI document; write it again with\n  go test ./internal/api -run TestAPIReference -update-docs\n(-want +have):\n%s", diff)
	}
}
