package funds

// Budget execution (docs/funds.md, "Budget execution"): what each budget
// line (programme line × region) of a year committed, paid, justified and
// recovered, month by month, summed from the ledger's movements.

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// ExecFilter selects the execution report: a year, optionally one month
// (1–12), a programme line and a region.
type ExecFilter struct {
	Year   int
	Month  int
	Line   string
	Region string
}

// Exec is what a line (or a region, a month) executed: commitments net of
// their releases, payments confirmed, justified and recovered.
type Exec struct {
	Committed int64 `json:"committed"`
	Paid      int64 `json:"paid"`
	Justified int64 `json:"justified"`
	Recovered int64 `json:"recovered"`
}

func (e *Exec) add(k Kind, v int64) {
	switch k {
	case KindCommit:
		e.Committed += v
	case KindReleaseCommitted:
		e.Committed -= v
	case KindConfirm:
		e.Paid += v
	case KindJustify:
		e.Justified += v
	case KindRecover:
		e.Recovered += v
	}
}

func (e *Exec) plus(o Exec) {
	e.Committed += o.Committed
	e.Paid += o.Paid
	e.Justified += o.Justified
	e.Recovered += o.Recovered
}

// ExecLine is one budget line's execution: its assignment, the year's
// total and each month's (Months[0] is January).
type ExecLine struct {
	Line     string   `json:"line"`
	Region   string   `json:"region"`
	Assigned int64    `json:"assigned"`
	Total    Exec     `json:"total"`
	Months   [12]Exec `json:"months"`
}

// Share is the part of the assignment paid (confirmed by the bank), in per
// cent; 0 without an assignment.
func (l ExecLine) Share() float64 {
	if l.Assigned <= 0 {
		return 0
	}
	return 100 * float64(l.Total.Paid) / float64(l.Assigned)
}

// ExecRegion is a region's lines added up.
type ExecRegion struct {
	Region   string `json:"region"`
	Assigned int64  `json:"assigned"`
	Total    Exec   `json:"total"`
}

// Share is the part of the region's assignment paid, in per cent.
func (r ExecRegion) Share() float64 {
	if r.Assigned <= 0 {
		return 0
	}
	return 100 * float64(r.Total.Paid) / float64(r.Assigned)
}

// ExecutionReport is the budget execution of a year by line, region and
// month.
type ExecutionReport struct {
	Year     int          `json:"year"`
	Month    int          `json:"month,omitempty"`
	Lines    []ExecLine   `json:"lines"`
	Regions  []ExecRegion `json:"regions"`
	Months   [12]Exec     `json:"months"`
	Total    Exec         `json:"total"`
	Assigned int64        `json:"assigned"`
}

var execKinds = []Kind{KindCommit, KindReleaseCommitted, KindConfirm, KindJustify, KindRecover}

// Execution returns the execution report of f.Year (and f.Month, when
// set): one range scan of funds_movements_at over the period, grouped by
// budget line, kind and month, for the budget lines of that year the
// caller reads (a regional officer: their region's).
func (s *Store) Execution(ctx context.Context, f ExecFilter) (*ExecutionReport, error) {
	if p := auth.FromContext(ctx); p != nil && p.Role == auth.RoleRegional && f.Region == "" {
		f.Region = p.RegionCode
	}
	if _, err := reader(ctx, f.Region); err != nil {
		if fosis.ErrorCode(err) != fosis.ENOTFOUND {
			return nil, err
		}
		// Another region's lines look like none.
		return &ExecutionReport{Year: f.Year, Month: f.Month, Lines: []ExecLine{}, Regions: []ExecRegion{}}, nil
	}
	if f.Year < 2000 || f.Year > 2100 {
		return nil, invalid("year", "funds.err.year", f.Year)
	}
	if f.Month < 0 || f.Month > 12 {
		return nil, mcInvalid("month", "funds.mc.err.month_number", f.Month)
	}
	rep := &ExecutionReport{Year: f.Year, Month: f.Month, Lines: []ExecLine{}, Regions: []ExecRegion{}}
	type line struct {
		id int64
		k  Key
	}
	lines := map[int64]int{}
	var ids []line
	rows, err := s.db.QueryContext(ctx, `SELECT id, line, region FROM funds_budgets WHERE year = ? AND (? = '' OR line = ?) AND (? = '' OR region = ?)
		ORDER BY line, region`, f.Year, f.Line, f.Line, f.Region, f.Region)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		l := line{k: Key{Year: f.Year}}
		if err := rows.Scan(&l.id, &l.k.Line, &l.k.Region); err != nil {
			rows.Close()
			return nil, err
		}
		lines[l.id] = len(ids)
		ids = append(ids, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return rep, nil
	}
	for _, l := range ids {
		law, _, err := balance(ctx, s.db, l.id, 0, Law)
		if err != nil {
			return nil, err
		}
		rep.Lines = append(rep.Lines, ExecLine{Line: l.k.Line, Region: l.k.Region, Assigned: -law})
	}
	args := make([]any, 0, len(ids)+len(execKinds)+2)
	for _, l := range ids {
		args = append(args, l.id)
	}
	for _, k := range execKinds {
		args = append(args, string(k))
	}
	inList := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args = args[:len(args):len(args)]
	// Per month, one range of funds_movements_line_kind_at (covering) per
	// line and kind, read in index order so that the grouping needs no
	// sort; one query text serves both engines (instants are TEXT on
	// SQLite, TIMESTAMPTZ on PostgreSQL) and no expression is computed per
	// row.
	for m := 1; m <= 12; m++ {
		lo := time.Date(f.Year, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		hi := lo.AddDate(0, 1, 0)
		if f.Month > 0 && m != f.Month {
			continue
		}
		rows, err := s.db.QueryContext(ctx, `SELECT budget_id, kind, SUM(amount) FROM funds_movements
			WHERE budget_id IN (`+inList+`) AND kind IN (?, ?, ?, ?, ?) AND at >= ? AND at < ? GROUP BY budget_id, kind`,
			append(args, s.db.Time(lo), s.db.Time(hi))...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, sum int64
			var kind string
			if err := rows.Scan(&id, &kind, &sum); err != nil {
				rows.Close()
				return nil, err
			}
			i, ok := lines[id]
			if !ok {
				continue
			}
			rep.Lines[i].Months[m-1].add(Kind(kind), sum)
			rep.Lines[i].Total.add(Kind(kind), sum)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	regions := map[string]int{}
	for _, l := range rep.Lines {
		rep.Assigned += l.Assigned
		rep.Total.plus(l.Total)
		for m := range l.Months {
			rep.Months[m].plus(l.Months[m])
		}
		i, ok := regions[l.Region]
		if !ok {
			i = len(rep.Regions)
			regions[l.Region] = i
			rep.Regions = append(rep.Regions, ExecRegion{Region: l.Region})
		}
		rep.Regions[i].Assigned += l.Assigned
		rep.Regions[i].Total.plus(l.Total)
	}
	slices.SortFunc(rep.Regions, func(a, b ExecRegion) int { return strings.Compare(a.Region, b.Region) })
	return rep, nil
}
