package web

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/targeting"
)

// diffData is the diff page's content: the runs to pick from, and when two
// are picked, how their brackets differ in the user's territory and a page
// of the households that moved.
type diffData struct {
	Runs     []targeting.Run
	A, B     int64
	Brackets []uint8
	Diff     *targeting.RunDiff
	Matrix   matrixTable
	Regions  []regionMatrix
	Moved    []movedRow
	After    string
	NextURL  string
	FirstURL string
	CSVURL   string
}

// matrixTable is a transition matrix's table and its element id.
// The captions of the transition matrices of the diff and the what-if.
const (
	diffCaption   = "diff.matrix_caption"
	whatIfCaption = "whatif.matrix_caption"
)

type matrixTable struct {
	ID      string
	Caption string // catalog key: how the rows and columns read
	Rows    []matrixRow
}

// regionMatrix is one region's transition matrix.
type regionMatrix struct {
	Code, Name string
	Households int64
	Table      matrixTable
}

// regionMatrices lays out the matrices of the regions with households.
func regionMatrices(rs []targeting.RegionTransitions, caption string) []regionMatrix {
	var out []regionMatrix
	for _, r := range rs {
		if r.Households > 0 {
			out = append(out, regionMatrix{Code: r.Code, Name: r.Name, Households: r.Households,
				Table: matrixTable{ID: "matrix-" + r.Code, Caption: caption, Rows: matrixRows(r.Matrix)}})
		}
	}
	return out
}

// matrixRow is a row of a transition matrix table: the households in bracket
// From under the first model or run, by their bracket under the second.
type matrixRow struct {
	From  uint8
	Cells []matrixCell
	Total int64
}

type matrixCell struct {
	To   uint8
	N    int64
	Diag bool
}

// movedRow is a household that changed bracket, with its commune's name.
type movedRow struct {
	targeting.Change
	CommuneName string
}

// matrixRows lays out a transition matrix for a table.
func matrixRows(m targeting.Transitions) []matrixRow {
	bs := targeting.Brackets()
	rows := make([]matrixRow, len(bs))
	for a, from := range bs {
		rows[a].From = from
		for b, to := range bs {
			rows[a].Cells = append(rows[a].Cells, matrixCell{To: to, N: m[a][b], Diag: a == b})
			rows[a].Total += m[a][b]
		}
	}
	return rows
}

// runPair reads the a= and b= run ids; both absent is not an error (0, 0).
func runPair(r *http.Request) (int64, int64, error) {
	q := r.URL.Query()
	if q.Get("a") == "" && q.Get("b") == "" {
		return 0, 0, nil
	}
	var ids [2]int64
	var fields []fosis.FieldError
	for i, name := range []string{"a", "b"} {
		id, err := strconv.ParseInt(q.Get(name), 10, 64)
		if err != nil || id < 1 {
			fields = append(fields, fosis.FieldError{Field: name, Message: "must be a run id"})
		}
		ids[i] = id
	}
	if fields != nil {
		return 0, 0, &fosis.Error{Code: fosis.EINVALID, Message: "a and b must be run ids", Fields: fields}
	}
	return ids[0], ids[1], nil
}

func (s *Server) runDiff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	runs, err := s.cfg.Targeting.Runs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, b, err := runPair(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a == 0 && len(runs) >= 2 { // the two newest runs, the older first
		a, b = runs[1].ID, runs[0].ID
	}
	d := diffData{Runs: runs, A: a, B: b, Brackets: targeting.Brackets()}
	if a != 0 {
		if d.Diff, err = s.cfg.Targeting.DiffRuns(ctx, a, b); err != nil {
			s.fail(w, r, err)
			return
		}
		d.Matrix = matrixTable{ID: "matrix", Caption: diffCaption, Rows: matrixRows(d.Diff.Matrix)}
		d.Regions = regionMatrices(d.Diff.ByRegion, diffCaption)
		d.After = r.URL.Query().Get("after")
		page, err := s.cfg.Targeting.Moved(ctx, a, b, d.After, s.pageSize())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		terr := s.cfg.Registry.Territory()
		for _, c := range page.Items {
			row := movedRow{Change: c, CommuneName: c.CommuneCode}
			if i, ok := terr.CommuneIndex(c.CommuneCode); ok {
				row.CommuneName = terr.Communes[i].Name
			}
			d.Moved = append(d.Moved, row)
		}
		base := url.Values{"a": {strconv.FormatInt(a, 10)}, "b": {strconv.FormatInt(b, 10)}}
		d.FirstURL = "/runs/diff?" + base.Encode()
		d.CSVURL = "/runs/diff/moved.csv?" + base.Encode()
		if page.Next != "" {
			base.Set("after", page.Next)
			d.NextURL = "/runs/diff?" + base.Encode()
		}
	}
	s.render(w, r, http.StatusOK, "rundiff", d)
}

// runDiffCSV downloads every household of the user's territory whose
// bracket differs between runs a and b.
func (s *Server) runDiffCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, b, err := runPair(r)
	if err == nil && a == 0 {
		err = &fosis.Error{Code: fosis.EINVALID, Message: "a and b are required", Fields: []fosis.FieldError{{Field: "a", Message: "is required"}}}
	}
	if err == nil {
		_, err = s.cfg.Targeting.DiffRuns(ctx, a, b) // both runs exist and the user may read them
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="moved-%d-%d.csv"`, a, b))
	bw := bufio.NewWriter(w)
	bw.WriteString("household_id,commune_code,from_bracket,to_bracket\n")
	_, err = s.cfg.Targeting.EachMoved(ctx, a, b, func(c targeting.Change) error {
		_, err := fmt.Fprintf(bw, "%s,%s,%d,%d\n", csvField(c.HouseholdID), csvField(c.CommuneCode), c.From, c.To)
		return err
	})
	if err != nil {
		s.log.Error("diff csv", "a", a, "b", b, "err", err) // the status is sent: the file ends short
		return
	}
	bw.Flush()
}

// csvField quotes a field that needs it (household ids come from extracts).
func csvField(v string) string { return string(csvin.AppendField(nil, v)) }
