package targeting

import (
	"fmt"

	"github.com/fosis/fosis/internal/registry"
)

// Shift counts households by the direction their bracket moved from run A to
// run B. Up means a higher bracket number under B (classified as less
// vulnerable), Down a lower one.
type Shift struct {
	Up   int `json:"up"`
	Down int `json:"down"`
	Same int `json:"same"`
}

func (s *Shift) add(from, to uint8) {
	switch {
	case to > from:
		s.Up++
	case to < from:
		s.Down++
	default:
		s.Same++
	}
}

// RegionShift is the Shift of one region.
type RegionShift struct {
	Region uint8 `json:"region"`
	Shift
}

// Comparison is how the brackets of the same households differ between two
// scoring runs A and B (two models, or two dates): the answer of a what-if.
type Comparison struct {
	Households int `json:"households"`
	// Unscored counts households with no bracket (0) in either run, e.g.
	// registered after the older run; they are in no other count.
	Unscored int           `json:"unscored"`
	Total    Shift         `json:"total"`
	ByRegion []RegionShift `json:"by_region"` // ascending region number
	// Matrix[a][b] counts households in bracket 40+10a under A and 40+10b
	// under B; the diagonal is the households that kept their bracket.
	Matrix [7][7]int `json:"matrix"`
}

// Compare compares runs a and b of the same frame f (final brackets, after
// upgrades). It panics if a, b and f do not have the same number of
// households, which means they are not runs of the same frame.
func Compare(f *registry.Frame, a, b *Results) Comparison {
	n := mustSameLen(f, a, b)
	c := Comparison{Households: n}
	var regions [256]Shift
	var seen [256]bool
	for i := range n {
		from, to := a.Bracket[i], b.Bracket[i]
		if from == 0 || to == 0 {
			c.Unscored++
			continue
		}
		c.Total.add(from, to)
		r := f.Region[i]
		regions[r].add(from, to)
		seen[r] = true
		c.Matrix[bracketIndex(from)][bracketIndex(to)]++
	}
	c.ByRegion = []RegionShift{}
	for r := range regions {
		if seen[r] {
			c.ByRegion = append(c.ByRegion, RegionShift{Region: uint8(r), Shift: regions[r]})
		}
	}
	return c
}

// Changed returns, in ascending order, the indexes of the households whose
// final bracket differs between runs a and b. It panics if their lengths
// differ.
func Changed(a, b *Results) []int {
	n := mustSameLen(nil, a, b)
	var out []int
	for i := range n {
		if a.Bracket[i] != b.Bracket[i] {
			out = append(out, i)
		}
	}
	return out
}

// bracketIndex maps a bracket 40…100 to 0…6.
func bracketIndex(b uint8) int {
	return min(max(int(b)/10-4, 0), 6)
}

func mustSameLen(f *registry.Frame, a, b *Results) int {
	n := a.Len()
	if b.Len() != n || (f != nil && f.Len() != n) {
		fl := -1
		if f != nil {
			fl = f.Len()
		}
		panic(fmt.Sprintf("targeting: comparing runs of different frames (%d and %d households, frame %d)", n, b.Len(), fl))
	}
	return n
}
