package download_test

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/platform/download"
)

// TestCSV: nothing is said of a download until its first byte, so that an
// error before it can still be answered as an error.
func TestCSV(t *testing.T) {
	rec := httptest.NewRecorder()
	d := download.CSV(rec, "report.csv")
	if d.Started() || rec.Header().Get("Content-Disposition") != "" {
		t.Fatalf("headers set before any data: %v", rec.Header())
	}
	if _, err := io.WriteString(d, "a,b\n"); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range []string{"Content-Type", "Content-Disposition", "Cache-Control"} {
		got[h] = rec.Header().Get(h)
	}
	want := map[string]string{"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="report.csv"`, "Cache-Control": "no-store"}
	if diff := cmp.Diff(want, got); diff != "" || !d.Started() || rec.Body.String() != "a,b\n" {
		t.Errorf("after a write (-want +got):\n%s started %v body %q", diff, d.Started(), rec.Body.String())
	}
}
