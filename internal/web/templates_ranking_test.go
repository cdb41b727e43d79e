package web

import "github.com/fosis/fosis/internal/targeting"

// The run page states the share a run flagged as the poorest 5 %, and warns
// when it is above targeting.Poorest5WarnShare.
func init() {
	fine := targeting.Run{ID: 3, ModelID: "chile-rsh", ModelVersion: 1, ModelName: "RSH", AsOf: "2026-11-01",
		Households: 1000, Poorest5: 50, Poorest5Share: 5}
	warned := fine
	warned.ID, warned.Poorest5, warned.Poorest5Share, warned.Poorest5Warning = 4, 189, 18.9, true
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"run", newRunData(&fine, nil), `<p id="run-poorest5">`},
		templateCase{"run", newRunData(&warned, nil), `id="run-poorest5-warning"`},
	)
}
