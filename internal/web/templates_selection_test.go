package web

import "github.com/fosis/fosis/internal/programs"

// The call page shows the regional quotas and, once the call is closed,
// its public lottery seed (docs/selection.md).
func init() {
	keyPrefixes = append(keyPrefixes, "selection")
	closed := &programs.Call{Code: "semilla-2027", Title: "Semilla 2027", Program: "yo-emprendo-semilla", Status: "closed", Unit: "person",
		Communes: map[string]int{"13101": 2}, Regions: map[string]int{"13": 5}, Places: 5, LotterySeed: "9a1f6c"}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"call", callData{Call: viewCall(closed, "es")}, `<code id="call-lottery-seed">9a1f6c</code>`},
		templateCase{"call", callData{Call: withQuotas(viewCall(closed, "en"))}, ` Metropolitana de Santiago: 5 `},
	)
}
