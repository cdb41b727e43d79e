package web

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/targeting"
)

// runsData is the runs page's content: the stored runs, newest first.
type runsData struct {
	Runs []targeting.Run
	// WhatIf: the user may run a what-if.
	WhatIf bool
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	runs, err := s.cfg.Targeting.Runs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, denied := targeting.MayWhatIf(r.Context())
	s.render(w, r, http.StatusOK, "runs", runsData{Runs: runs, WhatIf: denied == nil})
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

// scoringRoutes registers the scoring pages beyond the runs list and a run:
// its maps, the diff of two runs and the what-if.
func (s *Server) scoringRoutes(pages *routeMux) {
	pages.HandleFunc("GET /runs/{id}/map", s.requireUser(s.runMap))
	pages.HandleFunc("GET /runs/{id}/map/{region}", s.requireUser(s.runMap))
	pages.HandleFunc("GET /runs/diff", s.requireUser(s.runDiff))
	pages.HandleFunc("GET /runs/diff/moved.csv", s.requireUser(s.runDiffCSV))
	pages.HandleFunc("GET /whatif", s.requireUser(s.whatIfForm))
	pages.HandleFunc("POST /whatif", s.requireUser(s.whatIf))
	pages.HandleFunc("POST /whatif/moved.csv", s.requireUser(s.whatIfMovedCSV))
}

// runMapData is a map page's content: a run's share of households in one
// bracket, by region (Region nil) or by commune of one region.
type runMapData struct {
	Run      *targeting.Run
	Brackets []uint8
	Bracket  uint8
	Region   *geo.Region
	// National: the user may see the map of all regions.
	National bool
	Map      choropleth
}

// bracketParam reads the bracket= parameter (40 when absent).
func bracketParam(r *http.Request) (uint8, error) {
	v := r.URL.Query().Get("bracket")
	if v == "" {
		return 40, nil
	}
	for _, b := range targeting.Brackets() {
		if v == strconv.Itoa(int(b)) {
			return b, nil
		}
	}
	return 0, &fosis.Error{Code: fosis.EINVALID, Message: "bracket: must be one of 40, 50, …, 100",
		Fields: []fosis.FieldError{{Field: "bracket", Message: "must be one of 40, 50, 60, 70, 80, 90, 100"}}}
}

// runMap draws a run on the map: the regions, each linking to its communes'
// map; a regional officer goes straight to their region's communes (other
// regions are not drawn at all, not even as outlines).
func (s *Server) runMap(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := s.cfg.Targeting.Run(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bracket, err := bracketParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := viewerOf(ctx).p
	region := r.PathValue("region")
	if region == "" && !p.SeesAllRegions() && p.RegionCode != "" {
		http.Redirect(w, r, fmt.Sprintf("/runs/%d/map/%s?bracket=%d", run.ID, p.RegionCode, bracket), http.StatusSeeOther)
		return
	}
	terr := s.cfg.Registry.Territory()
	bounds := chileBounds()
	if terr.Country != "CL" {
		bounds = &geo.Boundaries{} // only Chile's boundaries are embedded: the tables stay, the map goes
	}
	d := runMapData{Run: run, Brackets: targeting.Brackets(), Bracket: bracket, National: p.SeesAllRegions()}
	k := slices.Index(d.Brackets, bracket)
	var areas []mapArea
	var shapes, others []*geo.Shape
	var column func(string) string
	if region == "" {
		dist, err := s.cfg.Targeting.Distribution(ctx, run.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, rb := range dist {
			shape, _ := bounds.Region(rb.Code) // nil: in the table, not on the map
			areas = append(areas, newMapArea(rb.Code, rb.Name, fmt.Sprintf("/runs/%d/map/%s?bracket=%d", run.ID, rb.Code, bracket), rb.Counts, k, rb.Households))
			shapes = append(shapes, shape)
		}
		for i := range bounds.Other {
			others = append(others, &bounds.Other[i])
		}
		column = regionColumn
	} else {
		communes, err := s.cfg.Targeting.CommuneDistribution(ctx, run.ID, region) // not found outside the user's territory
		if err != nil {
			s.fail(w, r, err)
			return
		}
		i, _ := terr.RegionIndex(region)
		d.Region = &terr.Regions[i]
		for _, c := range communes {
			shape, _ := bounds.Commune(c.Code)
			areas = append(areas, newMapArea(c.Code, c.Name, "/communes/"+c.Code, c.Counts, k, c.Households))
			shapes = append(shapes, shape)
		}
	}
	d.Map = drawMap(areas, shapes, others, column)
	s.render(w, r, http.StatusOK, "runmap", d)
}

func newMapArea(code, name, href string, counts []int64, k int, households int64) mapArea {
	a := mapArea{Code: code, Name: name, Href: href, Households: households}
	if k >= 0 && k < len(counts) {
		a.Count = counts[k]
	}
	if households > 0 {
		a.Share = 100 * float64(a.Count) / float64(households)
	}
	return a
}
