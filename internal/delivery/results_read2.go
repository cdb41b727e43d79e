package delivery

import (
	"context"
	"database/sql"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// AgencySchedule is one executing agency's sessions of a line in one
// region over a window, as the results slice reads them for its "agency
// behind its schedule" alert: how many sessions were dated in the window
// (its schedule, whatever their status), how many of those were dated on
// or before the day of reading (due), and how many of the due ones were
// recorded (held or missed).
type AgencySchedule struct {
	Agency   string
	Region   string
	Total    int64
	Due      int64
	Recorded int64
	Held     int64
}

// AgencySchedulesOf returns the sessions of line's cases (every line when
// "") dated from from to to, counted by agency and region, due by asOf.
// Cases without an agency are left out. A regional officer reads their
// region's agencies only; agency staff and counsellors are refused.
func (s *Store) AgencySchedulesOf(ctx context.Context, line string, from, to, asOf time.Time) ([]AgencySchedule, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national && r.region == "" {
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.national_only")
	}
	due := s.db.Date(asOf)
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (AgencySchedule, error) {
		var a AgencySchedule
		err := rows.Scan(&a.Agency, &a.Region, &a.Total, &a.Due, &a.Recorded, &a.Held)
		return a, err
	}, `SELECT c.agency_code, c.region_code, COUNT(*),
		COALESCE(SUM(CASE WHEN x.on_date <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN x.on_date <= ? AND x.status <> 'scheduled' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN x.on_date <= ? AND x.status = 'held' THEN 1 ELSE 0 END), 0)
		FROM delivery_sessions x JOIN delivery_cases c ON c.id = x.case_id
		WHERE c.agency_code IS NOT NULL AND c.agency_code <> '' AND (? = '' OR c.line_code = ?)
		AND x.on_date >= ? AND x.on_date <= ? AND (? = '' OR c.region_code = ?)
		GROUP BY c.agency_code, c.region_code ORDER BY c.region_code, c.agency_code`,
		due, due, due, line, line, s.db.Date(from), s.db.Date(to), r.region, r.region)
}

// CommuneServices counts the directory's active services of one commune,
// in all and by dimension (ServiceDimensions' keys).
type CommuneServices struct {
	Commune     string
	Region      string
	Total       int64
	ByDimension map[string]int64
}

// ServiceCoverage counts the directory's active services per commune, for
// the results slice's funnel: every commune for national staff, a regional
// officer's region's for them (region narrows further when not "").
func (s *Store) ServiceCoverage(ctx context.Context, region string) (map[string]CommuneServices, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national {
		if r.region == "" {
			return nil, refuse(fosis.EFORBIDDEN, "delivery.err.national_only")
		}
		if region != "" && region != r.region {
			return map[string]CommuneServices{}, nil
		}
		region = r.region
	}
	rows, err := s.db.QueryContext(ctx, `SELECT commune_code, region_code, dimensions FROM delivery_services
		WHERE active = 1 AND (? = '' OR region_code = ?)`, region, region)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]CommuneServices{}
	for rows.Next() {
		var commune, reg, dims string
		if err := rows.Scan(&commune, &reg, &dims); err != nil {
			return nil, err
		}
		c, ok := out[commune]
		if !ok {
			c = CommuneServices{Commune: commune, Region: reg, ByDimension: map[string]int64{}}
		}
		c.Total++
		for _, d := range splitList(dims) {
			c.ByDimension[d]++
		}
		out[commune] = c
	}
	return out, rows.Err()
}
