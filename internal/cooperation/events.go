package cooperation

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Event is an exchange event: an expert visit, a study tour, a workshop, a
// seminar, a training or a monitoring session, on site or remote.
type Event struct {
	ID           int64         `json:"id,omitempty"`
	Kind         string        `json:"kind"`
	Mode         string        `json:"mode"` // on_site or remote
	Start        Date          `json:"start"`
	End          Date          `json:"end"`
	Place        string        `json:"place,omitempty"`
	Report       string        `json:"report,omitempty"`
	Participants []Participant `json:"participants"`
}

// Participant is a person taking part in an event, from one side.
type Participant struct {
	Side        Side   `json:"side"`
	Name        string `json:"name"`
	Institution string `json:"institution,omitempty"`
}

// EventKinds lists the kinds of exchange event.
var EventKinds = []string{"expert_visit", "study_tour", "workshop", "seminar", "training", "monitoring"}

func validEventKind(k string) bool {
	for _, x := range EventKinds {
		if x == k {
			return true
		}
	}
	return false
}

// AddEvent records an exchange event of the project. An exchange has
// participants from both sides (principle 3: teams from both countries work
// together); an event that has already ended may carry its report.
func (s *Store) AddEvent(ctx context.Context, code string, e Event) (int64, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return 0, err
	}
	e.Place, e.Report = clean(e.Place), strings.TrimSpace(e.Report)
	switch {
	case !validEventKind(e.Kind):
		return 0, invalid("kind", "coop.err.kind.x", "%q is not one of %s", e.Kind, strings.Join(EventKinds, ", "))
	case e.Mode != "on_site" && e.Mode != "remote":
		return 0, invalid("mode", "coop.err.mode.neither_site", "%q is neither on_site nor remote", e.Mode)
	case e.Start.IsZero() || e.End.IsZero() || e.End.Before(e.Start.Time):
		return 0, invalid("end", "coop.err.end.event_needs", "an event needs a start and an end on or after it")
	case e.Mode == "on_site" && e.Place == "":
		return 0, invalid("place", "coop.err.place.site_event", "an on-site event needs its place")
	case e.Report != "" && e.End.After(s.today()):
		return 0, invalid("report", "coop.err.report.event_ends", "the event ends on %s; report on it once it has happened", e.End)
	}
	sides := map[Side]bool{}
	for i := range e.Participants {
		pt := &e.Participants[i]
		pt.Name, pt.Institution = clean(pt.Name), clean(pt.Institution)
		if pt.Name == "" {
			return 0, invalid(fmt.Sprintf("participants[%d]", i+1), "coop.err.item.participant_needs", "a participant needs a name")
		}
		if pt.Side != SideChile && pt.Side != SidePartner && pt.Side != SideThird {
			return 0, invalid(fmt.Sprintf("participants[%d]", i+1), "coop.err.item.side_chile", "%s: side %q is not chile, partner or third", pt.Name, pt.Side)
		}
		sides[pt.Side] = true
	}
	if !sides[SideChile] || !sides[SidePartner] {
		return 0, blocked("coop.refused.mutual_learning.exchange_event", "an exchange event has participants from both Chile and the partner country")
	}
	err = s.inProject(ctx, r, code, func(tx *db.Tx, p *Project) error {
		if err := needStep(p, "an exchange event", StepFeasible, StepDesigning, StepReviewed, StepAgreed, StepExecuting, StepSystematizing); err != nil {
			return err
		}
		if e.Start.Before(p.RequestedOn.Time) {
			return blocked("coop.refused.dates.event_before_request", "the event starts on %s, before the request (%s); events fall within the project's period", e.Start, p.RequestedOn)
		}
		if d, _, err := s.design(ctx, tx, p.ID, p.ApprovedVersion); err != nil {
			return err
		} else if d != nil && p.ApprovedVersion > 0 && e.End.After(d.End.Time) {
			return blocked("coop.refused.dates.event_after_end", "the event ends on %s, after the project's end (%s)", e.End, d.End)
		}
		e.ID, err = tx.InsertID(ctx, `INSERT INTO coop_events (project_id, kind, mode, starts_on, ends_on, place, report, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, e.Kind, e.Mode, tx.DB().Date(e.Start.Time), tx.DB().Date(e.End.Time), e.Place, e.Report, tx.DB().Time(tx.Now))
		if err != nil {
			return err
		}
		for i, pt := range e.Participants {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_event_participants (event_id, seq, side, name, institution) VALUES (?, ?, ?, ?, ?)`,
				e.ID, i+1, string(pt.Side), pt.Name, pt.Institution); err != nil {
				return err
			}
		}
		return auditWrite(ctx, tx, r, "coop.event.add", "coop_project", p.Code, nil, e)
	})
	return e.ID, err
}

// ReportEvent records the report of an event that has ended.
func (s *Store) ReportEvent(ctx context.Context, code string, id int64, report string) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	report = strings.TrimSpace(report)
	if report == "" {
		return invalid("report", "coop.err.report.report_empty", "the report is empty")
	}
	return s.inProject(ctx, r, code, func(tx *db.Tx, p *Project) error {
		var end db.Day
		if err := tx.QueryRowContext(ctx, `SELECT ends_on FROM coop_events WHERE id = ? AND project_id = ?`, id, p.ID).Scan(&end); db.IsNoRows(err) {
			return fosis.KeyedErrorf(fosis.ENOTFOUND, "coop.err.project_has_no", "project %s has no event %d", p.Code, id)
		} else if err != nil {
			return err
		}
		if end.After(s.today()) {
			return invalid("report", "coop.err.report.event_ends", "the event ends on %s; report on it once it has happened", end.Format("2006-01-02"))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE coop_events SET report = ? WHERE id = ?`, report, id); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.event.report", "coop_event", strconv.FormatInt(id, 10), nil, map[string]any{"project": p.Code})
	})
}

func (s *Store) events(ctx context.Context, projectID int64) ([]Event, error) {
	var out []Event
	idx := map[int64]int{}
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var e Event
		var a, b db.Day
		if err := rows.Scan(&e.ID, &e.Kind, &e.Mode, &a, &b, &e.Place, &e.Report); err != nil {
			return err
		}
		e.Start, e.End = Date{a.Time}, Date{b.Time}
		idx[e.ID] = len(out)
		out = append(out, e)
		return nil
	}, `SELECT id, kind, mode, starts_on, ends_on, place, report FROM coop_events WHERE project_id = ? ORDER BY starts_on, id`, projectID)
	if err != nil {
		return nil, err
	}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var id int64
		var pt Participant
		if err := rows.Scan(&id, &pt.Side, &pt.Name, &pt.Institution); err != nil {
			return err
		}
		out[idx[id]].Participants = append(out[idx[id]].Participants, pt)
		return nil
	}, `SELECT ep.event_id, ep.side, ep.name, ep.institution FROM coop_event_participants ep JOIN coop_events e ON e.id = ep.event_id
		WHERE e.project_id = ? ORDER BY ep.event_id, ep.seq`, projectID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Systematization is the project's systematization and evaluation: lessons
// learned, the good-practice case (challenge, solution, results,
// sustainability, replicability) and the evaluation findings with the
// management response.
type Systematization struct {
	Lessons            string `json:"lessons"`
	Challenge          string `json:"challenge"`
	Solution           string `json:"solution"`
	Results            string `json:"results"`
	Sustainability     string `json:"sustainability"`
	Replicability      string `json:"replicability"`
	Findings           string `json:"findings"`
	ManagementResponse string `json:"management_response"`
}

// MinText is the least a part of the systematization says: words enough
// for a sentence another team can learn from.
const (
	MinText  = 40 // characters
	MinWords = 6
)

// substantial reports whether a text says enough to count.
func substantial(v string) bool {
	v = strings.TrimSpace(v)
	return len([]rune(v)) >= MinText && len(strings.Fields(v)) >= MinWords
}

// parts are the systematization's parts with their field names and how
// refusals name them.
func (sy *Systematization) parts() []struct{ field, name, v string } {
	return []struct{ field, name, v string }{
		{"lessons", "lessons learned", sy.Lessons}, {"challenge", "the challenge", sy.Challenge}, {"solution", "the solution", sy.Solution},
		{"results", "the results", sy.Results}, {"sustainability", "sustainability", sy.Sustainability}, {"replicability", "replicability", sy.Replicability},
		{"findings", "the evaluation findings", sy.Findings}, {"management_response", "the management response", sy.ManagementResponse},
	}
}

// missing names the parts not recorded with substance yet.
func (sy *Systematization) missing() []string {
	var out []string
	for _, f := range sy.parts() {
		if !substantial(f.v) {
			out = append(out, f.name)
		}
	}
	return out
}

// SaveSystematization records (replacing) the systematization of a project
// in execution or in systematization; parts may be filled in over time.
func (s *Store) SaveSystematization(ctx context.Context, code string, sy Systematization) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	return s.inProject(ctx, r, code, func(tx *db.Tx, p *Project) error {
		if err := needStep(p, "systematization", StepExecuting, StepSystematizing); err != nil {
			return err
		}
		for _, f := range sy.parts() {
			if strings.TrimSpace(f.v) != "" && !substantial(f.v) {
				return invalid(f.field, "coop.err.systematization.short", "%s says too little: write at least %d characters and %d words, so that another team can learn from it", f.name, MinText, MinWords)
			}
		}
		before, err := systematization(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO coop_systematizations (project_id, lessons, challenge, solution, results, sustainability, replicability, findings, management_response, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id) DO UPDATE SET lessons = excluded.lessons, challenge = excluded.challenge, solution = excluded.solution,
			results = excluded.results, sustainability = excluded.sustainability, replicability = excluded.replicability, findings = excluded.findings,
			management_response = excluded.management_response, updated_at = excluded.updated_at`,
			p.ID, strings.TrimSpace(sy.Lessons), strings.TrimSpace(sy.Challenge), strings.TrimSpace(sy.Solution), strings.TrimSpace(sy.Results),
			strings.TrimSpace(sy.Sustainability), strings.TrimSpace(sy.Replicability), strings.TrimSpace(sy.Findings), strings.TrimSpace(sy.ManagementResponse), tx.DB().Time(tx.Now))
		if err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.systematization", "coop_project", p.Code, before, sy)
	})
}

func systematization(ctx context.Context, tx db.Querier, id int64) (*Systematization, error) {
	var sy Systematization
	err := tx.QueryRowContext(ctx, `SELECT lessons, challenge, solution, results, sustainability, replicability, findings, management_response FROM coop_systematizations WHERE project_id = ?`, id).
		Scan(&sy.Lessons, &sy.Challenge, &sy.Solution, &sy.Results, &sy.Sustainability, &sy.Replicability, &sy.Findings, &sy.ManagementResponse)
	if db.IsNoRows(err) {
		return &sy, nil
	}
	return &sy, err
}
