package results

// The refusals of the PDF report and the services directory's coverage
// (catalogs: internal/web/i18n/{es,en}/results2.json).
func init() {
	Messages["results.err.report_format"] = "%q is not a report format: use xlsx or pdf"
	Messages["results.err.report_followup"] = "the impact estimate of a follow-up extract goes into the PDF report only: add --format pdf"
}
