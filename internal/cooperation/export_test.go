package cooperation

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation/iati"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// needXmllint fails the test when xmllint is missing (CI installs it);
// developers without it may set FOSIS_SKIP_XMLLINT=1.
func needXmllint(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("FOSIS_SKIP_XMLLINT") != "" {
			t.Skip("FOSIS_SKIP_XMLLINT is set and xmllint is missing")
		}
		t.Fatal(iati.ErrNoXmllint)
	}
}

// exportFixture has a public triangular project in execution, a public
// bilateral one approved, a public request and a project that is not public.
func exportFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.share = 5
	ctx := sysCtx()
	f.started("TRI-1", true)
	if err := f.s.RecordExecution(ctx, "TRI-1", Execution{Org: "GIZ", Year: 2026, Category: "travel", Kind: "cash", Amount: 16000, On: day("2026-10-31")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AddDocument(ctx, "TRI-1", Document{Title: "Convenio trilateral firmado", Category: "A09", URL: "https://fosis.example/convenio-tri-1.pdf",
		Format: "application/pdf", Date: day("2026-02-20")}); err != nil {
		t.Fatal(err)
	}
	f.reviewed("BI-1", false)
	f.request("REQ-1")
	f.started("PRIV-1", false)
	if err := f.s.SetPublic(ctx, "PRIV-1", false); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestExportIATI(t *testing.T) {
	needXmllint(t)
	f := exportFixture(t)
	out, err := f.s.ExportIATI(sysCtx(), ExportOptions{XSD: true})
	if err != nil {
		t.Fatal(err)
	}
	var doc iati.Activities
	if err := xml.Unmarshal(out.XML, &doc); err != nil {
		t.Fatal(err)
	}
	// The financer's cash: incoming funds from GIZ, naming GIZ's own
	// activity, to FOSIS; then FOSIS's expenditure (issue 17: it was only
	// expenditure with GIZ as provider, counted twice across publishers).
	for _, want := range []string{
		`<transaction-type code="1"></transaction-type>`,
		`<provider-org ref="XM-DAC-5-7" type="10" provider-activity-id="XM-DAC-5-7-2026-PY-01">`,
		`<receiver-org ref="CL-RUT-60109000-3" type="10">`,
		`<transaction-type code="4"></transaction-type>`,
	} {
		if !strings.Contains(string(out.XML), want) {
			t.Errorf("IATI file lacks %s", want)
		}
	}
	type summary struct {
		ID, Collab, Status string
		Dates              []iati.ActivityDate
		Budgets            []string
		Transactions, Docs int
		Roles              []string
	}
	var got []summary
	for _, a := range doc.Activities {
		s := summary{ID: a.Identifier, Collab: a.CollaborationType.Code, Status: a.Status.Code, Dates: a.Dates, Transactions: len(a.Transactions), Docs: len(a.DocumentLinks)}
		for _, b := range a.Budgets {
			s.Budgets = append(s.Budgets, b.PeriodStart.ISODate+".."+b.PeriodEnd.ISODate+"="+num(float64(b.Value.Amount)))
		}
		for _, p := range a.ParticipatingOrgs {
			s.Roles = append(s.Roles, p.Role+":"+p.Narratives[0].Text)
		}
		got = append(got, s)
	}
	want := []summary{
		{ID: "CL-RUT-60109000-3-BI-1", Collab: "1", Status: "1", Dates: []iati.ActivityDate{{Type: "1", ISODate: "2026-03-01"}, {Type: "3", ISODate: "2027-12-31"}},
			Budgets: []string{"2026-03-01..2026-12-31=12000"}, Roles: []string{"2:AGCI", "4:FOSIS", "4:Ministerio de Desarrollo Social PY"}},
		{ID: "CL-RUT-60109000-3-TRI-1", Collab: "8", Status: "2", Dates: []iati.ActivityDate{{Type: "1", ISODate: "2026-03-01"}, {Type: "2", ISODate: "2026-03-01"}, {Type: "3", ISODate: "2027-12-31"}},
			Budgets: []string{"2026-03-01..2026-12-31=30000", "2027-01-01..2027-12-31=15000"}, Transactions: 2, Docs: 1,
			Roles: []string{"1:GIZ", "2:AGCI", "4:FOSIS", "4:Ministerio de Desarrollo Social PY"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("activities (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"REQ-1: requested, no approved design yet"}, out.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	// A financer exports only what it funds.
	giz := f.userCtx("giz", auth.RoleFinancer, "GIZ")
	out, err = f.s.ExportIATI(giz, ExportOptions{XSD: true})
	if err != nil || cmp.Diff([]string{"CL-RUT-60109000-3-TRI-1"}, out.Activities) != "" {
		t.Errorf("financer's export: %v, %v", out, err)
	}
}

// TestExportRefusesBrokenProject breaks a published project behind the
// slice's back (dates and a transaction in the future) and checks that the
// strict export is refused with every finding, and writes nothing, while
// the ordinary one publishes the valid activities and lists the invalid
// one with its findings (issue 17: one invalid project blocked the file).
func TestExportRefusesBrokenProject(t *testing.T) {
	f := exportFixture(t)
	ctx := context.Background()
	err := f.d.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE coop_projects SET actual_start = ? WHERE code = 'TRI-1'`, tx.DB().Date(day("2027-01-15").Time)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE coop_contributions SET executed_on = ? WHERE executed > 0`, tx.DB().Date(day("2026-12-24").Time))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.s.ExportIATI(sysCtx(), ExportOptions{XSD: true})
	if err != nil || len(out.Activities) != 1 || out.Activities[0] != "CL-RUT-60109000-3-BI-1" || len(out.Invalid) != 1 ||
		out.Invalid[0].Identifier != "CL-RUT-60109000-3-TRI-1" || len(out.Invalid[0].Findings) != 5 {
		t.Fatalf("lenient export: %+v, %v", out, err)
	}
	out, err = f.s.ExportIATI(sysCtx(), ExportOptions{Strict: true})
	if out != nil || code(err) != fosis.ECONFLICT {
		t.Fatalf("got %v, %v; want a refusal", out, err)
	}
	var fe *fosis.Error
	if !asError(err, &fe) {
		t.Fatal(err)
	}
	want := []fosis.FieldError{
		{Field: "CL-RUT-60109000-3-TRI-1 activity-date[@type=2]", Message: "the actual start 2027-01-15 is in the future (rule 11.1.4)"},
		{Field: "CL-RUT-60109000-3-TRI-1 transaction[1]", Message: "the transaction date 2026-12-24 is in the future (rule 11.2.1)"},
		{Field: "CL-RUT-60109000-3-TRI-1 transaction[1]", Message: "the value date 2026-12-24 is in the future (rule 11.2.2)"},
		{Field: "CL-RUT-60109000-3-TRI-1 transaction[2]", Message: "the transaction date 2026-12-24 is in the future (rule 11.2.1)"},
		{Field: "CL-RUT-60109000-3-TRI-1 transaction[2]", Message: "the value date 2026-12-24 is in the future (rule 11.2.2)"},
	}
	if diff := cmp.Diff(want, fe.Fields); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(fe.Message, "the IATI export is refused: 5 finding(s)") {
		t.Errorf("message: %s", fe.Message)
	}
}

// TestExportScope checks that the exports keep to the caller's reach: a
// counterpart of another country gets neither another country's IATI
// activity nor its SEGIB rows.
func TestExportScope(t *testing.T) {
	f := exportFixture(t)
	ctx := sysCtx()
	if _, err := f.s.CreateRequest(ctx, Request{Code: "GT-1", Title: "Guatemala", PartnerCountry: "GT", RequestingOrg: "Ministerio de Desarrollo Social GT",
		Channel: ChannelDirect, Public: true, RequestedOn: day("2026-05-01")}); err != nil {
		t.Fatal(err)
	}
	gt := f.userCtx("gt", auth.RoleCounterpart, "Ministerio de Desarrollo Social GT")
	ex, err := f.s.ExportIATI(gt, ExportOptions{})
	if err != nil || len(ex.Activities) != 0 || cmp.Diff([]string{"GT-1: requested, no approved design yet"}, ex.Skipped) != "" {
		t.Errorf("Guatemala's IATI export: %+v, %v", ex, err)
	}
	rows, err := f.s.SEGIB(gt, 0)
	if err != nil || len(rows) != 0 {
		t.Errorf("Guatemala's SEGIB rows: %d, %v", len(rows), err)
	}
	py := f.userCtx("py", auth.RoleCounterpart, "Ministerio de Desarrollo Social PY")
	rows, err = f.s.SEGIB(py, 0)
	if err != nil || len(rows) != 10 {
		t.Errorf("Paraguay's SEGIB rows: %d, %v", len(rows), err)
	}
}
