package cooperation

import (
	"context"
	"database/sql"

	"github.com/fosis/fosis/internal/platform/db"
)

// View is everything the project page shows.
type View struct {
	Project *Project `json:"project"`
	Parties []Party  `json:"parties"`
	// Countries are the receiving countries: the partner country first,
	// then any further ones of a regional initiative (SEGIB "regional").
	Countries       []string         `json:"countries"`
	Feasibility     *FeasibilityView `json:"feasibility,omitempty"`
	Versions        []VersionInfo    `json:"versions"`
	Design          *Design          `json:"design,omitempty"` // the approved design, or the latest
	DesignVersion   int              `json:"design_version"`
	Flags           []Flag           `json:"flags"`
	Reviews         []Review         `json:"reviews"`
	Agreement       *AgreementView   `json:"agreement,omitempty"`
	Amendments      []AmendmentView  `json:"amendments"`
	Ledger          []Contribution   `json:"ledger"`
	Totals          Totals           `json:"totals"`
	Events          []Event          `json:"events"`
	Documents       []Document       `json:"documents"`
	Systematization *Systematization `json:"systematization,omitempty"`
	Timeline        []TimelineEntry  `json:"timeline"`
	// SDGs are the Sustainable Development Goals (1–17) the project
	// contributes to (SEGIB's ODS).
	SDGs []int `json:"sdgs"`
}

// Party is an organisation taking part in a project.
type Party struct {
	Org      string `json:"org"`
	Country  string `json:"country"`
	Side     Side   `json:"side"`
	IATIRole int    `json:"iati_role"`
	IATIRef  string `json:"iati_ref,omitempty"`
	OrgType  int    `json:"org_type"`
}

// FeasibilityView is the recorded feasibility evaluation.
type FeasibilityView struct {
	Feasibility
}

// VersionInfo describes one stored design version.
type VersionInfo struct {
	Version   int    `json:"version"`
	Digest    string `json:"digest"`
	CreatedBy string `json:"created_by"`
}

// AgreementView is the agreement with each party's signature.
type AgreementView struct {
	Agreement
	Signatures []Signature `json:"signatures"`
}

// Signature is one party's commitment and signature (SignedOn zero: not yet).
type Signature struct {
	Org        string `json:"org"`
	Commitment string `json:"commitment"`
	Required   bool   `json:"required"`
	SignedOn   Date   `json:"signed_on"`
	SignedBy   string `json:"signed_by,omitempty"`
	Place      string `json:"place,omitempty"`
}

// TimelineEntry is one move of the project along its path.
type TimelineEntry struct {
	Step  Step   `json:"step"`
	Stage Stage  `json:"stage"`
	On    Date   `json:"on"`
	Actor string `json:"actor"`
	Note  string `json:"note,omitempty"`
}

// Get returns the project with code and everything about it, if the caller
// may see it.
func (s *Store) Get(ctx context.Context, code string) (*View, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.header(ctx, nil, r, code)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, p)
}

func (s *Store) view(ctx context.Context, p *Project) (*View, error) {
	v := &View{Project: p, SDGs: []int{}, Countries: []string{p.PartnerCountry}}
	var err error
	if v.Parties, err = s.parties(ctx, p); err != nil {
		return nil, err
	}
	more, err := db.Collect(ctx, s.db, db.Column[string], `SELECT country FROM coop_project_countries WHERE project_id = ? ORDER BY country`, p.ID)
	if err != nil {
		return nil, err
	}
	v.Countries = append(v.Countries, more...)
	if v.SDGs, err = db.Collect(ctx, s.db, db.Column[int], `SELECT goal FROM coop_project_sdgs WHERE project_id = ? ORDER BY goal`, p.ID); err != nil {
		return nil, err
	}
	var f FeasibilityView
	var on db.Day
	err = s.db.QueryRowContext(ctx, `SELECT decision, decided_on, decided_by, note FROM coop_feasibility WHERE project_id = ?`, p.ID).Scan(&f.Decision, &on, &f.DecidedBy, &f.Note)
	if err == nil {
		f.DecidedOn = Date{on.Time}
		err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
			var c Criterion
			var met int
			if err := rows.Scan(&c.Name, &met, &c.Note); err != nil {
				return err
			}
			c.Met = met == 1
			f.Criteria = append(f.Criteria, c)
			return nil
		}, `SELECT criterion, met, note FROM coop_feasibility_criteria WHERE project_id = ? ORDER BY criterion`, p.ID)
		if err != nil {
			return nil, err
		}
		v.Feasibility = &f
	} else if !db.IsNoRows(err) {
		return nil, err
	}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var vi VersionInfo
		if err := rows.Scan(&vi.Version, &vi.Digest, &vi.CreatedBy); err != nil {
			return err
		}
		v.Versions = append(v.Versions, vi)
		return nil
	}, `SELECT version, digest, created_by FROM coop_designs WHERE project_id = ? ORDER BY version`, p.ID)
	if err != nil {
		return nil, err
	}
	if v.Design, v.DesignVersion, err = s.design(ctx, nil, p.ID, p.ApprovedVersion); err != nil {
		return nil, err
	}
	if v.Design != nil {
		v.Flags, _ = v.Design.Validate()
	}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var rv Review
		var on db.Day
		if err := rows.Scan(&rv.Version, &rv.Decision, &on, &rv.Directors, &rv.Financers, &rv.Note); err != nil {
			return err
		}
		rv.DecidedOn = Date{on.Time}
		v.Reviews = append(v.Reviews, rv)
		return nil
	}, `SELECT design_version, decision, decided_on, directors, financers, note FROM coop_reviews WHERE project_id = ? ORDER BY id`, p.ID)
	if err != nil {
		return nil, err
	}
	var a AgreementView
	var eff db.Day
	err = s.db.QueryRowContext(ctx, `SELECT kind, effective_on, deadlines, resources, startup_financing FROM coop_agreements WHERE project_id = ?`, p.ID).
		Scan(&a.Kind, &eff, &a.Deadlines, &a.Resources, &a.StartupFinancing)
	if err == nil {
		a.EffectiveOn = Date{eff.Time}
		err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
			var sg Signature
			var req int
			var on db.Day
			if err := rows.Scan(&sg.Org, &sg.Commitment, &req, &on, &sg.SignedBy, &sg.Place); err != nil {
				return err
			}
			sg.Required, sg.SignedOn = req == 1, Date{on.Time}
			a.Signatures = append(a.Signatures, sg)
			return nil
		}, `SELECT o.name, s.commitment, s.required, s.signed_on, s.signed_by, s.place FROM coop_signatories s JOIN coop_orgs o ON o.id = s.org_id WHERE s.project_id = ? ORDER BY o.name`, p.ID)
		if err != nil {
			return nil, err
		}
		v.Agreement = &a
	} else if !db.IsNoRows(err) {
		return nil, err
	}
	if v.Amendments, err = s.amendments(ctx, p.ID); err != nil {
		return nil, err
	}
	if v.Ledger, err = s.ledger(ctx, p); err != nil {
		return nil, err
	}
	v.Totals = Sum(v.Ledger)
	if p.Modality == "" {
		p.Modality = DeriveModality(v.Ledger)
	}
	if v.Events, err = s.events(ctx, p.ID); err != nil {
		return nil, err
	}
	if v.Documents, err = s.documents(ctx, p.ID); err != nil {
		return nil, err
	}
	sy, err := systematization(ctx, s.db, p.ID)
	if err != nil {
		return nil, err
	}
	if *sy != (Systematization{}) {
		v.Systematization = sy
	}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var t TimelineEntry
		var on db.Day
		if err := rows.Scan(&t.Step, &on, &t.Actor, &t.Note); err != nil {
			return err
		}
		t.On, t.Stage = Date{on.Time}, t.Step.Stage()
		v.Timeline = append(v.Timeline, t)
		return nil
	}, `SELECT step, on_date, actor, note FROM coop_steps WHERE project_id = ? ORDER BY id`, p.ID)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Store) parties(ctx context.Context, p *Project) ([]Party, error) {
	var out []Party
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var pt Party
		if err := rows.Scan(&pt.Org, &pt.Country, &pt.IATIRole, &pt.IATIRef, &pt.OrgType); err != nil {
			return err
		}
		pt.Side = (&Org{Country: pt.Country}).SideIn(p.PartnerCountry)
		out = append(out, pt)
		return nil
	}, `SELECT o.name, o.country, x.iati_role, o.iati_ref, o.org_type FROM coop_parties x JOIN coop_orgs o ON o.id = x.org_id WHERE x.project_id = ? ORDER BY x.iati_role, o.name`, p.ID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// List returns the projects the caller may see, by code, each with its
// stage and modality: the pipeline board.
func (s *Store) List(ctx context.Context) ([]Project, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.projects(ctx, r, "")
	if err != nil {
		return nil, err
	}
	var out []Project
	idx := map[int64]int{}
	for _, p := range ps {
		idx[p.ID] = len(out)
		out = append(out, *p)
	}
	// The modality needs each project's ledger side; the board shows tens
	// of projects, so one grouped query does it.
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var id, amount int64
		var country string
		if err := rows.Scan(&id, &country, &amount); err != nil {
			return err
		}
		i, ok := idx[id]
		if !ok {
			return nil
		}
		p := &out[i]
		if p.Modality == "" {
			p.Modality = Bilateral
		}
		if (&Org{Country: country}).SideIn(p.PartnerCountry) == SideThird && amount > 0 {
			p.Modality = Triangular
		}
		return nil
	}, `SELECT c.project_id, o.country, SUM(c.budgeted + c.executed) FROM coop_contributions c JOIN coop_orgs o ON o.id = c.org_id GROUP BY c.project_id, o.country`)
	if err != nil {
		return nil, err
	}
	return out, nil
}
