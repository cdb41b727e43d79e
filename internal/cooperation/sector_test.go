package cooperation

import (
	"errors"
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation/iati"
)

// TestSectorCodelist: a DAC purpose code is checked against the bundled
// Sector codelist at entry (issue 17: --sector 99999 was accepted). A code
// of five digits that is not in the list is refused with a keyed refusal
// naming it; a real one (16010 Social Protection) is accepted.
func TestSectorCodelist(t *testing.T) {
	cl := iati.Codelists["Sector"]
	if cl == nil || cl.Version == "" || cl.Copied == "" || len(cl.Codes) < 250 {
		t.Fatalf("Sector codelist not bundled with its version and date: %+v", cl)
	}
	if cl.Codes["16010"] != "Social Protection" {
		t.Errorf("16010 = %q, want Social Protection", cl.Codes["16010"])
	}
	if _, ok := cl.Codes["15120"]; ok {
		t.Error("withdrawn code 15120 is in the list")
	}
	f := newFixture(t)
	ctx := sysCtx()
	req := func(code, sector string) Request {
		return Request{Code: code, Title: "Solicitud", PartnerCountry: "GT", RequestingOrg: "Ministerio de Desarrollo Social GT",
			Channel: ChannelDirect, SectorDAC: sector, RequestedOn: day("2026-05-01")}
	}
	_, err := f.s.CreateRequest(ctx, req("GT-SEC-1", "99999"))
	var fe *fosis.Error
	if !errors.As(err, &fe) || fe.Code != fosis.EINVALID || fe.Key != "coop.err.sector_dac.not_in_codelist" || !strings.Contains(fe.Message, "99999") {
		t.Fatalf("sector 99999: got %v, want a keyed refusal naming 99999", err)
	}
	if _, err := f.s.Get(ctx, "GT-SEC-1"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("refused request was written: %v", err)
	}
	p, err := f.s.CreateRequest(ctx, req("GT-SEC-2", "16010"))
	if err != nil {
		t.Fatal(err)
	}
	if p.SectorDAC != "16010" {
		t.Errorf("sector = %q", p.SectorDAC)
	}
}
