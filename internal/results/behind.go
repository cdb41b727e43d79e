package results

import (
	"context"
	"time"
)

// The "executing agency behind its schedule" alert (docs/results.md,
// "Off-track alerts"): an agency whose sessions recorded this month fall
// short of its schedule. Its schedule for the month is the sessions of its
// cases dated in the month; those dated up to today are due; each due
// session should have been recorded (held or missed) by now. An agency is
// behind when it recorded less than BehindSharePct per cent of its due
// sessions, and at least BehindMinDue were due (a share of two sessions
// says nothing).
const (
	BehindSharePct = 80
	BehindMinDue   = 5
)

// AgencyBehind is one agency behind its schedule in a region.
type AgencyBehind struct {
	Agency string `json:"agency"`
	Region string `json:"region"`
	Period string `json:"period"`
	// Measure is what falls short: "sessions" (recorded of due).
	Measure string `json:"measure"`
	// Actual recorded of Expected due; Scheduled in the whole month.
	Actual    int64   `json:"actual"`
	Expected  int64   `json:"expected"`
	Scheduled int64   `json:"scheduled"`
	SharePct  float64 `json:"share_pct"`
}

// AgenciesBehind returns the agencies of line (every line when "") behind
// their schedule of sessions in the current month, within the caller's
// reach: the national view for national staff, the region's for its
// officer.
func (s *Store) AgenciesBehind(ctx context.Context, line string) ([]AgencyBehind, error) {
	if _, err := s.access(ctx); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, -1)
	scheds, err := s.dl.AgencySchedulesOf(ctx, line, from, to, now)
	if err != nil {
		return nil, err
	}
	out := []AgencyBehind{}
	for _, a := range scheds {
		if a.Due < BehindMinDue {
			continue
		}
		share := 100 * float64(a.Recorded) / float64(a.Due)
		if share >= BehindSharePct {
			continue
		}
		out = append(out, AgencyBehind{Agency: a.Agency, Region: a.Region, Period: from.Format("2006-01"), Measure: "sessions",
			Actual: a.Recorded, Expected: a.Due, Scheduled: a.Total, SharePct: round1(share)})
	}
	return out, nil
}
