package web

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fosis/fosis/internal/platform/geo"
)

// chileBounds are the embedded boundaries, parsed on first use: they never
// change, and every map page draws from them.
var chileBounds = sync.OnceValue(geo.ChileBoundaries)

// choropleth is a map ready for the template: every area's SVG path, fill
// and tooltip, computed here so that the template only draws. Colours are
// fill attributes (the CSP forbids inline styles; attributes are not styles).
type choropleth struct {
	Width, Height int
	// Drawn: some area has a shape (a territory without boundaries gets
	// the table alone).
	Drawn  bool
	Areas  []mapArea  // with a value, in code order
	Others []mapArea  // drawn without a value (the undemarcated zone)
	Insets []mapInset // framed panels: islands, Antarctica
	Legend []legendClass
}

// mapArea is a region or commune of a map and its row of the table.
type mapArea struct {
	Code, Name string
	Href       string // where a click goes ("" for nowhere)
	D          string // SVG path data
	Fill       string
	Share      float64 // percent of the area's households in the bracket
	Count      int64   // households in the bracket
	Households int64   // households of the area in the run
}

// mapInset is a framed panel of a map with its label's catalog key.
type mapInset struct {
	X, Y, W, H     float64
	Label          string
	LabelX, LabelY float64
}

// legendClass is one colour of the legend: shares from From to To percent,
// or no households at all (Empty).
type legendClass struct {
	Fill     string
	From, To float64
	Empty    bool
}

// The map's colours: a sequential scale from few households in the bracket
// (light) to many (dark), readable in greys; areas without households are a
// neutral grey.
var (
	mapFills  = []string{"#fde0dd", "#fa9fb5", "#f768a1", "#c51b8a", "#7a0177"}
	emptyFill = "#dee2e6"
	otherFill = "#f8f9fa"
)

// The map geometry, in SVG user units.
const (
	mapMainHeight = 640.0 // the tallest mainland panel
	mapGap        = 18.0  // between panels
	mapInsetW     = 150.0 // an inset's width (its height follows its shape)
	mapInsetMaxH  = 150.0
	mapLabel      = 16.0 // room above an inset for its label
)

// panel is a part of the map with its own projection: a column of the
// mainland, or an inset.
type panel struct {
	key   string
	label string // catalog key of an inset's label; "" for the mainland
	polar bool   // Antarctica: a polar projection around its sector's middle
	polys []placed
	// the projected bounding box, and where it goes on the map
	minX, minY, maxX, maxY float64
	scale, dx, dy          float64
	cos                    float64 // the equirectangular projection's cos(latitude)
}

// placed is a polygon of area k (an index in the areas, or -1-i for
// Others[i]) on a panel.
type placed struct {
	area int
	poly geo.Polygon
}

// insetOf says which inset a polygon belongs on ("" for the mainland): Isla
// de Pascua and Salas y Gómez, the Juan Fernández and Desventuradas islands,
// the Antarctic territory.
func insetOf(p geo.Polygon) (key, label string) {
	maxLon, maxLat := math.Inf(-1), math.Inf(-1)
	for _, q := range p[0] {
		maxLon, maxLat = max(maxLon, q.Lon), max(maxLat, q.Lat)
	}
	switch {
	case maxLon < -100:
		return "z1", "map.inset_pascua"
	case maxLat <= -59:
		return "z3", "map.inset_antarctica"
	case maxLon < -76:
		return "z2", "map.inset_islands"
	}
	return "", ""
}

// regionColumn splits Chile's mainland into three columns of similar height:
// the north (Arica to Coquimbo), the centre (Valparaíso to Los Lagos) and
// the south (Aysén and Magallanes, with the undemarcated zone).
func regionColumn(code string) string {
	switch code {
	case "15", "01", "02", "03", "04":
		return "a"
	case "11", "12", "00":
		return "c"
	}
	return "b"
}

// drawMap lays out shapes (areas, then others) into a choropleth: column
// names each area's mainland column (one column if nil). shapes[k] is area
// k's shape, or nil for an area to list in the table only.
func drawMap(areas []mapArea, shapes []*geo.Shape, others []*geo.Shape, column func(code string) string) choropleth {
	panels := map[string]*panel{}
	add := func(k int, code string, p geo.Polygon) {
		key, label := insetOf(p)
		if key == "" {
			key = "main"
			if column != nil {
				key = column(code)
			}
		}
		pn := panels[key]
		if pn == nil {
			pn = &panel{key: key, label: label, polar: key == "z3"}
			panels[key] = pn
		}
		pn.polys = append(pn.polys, placed{area: k, poly: p})
	}
	for k, s := range shapes {
		if s == nil {
			continue
		}
		for _, p := range s.Polygons {
			add(k, s.Code, p)
		}
	}
	for i, s := range others {
		for _, p := range s.Polygons {
			add(-1-i, "00", p)
		}
	}
	var mains, insets []*panel
	for _, pn := range panels {
		pn.bounds()
		if pn.label == "" {
			mains = append(mains, pn)
		} else {
			insets = append(insets, pn)
		}
	}
	byKey := func(a, b *panel) int { return strings.Compare(a.key, b.key) }
	slices.SortFunc(mains, byKey)
	slices.SortFunc(insets, byKey)

	// The mainland columns share one scale, set by the tallest.
	tallest := 0.0
	for _, pn := range mains {
		tallest = max(tallest, pn.maxY-pn.minY)
	}
	x := 0.0
	height := 0.0
	for _, pn := range mains {
		pn.scale = mapMainHeight / max(tallest, 1e-9)
		if w := (pn.maxX - pn.minX) * pn.scale; w > 3*mapMainHeight/2 { // a wide region: fit its width instead
			pn.scale *= 3 * mapMainHeight / 2 / w
		}
		pn.dx, pn.dy = x-pn.minX*pn.scale, -pn.minY*pn.scale
		x += (pn.maxX-pn.minX)*pn.scale + mapGap
		height = max(height, (pn.maxY-pn.minY)*pn.scale)
	}
	// The insets stack in a column of their own, each at its own scale.
	c := choropleth{Drawn: len(panels) > 0}
	y := 0.0
	for _, pn := range insets {
		w, h := pn.maxX-pn.minX, pn.maxY-pn.minY
		pn.scale = min((mapInsetW-8)/max(w, 1e-9), (mapInsetMaxH-8)/max(h, 1e-9))
		boxH := h*pn.scale + 8
		pn.dx = x + 4 - pn.minX*pn.scale
		pn.dy = y + mapLabel + 4 - pn.minY*pn.scale
		c.Insets = append(c.Insets, mapInset{X: round2(x), Y: round2(y + mapLabel), W: mapInsetW, H: round2(boxH),
			Label: pn.label, LabelX: round2(x), LabelY: round2(y + mapLabel - 4)})
		y += mapLabel + boxH + mapGap
	}
	if len(insets) > 0 {
		x += mapInsetW
		height = max(height, y-mapGap)
	} else {
		x -= mapGap
	}
	c.Width, c.Height = int(math.Ceil(x)), int(math.Ceil(height))

	paths := make([]strings.Builder, len(shapes))
	otherPaths := make([]strings.Builder, len(others))
	for _, key := range slices.Concat(mains, insets) {
		for _, pl := range key.polys {
			b := &otherPaths
			i := -1 - pl.area
			if pl.area >= 0 {
				b, i = &paths, pl.area
			}
			key.path(&(*b)[i], pl.poly)
		}
	}
	c.Areas = areas
	for k := range c.Areas {
		c.Areas[k].D = paths[k].String()
	}
	for i, s := range others {
		c.Others = append(c.Others, mapArea{Code: s.Code, Name: s.Name, D: otherPaths[i].String(), Fill: otherFill})
	}
	c.Legend = colour(c.Areas)
	return c
}

// project maps a point to the panel's plane (before scaling): longitude
// shrunk by the cosine of the panel's middle latitude, north up; or, for
// Antarctica, a polar projection with the pole at the bottom.
func (pn *panel) project(q geo.Point) (float64, float64) {
	if pn.polar {
		r := 90 + q.Lat
		a := (q.Lon + 71.5) * math.Pi / 180
		return r * math.Sin(a), -r * math.Cos(a)
	}
	return q.Lon * pn.cos, -q.Lat
}

func (pn *panel) bounds() {
	minLat, maxLat := math.Inf(1), math.Inf(-1)
	for _, pl := range pn.polys {
		for _, q := range pl.poly[0] {
			minLat, maxLat = min(minLat, q.Lat), max(maxLat, q.Lat)
		}
	}
	pn.cos = math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	pn.minX, pn.minY, pn.maxX, pn.maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pl := range pn.polys {
		for _, q := range pl.poly[0] {
			x, y := pn.project(q)
			pn.minX, pn.maxX = min(pn.minX, x), max(pn.maxX, x)
			pn.minY, pn.maxY = min(pn.minY, y), max(pn.maxY, y)
		}
	}
}

// path appends a polygon's rings to b as SVG path data, in map units rounded
// to a tenth, leaving out points less than half a unit from the last one
// (a polygon drawn smaller than a unit still gets its three points).
func (pn *panel) path(b *strings.Builder, p geo.Polygon) {
	for _, ring := range p {
		var lx, ly float64
		n := 0
		for k, q := range ring[:len(ring)-1] {
			x, y := pn.project(q)
			x, y = x*pn.scale+pn.dx, y*pn.scale+pn.dy
			if k > 0 && math.Abs(x-lx) < 0.5 && math.Abs(y-ly) < 0.5 && len(ring)-k > 4-n {
				continue
			}
			if n == 0 {
				b.WriteByte('M')
			} else {
				b.WriteByte('L')
			}
			b.WriteString(strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64))
			b.WriteByte(' ')
			b.WriteString(strconv.FormatFloat(math.Round(y*10)/10, 'f', -1, 64))
			lx, ly, n = x, y, n+1
		}
		b.WriteByte('Z')
	}
}

// colour gives each area its fill: five classes of equal width between the
// smallest and the largest share shown (whole percents), so that the
// differences between the areas on the map are visible; areas without
// households are grey. It returns the legend.
func colour(areas []mapArea) []legendClass {
	lo, hi, any, empty := math.Inf(1), math.Inf(-1), false, false
	for _, a := range areas {
		if a.Households == 0 {
			empty = true
			continue
		}
		lo, hi, any = min(lo, a.Share), max(hi, a.Share), true
	}
	var legend []legendClass
	if any {
		lo, hi = math.Floor(lo), math.Ceil(hi)
		if hi-lo < 5 { // classes narrower than a percent would show noise
			hi = lo + 5
		}
		step := (hi - lo) / float64(len(mapFills))
		for k, f := range mapFills {
			legend = append(legend, legendClass{Fill: f, From: round2(lo + float64(k)*step), To: round2(lo + float64(k+1)*step)})
		}
		for i := range areas {
			if areas[i].Households == 0 {
				continue
			}
			k := min(int((areas[i].Share-lo)/step), len(mapFills)-1)
			areas[i].Fill = mapFills[max(k, 0)]
		}
	}
	for i := range areas {
		if areas[i].Households == 0 {
			areas[i].Fill = emptyFill
		}
	}
	if empty {
		legend = append(legend, legendClass{Fill: emptyFill, Empty: true})
	}
	return legend
}
