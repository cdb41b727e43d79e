package geo

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestChileBoundaries: every region and commune of the territory has a
// shape, inside Chile's extent, islands and the Antarctic sector included.
func TestChileBoundaries(t *testing.T) {
	cl := Chile()
	b := ChileBoundaries()
	if len(b.Regions) != len(cl.Regions) || len(b.Communes) != len(cl.Communes) {
		t.Fatalf("%d region and %d commune shapes, want %d and %d", len(b.Regions), len(b.Communes), len(cl.Regions), len(cl.Communes))
	}
	check := func(kind string, s *Shape, ok bool, code string) {
		t.Helper()
		if !ok || s.Code != code || len(s.Polygons) == 0 {
			t.Errorf("%s %s: no shape", kind, code)
			return
		}
		minLon, minLat, maxLon, maxLat := s.Bounds()
		if minLon < -110 || maxLon > -53 || minLat < -90 || maxLat > -17 || minLon >= maxLon || minLat >= maxLat {
			t.Errorf("%s %s: bounds %v %v %v %v outside Chile", kind, code, minLon, minLat, maxLon, maxLat)
		}
		for _, p := range s.Polygons {
			for _, ring := range p {
				if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
					t.Errorf("%s %s: a ring of %d points that is not closed", kind, code, len(ring))
				}
			}
		}
	}
	for _, r := range cl.Regions {
		s, ok := b.Region(r.Code)
		check("region", s, ok, r.Code)
	}
	for _, c := range cl.Communes {
		s, ok := b.Commune(c.Code)
		check("commune", s, ok, c.Code)
	}
	for code, want := range map[string]struct{ lon, lat float64 }{
		"05201": {-109.4, -27.1}, // Isla de Pascua
		"05104": {-78.9, -33.6},  // Juan Fernández (Robinson Crusoe)
		"12202": {-70, -75},      // Antártica
		"13101": {-70.65, -33.45},
	} {
		s, _ := b.Commune(code)
		minLon, minLat, maxLon, maxLat := s.Bounds()
		if want.lon < minLon-0.3 || want.lon > maxLon+0.3 || want.lat < minLat-0.3 || want.lat > maxLat+0.3 {
			t.Errorf("commune %s spans %v…%v, %v…%v; want it around %v", code, minLon, maxLon, minLat, maxLat, want)
		}
	}
	if len(b.Other) != 1 || !strings.Contains(b.Attribution, "MIT") {
		t.Errorf("other shapes %d, attribution %q", len(b.Other), b.Attribution)
	}
	if len(chileShapes) > 512<<10 {
		t.Errorf("the embedded shapes take %d bytes; keep them well under 1 MB", len(chileShapes))
	}
}

// TestParseShapesRejects: a file that misses a code, names an unknown one,
// repeats one or holds a broken ring is refused with the code in the error.
func TestParseShapesRejects(t *testing.T) {
	cl := Chile()
	var good ShapeFile
	if err := json.Unmarshal(chileShapes, &good); err != nil {
		t.Fatal(err)
	}
	encode := func(f ShapeFile) []byte {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, c := range map[string]struct {
		edit func(f *ShapeFile)
		want string
	}{
		"missing commune": {func(f *ShapeFile) { f.Communes = f.Communes[1:] }, "commune 01101 (Iquique) has no shape"},
		"missing region":  {func(f *ShapeFile) { f.Regions = f.Regions[:15] }, "has no shape"},
		"unknown commune": {func(f *ShapeFile) { f.Communes[0].Code = "99999" }, `commune "99999" is not in the territory`},
		"twice":           {func(f *ShapeFile) { f.Communes[1].Code = f.Communes[0].Code }, "has two shapes"},
		"odd ring":        {func(f *ShapeFile) { f.Communes[0].Polygons[0][0] = f.Communes[0].Polygons[0][0][1:] }, `commune "01101" polygon 0 ring 0`},
		"no polygon":      {func(f *ShapeFile) { f.Regions[0].Polygons = nil }, `region "01" has no polygon`},
		"no scale":        {func(f *ShapeFile) { f.Scale = 0 }, "scale 0"},
		"open ring":       {func(f *ShapeFile) { f.Communes[0].Polygons[0][0][2]++ }, `commune "01101" polygon 0 ring 0 is not closed`},
	} {
		t.Run(name, func(t *testing.T) {
			var f ShapeFile
			json.Unmarshal(chileShapes, &f) // a fresh copy to edit
			c.edit(&f)
			_, err := ParseShapes(encode(f), cl)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one with %q", err, c.want)
			}
		})
	}
	if _, err := ParseShapes(encode(good), cl); err != nil {
		t.Errorf("the embedded file, re-encoded: %v", err)
	}
}

// FuzzParseShapes: any input is parsed or refused, never a panic, and what
// is parsed has every region and commune with closed rings.
func FuzzParseShapes(f *testing.F) {
	f.Add(chileShapes)
	f.Add([]byte(`{"scale":1000,"regions":[{"code":"01","p":[[[1,2,3]]]}]}`))
	f.Add([]byte(`{"scale":-1}`))
	cl := Chile()
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseShapes(data, cl)
		if err != nil {
			return
		}
		for _, c := range cl.Communes {
			s, ok := b.Commune(c.Code)
			if !ok || len(s.Polygons) == 0 {
				t.Fatalf("commune %s parsed without a shape", c.Code)
			}
			for _, p := range s.Polygons {
				for _, ring := range p {
					if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
						t.Fatalf("commune %s: a ring of %d points, not closed", c.Code, len(ring))
					}
				}
			}
		}
	})
}
