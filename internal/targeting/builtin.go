package targeting

import (
	"embed"
	"fmt"
	"path"
	"sync"
)

//go:embed models/*.json
var builtinFS embed.FS

// DefaultModelID is the id of the model DefaultModel returns.
const DefaultModelID = "chile-rsh"

// DefaultModel returns a fresh copy of the built-in default model, chile-rsh
// v1 (an income model in the style of Chile's Registro Social de Hogares).
func DefaultModel() *Model {
	return mustLoadBuiltin(DefaultModelID + ".json")
}

// BuiltinModels returns fresh copies of the models shipped in the binary,
// sorted by id: chile-fps-pmt (illustrative pmt) and chile-rsh (income).
func BuiltinModels() []*Model {
	entries, err := builtinFS.ReadDir("models")
	if err != nil {
		panic(fmt.Sprintf("targeting: built-in models: %v", err))
	}
	models := make([]*Model, 0, len(entries))
	for _, e := range entries { // ReadDir sorts by file name, which is the id
		models = append(models, mustLoadBuiltin(e.Name()))
	}
	return models
}

// mustLoadBuiltin parses an embedded model; they are checked by the tests,
// so a failure here is a build defect.
func mustLoadBuiltin(name string) *Model {
	data, err := builtinFS.ReadFile(path.Join("models", name))
	if err != nil {
		panic(fmt.Sprintf("targeting: built-in model %s: %v", name, err))
	}
	m, err := LoadModel(name, data)
	if err != nil {
		panic(fmt.Sprintf("targeting: built-in model %s: %v", name, err))
	}
	return m
}

// ProxyModelID is the built-in pmt model whose value is the third ranking
// key of income models: it orders only households that have the same
// corrected income and the same needs index (docs/scorecard.md).
const ProxyModelID = "chile-fps-pmt"

// proxyModel is the parsed ProxyModelID, read once: the models are embedded
// in the binary, so it never changes, and callers only read it.
var proxyModel = sync.OnceValue(func() *Model { return mustLoadBuiltin(ProxyModelID + ".json") })
