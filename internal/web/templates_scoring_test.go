package web

import (
	"fmt"

	"github.com/fosis/fosis"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/targeting"
)

// The scoring pages' catalog prefixes and template cases.
func init() {
	moreHandlerKeys = append(moreHandlerKeys, diffCaption, whatIfCaption)
	keyPrefixes = append(keyPrefixes, "map", "diff", "whatif")
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
	national := runMapData{Run: run, Brackets: targeting.Brackets(), Bracket: 40, National: true,
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
	// A diff of two runs, with a page of moved households.
	runs := []targeting.Run{*run, {ID: 2, ModelID: "chile-fps-pmt", ModelName: "PMT", ModelVersion: 1, AsOf: "2026-10-01", Households: 1100}}
	var m targeting.Transitions
	m[0][0], m[0][1], m[1][0], m[6][6] = 300, 25, 20, 100
	rd := &targeting.RunDiff{A: 2, B: 3, Matrix: m, Total: targeting.Moves{Households: 445, Up: 25, Down: 20, Same: 400, Into40: 20, OutOf40: 25},
		ByRegion: []targeting.RegionTransitions{{Code: "13", Name: "Metropolitana de Santiago", Matrix: m,
			Moves: targeting.Moves{Households: 445, Up: 25, Down: 20, Same: 400, Into40: 20, OutOf40: 25}}}}
	moved := []movedRow{{Change: targeting.Change{HouseholdID: "H0000007", CommuneCode: "13101", From: 40, To: 50}, CommuneName: "Santiago"},
		{Change: targeting.Change{HouseholdID: "H0000009", CommuneCode: "13102", From: 50, To: 40}, CommuneName: "Cerrillos"}}
	diff := diffData{Runs: runs, A: 2, B: 3, Brackets: targeting.Brackets(), Diff: rd, Matrix: matrixTable{ID: "matrix", Caption: diffCaption, Rows: matrixRows(m)}, Regions: regionMatrices(rd.ByRegion, diffCaption), Moved: moved,
		FirstURL: "/runs/diff?a=2&b=3", CSVURL: "/runs/diff/moved.csv?a=2&b=3", NextURL: "/runs/diff?a=2&after=9&b=3"}
	// A what-if: the form, a model with problems, a result.
	wr := &targeting.WhatIfResult{Base: targeting.ModelRef{ID: "chile-rsh", Version: 1, Name: "RSH"},
		Other: targeting.ModelRef{ID: "chile-rsh", Version: 2, Name: "RSH <editado>"}, AsOf: "2026-11-01",
		Matrix: m, Total: rd.Total, ByRegion: rd.ByRegion}
	form := whatIfData{Model: `{"id": "chile-rsh", "name": "<script>"}`, AsOf: "2026-11-01"}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"whatif", form, `{&#34;id&#34;: &#34;chile-rsh&#34;, &#34;name&#34;: &#34;&lt;script&gt;&#34;}</textarea>`},
		templateCase{"whatif", form, `id="whatif-progress"`},
		templateCase{"whatif", whatIfData{Problems: []fosis.FieldError{fosis.KeyedField("params.equivalence_exponent", "targeting.err.unit_range", "must be between 0 and 1, got %v", 3.0)},
			Summary: []string{"params: 3"}}, `id="whatif-problems"`},
		templateCase{"whatif", whatIfData{Detail: "line 3: invalid JSON"}, `id="whatif-detail">line 3: invalid JSON<`},
		templateCase{"whatif", whatIfData{Error: "whatif.too_big"}, `id="whatif-error"`},
		templateCase{"whatif", whatIfData{Result: wr, Matrix: matrixTable{ID: "matrix", Caption: whatIfCaption, Rows: matrixRows(m)}, Regions: regionMatrices(rd.ByRegion, whatIfCaption)}, `RSH &lt;editado&gt; (`},
		templateCase{"whatif", whatIfData{Result: wr, Matrix: matrixTable{ID: "matrix", Caption: diffCaption, Rows: matrixRows(m)}, Regions: regionMatrices(rd.ByRegion, diffCaption)}, `<tr data-region="13">`},
		templateCase{"whatif", whatIfData{Result: wr, Matrix: matrixTable{ID: "matrix", Caption: diffCaption, Rows: matrixRows(m)}, Regions: regionMatrices(rd.ByRegion, diffCaption)}, `<details class="mb-2" data-region="13">`},
		templateCase{"rundiff", diff, `id="matrix-13"`},
		templateCase{"runs", runsData{Runs: runs, WhatIf: true}, `href="/whatif" id="runs-whatif-link"`},
		templateCase{"rundiff", diff, `<tr data-from="40"><th scope="row">40%</th>`},
		templateCase{"rundiff", diff, `<td class="text-end fw-semibold">25</td>`},
		templateCase{"rundiff", diff, `<a href="/households/H0000009">H0000009</a>`},
		templateCase{"rundiff", diff, `href="/runs/diff?a=2&amp;after=9&amp;b=3" id="diff-next"`},
		templateCase{"rundiff", diff, `href="/runs/diff/moved.csv?a=2&amp;b=3"`},
		templateCase{"rundiff", diff, `<option value="2" selected>`},
		templateCase{"rundiff", diffData{Runs: runs[:1]}, `id="diff-empty"`},
		templateCase{"rundiff", diffData{Runs: runs, A: 2, B: 3, Diff: rd, Matrix: matrixTable{ID: "matrix", Caption: diffCaption, Rows: matrixRows(m)}, Regions: regionMatrices(rd.ByRegion, diffCaption)}, `id="diff-moved-none"`},
		templateCase{"rundiff", diffData{Runs: runs, A: 2, B: 3, Diff: rd, Matrix: matrixTable{ID: "matrix", Caption: diffCaption, Rows: matrixRows(m)}, Regions: regionMatrices(rd.ByRegion, diffCaption), After: "9", FirstURL: "/runs/diff?a=2&b=3"}, `id="diff-moved-end"`},
		templateCase{"runmap", national, `<a href="/runs/3/map/13?bracket=40" data-code="13"><path id="area-13"`},
		templateCase{"runmap", national, `id="map-table"`},
		templateCase{"runmap", national, `fill="#dee2e6"`}, // Aysén, without households
		templateCase{"runmap", regional, `<a href="/communes/05201" data-code="05201">`},
		templateCase{"runmap", regional, `<option value="50" selected>`},
		templateCase{"runmap", runMapData{Run: run, Brackets: targeting.Brackets(), Bracket: 40}, `id="map-empty"`},
		// A territory without boundaries: the table alone.
		templateCase{"runmap", runMapData{Run: run, Brackets: targeting.Brackets(), Bracket: 40,
			Map: drawMap([]mapArea{newMapArea("R1", "Región Uno", "/runs/3/map/R1", []int64{2, 0, 0, 0, 0, 0, 0}, 0, 4)}, []*geo.Shape{nil}, nil, nil)},
			`<tr data-code="R1">`},
	)
}
