package cooperation

import (
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

func TestDocuments(t *testing.T) {
	f := newFixture(t)
	ctx := sysCtx()
	f.request("D-1")
	ok := Document{Title: "Solicitud oficial", Category: "A02", URL: "https://fosis.example/solicitud.pdf", Format: "application/pdf", Language: "es", Date: day("2026-01-10")}
	if _, err := f.s.AddDocument(ctx, "D-1", ok); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(d *Document)
		want   string
	}{
		{"no title", func(d *Document) { d.Title = " " }, "title:"},
		{"unknown category", func(d *Document) { d.Category = "B01" }, "category:"},
		{"not a web address", func(d *Document) { d.URL = "file:///etc/passwd" }, "url:"},
		{"not a MIME type", func(d *Document) { d.Format = "pdf" }, "format:"},
		{"in the future", func(d *Document) { d.Date = day("2027-01-01") }, "in the future"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.change(&d)
			if _, err := f.s.AddDocument(ctx, "D-1", d); fosis.ErrorCode(err) != fosis.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want invalid with %q", err, tc.want)
			}
		})
	}
	v, err := f.s.Get(ctx, "D-1")
	if err != nil || len(v.Documents) != 1 || v.Documents[0].Title != "Solicitud oficial" {
		t.Errorf("documents: %+v, %v", v.Documents, err)
	}
	gt := f.userCtx("gt", auth.RoleCounterpart, "Ministerio de Desarrollo Social GT")
	if _, err := f.s.AddDocument(gt, "D-1", ok); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("a counterpart adds a document: %v", err)
	}
}
