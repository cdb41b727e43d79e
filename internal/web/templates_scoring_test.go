package web

import (
	"fmt"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/targeting"
)

// The scoring pages' catalog prefixes and template cases.
func init() {
	keyPrefixes = append(keyPrefixes, "map")
	run := &targeting.Run{ID: 3, ModelID: "chile-rsh", ModelName: "RSH", ModelVersion: 1, AsOf: "2026-11-01", Households: 1200}
	bounds := chileBounds()
	// The national map: every region, one of them without households.
	var areas []mapArea
	var shapes []*geo.Shape
	for i, r := range bounds.Regions {
		n := int64(0)
		if r.Code != "11" {
			n = int64(100 + 10*i)
		}
		areas = append(areas, newMapArea(r.Code, r.Name, fmt.Sprintf("/runs/3/map/%s?bracket=40", r.Code), []int64{int64(30 + i), 0, 0, 0, 0, 0, 0}, 0, n))
		shapes = append(shapes, &bounds.Regions[i])
	}
	national := runMapData{Run: run, Brackets: targeting.Brackets(), Bracket: 40, National: true, Attribution: bounds.Attribution,
		Map: drawMap(areas, shapes, []*geo.Shape{&bounds.Other[0]}, regionColumn)}
	// Valparaíso's communes, with the islands in insets.
	areas, shapes = nil, nil
	for i, c := range bounds.Communes {
		if c.Code[:2] == "05" {
			areas = append(areas, newMapArea(c.Code, c.Name, "/communes/"+c.Code, []int64{0, 5, 0, 0, 0, 0, 0}, 1, int64(20+i%7)))
			shapes = append(shapes, &bounds.Communes[i])
		}
	}
	valpo := &geo.Region{Code: "05", Name: "Región de Valparaíso"}
	regional := runMapData{Run: run, Brackets: targeting.Brackets(), Bracket: 50, Region: valpo, Map: drawMap(areas, shapes, nil, nil)}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"runmap", national, `<a href="/runs/3/map/13?bracket=40" data-code="13"><path id="area-13"`},
		templateCase{"runmap", national, `id="map-table"`},
		templateCase{"runmap", national, `fill="#dee2e6"`}, // Aysén, without households
		templateCase{"runmap", regional, `<a href="/communes/05201" data-code="05201">`},
		templateCase{"runmap", regional, `<option value="50" selected>`},
		templateCase{"runmap", runMapData{Run: run, Brackets: targeting.Brackets(), Bracket: 40}, `id="map-empty"`},
	)
}
