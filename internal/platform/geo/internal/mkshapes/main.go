// Command mkshapes builds the embedded boundaries of Chile's regions and
// communes (internal/platform/geo/data/cl/shapes.json) from the GeoJSON
// files of the source (regions.geojson and communes.geojson, under -src):
// every ring is simplified with Douglas-Peucker, with a tolerance that grows
// with the size of the shape's largest polygon (so that a small urban
// commune keeps its outline and Magallanes does not keep its every islet),
// coordinates are rounded to a thousandth of a degree and delta-encoded,
// and islets too small to see are dropped — but every commune and region keeps at least its largest polygon,
// so islands such as Isla de Pascua and Juan Fernández stay on the map.
//
// Every shape is checked against the embedded territory (geo.Chile) by its
// official code (the source's cod_comuna 6204 is commune 06204): a commune
// or region of the territory without a shape, a shape without a commune, a
// commune in the wrong region or a name that is neither the territory's nor
// a known spelling variant stops the generator. The one commune the source
// has no polygon for, Antártica (12202, the Chilean Antarctic Territory), is
// drawn as the sector the claim defines (Decree 1747 of 1940: between the
// meridians 53° W and 90° W, south of 60° S, the Antarctic Treaty's limit).
//
//	go run ./internal/platform/geo/internal/mkshapes -src /work/shared/data/geo/cl
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fosis/fosis/internal/platform/geo"
)

func main() {
	src := flag.String("src", "/work/shared/data/geo/cl", "folder with regions.geojson and communes.geojson")
	out := flag.String("out", "internal/platform/geo/data/cl/shapes.json", "the file to write")
	flag.Parse()
	b, stats, err := build(*src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkshapes:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "mkshapes:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d bytes; %s\n", *out, len(b), stats)
}

// The source's shapes.
type featureCollection struct {
	Features []struct {
		Properties map[string]any  `json:"properties"`
		Geometry   json.RawMessage `json:"geometry"`
	} `json:"features"`
}

type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

type pt = [2]float64

// polygons reads a Polygon or MultiPolygon as a list of polygons (rings).
func polygons(raw json.RawMessage) ([][][]pt, error) {
	var g geometry
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	switch g.Type {
	case "Polygon":
		var p [][]pt
		err := json.Unmarshal(g.Coordinates, &p)
		return [][][]pt{p}, err
	case "MultiPolygon":
		var mp [][][]pt
		if err := json.Unmarshal(g.Coordinates, &mp); err != nil {
			return nil, err
		}
		// The source has a few empty polygons and rings: nothing to draw.
		return slices.DeleteFunc(mp, func(p [][]pt) bool { return len(p) == 0 || len(p[0]) < 4 }), nil
	}
	return nil, fmt.Errorf("geometry %q: want Polygon or MultiPolygon", g.Type)
}

// nameVariants are the communes whose name the source spells otherwise than
// the territory (both spellings are in use); any other difference is an error.
var nameVariants = map[string]string{
	"06204": "Marchigüe", // territory: Marchihue
	"04105": "Paihuano",  // territory: Paiguano
}

// regionVariants are the regions whose name the source spells otherwise
// (older or abbreviated official names).
var regionVariants = map[string]string{
	"06": "Región del Libertador Bernardo O'Higgins",
	"08": "Región del Bío-Bío",
	"11": "Región de Aysén del Gral.Ibañez del Campo",
	"12": "Región de Magallanes y Antártica Chilena",
}

// scale is the stored precision: coordinates in thousandths of a degree
// (about 100 m, finer than a pixel on any map drawn from them).
const scale = 1000

func build(src string) ([]byte, string, error) {
	cl := geo.Chile()
	out := geo.ShapeFile{
		Attribution: "Boundaries: Felipe Rubio Galaz (MIT License, see LICENSE), from the official division of Chile; simplified by mkshapes. Antártica: the sector of Decree 1747 (1940).",
		Scale:       scale,
	}
	var points, dropped int

	// Regions.
	regions, err := read(filepath.Join(src, "regions.geojson"))
	if err != nil {
		return nil, "", err
	}
	seen := map[string]bool{}
	for _, f := range regions.Features {
		code := fmt.Sprintf("%02d", int(num(f.Properties["codregion"])))
		name, _ := f.Properties["Region"].(string)
		polys, err := polygons(f.Geometry)
		if err != nil {
			return nil, "", fmt.Errorf("regions.geojson, region %s: %w", code, err)
		}
		if code == "00" { // the undemarcated zone of the Southern Patagonian Ice Field
			s, n, d := simplify("00", "Zona sin demarcar", polys)
			out.Other = append(out.Other, s)
			points, dropped = points+n, dropped+d
			continue
		}
		i, ok := cl.RegionIndex(code)
		if !ok {
			return nil, "", fmt.Errorf("regions.geojson: region %s (%s) is not in the territory", code, name)
		}
		if seen[code] {
			return nil, "", fmt.Errorf("regions.geojson: region %s appears twice", code)
		}
		seen[code] = true
		if fold(name) != fold(cl.Regions[i].Name) && regionVariants[code] != name {
			return nil, "", fmt.Errorf("regions.geojson: region %s is %q in the source, %q in the territory", code, name, cl.Regions[i].Name)
		}
		s, n, d := simplify(code, cl.Regions[i].Name, polys)
		out.Regions = append(out.Regions, s)
		points, dropped = points+n, dropped+d
	}
	for _, r := range cl.Regions {
		if !seen[r.Code] {
			return nil, "", fmt.Errorf("regions.geojson: region %s (%s) has no shape", r.Code, r.Name)
		}
	}

	// Communes.
	communes, err := read(filepath.Join(src, "communes.geojson"))
	if err != nil {
		return nil, "", err
	}
	seen = map[string]bool{}
	for _, f := range communes.Features {
		code := fmt.Sprintf("%05d", int(num(f.Properties["cod_comuna"])))
		region := fmt.Sprintf("%02d", int(num(f.Properties["codregion"])))
		name, _ := f.Properties["Comuna"].(string)
		if code == "00000" { // the undemarcated zone again; drawn from regions.geojson
			continue
		}
		i, ok := cl.CommuneIndex(code)
		if !ok {
			return nil, "", fmt.Errorf("communes.geojson: commune %s (%s) is not in the territory", code, name)
		}
		c := cl.Communes[i]
		if seen[code] {
			return nil, "", fmt.Errorf("communes.geojson: commune %s appears twice", code)
		}
		seen[code] = true
		if c.RegionCode != region {
			return nil, "", fmt.Errorf("communes.geojson: commune %s (%s) is in region %s in the source, %s in the territory", code, name, region, c.RegionCode)
		}
		if fold(name) != fold(c.Name) && nameVariants[code] != name {
			return nil, "", fmt.Errorf("communes.geojson: commune %s is %q in the source, %q in the territory", code, name, c.Name)
		}
		polys, err := polygons(f.Geometry)
		if err != nil {
			return nil, "", fmt.Errorf("communes.geojson, commune %s: %w", code, err)
		}
		s, n, d := simplify(code, c.Name, polys)
		out.Communes = append(out.Communes, s)
		points, dropped = points+n, dropped+d
	}
	for _, c := range cl.Communes {
		if seen[c.Code] {
			continue
		}
		if c.Code != "12202" {
			return nil, "", fmt.Errorf("communes.geojson: commune %s (%s) has no shape", c.Code, c.Name)
		}
		s, n, _ := simplify(c.Code, c.Name, [][][]pt{{antarcticSector()}})
		out.Communes = append(out.Communes, s)
		points += n
	}
	// The source's regions lack their islands far offshore and Antarctica:
	// a region also gets its communes' polygons outside its own extent
	// (Isla de Pascua, Juan Fernández, the Desventuradas, Antártica).
	for k := range out.Regions {
		r := &out.Regions[k]
		box := extent(r.Polygons)
		for _, c := range out.Communes {
			if c.Code[:2] != r.Code {
				continue
			}
			for _, p := range c.Polygons {
				if b := extent([][][]int64{p}); b[2] < box[0]-scale/2 || b[0] > box[2]+scale/2 || b[3] < box[1]-scale/2 || b[1] > box[3]+scale/2 {
					r.Polygons = append(r.Polygons, p)
				}
			}
		}
	}
	slices.SortFunc(out.Regions, func(a, b geo.EncodedShape) int { return strings.Compare(a.Code, b.Code) })
	slices.SortFunc(out.Communes, func(a, b geo.EncodedShape) int { return strings.Compare(a.Code, b.Code) })

	var buf bytes.Buffer
	buf.WriteString("{\"attribution\":")
	j, _ := json.Marshal(out.Attribution)
	buf.Write(j)
	fmt.Fprintf(&buf, ",\"scale\":%d", out.Scale)
	for _, part := range []struct {
		name   string
		shapes []geo.EncodedShape
	}{{"regions", out.Regions}, {"communes", out.Communes}, {"other", out.Other}} {
		fmt.Fprintf(&buf, ",\n%q:[", part.name)
		for k, s := range part.shapes {
			if k > 0 {
				buf.WriteString(",")
			}
			j, err := json.Marshal(s)
			if err != nil {
				return nil, "", err
			}
			buf.WriteString("\n")
			buf.Write(j)
		}
		buf.WriteString("]")
	}
	buf.WriteString("}\n")
	// The file must read back into a valid set of boundaries.
	if _, err := geo.ParseShapes(buf.Bytes(), cl); err != nil {
		return nil, "", fmt.Errorf("the written file does not read back: %w", err)
	}
	return buf.Bytes(), fmt.Sprintf("%d regions, %d communes, %d points kept, %d islets dropped", len(out.Regions), len(out.Communes), points, dropped), nil
}

func read(path string) (*featureCollection, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fc featureCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &fc, nil
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// fold lower-cases s and removes its accents, for comparing names.
func fold(s string) string {
	return strings.TrimSpace(accents.Replace(strings.ToLower(s)))
}

var accents = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n")

// antarcticSector is the Chilean Antarctic Territory's boundary: 60° S from
// 90° W to 53° W, then the meridians down to the pole (sampled every degree,
// so that a polar projection draws the arc).
func antarcticSector() []pt {
	var ring []pt
	for lon := -90.0; lon <= -53; lon++ {
		ring = append(ring, pt{lon, -60})
	}
	ring = append(ring, pt{-53, -90}, pt{-90, -90}, pt{-90, -60})
	return ring
}

// simplify turns a shape's polygons into the stored form: simplified rings,
// rounded and delta-encoded, without the rings too small to see (the largest
// polygon always stays). It returns the points kept and the rings dropped.
func simplify(code, name string, polys [][][]pt) (geo.EncodedShape, int, int) {
	// The tolerance follows the size of the shape's largest polygon (not of
	// all of them: Isla de Pascua's commune spans Salas y Gómez, 400 km
	// away): a 200th of the square root of its bounding box's area, between
	// 0.002° and 0.02°.
	largest, largestArea := 0, -1.0
	for k, p := range polys {
		if a := math.Abs(area(p[0])); a > largestArea {
			largest, largestArea = k, a
		}
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, q := range polys[largest][0] {
		minX, maxX = min(minX, q[0]), max(maxX, q[0])
		minY, maxY = min(minY, q[1]), max(maxY, q[1])
	}
	size := math.Sqrt((maxX - minX) * (maxY - minY))
	tol := min(max(size/200, 0.002), 0.02)
	minArea := tol * tol * 4 // a ring smaller than two tolerances square is a speck
	s := geo.EncodedShape{Code: code, Name: name}
	n, dropped := 0, 0
	encode := func(ring []pt, must bool) []int64 {
		if !must && math.Abs(area(ring)) < minArea {
			return nil
		}
		q := quantize(douglasPeucker(ring, tol))
		if len(q) < 4 && must {
			q = quantize(ring) // too small to simplify: kept as it is
		}
		if len(q) < 4 {
			return nil
		}
		n += len(q)
		return deltas(q)
	}
	for k, p := range polys {
		if k != largest && remoteSpeck(p[0], minX, minY, maxX, maxY) {
			dropped += len(p)
			continue
		}
		outer := encode(p[0], k == largest)
		if outer == nil {
			dropped += len(p) // the outer ring, and its holes with it
			continue
		}
		poly := [][]int64{outer}
		for _, hole := range p[1:] {
			if h := encode(hole, false); h != nil {
				poly = append(poly, h)
			} else {
				dropped++
			}
		}
		s.Polygons = append(s.Polygons, poly)
	}
	return s, n, dropped
}

// remoteSpeck tells an uninhabited islet far out at sea: smaller than about
// 5 km² and more than a degree away from the box of its shape's largest
// polygon (Salas y Gómez off Isla de Pascua, the Desventuradas off
// Valparaíso). Kept, such islets would stretch a map's inset to hold a dot.
func remoteSpeck(ring []pt, minX, minY, maxX, maxY float64) bool {
	if math.Abs(area(ring)) >= 4e-4 {
		return false
	}
	for _, q := range ring {
		if q[0] > minX-1 && q[0] < maxX+1 && q[1] > minY-1 && q[1] < maxY+1 {
			return false
		}
	}
	return true
}

// extent returns the bounding box (min x, min y, max x, max y) of encoded
// polygons' outer rings.
func extent(polys [][][]int64) [4]int64 {
	b := [4]int64{math.MaxInt64, math.MaxInt64, math.MinInt64, math.MinInt64}
	for _, p := range polys {
		var x, y int64
		for i := 0; i+1 < len(p[0]); i += 2 {
			x, y = x+p[0][i], y+p[0][i+1]
			b[0], b[1], b[2], b[3] = min(b[0], x), min(b[1], y), max(b[2], x), max(b[3], y)
		}
	}
	return b
}

func area(ring []pt) float64 {
	a := 0.0
	for i := range ring {
		j := (i + 1) % len(ring)
		a += ring[i][0]*ring[j][1] - ring[j][0]*ring[i][1]
	}
	return a / 2
}

// douglasPeucker simplifies a closed ring, keeping its first point.
func douglasPeucker(ring []pt, tol float64) []pt {
	if len(ring) < 4 {
		return ring
	}
	keep := make([]bool, len(ring))
	keep[0], keep[len(ring)-1] = true, true
	// A closed ring's ends coincide: split it at its farthest point first.
	far, fd := 0, -1.0
	for i, q := range ring {
		if d := math.Hypot(q[0]-ring[0][0], q[1]-ring[0][1]); d > fd {
			far, fd = i, d
		}
	}
	keep[far] = true
	var rec func(lo, hi int)
	rec = func(lo, hi int) {
		best, bd := -1, tol
		for i := lo + 1; i < hi; i++ {
			if d := segDist(ring[i], ring[lo], ring[hi]); d > bd {
				best, bd = i, d
			}
		}
		if best >= 0 {
			keep[best] = true
			rec(lo, best)
			rec(best, hi)
		}
	}
	rec(0, far)
	rec(far, len(ring)-1)
	var out []pt
	for i, k := range keep {
		if k {
			out = append(out, ring[i])
		}
	}
	return out
}

func segDist(p, a, b pt) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	if dx == 0 && dy == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / (dx*dx + dy*dy)
	t = min(max(t, 0), 1)
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// quantize rounds to the stored precision and drops repeated points; the
// ring stays closed.
func quantize(ring []pt) [][2]int64 {
	var out [][2]int64
	for _, q := range ring {
		v := [2]int64{int64(math.Round(q[0] * scale)), int64(math.Round(q[1] * scale))}
		if len(out) > 0 && out[len(out)-1] == v {
			continue
		}
		out = append(out, v)
	}
	if len(out) > 0 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

// deltas encodes a ring as its first point, then each point's difference
// from the previous one, flattened: x0, y0, dx1, dy1, …
func deltas(ring [][2]int64) []int64 {
	out := make([]int64, 0, 2*len(ring))
	var px, py int64
	for k, q := range ring {
		if k == 0 {
			out = append(out, q[0], q[1])
		} else {
			out = append(out, q[0]-px, q[1]-py)
		}
		px, py = q[0], q[1]
	}
	return out
}
