package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/platform/geo"
)

var pathNumbers = regexp.MustCompile(`[ML](-?[0-9.]+) (-?[0-9.]+)`)

// TestDrawMap: every region is drawn inside the map's box, each ring with
// at least three points; the islands and Antarctica get their insets.
func TestDrawMap(t *testing.T) {
	b := chileBounds()
	var areas []mapArea
	var shapes []*geo.Shape
	for i := range b.Regions {
		areas = append(areas, mapArea{Code: b.Regions[i].Code, Households: 10, Count: int64(i), Share: float64(10 * i)})
		shapes = append(shapes, &b.Regions[i])
	}
	c := drawMap(areas, shapes, []*geo.Shape{&b.Other[0]}, regionColumn)
	checkMap(t, c)
	if c.Width < 600 || c.Height != int(mapMainHeight) {
		t.Errorf("map of %d × %d", c.Width, c.Height)
	}
	var insets []string
	for _, in := range c.Insets {
		insets = append(insets, in.Label)
		if in.X+in.W > float64(c.Width)+0.01 || in.Y+in.H > float64(c.Height)+0.01 {
			t.Errorf("inset %s at %v+%v, %v+%v outside the map", in.Label, in.X, in.W, in.Y, in.H)
		}
	}
	if diff := cmp.Diff([]string{"map.inset_pascua", "map.inset_islands", "map.inset_antarctica"}, insets); diff != "" {
		t.Errorf("insets (-want +got):\n%s", diff)
	}
	// Every region's communes map, too.
	for _, r := range geo.Chile().Regions {
		var areas []mapArea
		var shapes []*geo.Shape
		for k := range b.Communes {
			if strings.HasPrefix(b.Communes[k].Code, r.Code) {
				areas = append(areas, mapArea{Code: b.Communes[k].Code, Households: 1})
				shapes = append(shapes, &b.Communes[k])
			}
		}
		checkMap(t, drawMap(areas, shapes, nil, nil))
	}
}

// checkMap checks that every area has a fill and a path whose rings have
// three points or more, all inside the map's box.
func checkMap(t *testing.T, c choropleth) {
	t.Helper()
	for _, a := range append(c.Areas, c.Others...) {
		if a.D == "" || a.Fill == "" {
			t.Errorf("area %s: path %d bytes, fill %q", a.Code, len(a.D), a.Fill)
		}
		for _, ring := range strings.Split(strings.TrimSuffix(a.D, "Z"), "Z") {
			pts := pathNumbers.FindAllStringSubmatch(ring, -1)
			if len(pts) < 3 {
				t.Errorf("area %s: a ring of %d points", a.Code, len(pts))
			}
			for _, p := range pts {
				x, _ := strconv.ParseFloat(p[1], 64)
				y, _ := strconv.ParseFloat(p[2], 64)
				if x < -0.1 || y < -0.1 || x > float64(c.Width)+0.1 || y > float64(c.Height)+0.1 {
					t.Fatalf("area %s: point %v,%v outside the %d × %d map", a.Code, x, y, c.Width, c.Height)
				}
			}
		}
	}
}

func TestColour(t *testing.T) {
	areas := []mapArea{{Code: "a", Households: 10, Share: 10}, {Code: "b", Households: 10, Share: 60},
		{Code: "c", Households: 10, Share: 35}, {Code: "d"}}
	legend := colour(areas)
	var fills []string
	for _, a := range areas {
		fills = append(fills, a.Fill)
	}
	if diff := cmp.Diff([]string{mapFills[0], mapFills[4], mapFills[2], emptyFill}, fills); diff != "" {
		t.Errorf("fills (-want +got):\n%s", diff)
	}
	if len(legend) != 6 || legend[0].From != 10 || legend[4].To != 60 || !legend[5].Empty {
		t.Errorf("legend %+v", legend)
	}
	// All shares equal: classes still a percent or more wide.
	same := []mapArea{{Households: 5, Share: 0}, {Households: 3, Share: 0}}
	if l := colour(same); l[0].To-l[0].From < 1 || same[0].Fill != mapFills[0] {
		t.Errorf("equal shares: legend %+v, fill %s", l, same[0].Fill)
	}
}

func TestDrawMapWithoutShapes(t *testing.T) {
	c := drawMap([]mapArea{{Code: "R1", Households: 3, Share: 50}}, []*geo.Shape{nil}, nil, nil)
	if c.Drawn || len(c.Areas) != 1 || c.Areas[0].D != "" || c.Areas[0].Fill == "" {
		t.Errorf("a map without shapes: drawn %v, areas %+v", c.Drawn, c.Areas)
	}
}
