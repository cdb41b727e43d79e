package results

import (
	"context"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/fosis/fosis"
)

// The results report as a workbook (docs/results.md, "Results report"): a
// line's coverage by commune, its indicators month by month with their
// targets and status, the alerts, and each call's focalisation. Every sheet
// is read through the scoped reads, so a regional officer's report holds
// their region's figures only. Its headers are in Spanish or English, as
// cooperation's SEGIB workbook's are: a report's words, not refusals.

// reportWords are the workbook's sheet names and headers by language.
var reportWords = map[string]map[string]string{
	"es": {
		"coverage": "Cobertura", "indicators": "Indicadores", "alerts": "Alertas", "focal": "Focalización",
		"line": "Línea", "version": "Versión", "call": "Convocatoria", "period": "Período", "region": "Región", "commune": "Comuna", "name": "Nombre",
		"eligible": "Elegibles", "applied": "Postulantes", "selected": "Seleccionados", "enrolled": "Inscritos", "completed": "Término", "graduated": "Egreso exitoso",
		"reached": "% elegibles inscritos", "indicator": "Indicador", "unit": "Unidad", "numerator": "Numerador", "denominator": "Denominador",
		"value": "Valor", "target": "Meta", "tolerance": "Tolerancia", "status": "Estado", "computed_at": "Calculado",
		"bracket": "Tramo", "percentile": "Percentil hasta", "national": "Nacional", "unscored": "Sin puntaje",
		"on_track": "en meta", "off_track": "bajo la meta", "no_target": "sin meta", "no_data": "sin datos",
	},
	"en": {
		"coverage": "Coverage", "indicators": "Indicators", "alerts": "Alerts", "focal": "Focalisation",
		"line": "Line", "version": "Version", "call": "Call", "period": "Period", "region": "Region", "commune": "Commune", "name": "Name",
		"eligible": "Eligible", "applied": "Applied", "selected": "Selected", "enrolled": "Enrolled", "completed": "Completed", "graduated": "Graduated",
		"reached": "% of eligible enrolled", "indicator": "Indicator", "unit": "Unit", "numerator": "Numerator", "denominator": "Denominator",
		"value": "Value", "target": "Target", "tolerance": "Tolerance", "status": "Status", "computed_at": "Computed",
		"bracket": "Bracket", "percentile": "Percentile up to", "national": "National", "unscored": "Not scored",
		"on_track": "on track", "off_track": "off track", "no_target": "no target", "no_data": "no data",
	},
}

// WriteReport writes line's results report (every line when "") as an
// XLSX workbook in lang (es or en).
func (s *Store) WriteReport(ctx context.Context, w io.Writer, line, lang string) error {
	words, ok := reportWords[lang]
	if !ok {
		words = reportWords["es"]
	}
	fu, err := s.Funnel(ctx, FunnelFilter{Line: line, By: "commune"})
	if err != nil {
		return err
	}
	vals, err := s.Values(ctx, ValueFilter{Line: line})
	if err != nil {
		return err
	}
	alerts, err := s.Alerts(ctx)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheets := []string{words["coverage"], words["indicators"], words["alerts"], words["focal"]}
	if err := f.SetSheetName("Sheet1", sheets[0]); err != nil {
		return err
	}
	for _, sh := range sheets[1:] {
		if _, err := f.NewSheet(sh); err != nil {
			return err
		}
	}
	head := func(keys ...string) []any {
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = words[k]
		}
		return out
	}
	write := func(sheet string, rows [][]any) error {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := sw.SetRow(cell, r); err != nil {
				return err
			}
		}
		return sw.Flush()
	}
	rows := [][]any{head("line", "version", "call", "period", "region", "commune", "name", "eligible", "applied", "selected", "enrolled", "completed", "graduated", "reached")}
	calls := map[string]bool{}
	var callOrder []string
	for _, r := range fu.Rows {
		rows = append(rows, []any{r.Line, r.Version, r.Call, r.Period, r.Region, r.Commune, r.Name, r.Eligible, r.Applied, r.Selected, r.Enrolled, r.Completed, r.Graduated, r.ReachedPct})
		if !calls[r.Call] {
			calls[r.Call] = true
			callOrder = append(callOrder, r.Call)
		}
	}
	if err := write(sheets[0], rows); err != nil {
		return err
	}
	value := func(v Value) []any {
		region := v.Region
		if region == "" {
			region = words["national"]
		}
		var val, target any
		if v.Value != nil {
			val = *v.Value
		}
		if v.Target != nil {
			target = *v.Target
		}
		return []any{v.Line, v.Version, v.Name(lang), v.Unit, v.Period, region, v.Numerator, v.Denominator, val, target, v.Tolerance, words[v.Status], v.ComputedAt}
	}
	vhead := head("line", "version", "indicator", "unit", "period", "region", "numerator", "denominator", "value", "target", "tolerance", "status", "computed_at")
	rows = [][]any{vhead}
	for _, v := range vals {
		rows = append(rows, value(v))
	}
	if err := write(sheets[1], rows); err != nil {
		return err
	}
	rows = [][]any{vhead}
	for _, v := range alerts {
		if line == "" || v.Line == line {
			rows = append(rows, value(v))
		}
	}
	if err := write(sheets[2], rows); err != nil {
		return err
	}
	rows = [][]any{head("call", "bracket", "applied", "selected", "enrolled")}
	for _, c := range callOrder {
		fo, err := s.Focalisation(ctx, c)
		if err != nil {
			if fosis.ErrorCode(err) == fosis.ENOTFOUND {
				continue
			}
			return err
		}
		for _, b := range fo.Brackets {
			rows = append(rows, []any{c, fmt.Sprintf("%d %%", b.Label), b.Applied, b.Selected, b.Enrolled})
		}
		rows = append(rows, []any{c, words["unscored"], fo.Unscored.Applied, fo.Unscored.Selected, fo.Unscored.Enrolled})
	}
	if err := write(sheets[3], rows); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write the workbook: %w", err)
	}
	return nil
}
