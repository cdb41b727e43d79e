package results_test

import (
	"bytes"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/results/impact"
)

// schedule records n sessions in December 2026 on the first case of
// commune (agency "ong"), all held or all left scheduled.
func (f *fixture) schedule(commune string, n int, status string) {
	f.t.Helper()
	page, err := f.dl.Cases(sysCtx(), delivery.Filter{Line: line}, 0, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, c := range page.Items {
		if c.Commune != commune || c.State != delivery.StateOpen {
			continue
		}
		for i := range n {
			s := delivery.Session{Component: "implementation", Kind: delivery.SessionHome, Status: status, Date: "2026-12-0" + string(rune('1'+i%6)), Minutes: 60}
			if status != delivery.Held {
				s.Minutes = 0
			}
			if _, err := f.dl.RecordSession(sysCtx(), c.ID, s); err != nil {
				f.t.Fatal(err)
			}
		}
		return
	}
	f.t.Fatalf("no open case in %s", commune)
}

// TestAgenciesBehind: an agency that left its December sessions unrecorded
// in region 13 is behind there, not where it recorded them; each regional
// officer sees their region's only.
func TestAgenciesBehind(t *testing.T) {
	f := newFixture(t)
	f.schedule(f.own, 6, delivery.Scheduled)
	f.schedule(f.other, 6, delivery.Held)
	got, err := f.st.AgenciesBehind(f.ctx["nacional"], line)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Region != "13" || got[0].Agency != "ong" || got[0].Actual != 0 || got[0].Expected != 6 || got[0].Period != "2026-12" {
		t.Fatalf("national: %+v", got)
	}
	if got, err := f.st.AgenciesBehind(f.ctx["rosa"], line); err != nil || len(got) != 1 {
		t.Errorf("rosa: %+v, %v", got, err)
	}
	if got, err := f.st.AgenciesBehind(f.ctx["raul"], line); err != nil || len(got) != 0 {
		t.Errorf("raul: %+v, %v", got, err)
	}
	if _, err := f.st.AgenciesBehind(f.ctx["coop"], line); err == nil {
		t.Error("cooperation read the agencies behind")
	}
}

// TestReportPDF writes the PDF: a valid document with the funnel, the
// indicators flagged off track, the agencies behind and the impact
// estimate's caveats, in either language; a regional officer's holds her
// region only.
func TestReportPDF(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx["nacional"]
	if _, err := f.st.ComputeFunnel(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SaveIndicator(ctx, results.Indicator{Line: line, Version: 1, Code: "cases", NameES: "Casos abiertos", NameEN: "Cases opened",
		Numerator: "true", Unit: results.UnitCount, Targets: []results.Target{{Period: "2026-12", Target: 1000}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ComputeIndicators(ctx, "2026-12"); err != nil {
		t.Fatal(err)
	}
	f.schedule(f.own, 6, delivery.Scheduled)
	regions, err := f.st.Funnel(ctx, results.FunnelFilter{Line: line, By: "region"})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range regions.Rows {
		names[r.Region] = r.Name
	}
	if names["13"] == "" || names[f.otherReg] == "" {
		t.Fatalf("regions: %v", names)
	}
	tr := fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
	write := func(who, lang string, imp *results.ReportImpact) string {
		t.Helper()
		var b bytes.Buffer
		if err := f.st.WriteReportPDF(f.ctx[who], &b, line, lang, imp); err != nil {
			t.Fatal(err)
		}
		s := b.String()
		if !strings.HasPrefix(s, "%PDF-1.") || !strings.Contains(s, "%%EOF") || !strings.Contains(s, "/Type /Page") {
			t.Fatalf("%s %s: not a PDF: %.40q", who, lang, s)
		}
		return s
	}
	has := func(doc, what string, want bool) {
		t.Helper()
		esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(tr(what))
		if strings.Contains(doc, esc) != want {
			t.Errorf("%q in the PDF: want %v", what, want)
		}
	}
	imp := &results.ReportImpact{Households: 900, Estimate: impact.RDEstimate{H: 8, B: 14, NEligibleH: 150, NControlH: 140,
		Estimate: 0.1, SE: 0.03, BiasCorrected: 0.11, RobustCI: [2]float64{0.04, 0.18}, PValue: 0.002, Caveats: []string{impact.CaveatFew}}}
	en := write("nacional", "en", imp)
	for _, w := range []string{"Results report", "Coverage funnel by region", "Eligible", "13 " + names["13"], f.otherReg + " " + names[f.otherReg],
		"Cases opened", "OFF TRACK", "Executing agencies behind their schedule", "ong (region 13): sessions recorded 0 of 6",
		"Bias-corrected estimate 0.1100", "Caveats", "Few households near the cut-off"} {
		has(en, w, true)
	}
	es := write("rosa", "es", nil)
	for _, w := range []string{"Informe de resultados", "Embudo de cobertura por región", "Elegibles", "13 " + names["13"], "BAJO LA META",
		"No se ha analizado un extracto de seguimiento"} {
		has(es, w, true)
	}
	has(es, f.otherReg+" "+names[f.otherReg], false)
	has(es, "Results report", false)
	raul := write("raul", "es", nil)
	has(raul, "13 "+names["13"], false)
	has(raul, "Ningún organismo ejecutor está atrasado.", true)
	if _, err := f.st.AgenciesBehind(f.ctx["coop"], line); err == nil {
		t.Error("cooperation wrote the report")
	}
}

// TestServicesByCommune counts the directory's active services per commune
// and dimension; a regional officer reads her region's communes only.
func TestServicesByCommune(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx["nacional"]
	for _, v := range []delivery.Service{
		{Commune: f.own, Institution: "Cesfam", Name: "Control", Dimensions: []string{"salud"}, Active: true},
		{Commune: f.own, Institution: "OMIL", Name: "Empleo", Dimensions: []string{"trabajo", "ingresos"}, Active: true},
		{Commune: f.own, Institution: "Antiguo", Name: "Cerrado", Dimensions: []string{"salud"}, Active: false},
		{Commune: f.other, Institution: "Cesfam", Name: "Control", Dimensions: []string{"salud"}, Active: true},
	} {
		if _, err := f.dl.SaveService(sysCtx(), v); err != nil {
			t.Fatal(err)
		}
	}
	all, err := f.st.ServicesByCommune(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	own := all[f.own]
	if len(all) != 2 || own.Total != 2 || own.ByDimension["salud"] != 1 || own.ByDimension["trabajo"] != 1 || all[f.other].Total != 1 {
		t.Fatalf("national: %+v", all)
	}
	rosa, err := f.st.ServicesByCommune(f.ctx["rosa"], "")
	if err != nil || len(rosa) != 1 || rosa[f.own].Total != 2 {
		t.Errorf("rosa: %+v, %v", rosa, err)
	}
	if other, err := f.st.ServicesByCommune(f.ctx["rosa"], f.otherReg); err != nil || len(other) != 0 {
		t.Errorf("rosa asking for another region: %+v, %v", other, err)
	}
	if _, err := f.st.ServicesByCommune(f.ctx["coop"], ""); err == nil {
		t.Error("cooperation read the services")
	}
}
