package delivery

import (
	"context"
	"database/sql"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// CitizenCase is a case as the person it is about sees it in the portal:
// its state, the next scheduled sessions (when, what kind; never who
// attended or the notes) and the agreed actions of the current approved
// plan. Nothing of the counsellor's judgement (diagnosis marks, notes,
// referrals' reasons) is in it.
type CitizenCase struct {
	ID       int64            `json:"id"`
	Line     string           `json:"program"`
	State    string           `json:"state"`
	OpenedOn string           `json:"opened_on"`
	Next     []CitizenSession `json:"next_sessions"`
	Goal     string           `json:"goal,omitempty"`
	Actions  []PlanAction     `json:"actions"`
}

// CitizenSession is one scheduled session.
type CitizenSession struct {
	On        string `json:"on"`
	Kind      string `json:"kind"`
	Component string `json:"component"`
	Minutes   int    `json:"minutes"`
}

// maxCitizenSessions is how many next sessions the portal shows per case.
const maxCitizenSessions = 5

// OwnProgramme returns the cases of the household of the person signed in
// to the portal (auth.RoleCitizen), newest first: the household is the
// registry's answer for the person's national ID
// (registry.Store.OwnHouseholdFile), never one named by the request.
// Sessions scheduled from today on are the next ones.
func (s *Store) OwnProgramme(ctx context.Context) ([]CitizenCase, error) {
	p := auth.FromContext(ctx)
	if p == nil || p.Role != auth.RoleCitizen || p.PersonKey <= 0 {
		return nil, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.citizens_only", "the portal is for people signed in with their own identity")
	}
	f, err := s.reg.OwnHouseholdFile(ctx)
	if err != nil {
		return nil, err
	}
	out := []CitizenCase{}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var c CitizenCase
		var opened db.Day
		if err := rows.Scan(&c.ID, &c.Line, &c.State, &opened); err != nil {
			return err
		}
		c.OpenedOn = opened.Format(time.DateOnly)
		out = append(out, c)
		return nil
	}, `SELECT id, line_code, state, opened_on FROM delivery_cases WHERE household = ? ORDER BY id DESC`, f.View().Key)
	if err != nil {
		return nil, err
	}
	today := s.now().Format(time.DateOnly)
	for i := range out {
		c := &out[i]
		c.Next, err = db.Collect(ctx, s.db, func(rows *sql.Rows) (CitizenSession, error) {
			var x CitizenSession
			var on db.Day
			err := rows.Scan(&on, &x.Kind, &x.Component, &x.Minutes)
			x.On = on.Format(time.DateOnly)
			return x, err
		}, `SELECT on_date, kind, component, minutes FROM delivery_sessions WHERE case_id = ? AND status = ? AND on_date >= ? ORDER BY on_date, id LIMIT ?`,
			c.ID, Scheduled, today, maxCitizenSessions)
		if err != nil {
			return nil, err
		}
		pl, err := scanPlan(s.db.QueryRowContext(ctx, planSelect+` WHERE case_id = ? AND status = ? ORDER BY version DESC LIMIT 1`, c.ID, PlanApproved))
		switch {
		case db.IsNoRows(err):
		case err != nil:
			return nil, err
		default:
			c.Goal, c.Actions = pl.Goal, pl.Actions
		}
		if c.Actions == nil {
			c.Actions = []PlanAction{}
		}
	}
	// The person's view of their cases is in the audit trail.
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "portal.programme", Entity: "household", EntityID: f.View().ID})
		return err
	})
	return out, err
}
