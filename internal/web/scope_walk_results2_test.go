package web_test

// The results report as a PDF (internal/web/results.go) in the scope walk
// (scopeWalkPages): a regional officer's holds their region's figures only.
func init() {
	scopeWalkPages["GET /results/report.pdf"] = []walkPage{{queries: []string{"?line=puente", ""}}}
}
