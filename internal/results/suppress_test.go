package results

import (
	"math"
	"math/rand/v2"
	"testing"
)

// revealed returns the hidden cells of s that a reader can work out
// exactly from the published cells: a reader's attack written independently
// of Suppress, by Gaussian elimination over every line equation of the
// extended grid (a hidden cell is revealed when its unit vector lies in the
// span of the equations' hidden parts).
func revealed(s *Suppressed) [][2]int {
	R, C := len(s.Hidden)-1, len(s.Hidden[0])-1
	var vars [][2]int
	idx := map[[2]int]int{}
	for r := 0; r <= R; r++ {
		for c := 0; c <= C; c++ {
			if s.Hidden[r][c] {
				idx[[2]int{r, c}] = len(vars)
				vars = append(vars, [2]int{r, c})
			}
		}
	}
	n := len(vars)
	var rows [][]float64
	line := func(cells [][2]int, total [2]int) {
		eq := make([]float64, n)
		any := false
		for _, p := range cells {
			if k, ok := idx[p]; ok {
				eq[k] += 1
				any = true
			}
		}
		if k, ok := idx[total]; ok {
			eq[k] -= 1
			any = true
		}
		if any {
			rows = append(rows, eq)
		}
	}
	for r := 0; r <= R; r++ {
		var cells [][2]int
		for c := 0; c < C; c++ {
			cells = append(cells, [2]int{r, c})
		}
		line(cells, [2]int{r, C})
	}
	for c := 0; c <= C; c++ {
		var cells [][2]int
		for r := 0; r < R; r++ {
			cells = append(cells, [2]int{r, c})
		}
		line(cells, [2]int{R, c})
	}
	// Row-reduce.
	rank := 0
	for col := 0; col < n && rank < len(rows); col++ {
		p := -1
		for i := rank; i < len(rows); i++ {
			if math.Abs(rows[i][col]) > 1e-9 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[rank], rows[p] = rows[p], rows[rank]
		for i := range rows {
			if i != rank && math.Abs(rows[i][col]) > 1e-9 {
				f := rows[i][col] / rows[rank][col]
				for j := range rows[i] {
					rows[i][j] -= f * rows[rank][j]
				}
			}
		}
		rank++
	}
	// In reduced form, a variable is determined iff some row has it as its
	// only non-zero entry.
	var out [][2]int
	for _, eq := range rows[:rank] {
		nz, at := 0, -1
		for j, v := range eq {
			if math.Abs(v) > 1e-9 {
				nz++
				at = j
			}
		}
		if nz == 1 {
			out = append(out, vars[at])
		}
	}
	return out
}

// check asserts what a reader of the published table must not be able to
// do: see a count from 1 to 9, work a hidden cell out, or meet a hidden zero.
func check(t *testing.T, cells [][]int64) *Suppressed {
	t.Helper()
	s := Suppress(cells)
	R, C := len(cells), len(cells[0])
	val := func(r, c int) int64 {
		switch {
		case r < R && c < C:
			return s.Cells[r][c]
		case r < R:
			return s.RowTotals[r]
		case c < C:
			return s.ColTotals[c]
		}
		return s.Total
	}
	for r := 0; r <= R; r++ {
		for c := 0; c <= C; c++ {
			v := val(r, c)
			if v > 0 && v < MinCell && !s.Hidden[r][c] {
				t.Errorf("cell (%d,%d) = %d is published", r, c, v)
			}
			if s.Hidden[r][c] && v == 0 {
				t.Errorf("cell (%d,%d) is a hidden zero", r, c)
			}
		}
	}
	if got := revealed(s); len(got) > 0 {
		t.Errorf("hidden cells worked out from the published ones: %v (hidden %v)", got, s.Hidden)
	}
	return s
}

func TestSuppress(t *testing.T) {
	cases := []struct {
		name  string
		cells [][]int64
		// hidden is how many cells must be hidden (-1: do not check).
		hidden int
	}{
		// One small cell: its row total would give it back, so at least a
		// rectangle of four cells is hidden.
		{"one small cell", [][]int64{{5, 20, 30}, {40, 50, 60}, {70, 80, 90}}, 4},
		// Nothing small: nothing hidden.
		{"nothing small", [][]int64{{15, 20}, {40, 50}}, 0},
		// Zeros are published and never hidden to protect another cell.
		{"zeros", [][]int64{{3, 0, 40}, {0, 0, 50}, {12, 30, 60}}, -1},
		// Two small cells in the same row: each other's complement in the
		// row, but their columns still give them back.
		{"two in a row", [][]int64{{4, 6, 100}, {30, 40, 50}}, -1},
		// A small row total: hidden, and its row too.
		{"small row total", [][]int64{{2, 3, 1}, {30, 40, 50}, {20, 25, 35}}, -1},
		// One row only: the cell, a complement and both totals.
		{"one row", [][]int64{{7, 30, 12}}, -1},
		// One column only.
		{"one column", [][]int64{{7}, {30}, {12}}, -1},
		// Two separate blocks of small cells that share one row: the
		// peeling of lines finds nothing, but the equations together pin the
		// connecting cell down unless it is on a cycle.
		{"bridge", [][]int64{{2, 3, 50, 60}, {4, 5, 70, 80}, {90, 90, 1, 2}, {90, 90, 3, 4}}, -1},
		// Everything small.
		{"all small", [][]int64{{1, 2}, {3, 1}}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := check(t, tc.cells)
			n := 0
			for _, row := range s.Hidden {
				for _, h := range row {
					if h {
						n++
					}
				}
			}
			if tc.hidden >= 0 && n != tc.hidden {
				t.Errorf("hid %d cells, want %d: %v", n, tc.hidden, s.Hidden)
			}
		})
	}
}

// TestSuppressSingleHiddenCellIsRevealed shows why complementary
// suppression is needed: the reader's attack finds a lone hidden cell from
// its row total.
func TestSuppressSingleHiddenCellIsRevealed(t *testing.T) {
	s := &Suppressed{Hidden: [][]bool{{true, false, false}, {false, false, false}}}
	if got := revealed(s); len(got) != 1 || got[0] != [2]int{0, 0} {
		t.Fatalf("the attack found %v, want the lone cell (0,0)", got)
	}
}

// TestSuppressRandom checks random sparse tables, like communes × lines.
func TestSuppressRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 10))
	for i := 0; i < 300; i++ {
		R, C := 1+rng.IntN(7), 1+rng.IntN(5)
		cells := make([][]int64, R)
		for r := range cells {
			cells[r] = make([]int64, C)
			for c := range cells[r] {
				switch rng.IntN(4) {
				case 0:
					cells[r][c] = 0
				case 1:
					cells[r][c] = 1 + rng.Int64N(9)
				default:
					cells[r][c] = rng.Int64N(200)
				}
			}
		}
		check(t, cells)
	}
}
