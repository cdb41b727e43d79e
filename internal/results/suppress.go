package results

// Small-cell suppression for the open data (docs/results.md, "Open data").
//
// A published table is a grid of counts with its row totals, column totals
// and grand total. A count from 1 to 9 (MinCell − 1) could single out a few
// families, so it is not published (primary suppression). Hiding it is not
// enough: its row total minus the other cells of the row gives it back.
// Complementary suppression hides more cells until no hidden count can be
// worked out from what is published.
//
// The algorithm, plainly:
//
//  1. Extend the table with its totals: a last column of row totals, a last
//     row of column totals, the grand total in the corner. Every line (row
//     or column) of this grid adds up: its cells sum to its total cell.
//  2. Hide every cell, totals included, whose count is 1 to 9. Zeros are
//     published: a zero singles nobody out.
//  3. Look at the hidden cells as edges of a graph whose nodes are the
//     grid's rows and columns (a hidden cell joins its row and its column).
//     A hidden cell can be worked out exactly from the published ones if and
//     only if it lies on no cycle of that graph (it is a "bridge"): the line
//     equations then pin it down. A hidden cell on a cycle is not pinned
//     down: adding 1 to it, taking 1 from the next hidden cell on the cycle,
//     adding 1 to the next and so on keeps every total — and because every
//     hidden cell holds at least 1, taking 1 keeps it a count, so the
//     reader cannot tell the true table from the changed one.
//  4. While some hidden cell (r, c) is a bridge, hide the three other
//     corners of the cheapest rectangle through it — a row r′ and a column
//     c′ such that (r, c′), (r′, c) and (r′, c′) hold counts of at least 1
//     (zeros cannot hide: a hidden zero would stop the "take 1" above) —
//     cheapest meaning the fewest people hidden. The rectangle is a cycle,
//     so (r, c) is no longer a bridge; hiding more never makes a cell a
//     bridge again. A rectangle always exists: the totals' row and column
//     hold at least the cell's count.
//
// Every step hides at least one more cell, so the loop ends. It protects
// against exact disclosure from one table; it does not guarantee a minimum
// width of the interval a reader can deduce (as τ-ARGUS's optimal methods
// do), nor consistency between different tables published from the same
// data (the funnel's stages are published as separate tables).

// MinCell is the smallest count published: counts from 1 to MinCell−1 are
// suppressed.
const MinCell = 10

// Suppressed is a table of counts with its totals and which cells are
// hidden: Cells[r][c] for the rows and columns, RowTotals, ColTotals and
// Total the margins.
type Suppressed struct {
	Cells     [][]int64
	RowTotals []int64
	ColTotals []int64
	Total     int64
	// Hidden has the extended grid's shape: rows then the totals' row;
	// columns then the totals' column.
	Hidden [][]bool
	// Primary counts the cells hidden for being small; Complementary those
	// hidden to protect them.
	Primary, Complementary int
}

// Suppress computes the totals of cells (every row the same length) and
// which cells to hide so that no count from 1 to MinCell−1 is published or
// can be worked out exactly from what is.
func Suppress(cells [][]int64) *Suppressed {
	R := len(cells)
	C := 0
	if R > 0 {
		C = len(cells[0])
	}
	s := &Suppressed{Cells: cells, RowTotals: make([]int64, R), ColTotals: make([]int64, C)}
	// The extended grid g, (R+1) × (C+1).
	g := make([][]int64, R+1)
	s.Hidden = make([][]bool, R+1)
	for r := 0; r <= R; r++ {
		g[r] = make([]int64, C+1)
		s.Hidden[r] = make([]bool, C+1)
	}
	for r := 0; r < R; r++ {
		for c := 0; c < C; c++ {
			v := cells[r][c]
			g[r][c] = v
			g[r][C] += v
			g[R][c] += v
			g[R][C] += v
		}
	}
	for r := 0; r < R; r++ {
		s.RowTotals[r] = g[r][C]
	}
	copy(s.ColTotals, g[R][:C])
	s.Total = g[R][C]
	for r := 0; r <= R; r++ {
		for c := 0; c <= C; c++ {
			if g[r][c] > 0 && g[r][c] < MinCell {
				s.Hidden[r][c] = true
				s.Primary++
			}
		}
	}
	for {
		r, c, ok := s.bridge()
		if !ok {
			return s
		}
		best, br, bc := int64(-1), -1, -1
		for r2 := 0; r2 <= R; r2++ {
			if r2 == r {
				continue
			}
			for c2 := 0; c2 <= C; c2++ {
				if c2 == c {
					continue
				}
				cost, fits := int64(0), true
				for _, p := range [3][2]int{{r, c2}, {r2, c}, {r2, c2}} {
					v := g[p[0]][p[1]]
					if s.Hidden[p[0]][p[1]] {
						continue
					}
					if v <= 0 {
						fits = false
						break
					}
					cost += v
				}
				if fits && (best < 0 || cost < best) {
					best, br, bc = cost, r2, c2
				}
			}
		}
		if br < 0 {
			// Cannot happen with counts (see 4. above); stop rather than loop.
			return s
		}
		for _, p := range [3][2]int{{r, bc}, {br, c}, {br, bc}} {
			if !s.Hidden[p[0]][p[1]] {
				s.Hidden[p[0]][p[1]] = true
				s.Complementary++
			}
		}
	}
}

// bridge returns a hidden cell that lies on no cycle of the hidden cells'
// graph (rows and columns as nodes), in row-major order.
func (s *Suppressed) bridge() (int, int, bool) {
	R, C := len(s.Hidden)-1, len(s.Hidden[0])-1
	for r := 0; r <= R; r++ {
		for c := 0; c <= C; c++ {
			if s.Hidden[r][c] && !s.onCycle(r, c) {
				return r, c, true
			}
		}
	}
	return 0, 0, false
}

// onCycle reports whether hidden cell (r, c) lies on a cycle: whether its
// column can be reached from its row through the other hidden cells.
func (s *Suppressed) onCycle(r0, c0 int) bool {
	R, C := len(s.Hidden)-1, len(s.Hidden[0])-1
	// Nodes: rows 0..R, then columns R+1..R+1+C.
	seen := make([]bool, R+C+2)
	stack := []int{r0}
	seen[r0] = true
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n <= R {
			for c := 0; c <= C; c++ {
				if !s.Hidden[n][c] || (n == r0 && c == c0) {
					continue
				}
				if c == c0 {
					return true
				}
				if m := R + 1 + c; !seen[m] {
					seen[m] = true
					stack = append(stack, m)
				}
			}
		} else {
			c := n - R - 1
			for r := 0; r <= R; r++ {
				if !s.Hidden[r][c] || (r == r0 && c == c0) || seen[r] {
					continue
				}
				seen[r] = true
				stack = append(stack, r)
			}
		}
	}
	return false
}

// HiddenCell reports whether cell (r, c) is hidden; r == len(Cells) is the
// totals' row and c == the number of columns the totals' column.
func (s *Suppressed) HiddenCell(r, c int) bool { return s.Hidden[r][c] }
