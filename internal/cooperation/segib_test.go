package cooperation

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

func TestSEGIB(t *testing.T) {
	f := exportFixture(t)
	rows, err := f.s.SEGIB(sysCtx(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r.Code, r.Modality, r.Partner, r.Role, num(float64(r.Budgeted)), num(float64(r.Executed)), r.Approved, r.ActualStart}, "|"))
	}
	want := []string{
		"BI-1|bilateral|AGCI|oferente|12000|0|2026-02-10|",
		"BI-1|bilateral|FOSIS|oferente|55000|0|2026-02-10|",
		"BI-1|bilateral|Ministerio de Desarrollo Social PY|receptor|25000|0|2026-02-10|",
		"PRIV-1|bilateral|AGCI|oferente|12000|0|2026-02-10|2026-03-01",
		"PRIV-1|bilateral|FOSIS|oferente|55000|0|2026-02-10|2026-03-01",
		"PRIV-1|bilateral|Ministerio de Desarrollo Social PY|receptor|25000|0|2026-02-10|2026-03-01",
		"TRI-1|triangular|AGCI|primer oferente|12000|0|2026-02-10|2026-03-01",
		"TRI-1|triangular|FOSIS|primer oferente|55000|0|2026-02-10|2026-03-01",
		"TRI-1|triangular|Ministerio de Desarrollo Social PY|receptor|25000|0|2026-02-10|2026-03-01",
		"TRI-1|triangular|GIZ|segundo oferente|33000|16000|2026-02-10|2026-03-01",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if none, err := f.s.SEGIB(sysCtx(), 2029); err != nil || len(none) != 0 {
		t.Errorf("year 2029: %d rows, %v", len(none), err)
	}
	if _, err := f.s.SEGIB(sysCtx(), 20); code(err) != fosis.EINVALID {
		t.Errorf("year 20: %v", err)
	}

	var b bytes.Buffer
	if err := WriteSEGIBCSV(&b, rows, "en"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rows)+1 || recs[0][0] != "Code" || recs[len(recs)-1][15] != "GIZ" || recs[len(recs)-1][20] != "16000" {
		t.Errorf("CSV: %v", recs)
	}
	// The English file says the SEGIB roles in English (issue 20).
	for _, rec := range recs[1:] {
		if r := rec[17]; r != "" && !slices.Contains([]string{"both", "recipient", "first provider", "second provider", "provider"}, r) {
			t.Errorf("English role %q", r)
		}
	}
	// The Spanish file says the codes in Spanish (issue 17), with the
	// agreement's kind and the SDGs.
	b.Reset()
	if err := WriteSEGIBCSV(&b, rows, "es"); err != nil {
		t.Fatal(err)
	}
	recs, err = csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if diff := cmp.Diff([]string{"Cooperación triangular", "Proyecto", "AGCI", "En ejecución", "Acuerdo triangular (trilateral)"},
		[]string{last[2], last[3], last[4], last[9], last[23]}); diff != "" || recs[0][24] != "ODS" || last[24] != "1 10" {
		t.Errorf("Spanish labels (-want +got):\n%s", diff)
	}
	b.Reset()
	if err := WriteSEGIBXLSX(&b, rows, "es"); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet, err := x.GetRows("SEGIB")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recs[1:], sheet[1:]); diff != "" || sheet[0][0] != "Código" {
		t.Errorf("XLSX differs from the CSV (-csv +xlsx):\n%s", diff)
	}
	if err := WriteSEGIBCSV(&b, rows, "fr"); code(err) != fosis.EINVALID {
		t.Errorf("lang fr: %v", err)
	}

	// The receiving country has its row even when its ledger is empty
	// (an older project; new ones cannot be approved so).
	if err := f.d.Transact(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), `DELETE FROM coop_contributions WHERE org_id = (SELECT id FROM coop_orgs WHERE name = 'Ministerio de Desarrollo Social PY')
			AND project_id = (SELECT id FROM coop_projects WHERE code = 'BI-1')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rows, err = f.s.SEGIB(sysCtx(), 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		found = found || r.Code == "BI-1" && r.Role == "receptor" && r.Country == "PY" && r.Budgeted == 0
	}
	if !found {
		t.Errorf("BI-1 without the receiving country's row: %+v", rows)
	}
}
