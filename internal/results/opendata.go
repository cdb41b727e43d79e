package results

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"sort"
	"strconv"

	"github.com/fosis/fosis"
)

// OpenData is the coverage published as open data: one table per period
// and funnel stage, communes × programme lines, with small-cell
// suppression (suppress.go). It holds counts only: no household, person,
// call code or agency. docs/results.md, "Open data", says what each column
// means.
type OpenData struct {
	// MinCell is the smallest count published.
	MinCell    int             `json:"min_cell"`
	ComputedAt string          `json:"computed_at,omitempty"`
	Tables     []OpenDataTable `json:"tables"`
}

// OpenDataTable is one period's stage: a row per commune, a column per
// line, and the totals. A hidden count is null.
type OpenDataTable struct {
	Period string   `json:"period"`
	Stage  string   `json:"stage"`
	Lines  []string `json:"lines"`
	Rows   []ODRow  `json:"rows"`
	// LineTotals are the columns' totals; Total the grand total.
	LineTotals []*int64 `json:"line_totals"`
	Total      *int64   `json:"total"`
	// Hidden counts the hidden cells, totals included.
	Hidden int `json:"hidden"`
}

// ODRow is one commune's row of a table.
type ODRow struct {
	Region  string   `json:"region"`
	Commune string   `json:"commune"`
	Name    string   `json:"name"`
	Counts  []*int64 `json:"counts"`
	Total   *int64   `json:"total"`
}

// OpenDataStages are the stages published (every stage of the funnel).
var OpenDataStages = Stages

// OpenData builds the open-data tables from the stored funnel. It needs
// national reach: the tables are one national publication, suppressed
// once, so that no other cut of the same counts (a region's) can be set
// beside it to work a hidden cell out.
func (s *Store) OpenData(ctx context.Context) (*OpenData, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national {
		return nil, refuse(fosis.EFORBIDDEN, "results.err.national_only", roleTerm(r.p.Role))
	}
	f, err := s.Funnel(ctx, FunnelFilter{By: "commune"})
	if err != nil {
		return nil, err
	}
	type key struct{ period, commune, line string }
	sums := map[key]Counts{}
	periods := map[string]bool{}
	lines := map[string]map[string]bool{}
	communes := map[string]map[string]FunnelRow{}
	for _, row := range f.Rows {
		k := key{row.Period, row.Commune, row.Line}
		c := sums[k]
		c.add(row.Counts)
		sums[k] = c
		periods[row.Period] = true
		if lines[row.Period] == nil {
			lines[row.Period] = map[string]bool{}
			communes[row.Period] = map[string]FunnelRow{}
		}
		lines[row.Period][row.Line] = true
		communes[row.Period][row.Commune] = row
	}
	out := &OpenData{MinCell: MinCell, ComputedAt: f.ComputedAt, Tables: []OpenDataTable{}}
	for _, p := range sortedKeys(periods) {
		ls := sortedKeys(lines[p])
		cs := make([]string, 0, len(communes[p]))
		for c := range communes[p] {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		for _, stage := range OpenDataStages {
			cells := make([][]int64, len(cs))
			for i, c := range cs {
				cells[i] = make([]int64, len(ls))
				for j, l := range ls {
					cells[i][j] = sums[key{p, c, l}].Stage(stage)
				}
			}
			sp := Suppress(cells)
			t := OpenDataTable{Period: p, Stage: stage, Lines: ls, Hidden: sp.Primary + sp.Complementary}
			show := func(v int64, hidden bool) *int64 {
				if hidden {
					return nil
				}
				return &v
			}
			R, C := len(cs), len(ls)
			for i, c := range cs {
				fr := communes[p][c]
				row := ODRow{Region: fr.Region, Commune: c, Name: fr.Name, Total: show(sp.RowTotals[i], sp.Hidden[i][C])}
				for j := range ls {
					row.Counts = append(row.Counts, show(cells[i][j], sp.Hidden[i][j]))
				}
				t.Rows = append(t.Rows, row)
			}
			for j := range ls {
				t.LineTotals = append(t.LineTotals, show(sp.ColTotals[j], sp.Hidden[R][j]))
			}
			t.Total = show(sp.Total, sp.Hidden[R][C])
			out.Tables = append(out.Tables, t)
		}
	}
	return out, nil
}

// OpenDataColumns is the header of the open data's CSV: one line per cell,
// totals included (commune "total" is a line's total over the communes,
// line "total" a commune's over the lines); count is empty when hidden.
var OpenDataColumns = []string{"period", "stage", "region", "commune", "commune_name", "line", "count", "suppressed"}

// WriteCSV writes the tables as one long CSV (OpenDataColumns).
func (o *OpenData) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(OpenDataColumns); err != nil {
		return err
	}
	cell := func(v *int64) (string, string) {
		if v == nil {
			return "", "1"
		}
		return strconv.FormatInt(*v, 10), "0"
	}
	for _, t := range o.Tables {
		for _, row := range t.Rows {
			for j, l := range t.Lines {
				n, s := cell(row.Counts[j])
				if err := cw.Write([]string{t.Period, t.Stage, row.Region, row.Commune, row.Name, l, n, s}); err != nil {
					return err
				}
			}
			n, s := cell(row.Total)
			if err := cw.Write([]string{t.Period, t.Stage, row.Region, row.Commune, row.Name, "total", n, s}); err != nil {
				return err
			}
		}
		for j, l := range t.Lines {
			n, s := cell(t.LineTotals[j])
			if err := cw.Write([]string{t.Period, t.Stage, "", "total", "", l, n, s}); err != nil {
				return err
			}
		}
		n, s := cell(t.Total)
		if err := cw.Write([]string{t.Period, t.Stage, "", "total", "", "total", n, s}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the tables as indented JSON.
func (o *OpenData) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
