package api

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

func TestMergeOpenAPI(t *testing.T) {
	base := `{"openapi":"3.1.0","tags":[{"name":"registry"}],"paths":{"/a":{}},"components":{"schemas":{"A":{}}}}`
	tests := []struct {
		name, frag, wantErr string
	}{
		{"adds", `{"tags":[{"name":"calls"}],"paths":{"/b":{}},"components":{"schemas":{"B":{}},"parameters":{"P":{}}}}`, ""},
		{"duplicate path", `{"paths":{"/a":{}}}`, `paths "/a" is already defined`},
		{"duplicate schema", `{"components":{"schemas":{"A":{}}}}`, `schemas "A" is already defined`},
		{"duplicate tag", `{"tags":[{"name":"registry"}]}`, `tag registry is already defined`},
		{"other key", `{"info":{}}`, `not "info"`},
		{"bad JSON", `{"paths":`, `openapi/x.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := mergeOpenAPI(fstest.MapFS{
				"openapi.json":   {Data: []byte(base)},
				"openapi/x.json": {Data: []byte(tt.frag)},
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Tags       []map[string]string
				Paths      map[string]any
				Components map[string]map[string]any
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Tags) != 2 || len(doc.Paths) != 2 || len(doc.Components["schemas"]) != 2 || len(doc.Components["parameters"]) != 1 {
				t.Errorf("merged document = %s", b)
			}
		})
	}
}
