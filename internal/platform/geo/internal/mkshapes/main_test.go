package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDouglasPeucker(t *testing.T) {
	// A unit square whose bottom side wiggles by less than the tolerance.
	ring := []pt{{0, 0}, {0.25, 0.001}, {0.5, -0.001}, {0.75, 0.001}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	got := douglasPeucker(ring, 0.01)
	want := []pt{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("douglasPeucker (-want +got):\n%s", diff)
	}
	if got := douglasPeucker(ring, 0.0001); len(got) != len(ring) {
		t.Errorf("with a tiny tolerance %d points kept, want all %d", len(got), len(ring))
	}
}

func TestSimplifyKeepsTheLargestIslet(t *testing.T) {
	// A commune of two islets, both smaller than the speck threshold: the
	// larger one stays, so the commune is still on the map.
	small := []pt{{0, 0}, {0.001, 0}, {0.001, 0.001}, {0, 0.001}, {0, 0}}
	larger := []pt{{1, 1}, {1.003, 1}, {1.003, 1.003}, {1, 1.003}, {1, 1}}
	s, n, dropped := simplify("05104", "Juan Fernández", [][][]pt{{small}, {larger}})
	if len(s.Polygons) != 1 || dropped != 1 || n != 5 {
		t.Fatalf("kept %d polygons (%d points), dropped %d; want the larger islet alone", len(s.Polygons), n, dropped)
	}
	want := []int64{1000, 1000, 3, 0, 0, 3, -3, 0, 0, -3}
	if diff := cmp.Diff(want, s.Polygons[0][0]); diff != "" {
		t.Errorf("encoded ring (-want +got):\n%s", diff)
	}
}

func TestFold(t *testing.T) {
	if fold("  Ñuñoa ") != fold("nunoa") || fold("Marchigüe") != "marchigue" {
		t.Error("fold does not ignore accents and case")
	}
}
