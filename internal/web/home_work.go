package web

import (
	"context"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
)

// homeWork is the home page of the roles that work cases: a counsellor's
// agenda (today, this week), alerts and caseload; an agency's cases by
// state, alerts and each counsellor's caseload.
type homeWork struct {
	// Counsellor: the viewer's own caseload (else the agency's).
	Counsellor bool
	Today      []delivery.AgendaItem
	Week       []delivery.AgendaItem // after today, within the week
	Alerts     []delivery.Alert
	AlertsMore bool // there are more alerts than listed
	// Active and Limit are a counsellor's active cases and their limit.
	Active, Limit int
	// Counts are the agency's cases by state, States their order, Open
	// those still active.
	Counts    map[string]int
	States    []string
	Open      int
	Caseloads []delivery.Counsellor
}

// Over reports whether a counsellor carries more cases than their limit.
func (homeWork) Over(c delivery.Counsellor) bool { return c.Active > c.Limit }

// homeAlerts is how many alerts the home page lists.
const homeAlerts = 8

// newHomeWork reads the work of a counsellor or agency staff member (nil for
// the other roles, or without the delivery slice); the slice scopes it.
func (s *Server) newHomeWork(ctx context.Context, p *auth.Principal) (*homeWork, error) {
	if s.cfg.Delivery == nil || (p.Role != auth.RoleCounsellor && p.Role != auth.RoleAgency) {
		return nil, nil
	}
	st := s.cfg.Delivery
	w := &homeWork{Counsellor: p.Role == auth.RoleCounsellor, States: delivery.States}
	week, err := st.Agenda(ctx, 7)
	if err != nil {
		return nil, err
	}
	today := s.today()
	for _, a := range week {
		if a.Date == today {
			w.Today = append(w.Today, a)
		} else {
			w.Week = append(w.Week, a)
		}
	}
	if w.Alerts, err = st.Alerts(ctx, delivery.DefaultNoContactDays, homeAlerts+1); err != nil {
		return nil, err
	}
	if len(w.Alerts) > homeAlerts {
		w.Alerts, w.AlertsMore = w.Alerts[:homeAlerts], true
	}
	loads, err := st.Counsellors(ctx)
	if err != nil {
		return nil, err
	}
	if w.Counsellor {
		for _, c := range loads {
			if c.UserID == p.UserID {
				w.Active, w.Limit = c.Active, c.Limit
			}
		}
		return w, nil
	}
	w.Caseloads = loads
	if w.Counts, err = st.CaseCounts(ctx); err != nil {
		return nil, err
	}
	for state, n := range w.Counts {
		if !delivery.Final(state) {
			w.Open += n
		}
	}
	return w, nil
}
