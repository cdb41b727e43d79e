package web

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/results"
)

// resultsRoutes registers the results pages: the coverage funnel (table,
// funnel chart, map of the share reached), a call's focalisation and the
// indicators with their sparklines and alerts. The results slice scopes
// every figure (a regional officer: their region's).
func (s *Server) resultsRoutes(pages *routeMux) {
	pages.HandleFunc("GET /results/funnel", s.requireUser(s.resultsFunnel))
	pages.HandleFunc("POST /results/funnel/compute", s.requireUser(s.resultsFunnelCompute))
	pages.HandleFunc("GET /results/focalisation", s.requireUser(s.resultsFocal))
	pages.HandleFunc("GET /results/indicators", s.requireUser(s.resultsIndicators))
	pages.HandleFunc("POST /results/indicators/compute", s.requireUser(s.resultsIndicatorsCompute))
	pages.HandleFunc("GET /results/report.xlsx", s.requireUser(s.resultsReport))
	pages.HandleFunc("GET /results/report.pdf", s.requireUser(s.resultsReportPDF))
}

// resultsOff answers when the server runs without the results slice.
func (s *Server) resultsOff(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Results == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the results are not enabled"))
		return true
	}
	return false
}

// funnelStageFills are the funnel chart's colours, one per stage (a
// sequential blue scale, readable in greys).
var funnelStageFills = []string{"#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c"}

// funnelChart is the funnel drawn as centred bars, one per stage, each as
// wide as its count against the first stage's.
type funnelChart struct {
	Width, Height float64
	Bars          []funnelBar
}

// funnelBar is one stage of the chart and its legend entry.
type funnelBar struct {
	Stage       string // catalog key results.stage.<stage>
	X, Y, W, H  float64
	TextY       float64
	Fill        string
	TextFill    string // the count's colour: white on the dark bars
	Count       int64
	Pct         float64 // of the first stage
	HasPct      bool
	LabelInside bool
}

// drawFunnel lays out the chart of c.
func drawFunnel(c results.Counts) funnelChart {
	const width, barH, gap = 320.0, 26.0, 6.0
	ch := funnelChart{Width: width, Height: float64(len(results.Stages))*(barH+gap) - gap}
	top := c.Stage(results.Stages[0])
	most := int64(0)
	for _, st := range results.Stages {
		most = max(most, c.Stage(st))
	}
	for k, st := range results.Stages {
		n := c.Stage(st)
		w := 0.0
		if most > 0 && n > 0 {
			w = math.Max(2, width*float64(n)/float64(most))
		}
		b := funnelBar{Stage: "results.stage." + st, X: (width - w) / 2, Y: float64(k) * (barH + gap), W: w, H: barH,
			Fill: funnelStageFills[k], TextFill: "#212529", Count: n}
		if k >= 3 && w >= 48 {
			b.TextFill = "#ffffff"
		}
		b.TextY = b.Y + barH/2 + 4
		if top > 0 {
			b.Pct, b.HasPct = math.Round(1000*float64(n)/float64(top))/10, true
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// resultsFunnelData is the coverage page.
type resultsFunnelData struct {
	Filter results.FunnelFilter
	Funnel *results.Funnel
	Chart  funnelChart
	Map    choropleth
	// Region is the region whose communes the map draws (nil: the regions).
	Region *geo.Region
	// NotReached is each map area's eligible not enrolled, by code.
	NotReached map[string]int64
	// National: the reader sees every region; Computes: may recompute.
	National, Computes bool
	Done               bool
	// Services are the directory's active services of each commune (the
	// commune grouping only), and Dimensions their dimensions' keys.
	Services   map[string]delivery.CommuneServices
	Dimensions []string
}

// ServicesOf returns commune's services (zero counts when none).
func (d resultsFunnelData) ServicesOf(commune string) delivery.CommuneServices {
	return d.Services[commune]
}

// Groupings are the funnel's groupings, for the form.
func (resultsFunnelData) Groupings() []string { return []string{"commune", "region", "call", "line"} }

func (s *Server) resultsFunnel(w http.ResponseWriter, r *http.Request) {
	if s.resultsOff(w, r) {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	p := viewerOf(ctx).p
	d := resultsFunnelData{Filter: results.FunnelFilter{Line: q.Get("line"), Call: q.Get("call"), Period: q.Get("period"), Region: q.Get("region"), By: q.Get("by")},
		National: p.SeesAllRegions(), Computes: p.SeesAllRegions() && p.Writes(), Done: q.Get("done") == "1"}
	if d.Filter.By == "" {
		d.Filter.By = "commune"
	}
	fu, err := s.cfg.Results.Funnel(ctx, d.Filter)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Funnel = fu
	d.Chart = drawFunnel(fu.Total)
	if d.Filter.By == "commune" {
		if d.Services, err = s.cfg.Results.ServicesByCommune(ctx, d.Filter.Region); err != nil {
			s.fail(w, r, err)
			return
		}
		d.Dimensions = delivery.ServiceDimensions
	}

	// The map: the communes of one region (the filter's, or the officer's
	// own), else the regions.
	terr := s.cfg.Registry.Territory()
	bounds := chileBounds()
	if terr.Country != "CL" {
		bounds = &geo.Boundaries{}
	}
	region := d.Filter.Region
	if !d.National {
		region = p.RegionCode
	}
	f := d.Filter
	var areas []mapArea
	var shapes, others []*geo.Shape
	var column func(string) string
	if region != "" {
		if i, ok := terr.RegionIndex(region); ok {
			d.Region = &terr.Regions[i]
		}
		f.By, f.Region = "commune", region
		communes, err := s.cfg.Results.Funnel(ctx, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sums := map[string]*results.FunnelRow{}
		for _, row := range communes.Rows {
			if sums[row.Commune] == nil {
				sums[row.Commune] = &results.FunnelRow{Commune: row.Commune, Name: row.Name}
			}
			sums[row.Commune].Eligible += row.Eligible
			sums[row.Commune].Enrolled += row.Enrolled
		}
		// Every commune of the region, those without a call grey.
		for _, cm := range terr.Communes {
			if cm.RegionCode != region {
				continue
			}
			row := sums[cm.Code]
			if row == nil {
				row = &results.FunnelRow{Commune: cm.Code, Name: cm.Name}
			}
			shape, _ := bounds.Commune(cm.Code)
			areas = append(areas, reachArea(row, "/results/funnel?"+withParam(q, "region", region, "by", "commune")))
			shapes = append(shapes, shape)
		}
	} else {
		f.By = "region"
		regions, err := s.cfg.Results.Funnel(ctx, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sums := map[string]*results.FunnelRow{}
		for _, row := range regions.Rows {
			if sums[row.Region] == nil {
				sums[row.Region] = &results.FunnelRow{Region: row.Region, Name: row.Name}
			}
			sums[row.Region].Eligible += row.Eligible
			sums[row.Region].Enrolled += row.Enrolled
		}
		// Every region, those without a call grey.
		for _, rg := range terr.Regions {
			row := sums[rg.Code]
			if row == nil {
				row = &results.FunnelRow{Region: rg.Code, Name: rg.Name}
			}
			shape, _ := bounds.Region(rg.Code)
			a := reachArea(row, "/results/funnel?"+withParam(q, "region", rg.Code, "by", "commune"))
			a.Code = rg.Code
			areas = append(areas, a)
			shapes = append(shapes, shape)
		}
		for i := range bounds.Other {
			others = append(others, &bounds.Other[i])
		}
		column = regionColumn
	}
	d.NotReached = map[string]int64{}
	for _, a := range areas {
		d.NotReached[a.Code] = max(a.Households-a.Count, 0)
	}
	if len(areas) > 0 {
		d.Map = drawMap(areas, shapes, others, column)
	}
	s.render(w, r, http.StatusOK, "results_funnel", d)
}

// reachArea is a map area of the share of the eligible enrolled.
func reachArea(row *results.FunnelRow, href string) mapArea {
	code := row.Commune
	if code == "" {
		code = row.Region
	}
	a := mapArea{Code: code, Name: row.Name, Href: href, Count: row.Enrolled, Households: row.Eligible}
	if row.Eligible > 0 {
		a.Share = 100 * float64(row.Enrolled) / float64(row.Eligible)
	}
	return a
}

// withParam returns q with the pairs of keys and values set, encoded.
func withParam(q url.Values, kv ...string) string {
	c := url.Values{}
	for k, v := range q {
		if k != "done" {
			c[k] = v
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c.Encode()
}

func (s *Server) resultsFunnelCompute(w http.ResponseWriter, r *http.Request) {
	if s.resultsOff(w, r) {
		return
	}
	if _, err := s.cfg.Results.ComputeFunnel(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/results/funnel?done=1", http.StatusSeeOther)
}

// resultsFocalData is a call's focalisation page.
type resultsFocalData struct {
	Call  string
	Focal *results.Focalisation
}

func (s *Server) resultsFocal(w http.ResponseWriter, r *http.Request) {
	if s.resultsOff(w, r) {
		return
	}
	d := resultsFocalData{Call: strings.TrimSpace(r.URL.Query().Get("call"))}
	if d.Call != "" {
		fo, err := s.cfg.Results.Focalisation(r.Context(), d.Call)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Focal = fo
	}
	s.render(w, r, http.StatusOK, "results_focal", d)
}

// sparkline is a series of values drawn as a polyline, with the target
// as a dashed line when there is one.
type sparkline struct {
	Width, Height    float64
	Points           string
	LastX, LastY     float64
	TargetY          float64
	HasTarget, Drawn bool
}

// drawSparkline draws vs (oldest first; nil values are gaps left out).
func drawSparkline(vs []results.Value) sparkline {
	sp := sparkline{Width: 120, Height: 30}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if v.Value != nil {
			lo, hi = math.Min(lo, *v.Value), math.Max(hi, *v.Value)
		}
		if v.Target != nil {
			lo, hi = math.Min(lo, *v.Target), math.Max(hi, *v.Target)
		}
	}
	if math.IsInf(lo, 0) {
		return sp
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-1, hi+1
	}
	const pad = 3.0
	y := func(x float64) float64 { return pad + (sp.Height-2*pad)*(1-(x-lo)/(hi-lo)) }
	step := 0.0
	if len(vs) > 1 {
		step = (sp.Width - 2*pad) / float64(len(vs)-1)
	}
	var pts []string
	for k, v := range vs {
		if v.Value == nil {
			continue
		}
		x := pad + float64(k)*step
		sp.LastX, sp.LastY = x, round2(y(*v.Value))
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y(*v.Value)))
	}
	if last := vs[len(vs)-1]; last.Target != nil {
		sp.TargetY, sp.HasTarget = round2(y(*last.Target)), true
	}
	sp.Points, sp.Drawn = strings.Join(pts, " "), len(pts) > 0
	return sp
}

// indicatorRow is an indicator in a region: its latest value and its
// sparkline over the periods.
type indicatorRow struct {
	results.Value
	Spark   sparkline
	Periods int
}

// resultsIndicatorsData is the indicators page.
type resultsIndicatorsData struct {
	Line, Period string
	Alerts       []results.Value
	Behind       []results.AgencyBehind
	Rows         []indicatorRow
	Computes     bool
	Done         bool
}

func (s *Server) resultsIndicators(w http.ResponseWriter, r *http.Request) {
	if s.resultsOff(w, r) {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	p := viewerOf(ctx).p
	d := resultsIndicatorsData{Line: q.Get("line"), Period: q.Get("period"), Computes: p.SeesAllRegions() && p.Writes(), Done: q.Get("done") == "1"}
	alerts, err := s.cfg.Results.Alerts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Alerts = alerts
	if d.Behind, err = s.cfg.Results.AgenciesBehind(ctx, d.Line); err != nil {
		s.fail(w, r, err)
		return
	}
	vals, err := s.cfg.Results.Values(ctx, results.ValueFilter{Line: d.Line})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type key struct {
		id     int64
		region string
	}
	series := map[key][]results.Value{}
	var order []key
	for _, v := range vals {
		k := key{v.Indicator, v.Region}
		if series[k] == nil {
			order = append(order, k)
		}
		series[k] = append(series[k], v)
	}
	for _, k := range order {
		vs := series[k] // by period, oldest first (the store's order)
		last := vs[len(vs)-1]
		if d.Period != "" {
			found := false
			for _, v := range vs {
				if v.Period == d.Period {
					last, found = v, true
				}
			}
			if !found {
				continue
			}
		}
		d.Rows = append(d.Rows, indicatorRow{Value: last, Spark: drawSparkline(vs), Periods: len(vs)})
	}
	s.render(w, r, http.StatusOK, "results_indicators", d)
}

func (s *Server) resultsIndicatorsCompute(w http.ResponseWriter, r *http.Request) {
	if s.resultsOff(w, r) {
		return
	}
	period := strings.TrimSpace(r.PostFormValue("period"))
	if _, err := s.cfg.Results.ComputeIndicators(r.Context(), period); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/results/indicators?done=1&period="+url.QueryEscape(period), http.StatusSeeOther)
}

// resultsReport downloads the results report of a line (every line
// without line=) as a workbook in the reader's language.
func (s *Server) resultsReport(w http.ResponseWriter, r *http.Request) {
	if s.resultsOff(w, r) {
		return
	}
	var b bytes.Buffer
	line := r.URL.Query().Get("line")
	if err := s.cfg.Results.WriteReport(r.Context(), &b, line, viewerOf(r.Context()).lang); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "resultados.xlsx"
	if line != "" && validFileWord(line) {
		name = "resultados-" + line + ".xlsx"
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(b.Bytes())
}

// validFileWord reports whether s may go into a file name as it is.
func validFileWord(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return len(s) <= 40
}

// resultsReportPDF downloads the results report of a line (every line
// without line=) as a PDF in the reader's language.
func (s *Server) resultsReportPDF(w http.ResponseWriter, r *http.Request) {
	if s.resultsOff(w, r) {
		return
	}
	var b bytes.Buffer
	line := r.URL.Query().Get("line")
	if err := s.cfg.Results.WriteReportPDF(r.Context(), &b, line, viewerOf(r.Context()).lang, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "resultados.pdf"
	if line != "" && validFileWord(line) {
		name = "resultados-" + line + ".pdf"
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(b.Bytes())
}
