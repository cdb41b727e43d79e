package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
)

// The OpenAPI 3.1 description of the routes is written by hand: openapi.json
// holds the document and the registry and scoring paths, and each later
// module adds a fragment, openapi/<module>.json, with its own "tags",
// "paths" and "components". openapi_test.go checks the merged document
// against the route table and against real responses.
//
//go:embed openapi.json openapi
var openAPIFS embed.FS

// openAPI is the merged document, built once at start-up.
var openAPI = func() []byte {
	b, err := mergeOpenAPI(openAPIFS)
	if err != nil {
		panic(err) // a bug in the embedded files; the tests catch it first
	}
	return b
}()

// mergeOpenAPI adds every fragment under openapi/ to openapi.json. A path,
// tag or component defined twice is an error.
func mergeOpenAPI(fsys fs.FS) ([]byte, error) {
	var doc map[string]any
	if err := readJSON(fsys, "openapi.json", &doc); err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	for _, name := range names {
		var frag map[string]any
		if err := readJSON(fsys, name, &frag); err != nil {
			return nil, err
		}
		for key, v := range frag {
			switch key {
			case "paths":
				if err := mergeObject(doc, "paths", v, name); err != nil {
					return nil, err
				}
			case "components":
				parts, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s: components is not an object", name)
				}
				comps, _ := doc["components"].(map[string]any)
				if comps == nil {
					comps = map[string]any{}
					doc["components"] = comps
				}
				for part, pv := range parts {
					if err := mergeObject(comps, part, pv, name+": components"); err != nil {
						return nil, err
					}
				}
			case "tags":
				tags, ok := v.([]any)
				if !ok {
					return nil, fmt.Errorf("%s: tags is not an array", name)
				}
				have, _ := doc["tags"].([]any)
				for _, t := range tags {
					tn, _ := t.(map[string]any)["name"]
					for _, h := range have {
						if h.(map[string]any)["name"] == tn {
							return nil, fmt.Errorf("%s: tag %v is already defined", name, tn)
						}
					}
					have = append(have, t)
				}
				doc["tags"] = have
			default:
				return nil, fmt.Errorf("%s: a fragment holds only tags, paths and components, not %q", name, key)
			}
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// mergeObject adds the members of v to parent[key], refusing a duplicate.
func mergeObject(parent map[string]any, key string, v any, where string) error {
	add, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: %s is not an object", where, key)
	}
	dst, _ := parent[key].(map[string]any)
	if dst == nil {
		dst = map[string]any{}
		parent[key] = dst
	}
	for k, x := range add {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("%s: %s %q is already defined", where, key, k)
		}
		dst[k] = x
	}
	return nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// serveOpenAPI serves the API description. It is public: it holds no
// registry data, and clients and tools need it before they have a token.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPI)
}
