package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestResultsReportPDF writes the PDF report of an empty database (nothing
// computed yet: it says so) and refuses an unknown format and a follow-up
// extract for the workbook.
func TestResultsReportPDF(t *testing.T) {
	dsn := dbtest.DSN(t)
	file := filepath.Join(t.TempDir(), "r.pdf")
	if out := mustRun(t, "--db", dsn, "results", "report", "--format", "pdf", "--lang", "en", "--out", file); !strings.Contains(out, "wrote") {
		t.Fatalf("report: %s", out)
	}
	b, err := os.ReadFile(file)
	if err != nil || !strings.HasPrefix(string(b), "%PDF-") || !strings.Contains(string(b), "The coverage funnel has not been computed yet.") {
		t.Fatalf("not the PDF: %v %.60q", err, b)
	}
	if code, _, errOut := runCLI(t, "--db", dsn, "results", "report", "--format", "doc", "--out", file); code == 0 || !strings.Contains(errOut, "not a report format") {
		t.Errorf("format doc: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "--db", dsn, "results", "report", "--followup", "x.csv", "--out", file); code == 0 || !strings.Contains(errOut, "PDF report only") {
		t.Errorf("followup with xlsx: %d %s", code, errOut)
	}
}
