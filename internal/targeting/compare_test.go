package targeting

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompare(t *testing.T) {
	f := valueFrame(t, 1, 1, 1, 1, 1)
	f.Region = []uint8{1, 1, 2, 13, 2}
	a := &Results{Bracket: []uint8{40, 50, 60, 100, 90}}
	b := &Results{Bracket: []uint8{50, 50, 40, 0, 90}}
	got := Compare(f, a, b)
	var matrix [7][7]int
	matrix[0][1] = 1 // 40 → 50
	matrix[1][1] = 1 // 50 → 50
	matrix[2][0] = 1 // 60 → 40
	matrix[5][5] = 1 // 90 → 90
	want := Comparison{
		Households: 5,
		Unscored:   1, // household 3 has no bracket under b
		Total:      Shift{Up: 1, Down: 1, Same: 2},
		ByRegion: []RegionShift{
			{Region: 1, Shift: Shift{Up: 1, Same: 1}},
			{Region: 2, Shift: Shift{Down: 1, Same: 1}},
		},
		Matrix: matrix,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Compare (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 2, 3}, Changed(a, b)); diff != "" {
		t.Errorf("Changed (-want +got):\n%s", diff)
	}
	if got := Changed(a, a); got != nil {
		t.Errorf("Changed(a, a) = %v, want nil", got)
	}
}

func TestCompareWhatIf(t *testing.T) {
	// The same frame under a model without and with a means test: only the
	// households that fail it move, and only up.
	f := valueFrame(t, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	f.Property[1], f.Property[8] = 1e9, 1e9
	before := mustScore(t, f, roomsModel(nil))
	after := mustScore(t, f, roomsModel(&MeansTest{UpgradeToBracket: 90, PropertyMinCLP: ptr[int64](1e8)}))
	if diff := cmp.Diff([]int{1}, Changed(before, after)); diff != "" {
		t.Errorf("Changed (-want +got):\n%s", diff)
	}
	c := Compare(f, before, after)
	if c.Total != (Shift{Up: 1, Same: 9}) || c.Matrix[0][5] != 1 {
		t.Errorf("Compare total %+v, 40→90 %d; want one household up from 40 to 90", c.Total, c.Matrix[0][5])
	}
}

func TestCompareDifferentFramesPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Compare of runs of different sizes did not panic")
		}
	}()
	Compare(valueFrame(t, 1, 2), &Results{Bracket: []uint8{40, 50}}, &Results{Bracket: []uint8{40}})
}
