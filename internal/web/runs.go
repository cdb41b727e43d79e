package web

import (
	"math"
	"net/http"

	"github.com/fosis/fosis/internal/targeting"
)

// runsData is the runs page's content: the stored runs, newest first.
type runsData struct {
	Runs []targeting.Run
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	runs, err := s.cfg.Targeting.Runs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "runs", runsData{Runs: runs})
}

// The run page's chart geometry, in SVG user units: one labelled bar per
// region, each bar as wide as the chart.
const (
	chartWidth  = 900.0
	chartRow    = 40 // a region's label and bar
	chartLabel  = 13 // the label's baseline within the row
	chartBarTop = 18 // the bar's top within the row
	chartBar    = 18 // the bar's height
)

// runData is a run page's content: the run and how its households spread
// over the brackets in each region the user sees, with the chart's geometry
// (computed here so that the template only draws).
type runData struct {
	Run         *targeting.Run
	Brackets    []uint8
	Regions     []regionChart
	ChartHeight int
}

// regionChart is one region's row of the table and bar of the chart.
type regionChart struct {
	Code, Name string
	Households int64
	LabelY     int
	BarY       int
	Cells      []bracketCell
}

// bracketCell is one bracket's share of a region: a table cell and a
// segment of the region's bar (X and W in SVG units, W zero when empty).
type bracketCell struct {
	Bracket uint8
	Count   int64
	Share   float64 // percent of the region's households
	X, W    float64
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := s.cfg.Targeting.Run(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dist, err := s.cfg.Targeting.Distribution(ctx, run.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "run", newRunData(run, dist))
}

// newRunData lays out the table and the chart of a run's distribution.
func newRunData(run *targeting.Run, dist []targeting.RegionBrackets) runData {
	d := runData{Run: run, Brackets: targeting.Brackets(), ChartHeight: len(dist) * chartRow}
	for i, rb := range dist {
		rc := regionChart{Code: rb.Code, Name: rb.Name, Households: rb.Households,
			LabelY: i*chartRow + chartLabel, BarY: i*chartRow + chartBarTop}
		x := 0.0
		for k, b := range d.Brackets {
			c := bracketCell{Bracket: b, X: round2(x)}
			if k < len(rb.Counts) {
				c.Count = rb.Counts[k]
			}
			if rb.Households > 0 {
				c.Share = 100 * float64(c.Count) / float64(rb.Households)
				c.W = round2(chartWidth * float64(c.Count) / float64(rb.Households))
			}
			x += c.W
			rc.Cells = append(rc.Cells, c)
		}
		d.Regions = append(d.Regions, rc)
	}
	return d
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
