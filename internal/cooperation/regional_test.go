package cooperation

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
)

// TestRegional: SEGIB's regional modality (issue 17): a project with more
// than one receiving country is reported as "regional", with a row per
// receiving country (even one with nothing in the ledger), and exported to
// IATI with every country in equal shares.
func TestRegional(t *testing.T) {
	f := newFixture(t)
	f.share = 10
	ctx := sysCtx()
	for _, bad := range [][]string{{"CL"}, {"PY"}, {"Guatemala"}} {
		_, err := f.s.CreateRequest(ctx, Request{Code: "REG-X", Title: "x", PartnerCountry: "PY", RequestingOrg: "Ministerio de Desarrollo Social PY",
			Channel: ChannelDirect, RequestedOn: day("2026-01-10"), OtherCountries: bad})
		var fe *fosis.Error
		if !errors.As(err, &fe) || fe.Key != "coop.err.other_countries.iso_code" {
			t.Errorf("other countries %v: got %v, want a keyed refusal", bad, err)
		}
	}
	f.others = []string{"gt", "BO"}
	f.reviewed("REG-1", false)
	f.others = nil
	f.reviewed("BI-1", false)

	v, err := f.s.Get(ctx, "REG-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"PY", "BO", "GT"}, v.Countries); diff != "" {
		t.Errorf("countries (-want +got):\n%s", diff)
	}
	rows, err := f.s.SEGIB(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r.Code, r.Modality, r.Partner, r.Country, r.Role}, "|"))
	}
	want := []string{
		"BI-1|bilateral|AGCI|CL|oferente",
		"BI-1|bilateral|FOSIS|CL|oferente",
		"BI-1|bilateral|Ministerio de Desarrollo Social PY|PY|receptor",
		"REG-1|regional|AGCI|CL|oferente",
		"REG-1|regional|FOSIS|CL|oferente",
		"REG-1|regional|Ministerio de Desarrollo Social PY|PY|receptor",
		"REG-1|regional||BO|receptor",
		"REG-1|regional||GT|receptor",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SEGIB rows (-want +got):\n%s", diff)
	}
	if l := segibLabels["regional"]; l != "Cooperación Sur-Sur regional" {
		t.Errorf("Spanish label %q", l)
	}

	rep := &Org{Name: "FOSIS", IATIRef: "CL-RUT-60109000-3", Type: 10}
	a := activity(v, rep, testToday)
	var countries []string
	for _, rc := range a.RecipientCountries {
		countries = append(countries, rc.Code+" "+rc.Percentage)
	}
	if diff := cmp.Diff([]string{"PY 33.34", "BO 33.33", "GT 33.33"}, countries); diff != "" || a.Scope.Code != "3" {
		t.Errorf("IATI recipient countries (-want +got):\n%s scope %s", diff, a.Scope.Code)
	}
}
