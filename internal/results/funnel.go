package results

import (
	"context"
	"database/sql"
	"sort"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/programs"
)

// Stages are the funnel's stages, in order.
var Stages = []string{"eligible", "applied", "selected", "enrolled", "completed", "graduated"}

// Counts are a funnel's figures: applicants (persons or households, the
// line's unit) at each stage.
type Counts struct {
	// Eligible: applicants of the call's territory who pass its rules
	// against its scoring run, counted over the whole registry when the
	// funnel was computed (programs' preview).
	Eligible int64 `json:"eligible"`
	// Applied: applications received; Selected: selected or enrolled;
	// Enrolled: enrolled (a participation and a case).
	Applied  int64 `json:"applied"`
	Selected int64 `json:"selected"`
	Enrolled int64 `json:"enrolled"`
	// Completed: cases that finished the methodology (graduated, or exited
	// with the reason "completed"); Graduated: graduated.
	Completed int64 `json:"completed"`
	Graduated int64 `json:"graduated"`
}

// add adds o to c.
func (c *Counts) add(o Counts) {
	c.Eligible += o.Eligible
	c.Applied += o.Applied
	c.Selected += o.Selected
	c.Enrolled += o.Enrolled
	c.Completed += o.Completed
	c.Graduated += o.Graduated
}

// Stage returns the count of stage (one of Stages).
func (c Counts) Stage(stage string) int64 {
	switch stage {
	case "eligible":
		return c.Eligible
	case "applied":
		return c.Applied
	case "selected":
		return c.Selected
	case "enrolled":
		return c.Enrolled
	case "completed":
		return c.Completed
	case "graduated":
		return c.Graduated
	}
	return 0
}

// Reached is the share of the eligible who were enrolled, in per cent (0
// without eligible applicants).
func (c Counts) Reached() float64 {
	if c.Eligible <= 0 {
		return 0
	}
	return 100 * float64(c.Enrolled) / float64(c.Eligible)
}

// NotReached is how many of the eligible were not enrolled (0 when more
// were enrolled than counted eligible: the eligible are counted today).
func (c Counts) NotReached() int64 { return max(c.Eligible-c.Enrolled, 0) }

// FunnelRow is one row of a funnel: a call (or line, or period) in a
// commune (or region, or the whole country).
type FunnelRow struct {
	Line    string `json:"line"`
	Version int    `json:"version,omitempty"`
	Call    string `json:"call,omitempty"`
	Period  string `json:"period"`
	Region  string `json:"region,omitempty"`
	Commune string `json:"commune,omitempty"`
	// Name is the commune's or region's name.
	Name string `json:"name,omitempty"`
	Counts
	// ReachedPct is Counts.Reached, for the JSON.
	ReachedPct float64 `json:"reached_pct"`
}

// FunnelFilter narrows and groups a funnel. By is "commune" (the default),
// "region" or "call" (one row per call, all its communes summed).
type FunnelFilter struct {
	Line   string `json:"line,omitempty"`
	Call   string `json:"call,omitempty"`
	Period string `json:"period,omitempty"`
	Region string `json:"region,omitempty"`
	By     string `json:"by"`
}

// Funnel is a funnel read back: its rows and their total.
type Funnel struct {
	Filter     FunnelFilter `json:"filter"`
	Rows       []FunnelRow  `json:"rows"`
	Total      Counts       `json:"total"`
	ComputedAt string       `json:"computed_at,omitempty"`
}

// FunnelRun is what a computation of the funnel did.
type FunnelRun struct {
	Calls int `json:"calls"`
	Rows  int `json:"rows"`
	// Unpreviewed are the calls whose eligible count could not be worked
	// out (their scoring run is gone): their eligible stays zero.
	Unpreviewed []string `json:"unpreviewed,omitempty"`
}

// funnelKey is a snapshot row's key.
type funnelKey struct{ call, commune string }

// ComputeFunnel computes every call's funnel by commune and replaces the
// stored snapshot with it, in one transaction. National staff who write
// run it (the command line, the page's button, the API).
func (s *Store) ComputeFunnel(ctx context.Context) (*FunnelRun, error) {
	if _, err := s.computer(ctx); err != nil {
		return nil, err
	}
	terr := s.reg.Territory()
	type row struct {
		line, period, region string
		version              int
		Counts
	}
	rows := map[funnelKey]*row{}
	get := func(call, line string, version int, period, commune, region string) *row {
		k := funnelKey{call, commune}
		r := rows[k]
		if r == nil {
			r = &row{line: line, version: version, period: period, region: region}
			rows[k] = r
		}
		return r
	}
	calls, err := s.prog.Calls(ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]*programs.Call{}
	for i := range calls {
		byCode[calls[i].Code] = &calls[i]
	}
	counts, err := s.prog.CallCountsByCommune(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range counts {
		r := get(c.Call, c.Line, c.Version, periodOf(c.OpensOn), c.Commune, c.Region)
		r.Applied, r.Selected, r.Enrolled = c.Applied, c.Selected, c.Enrolled
	}
	parts, err := s.prog.ParticipationCalls(ctx)
	if err != nil {
		return nil, err
	}
	err = s.dl.CaseFactsOf(ctx, "", zeroTime, func(f delivery.CaseFacts) error {
		call, ok := parts[f.Participation]
		c := byCode[call]
		if !ok || c == nil {
			return nil // a case opened by hand, outside any call
		}
		r := get(c.Code, c.Program, c.ProgramVersion, periodOf(c.OpensOn), f.Commune, f.Region)
		if f.State == delivery.StateGraduated {
			r.Graduated++
			r.Completed++
		} else if f.State == delivery.StateExited && f.ExitReason == delivery.ExitCompleted {
			r.Completed++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	run := &FunnelRun{Calls: len(calls)}
	for i := range calls {
		c := &calls[i]
		pv, err := s.prog.PreviewCall(ctx, c.Code)
		if err != nil {
			if fosis.ErrorCode(err) == fosis.EINTERNAL {
				return nil, err
			}
			s.log.Warn("results: no eligible count for a call", "call", c.Code, "err", err)
			run.Unpreviewed = append(run.Unpreviewed, c.Code)
			continue
		}
		for _, pc := range pv.Communes {
			ci, ok := terr.CommuneIndex(pc.Code)
			if !ok || pc.Eligible == 0 {
				continue
			}
			region := terr.Regions[terr.CommuneRegion(ci)].Code
			if !c.Covers(pc.Code, region) {
				continue
			}
			get(c.Code, c.Program, c.ProgramVersion, periodOf(c.OpensOn), pc.Code, region).Eligible = pc.Eligible
		}
	}
	keys := make([]funnelKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].call != keys[j].call {
			return keys[i].call < keys[j].call
		}
		return keys[i].commune < keys[j].commune
	})
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if err := lock(ctx, tx, "funnel"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM results_funnel`); err != nil {
			return err
		}
		at := tx.DB().Time(tx.Now)
		src := make([][]any, 0, len(keys))
		for _, k := range keys {
			r := rows[k]
			src = append(src, []any{k.call, r.line, r.version, r.period, r.region, k.commune,
				r.Eligible, r.Applied, r.Selected, r.Enrolled, r.Completed, r.Graduated, at})
		}
		_, err := tx.CopyFrom(ctx, "results_funnel", []string{"call_code", "line_code", "program_version", "period", "region_code", "commune_code",
			"eligible", "applied", "selected", "enrolled", "completed", "graduated", "computed_at"}, &db.SliceSource{Rows: src})
		return err
	})
	if err != nil {
		return nil, err
	}
	run.Rows = len(keys)
	return run, nil
}

// periodOf is a call's period: the year it opened.
func periodOf(opensOn string) string {
	if len(opensOn) >= 4 {
		return opensOn[:4]
	}
	return opensOn
}

// Funnel reads the stored funnel, narrowed by f and grouped by f.By, within
// the caller's reach: a regional officer sees their region's rows only (a
// filter on another region finds nothing, as a missing one would).
func (s *Store) Funnel(ctx context.Context, f FunnelFilter) (*Funnel, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if f.By == "" {
		f.By = "commune"
	}
	var group, cols string
	switch f.By {
	case "commune":
		group, cols = "line_code, program_version, call_code, period, region_code, commune_code", "line_code, program_version, call_code, period, region_code, commune_code"
	case "region":
		group, cols = "line_code, program_version, call_code, period, region_code", "line_code, program_version, call_code, period, region_code, ''"
	case "call":
		group, cols = "line_code, program_version, call_code, period", "line_code, program_version, call_code, period, '', ''"
	case "line":
		group, cols = "line_code, period", "line_code, 0, '', period, '', ''"
	default:
		return nil, invalid("by", "results.err.by", f.By)
	}
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"line_code", f.Line}, {"call_code", f.Call}, {"period", f.Period}, {"region_code", f.Region}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if !r.national {
		where = append(where, "region_code = ?")
		args = append(args, r.region)
	}
	q := `SELECT ` + cols + `, SUM(eligible), SUM(applied), SUM(selected), SUM(enrolled), SUM(completed), SUM(graduated) FROM results_funnel`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " GROUP BY " + group + " ORDER BY " + group
	terr := s.reg.Territory()
	rows, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (FunnelRow, error) {
		var fr FunnelRow
		err := rows.Scan(&fr.Line, &fr.Version, &fr.Call, &fr.Period, &fr.Region, &fr.Commune,
			&fr.Eligible, &fr.Applied, &fr.Selected, &fr.Enrolled, &fr.Completed, &fr.Graduated)
		if ci, ok := terr.CommuneIndex(fr.Commune); ok && fr.Commune != "" {
			fr.Name = terr.Communes[ci].Name
		} else if ri, ok := terr.RegionIndex(fr.Region); ok && fr.Region != "" {
			fr.Name = terr.Regions[ri].Name
		}
		fr.ReachedPct = round1(fr.Reached())
		return fr, err
	}, q, args...)
	if err != nil {
		return nil, err
	}
	out := &Funnel{Filter: f, Rows: rows}
	for _, fr := range rows {
		out.Total.add(fr.Counts)
	}
	var at sql.Null[db.Instant]
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(computed_at) FROM results_funnel`).Scan(&at); err != nil {
		return nil, err
	}
	if at.Valid {
		out.ComputedAt = at.V.Format("2006-01-02 15:04")
	}
	return out, nil
}

// round1 rounds x to one decimal.
func round1(x float64) float64 {
	if x < 0 {
		return -round1(-x)
	}
	return float64(int64(x*10+0.5)) / 10
}
