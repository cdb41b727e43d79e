package cooperation

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// SEGIBRow is one partner of one initiative in the SEGIB South-South report
// (SIDICSS-style fields): the initiative's modality, instrument, sector,
// dates and status, and the partner's role and budgeted and executed cost.
type SEGIBRow struct {
	Code           string `json:"code"`
	Title          string `json:"title"`
	Modality       string `json:"modality"`
	Instrument     string `json:"instrument"`
	Channel        string `json:"channel"`
	Requester      string `json:"requester"` // who asked for triangular cooperation
	PartnerCountry string `json:"partner_country"`
	SEGIBSector    string `json:"segib_sector"`
	DACSector      string `json:"dac_sector"`
	Status         string `json:"status"`
	Approved       string `json:"approved"`
	PlannedStart   string `json:"planned_start"`
	PlannedEnd     string `json:"planned_end"`
	ActualStart    string `json:"actual_start"`
	ActualEnd      string `json:"actual_end"`
	Partner        string `json:"partner"`
	Country        string `json:"country"`
	Role           string `json:"role"`
	Currency       string `json:"currency"`
	Budgeted       int64  `json:"budgeted"`
	Executed       int64  `json:"executed"`
	BudgetedInKind int64  `json:"budgeted_in_kind"`
	ExecutedInKind int64  `json:"executed_in_kind"`
	// Agreement is the agreement's kind (bilateral, trilateral,
	// two_bilaterals; "" before it); SDGs the Sustainable Development Goals
	// the project contributes to, e.g. "1 10".
	Agreement string `json:"agreement"`
	SDGs      string `json:"sdgs"`
}

// segibLabels are the Spanish words of the codes a SEGIB row carries: the
// Spanish file says them, not the English codes.
var segibLabels = map[string]string{
	"bilateral": "Cooperación Sur-Sur bilateral", "triangular": "Cooperación triangular", "regional": "Cooperación Sur-Sur regional",
	"programme": "Programa", "project": "Proyecto", "action": "Acción",
	"partner_agency": "Agencia de cooperación del país socio", "agci": "AGCI", "direct": "Directa", "financer": "Fuente de financiamiento",
	"reviewed": "Aprobado", "agreed": "Convenio en firma", "executing": "En ejecución", "systematizing": "En sistematización", "closed": "Finalizado",
	"trilateral": "Acuerdo triangular (trilateral)", "two_bilaterals": "Acuerdo triangular (dos bilaterales)",
	"requested": "Solicitado", "feasible": "Factible", "rejected": "No factible", "designing": "En diseño",
}

// segibRolesEN are the SEGIB roles (Spanish, as SEGIB names them) in the
// English file.
var segibRolesEN = map[string]string{
	"ambos": "both", "receptor": "recipient", "primer oferente": "first provider", "segundo oferente": "second provider", "oferente": "provider",
}

// segibRole is a party's SEGIB role: in bilateral cooperation Chile offers
// and the partner receives, or both are "ambos" when the exchange goes both
// ways; in triangular cooperation Chile is the first provider, the third
// party the second provider, the partner the recipient.
func segibRole(m Modality, sd Side, bidirectional bool) string {
	switch {
	case m != Triangular && bidirectional && (sd == SidePartner || sd == SideChile):
		return "ambos"
	case sd == SidePartner:
		return "receptor"
	case m == Triangular && sd == SideChile:
		return "primer oferente"
	case m == Triangular:
		return "segundo oferente"
	}
	return "oferente"
}

// SEGIB returns the SEGIB report rows of every approved project the caller
// may see; with year > 0, only projects whose planned period touches that
// year (SEGIB counts initiatives in execution in the year).
func (s *Store) SEGIB(ctx context.Context, year int) ([]SEGIBRow, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if year != 0 && (year < 1990 || year > 2100) {
		return nil, invalid("year", "coop.err.year.plausible_year", "%d is not a plausible year", year)
	}
	ps, err := s.projects(ctx, r, `p.approved_version > 0`)
	if err != nil {
		return nil, err
	}
	var out []SEGIBRow
	for _, p := range ps {
		v, err := s.view(ctx, p)
		if err != nil {
			return nil, err
		}
		d := v.Design
		if year != 0 && (d.Start.Year() > year || d.End.Year() < year) {
			continue
		}
		base := SEGIBRow{Code: p.Code, Title: p.Title, Modality: string(p.Modality), Instrument: p.Instrument, Channel: string(p.Channel),
			Requester: p.TriangularAsker, PartnerCountry: p.PartnerCountry, SEGIBSector: p.SEGIBSector, DACSector: p.SectorDAC, Status: string(p.Step),
			PlannedStart: d.Start.String(), PlannedEnd: d.End.String(), ActualStart: p.ActualStart.String(), ActualEnd: p.ActualEnd.String(), Currency: p.Currency}
		for _, rv := range v.Reviews {
			if rv.Decision == "approve" {
				base.Approved = rv.DecidedOn.String()
			}
		}
		country := map[string]string{}
		for _, pt := range v.Parties {
			country[pt.Org] = pt.Country
		}
		if v.Agreement != nil {
			base.Agreement = v.Agreement.Kind
		}
		receiving := map[string]bool{}
		for _, c := range v.Countries {
			receiving[c] = true
		}
		if len(v.Countries) > 1 {
			// Several receiving countries in one initiative: SEGIB's
			// regional modality, with a row per receiving country.
			base.Modality = "regional"
		}
		goals := make([]string, len(v.SDGs))
		for i, g := range v.SDGs {
			goals[i] = strconv.Itoa(g)
		}
		base.SDGs = strings.Join(goals, " ")
		totals := Sum(v.Ledger)
		reported := map[string]bool{}
		for _, t := range totals.Parties {
			row := base
			side := t.Side
			if receiving[country[t.Name]] {
				side = SidePartner // an institution of a further receiving country
			}
			row.Partner, row.Country, row.Role = t.Name, country[t.Name], segibRole(p.Modality, side, p.Bidirectional)
			row.Budgeted, row.Executed, row.BudgetedInKind, row.ExecutedInKind = t.Budgeted, t.Executed, t.BudgetedInKind, t.ExecutedInKind
			if side == SidePartner {
				reported[row.Country] = true
			}
			out = append(out, row)
		}
		for _, c := range v.Countries {
			if reported[c] {
				continue
			}
			// Every receiving country is part of the initiative, even when
			// its ledger is empty (older projects; new ones cannot be
			// approved so; the further countries of a regional one).
			row := base
			row.Country, row.Role = c, segibRole(p.Modality, SidePartner, p.Bidirectional)
			if c == p.PartnerCountry {
				row.Partner = p.RequestingOrg
			}
			out = append(out, row)
		}
	}
	return out, nil
}

// segibHeaders are the column titles per language.
var segibHeaders = map[string][]string{
	"es": {"Código", "Título", "Modalidad", "Instrumento", "Vía", "Solicitante de la triangulación", "País socio", "Sector SEGIB", "Sector CAD", "Estado",
		"Fecha de aprobación", "Inicio previsto", "Fin previsto", "Inicio efectivo", "Fin efectivo", "Socio", "País", "Rol", "Moneda",
		"Costo presupuestado", "Costo ejecutado", "Presupuestado en especie", "Ejecutado en especie", "Tipo de acuerdo", "ODS"},
	"en": {"Code", "Title", "Modality", "Instrument", "Channel", "Asked for triangulation", "Partner country", "SEGIB sector", "DAC sector", "Status",
		"Approval date", "Planned start", "Planned end", "Actual start", "Actual end", "Partner", "Country", "Role", "Currency",
		"Budgeted cost", "Executed cost", "Budgeted in kind", "Executed in kind", "Agreement", "SDGs"},
}

func (r *SEGIBRow) cells(lang string) []any {
	say := func(code string) string {
		if l, ok := segibLabels[code]; ok && lang == "es" {
			return l
		}
		return code
	}
	role := r.Role
	if en, ok := segibRolesEN[role]; ok && lang == "en" {
		role = en
	}
	return []any{r.Code, r.Title, say(r.Modality), say(r.Instrument), say(r.Channel), r.Requester, r.PartnerCountry, r.SEGIBSector, r.DACSector, say(r.Status),
		r.Approved, r.PlannedStart, r.PlannedEnd, r.ActualStart, r.ActualEnd, r.Partner, r.Country, role, r.Currency,
		r.Budgeted, r.Executed, r.BudgetedInKind, r.ExecutedInKind, say(r.Agreement), r.SDGs}
}

func headers(lang string) ([]string, error) {
	h, ok := segibHeaders[lang]
	if !ok {
		return nil, invalid("lang", "coop.err.lang.neither_es", "%q is neither es nor en", lang)
	}
	return h, nil
}

// WriteSEGIBCSV writes rows as CSV (UTF-8, comma-separated) with headers in
// lang (es or en).
func WriteSEGIBCSV(w io.Writer, rows []SEGIBRow, lang string) error {
	h, err := headers(lang)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(h); err != nil {
		return err
	}
	rec := make([]string, len(h))
	for i := range rows {
		for j, c := range rows[i].cells(lang) {
			switch v := c.(type) {
			case string:
				rec[j] = v
			case int64:
				rec[j] = strconv.FormatInt(v, 10)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteSEGIBXLSX writes rows as an Excel workbook, one sheet, amounts as
// numbers, headers in lang (es or en).
func WriteSEGIBXLSX(w io.Writer, rows []SEGIBRow, lang string) error {
	h, err := headers(lang)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "SEGIB"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := make([]any, len(h))
	for i, x := range h {
		head[i] = x
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, rows[i].cells(lang)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write the workbook: %w", err)
	}
	return nil
}
