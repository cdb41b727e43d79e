package results

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"

	"codeberg.org/go-pdf/fpdf"

	"github.com/fosis/fosis/internal/results/impact"
)

// The results report as a PDF (docs/results.md, "Results report"): the
// line's funnel by region as a table and a bar chart drawn with fpdf, its
// indicators' latest values with their targets and off-track flags, the
// agencies behind their schedule, and, when a follow-up extract has been
// analysed, the impact estimate with its caveats. Read through the same
// scoped reads as the pages: a regional officer's report holds their
// region's figures only. A PDF is not a page: its words live here, in both
// languages, as the workbook's do.

// pdfWords are the PDF's texts by language (the workbook's reportWords
// give the column headers).
var pdfWords = map[string]map[string]string{
	"es": {
		"title":                              "Informe de resultados",
		"all_lines":                          "todas las líneas",
		"computed":                           "Embudo calculado: %s",
		"not_comp":                           "El embudo de cobertura aún no se ha calculado.",
		"funnel":                             "Embudo de cobertura por región",
		"chart":                              "Embudo de cobertura (total)",
		"total":                              "Total",
		"indicators":                         "Indicadores (último mes calculado)",
		"no_ind":                             "No hay indicadores calculados.",
		"flag":                               "BAJO LA META",
		"behind":                             "Organismos ejecutores atrasados respecto de su programación",
		"no_behind":                          "Ningún organismo ejecutor está atrasado.",
		"behind_row":                         "%s (región %s): %s %d de %d esperadas a la fecha (%.0f %%)",
		"sessions":                           "sesiones registradas",
		"enrolments":                         "inscripciones",
		"impact":                             "Impacto en el corte de elegibilidad (regresión discontinua)",
		"no_impact":                          "No se ha analizado un extracto de seguimiento: el informe no incluye una estimación de impacto.",
		"imp_n":                              "Resultado: cambio en el logaritmo del ingreso laboral; %d hogares; anchos de banda h %.2f y b %.2f; dentro de h: %d elegibles y %d otros.",
		"imp_est":                            "Estimación con corrección de sesgo %.4f (%+.1f %%), intervalo robusto al 95 %%: [%.4f, %.4f], p %.4f.",
		"imp_conv":                           "Estimación convencional %.4f (error estándar %.4f): no usar su intervalo para inferencia.",
		"imp_fuzzy":                          "Diseño difuso: salto en la participación %.3f, efecto de la intención de tratar %.4f.",
		"caveats":                            "Advertencias",
		"cav_always":                         "La estimación es el efecto en los hogares cercanos al corte, no en los más vulnerables lejos de él. Supone que nada más cambia en el corte y que los hogares no pueden ubicarse a un lado de él; revise la prueba de densidad y los placebos (docs/results.md, «Cuándo no confiar»).",
		"cav_" + impact.CaveatFew:            "Pocos hogares cerca del corte (menos de 200 dentro de h en un lado): el intervalo es amplio; lea el intervalo, no el punto.",
		"cav_" + impact.CaveatWeakFirstStage: "Primera etapa débil (la participación salta menos de 0,2): la razón es ruidosa; informe la intención de tratar.",
	},
	"en": {
		"title":                              "Results report",
		"all_lines":                          "all lines",
		"computed":                           "Funnel computed: %s",
		"not_comp":                           "The coverage funnel has not been computed yet.",
		"funnel":                             "Coverage funnel by region",
		"chart":                              "Coverage funnel (total)",
		"total":                              "Total",
		"indicators":                         "Indicators (latest computed month)",
		"no_ind":                             "No indicators computed.",
		"flag":                               "OFF TRACK",
		"behind":                             "Executing agencies behind their schedule",
		"no_behind":                          "No executing agency is behind its schedule.",
		"behind_row":                         "%s (region %s): %s %d of %d expected by now (%.0f %%)",
		"sessions":                           "sessions recorded",
		"enrolments":                         "enrolments",
		"impact":                             "Impact at the eligibility cut-off (regression discontinuity)",
		"no_impact":                          "No follow-up extract has been analysed: the report holds no impact estimate.",
		"imp_n":                              "Outcome: change in log labour income; %d households; bandwidths h %.2f and b %.2f; within h: %d eligible and %d others.",
		"imp_est":                            "Bias-corrected estimate %.4f (%+.1f %%), robust 95 %% interval: [%.4f, %.4f], p %.4f.",
		"imp_conv":                           "Conventional estimate %.4f (standard error %.4f): do not use its interval for inference.",
		"imp_fuzzy":                          "Fuzzy design: take-up jump %.3f, intention-to-treat effect %.4f.",
		"caveats":                            "Caveats",
		"cav_always":                         "The estimate is the effect on households near the cut-off, not on the poorest far below it. It assumes nothing else changes at the cut-off and that households cannot place themselves on one side of it; read the density test and the placebos (docs/results.md, \"When not to trust it\").",
		"cav_" + impact.CaveatFew:            "Few households near the cut-off (fewer than 200 within h on a side): the interval is wide; read the interval, not the point.",
		"cav_" + impact.CaveatWeakFirstStage: "Weak first stage (take-up jumps by less than 0.2): the ratio is noisy; report the intention-to-treat effect.",
	},
}

// ReportImpact is an analysed follow-up extract for the PDF report: the
// estimate and how many households it read.
type ReportImpact struct {
	Households int
	Estimate   impact.RDEstimate
}

// WriteReportPDF writes line's results report (every line when "") as a
// PDF in lang (es or en), with the impact estimate when imp is not nil.
func (s *Store) WriteReportPDF(ctx context.Context, w io.Writer, line, lang string, imp *ReportImpact) error {
	pw, ok := pdfWords[lang]
	if !ok {
		lang = "es"
		pw = pdfWords[lang]
	}
	words := reportWords[lang]
	fu, err := s.Funnel(ctx, FunnelFilter{Line: line, By: "region"})
	if err != nil {
		return err
	}
	vals, err := s.Values(ctx, ValueFilter{Line: line})
	if err != nil {
		return err
	}
	behind, err := s.AgenciesBehind(ctx, line)
	if err != nil {
		return err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false) // plain content streams: the text can be checked and searched
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	name := line
	if name == "" {
		name = pw["all_lines"]
	}
	title := pw["title"] + " · " + name
	pdf.SetTitle(tr(title), false)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr(title), "", "L", false)
	pdf.SetFont("Helvetica", "", 9)
	if fu.ComputedAt != "" {
		pdf.MultiCell(0, 5, tr(fmt.Sprintf(pw["computed"], fu.ComputedAt)), "", "L", false)
	} else {
		pdf.MultiCell(0, 5, tr(pw["not_comp"]), "", "L", false)
	}
	heading := func(s string) {
		pdf.Ln(4)
		pdf.SetFont("Helvetica", "B", 12)
		pdf.MultiCell(0, 7, tr(s), "", "L", false)
		pdf.SetFont("Helvetica", "", 8)
	}

	// The funnel's table: one row per region, then the total.
	heading(pw["funnel"])
	stages := []string{"eligible", "applied", "selected", "enrolled", "completed", "graduated"}
	cols := append([]string{"region"}, stages...)
	cols = append(cols, "reached")
	widths := []float64{34, 20, 20, 20, 20, 20, 22, 30}
	pdf.SetFont("Helvetica", "B", 8)
	for i, c := range cols {
		pdf.CellFormat(widths[i], 6, tr(words[c]), "1", 0, "C", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 8)
	row := func(label string, c Counts) {
		pdf.CellFormat(widths[0], 5, tr(label), "1", 0, "L", false, 0, "")
		for i, st := range stages {
			pdf.CellFormat(widths[i+1], 5, fmt.Sprint(c.Stage(st)), "1", 0, "R", false, 0, "")
		}
		pdf.CellFormat(widths[len(widths)-1], 5, fmt.Sprintf("%.1f %%", c.Reached()), "1", 0, "R", false, 0, "")
		pdf.Ln(-1)
	}
	for _, r := range fu.Rows {
		label := r.Region
		if r.Name != "" {
			label = r.Region + " " + r.Name
		}
		row(label, r.Counts)
	}
	pdf.SetFont("Helvetica", "B", 8)
	row(pw["total"], fu.Total)

	// The funnel as horizontal bars, each stage's width in proportion to
	// the largest stage.
	heading(pw["chart"])
	var top int64
	for _, st := range stages {
		top = max(top, fu.Total.Stage(st))
	}
	x0, full := pdf.GetX()+32, 120.0
	pdf.SetFillColor(40, 96, 160)
	for _, st := range stages {
		n := fu.Total.Stage(st)
		y := pdf.GetY()
		pdf.CellFormat(32, 6, tr(words[st]), "", 0, "L", false, 0, "")
		if wd := full * float64(n) / float64(max(top, 1)); n > 0 {
			pdf.Rect(x0, y+0.8, math.Max(wd, 0.5), 4.4, "F")
		}
		pdf.SetXY(x0+full+2, y)
		pdf.CellFormat(30, 6, fmt.Sprint(n), "", 1, "L", false, 0, "")
	}

	// Indicators: each one's latest month, nationally and per region in
	// reach, flagged when off track.
	heading(pw["indicators"])
	latest := map[int64]string{}
	for _, v := range vals {
		if v.Period > latest[v.Indicator] {
			latest[v.Indicator] = v.Period
		}
	}
	if len(latest) == 0 {
		pdf.MultiCell(0, 5, tr(pw["no_ind"]), "", "L", false)
	} else {
		iw := []float64{50, 16, 22, 18, 18, 18, 40}
		pdf.SetFont("Helvetica", "B", 8)
		for i, c := range []string{"indicator", "period", "region", "value", "target", "tolerance", "status"} {
			pdf.CellFormat(iw[i], 6, tr(words[c]), "1", 0, "C", false, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 8)
		num := func(p *float64) string {
			if p == nil {
				return "-"
			}
			return fmt.Sprintf("%.1f", *p)
		}
		for _, v := range vals {
			if v.Period != latest[v.Indicator] {
				continue
			}
			region := v.Region
			if region == "" {
				region = words["national"]
			}
			status := words[v.Status]
			if v.Status == StatusOffTrack {
				status = pw["flag"]
				pdf.SetTextColor(170, 20, 20)
			}
			cells := []string{v.Name(lang), v.Period, region, num(v.Value), num(v.Target), fmt.Sprintf("%.1f", v.Tolerance), status}
			for i, c := range cells {
				pdf.CellFormat(iw[i], 5, tr(c), "1", 0, "L", false, 0, "")
			}
			pdf.Ln(-1)
			pdf.SetTextColor(0, 0, 0)
		}
	}

	// Executing agencies behind their schedule.
	heading(pw["behind"])
	if len(behind) == 0 {
		pdf.MultiCell(0, 5, tr(pw["no_behind"]), "", "L", false)
	}
	for _, b := range behind {
		pdf.MultiCell(0, 5, tr(fmt.Sprintf(pw["behind_row"], b.Agency, b.Region, pw[b.Measure], b.Actual, b.Expected, b.SharePct)), "", "L", false)
	}

	// The impact estimate with its caveats.
	heading(pw["impact"])
	if imp == nil {
		pdf.MultiCell(0, 5, tr(pw["no_impact"]), "", "L", false)
	} else {
		e := imp.Estimate
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(0, 5, tr(fmt.Sprintf(pw["imp_n"], imp.Households, e.H, e.B, e.NEligibleH, e.NControlH)), "", "L", false)
		pdf.SetFont("Helvetica", "B", 9)
		pdf.MultiCell(0, 5, tr(fmt.Sprintf(pw["imp_est"], e.BiasCorrected, 100*(math.Exp(e.BiasCorrected)-1), e.RobustCI[0], e.RobustCI[1], e.PValue)), "", "L", false)
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(0, 5, tr(fmt.Sprintf(pw["imp_conv"], e.Estimate, e.SE)), "", "L", false)
		if e.Fuzzy {
			pdf.MultiCell(0, 5, tr(fmt.Sprintf(pw["imp_fuzzy"], e.FirstStage, e.ReducedForm)), "", "L", false)
		}
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 9)
		pdf.MultiCell(0, 5, tr(pw["caveats"]), "", "L", false)
		pdf.SetFont("Helvetica", "", 9)
		for _, c := range e.Caveats {
			if t, ok := pw["cav_"+c]; ok {
				pdf.MultiCell(0, 5, tr("- "+t), "", "L", false)
			}
		}
		pdf.MultiCell(0, 5, tr("- "+pw["cav_always"]), "", "L", false)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return fmt.Errorf("write the PDF: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}
