package programs

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// The results slice's reads of calls and applications (internal/results):
// aggregates over every call, so they need national reach; the results
// slice keeps its own snapshots and scopes them for its readers.

// CallCounts is one call's applications in one commune, counted by stage.
type CallCounts struct {
	Call    string
	Line    string
	Version int
	// OpensOn is the call's opening day (YYYY-MM-DD).
	OpensOn string
	Commune string
	Region  string
	// Applied counts every application; Eligible those that passed the
	// rules; Selected those selected or enrolled; Enrolled those enrolled.
	Applied, Eligible, Selected, Enrolled int64
}

// CallCountsByCommune counts every call's applications per commune and
// stage. It needs national reach.
func (s *Store) CallCountsByCommune(ctx context.Context) ([]CallCounts, error) {
	if err := s.nationalReader(ctx); err != nil {
		return nil, err
	}
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (CallCounts, error) {
		var c CallCounts
		var opens db.Day
		err := rows.Scan(&c.Call, &c.Line, &c.Version, &opens, &c.Commune, &c.Region, &c.Applied, &c.Eligible, &c.Selected, &c.Enrolled)
		c.OpensOn = opens.Format("2006-01-02")
		return c, err
	}, `SELECT c.code, l.code, v.version, c.opens_on, a.commune_code, a.region_code, COUNT(*),
		SUM(a.eligible),
		SUM(CASE WHEN a.status = 'selected' OR a.status = 'enrolled' THEN 1 ELSE 0 END),
		SUM(CASE WHEN a.status = 'enrolled' THEN 1 ELSE 0 END)
		FROM applications a JOIN calls c ON c.id = a.call
		JOIN program_versions v ON v.id = c.program_version JOIN program_lines l ON l.id = v.line
		GROUP BY c.code, l.code, v.version, c.opens_on, a.commune_code, a.region_code
		ORDER BY c.code, a.commune_code`)
}

// ParticipationCalls maps every participation that came from a call to the
// call's code (the results slice follows a case back to its call). It needs
// national reach.
func (s *Store) ParticipationCalls(ctx context.Context) (map[int64]string, error) {
	if err := s.nationalReader(ctx); err != nil {
		return nil, err
	}
	type pc struct {
		id   int64
		call string
	}
	rows, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (pc, error) {
		var p pc
		return p, rows.Scan(&p.id, &p.call)
	}, `SELECT p.id, c.code FROM participations p JOIN calls c ON c.id = p.call`)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rows))
	for _, p := range rows {
		out[p.id] = p.call
	}
	return out, nil
}

// ScoredApplicant is one application as the results slice's focalisation reads
// it: the household's key in the registry, where it lives, the stage it
// reached and its score at submission.
type ScoredApplicant struct {
	Household  int64
	Commune    string
	Region     string
	Status     string
	Eligible   bool
	Bracket    int
	Percentile float64
	Scored     bool
}

// CallApplicants lists a call's applications with their score at
// submission, those the caller may see (a call out of reach is not found).
func (s *Store) CallApplicants(ctx context.Context, ref string) ([]ScoredApplicant, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.call(ctx, s.db, ref)
	if err != nil {
		return nil, err
	}
	if !s.seesCall(v, c) {
		return nil, refuse(fosis.ENOTFOUND, "programs.err.no_call", ref)
	}
	all, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (ScoredApplicant, error) {
		var a ScoredApplicant
		var eligible int
		var attrs string
		if err := rows.Scan(&a.Household, &a.Commune, &a.Region, &a.Status, &eligible, &attrs); err != nil {
			return a, err
		}
		a.Eligible = eligible == 1
		var at Attrs
		if json.Unmarshal([]byte(attrs), &at) == nil {
			a.Bracket, a.Percentile, a.Scored = at.Bracket, at.Percentile, at.Scored
		}
		return a, nil
	}, `SELECT household, commune_code, region_code, status, eligible, attrs FROM applications WHERE call = ? ORDER BY id`, c.ID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, a := range all {
		if v.seesApplicant(c.line, a.Commune, a.Region) {
			out = append(out, a)
		}
	}
	return out, nil
}

// nationalReader refuses callers without national reach.
func (s *Store) nationalReader(ctx context.Context) error {
	v, err := s.who(ctx)
	if err != nil {
		return err
	}
	if !v.national {
		return refuse(fosis.EFORBIDDEN, "programs.err.preview_national", roleTerm(v.p.Role))
	}
	return nil
}
