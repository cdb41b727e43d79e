package targeting

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// callerRun returns the caller (who must read the registry) once run runID
// is known to exist.
func (s *Store) callerRun(ctx context.Context, runID int64) (*auth.Principal, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.runByID(ctx, runID); err != nil {
		return nil, err
	}
	return p, nil
}

// Transitions counts households by their bracket in run A (rows) and run B
// (columns), 40…100 as 0…6; the diagonal kept their bracket.
type Transitions [7][7]int64

// Sum returns the number of households counted.
func (m *Transitions) Sum() int64 {
	var n int64
	for _, row := range m {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Moves summarises a transition matrix: how many households went to a higher
// bracket (less vulnerable), a lower one, or kept theirs, and how many
// entered or left the 40% bracket (the one most programs select from).
type Moves struct {
	Households int64 `json:"households"`
	Up         int64 `json:"up"`
	Down       int64 `json:"down"`
	Same       int64 `json:"same"`
	Into40     int64 `json:"into_40"`
	OutOf40    int64 `json:"out_of_40"`
}

// moves derives the Moves of m.
func (m *Transitions) moves() Moves {
	var mv Moves
	for a, row := range m {
		for b, v := range row {
			mv.Households += v
			switch {
			case b > a:
				mv.Up += v
			case b < a:
				mv.Down += v
			default:
				mv.Same += v
			}
			if a != 0 && b == 0 {
				mv.Into40 += v
			}
			if a == 0 && b != 0 {
				mv.OutOf40 += v
			}
		}
	}
	return mv
}

// RegionTransitions is one region's part of a comparison.
type RegionTransitions struct {
	Code   string      `json:"region_code"`
	Name   string      `json:"region_name"`
	Matrix Transitions `json:"matrix"`
	Moves
}

// RunDiff is how the brackets of the households scored in both of two runs
// differ, over the caller's territory only.
type RunDiff struct {
	A        int64               `json:"run_a"`
	B        int64               `json:"run_b"`
	Matrix   Transitions         `json:"matrix"`
	Total    Moves               `json:"total"`
	ByRegion []RegionTransitions `json:"by_region"` // every region the caller sees, in code order
}

// DiffRuns compares runs a and b: the transition matrix of the households
// scored in both, in total and by region, limited to the regions the caller
// sees (a regional officer's totals are their region's). Runs never change,
// so the national comparison of a pair is computed once and kept.
func (s *Store) DiffRuns(ctx context.Context, a, b int64) (*RunDiff, error) {
	p, err := s.callerRun(ctx, a)
	if err != nil {
		return nil, err
	}
	if _, err := s.runByID(ctx, b); err != nil {
		return nil, err
	}
	var all *RunDiff
	if v, ok := s.diffs.Load([2]int64{a, b}); ok {
		all = v.(*RunDiff)
	} else {
		if all, err = s.loadDiff(ctx, a, b); err != nil {
			return nil, err
		}
		s.diffs.Store([2]int64{a, b}, all)
	}
	d := &RunDiff{A: a, B: b, ByRegion: []RegionTransitions{}}
	for _, r := range all.ByRegion {
		if p.SeesRegion(r.Code) {
			d.ByRegion = append(d.ByRegion, r) // arrays: copied, the cache stays unshared
			for i := range r.Matrix {
				for j := range r.Matrix[i] {
					d.Matrix[i][j] += r.Matrix[i][j]
				}
			}
		}
	}
	d.Total = d.Matrix.moves()
	return d, nil
}

// loadDiff counts the national transition matrix of runs a and b by region.
func (s *Store) loadDiff(ctx context.Context, a, b int64) (*RunDiff, error) {
	d := &RunDiff{A: a, B: b, ByRegion: []RegionTransitions{}}
	at := map[string]int{}
	for _, r := range s.reg.Territory().Regions {
		at[r.Code] = len(d.ByRegion)
		d.ByRegion = append(d.ByRegion, RegionTransitions{Code: r.Code, Name: r.Name})
	}
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var code string
		var from, to uint8
		var n int64
		if err := rows.Scan(&code, &from, &to, &n); err != nil {
			return err
		}
		if i, ok := at[code]; ok && validBracket(int(from)) && validBracket(int(to)) {
			d.ByRegion[i].Matrix[bracketIndex(from)][bracketIndex(to)] += n
		}
		return nil
	}, diffByRegionSQL, b, a)
	if err != nil {
		return nil, err
	}
	for i := range d.ByRegion {
		d.ByRegion[i].Moves = d.ByRegion[i].Matrix.moves()
	}
	return d, nil
}

// MovedPage is a page of the households whose bracket differs between two
// runs, in household order.
type MovedPage struct {
	Items []Change `json:"items"`
	// Next is the cursor of the next page ("" on the last): pass it as after=.
	Next string `json:"next,omitempty"`
}

// Moved returns up to limit households of the caller's territory whose
// bracket differs between runs a and b, after the household cursor after
// ("" for the first page).
func (s *Store) Moved(ctx context.Context, a, b int64, after string, limit int) (*MovedPage, error) {
	var from int64
	if after != "" {
		var err error
		if from, err = strconv.ParseInt(after, 10, 64); err != nil || from < 0 {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: "after: not a cursor (pass the next value of the previous page)",
				Fields: []fosis.FieldError{{Field: "after", Message: "not a cursor"}}}
		}
	}
	limit = min(max(limit, 1), 1000)
	page := &MovedPage{Items: []Change{}}
	var last int64
	err := s.eachMoved(ctx, a, b, from, limit+1, func(key int64, c Change) error {
		if len(page.Items) == limit {
			page.Next = strconv.FormatInt(last, 10)
			return nil
		}
		page.Items = append(page.Items, c)
		last = key
		return nil
	})
	return page, err
}

// EachMoved calls fn for every household of the caller's territory whose
// bracket differs between runs a and b, in household order (the CSV
// download), and returns how many there were.
func (s *Store) EachMoved(ctx context.Context, a, b int64, fn func(Change) error) (int, error) {
	n := 0
	err := s.eachMoved(ctx, a, b, 0, 0, func(_ int64, c Change) error {
		n++
		return fn(c)
	})
	return n, err
}

// eachMoved reads the moved households with a key above after, at most
// limit of them (0: all).
func (s *Store) eachMoved(ctx context.Context, a, b, after int64, limit int, fn func(int64, Change) error) error {
	p, err := s.callerRun(ctx, a)
	if err != nil {
		return err
	}
	if _, err := s.runByID(ctx, b); err != nil {
		return err
	}
	args := []any{b}
	if !p.SeesAllRegions() {
		args = append(args, p.RegionCode)
	}
	args = append(args, a, after)
	return db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var key int64
		var c Change
		if err := rows.Scan(&key, &c.HouseholdID, &c.CommuneCode, &c.From, &c.To); err != nil {
			return err
		}
		return fn(key, c)
	}, movedSQL(!p.SeesAllRegions(), limit), args...)
}
