package geo

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// chileShapes are Chile's simplified region and commune boundaries, written
// by internal/mkshapes from the source in data/cl (see its LICENSE).
//
//go:embed data/cl/shapes.json
var chileShapes []byte

// Point is a position in degrees.
type Point struct{ Lon, Lat float64 }

// Polygon is an outer ring followed by its holes; each ring is closed (its
// last point repeats the first).
type Polygon [][]Point

// Shape is the boundary of a region or commune: one polygon or several
// (islands).
type Shape struct {
	Code     string
	Name     string
	Polygons []Polygon
}

// Bounds returns the shape's bounding box.
func (s *Shape) Bounds() (minLon, minLat, maxLon, maxLat float64) {
	first := true
	for _, p := range s.Polygons {
		for _, q := range p[0] {
			if first {
				minLon, maxLon, minLat, maxLat, first = q.Lon, q.Lon, q.Lat, q.Lat, false
				continue
			}
			minLon, maxLon = min(minLon, q.Lon), max(maxLon, q.Lon)
			minLat, maxLat = min(minLat, q.Lat), max(maxLat, q.Lat)
		}
	}
	return
}

// Boundaries are a country's region and commune shapes, keyed by the
// territory's codes, plus shapes that belong to no region (Other, e.g. an
// undemarcated zone), drawn without a value.
type Boundaries struct {
	Attribution string
	Regions     []Shape // in code order
	Communes    []Shape // in code order
	Other       []Shape

	region, commune map[string]int
}

// Region returns the shape of the region with the given code.
func (b *Boundaries) Region(code string) (*Shape, bool) {
	i, ok := b.region[code]
	if !ok {
		return nil, false
	}
	return &b.Regions[i], true
}

// Commune returns the shape of the commune with the given code.
func (b *Boundaries) Commune(code string) (*Shape, bool) {
	i, ok := b.commune[code]
	if !ok {
		return nil, false
	}
	return &b.Communes[i], true
}

// ChileBoundaries returns the embedded boundaries of Chile's 16 regions and
// 346 communes. Parsing takes a few milliseconds: keep the result.
func ChileBoundaries() *Boundaries {
	b, err := ParseShapes(chileShapes, Chile())
	if err != nil {
		panic("geo: embedded Chile boundaries are invalid: " + err.Error())
	}
	return b
}

// ShapeFile is the stored form of boundaries: coordinates as integers (a
// degree is Scale units), each ring delta-encoded and flattened.
type ShapeFile struct {
	Attribution string         `json:"attribution"`
	Scale       int            `json:"scale"`
	Regions     []EncodedShape `json:"regions"`
	Communes    []EncodedShape `json:"communes"`
	Other       []EncodedShape `json:"other"`
}

// EncodedShape is a stored shape: each polygon a list of rings, each ring
// x0, y0, then each point's difference from the previous one.
type EncodedShape struct {
	Code     string      `json:"code"`
	Name     string      `json:"name"`
	Polygons [][][]int64 `json:"p"`
}

// ParseShapes reads a ShapeFile and checks it against territory t: every
// region and commune of t must have exactly one shape and no shape may name
// a code t lacks.
func ParseShapes(data []byte, t *Territory) (*Boundaries, error) {
	var f ShapeFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("shapes: %w", err)
	}
	if f.Scale <= 0 {
		return nil, fmt.Errorf("shapes: scale %d, want a positive number", f.Scale)
	}
	b := &Boundaries{Attribution: f.Attribution, region: map[string]int{}, commune: map[string]int{}}
	decode := func(kind string, in []EncodedShape, index map[string]int, known func(string) bool) ([]Shape, error) {
		out := make([]Shape, 0, len(in))
		for _, e := range in {
			if index != nil {
				if !known(e.Code) {
					return nil, fmt.Errorf("shapes: %s %q is not in the territory", kind, e.Code)
				}
				if _, dup := index[e.Code]; dup {
					return nil, fmt.Errorf("shapes: %s %q has two shapes", kind, e.Code)
				}
				index[e.Code] = len(out)
			}
			s := Shape{Code: e.Code, Name: e.Name}
			for k, p := range e.Polygons {
				var poly Polygon
				for r, ring := range p {
					if len(ring)%2 != 0 || len(ring) < 8 {
						return nil, fmt.Errorf("shapes: %s %q polygon %d ring %d has %d numbers, want an even number ≥ 8", kind, e.Code, k, r, len(ring))
					}
					pts := make([]Point, len(ring)/2)
					var x, y int64
					for i := range pts {
						x, y = x+ring[2*i], y+ring[2*i+1]
						pts[i] = Point{float64(x) / float64(f.Scale), float64(y) / float64(f.Scale)}
					}
					if pts[0] != pts[len(pts)-1] {
						return nil, fmt.Errorf("shapes: %s %q polygon %d ring %d is not closed", kind, e.Code, k, r)
					}
					poly = append(poly, pts)
				}
				if len(poly) > 0 {
					s.Polygons = append(s.Polygons, poly)
				}
			}
			if len(s.Polygons) == 0 {
				return nil, fmt.Errorf("shapes: %s %q has no polygon", kind, e.Code)
			}
			out = append(out, s)
		}
		return out, nil
	}
	var err error
	if b.Regions, err = decode("region", f.Regions, b.region, func(c string) bool { _, ok := t.RegionIndex(c); return ok }); err != nil {
		return nil, err
	}
	if b.Communes, err = decode("commune", f.Communes, b.commune, func(c string) bool { _, ok := t.CommuneIndex(c); return ok }); err != nil {
		return nil, err
	}
	if b.Other, err = decode("other shape", f.Other, nil, nil); err != nil {
		return nil, err
	}
	for _, r := range t.Regions {
		if _, ok := b.region[r.Code]; !ok {
			return nil, fmt.Errorf("shapes: region %s (%s) has no shape", r.Code, r.Name)
		}
	}
	for _, c := range t.Communes {
		if _, ok := b.commune[c.Code]; !ok {
			return nil, fmt.Errorf("shapes: commune %s (%s) has no shape", c.Code, c.Name)
		}
	}
	return b, nil
}
