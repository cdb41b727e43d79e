package cooperation

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Step is where a project is on the seed's path.
type Step string

// The steps, in order. rejected ends a request that was not feasible.
const (
	StepRequested     Step = "requested"     // a partner institution asked
	StepFeasible      Step = "feasible"      // the feasibility evaluation said yes
	StepRejected      Step = "rejected"      // the feasibility evaluation said no
	StepDesigning     Step = "designing"     // detailed study and draft project, versioned
	StepReviewed      Step = "reviewed"      // directors and financing sources approved a design
	StepAgreed        Step = "agreed"        // the agreement is drawn up, awaiting signatures
	StepExecuting     Step = "executing"     // initiated: every required signature was in
	StepSystematizing Step = "systematizing" // systematization and evaluation
	StepClosed        Step = "closed"        // done: lessons, case and management response recorded
)

// Steps lists the steps in board order.
var Steps = []Step{StepRequested, StepFeasible, StepRejected, StepDesigning, StepReviewed, StepAgreed, StepExecuting, StepSystematizing, StepClosed}

// Stage returns the seed's stage a step belongs to.
func (s Step) Stage() Stage {
	switch s {
	case StepRequested, StepFeasible, StepRejected:
		return StageRequest
	case StepDesigning, StepReviewed, StepAgreed:
		return StagePlanning
	case StepExecuting:
		return StageExecution
	}
	return StageSystematization
}

// Channel is how a request reached FOSIS.
type Channel string

// The channels of the seed: through the partner's national agency, AGCI,
// directly, or through a third-party financing source.
const (
	ChannelPartnerAgency Channel = "partner_agency"
	ChannelAGCI          Channel = "agci"
	ChannelDirect        Channel = "direct"
	ChannelFinancer      Channel = "financer"
)

// Request is a partner institution's request for cooperation.
type Request struct {
	Code           string  `json:"code"`
	Title          string  `json:"title"`
	PartnerCountry string  `json:"partner_country"`
	RequestingOrg  string  `json:"requesting_org"`
	Channel        Channel `json:"channel"`
	// TriangularAsker is the organisation that asked for a triangular
	// arrangement (a financing source or an agency), if any.
	TriangularAsker string `json:"triangular_asker,omitempty"`
	Problem         string `json:"problem,omitempty"`
	SectorDAC       string `json:"sector_dac,omitempty"`
	SEGIBSector     string `json:"segib_sector,omitempty"`
	Instrument      string `json:"instrument,omitempty"`
	Currency        string `json:"currency,omitempty"`
	Public          bool   `json:"public,omitempty"`
	RequestedOn     Date   `json:"requested_on"`
}

var (
	codeRe     = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,39}$`)
	dacRe      = regexp.MustCompile(`^[0-9]{5}$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Project is the header of a request or project.
type Project struct {
	ID              int64   `json:"-"`
	Code            string  `json:"code"`
	Title           string  `json:"title"`
	PartnerCountry  string  `json:"partner_country"`
	RequestingOrg   string  `json:"requesting_org"`
	Channel         Channel `json:"channel"`
	TriangularAsker string  `json:"triangular_asker,omitempty"`
	Problem         string  `json:"problem"`
	SectorDAC       string  `json:"sector_dac"`
	SEGIBSector     string  `json:"segib_sector"`
	Instrument      string  `json:"instrument"`
	Currency        string  `json:"currency"`
	Public          bool    `json:"public"`
	Step            Step    `json:"step"`
	Stage           Stage   `json:"stage"`
	RequestedOn     Date    `json:"requested_on"`
	ActualStart     Date    `json:"actual_start"`
	ActualEnd       Date    `json:"actual_end"`
	ApprovedVersion int     `json:"approved_version"`
	LatestVersion   int     `json:"latest_version"`
	// Modality is bilateral or triangular, derived from the ledger (or the
	// latest design's budget before there is a ledger); "" when no one has
	// put resources in yet.
	Modality Modality `json:"modality"`
}

const projectCols = `p.id, p.code, p.title, p.partner_country, ro.name, p.channel, COALESCE(ta.name, ''), p.problem, p.sector_dac,
	p.segib_sector, p.instrument, p.currency, p.public, p.step, p.requested_on, p.actual_start, p.actual_end, p.approved_version,
	COALESCE((SELECT MAX(version) FROM coop_designs d WHERE d.project_id = p.id), 0)`

const projectFrom = ` FROM coop_projects p JOIN coop_orgs ro ON ro.id = p.requesting_org LEFT JOIN coop_orgs ta ON ta.id = p.triangular_asker`

func scanProject(sc rowScanner) (*Project, error) {
	var p Project
	var pub int
	var req, as, ae db.Day
	if err := sc.Scan(&p.ID, &p.Code, &p.Title, &p.PartnerCountry, &p.RequestingOrg, &p.Channel, &p.TriangularAsker, &p.Problem,
		&p.SectorDAC, &p.SEGIBSector, &p.Instrument, &p.Currency, &pub, &p.Step, &req, &as, &ae, &p.ApprovedVersion, &p.LatestVersion); err != nil {
		return nil, err
	}
	p.Public = pub == 1
	p.RequestedOn, p.ActualStart, p.ActualEnd = Date{req.Time}, Date{as.Time}, Date{ae.Time}
	p.Stage = p.Step.Stage()
	return &p, nil
}

// header reads the project with code if r may see it (not found otherwise).
func (s *Store) header(ctx context.Context, tx *db.Tx, r *reach, code string) (*Project, error) {
	cond, args := r.scopeSQL()
	q := `SELECT ` + projectCols + projectFrom + ` WHERE p.code = ? AND ` + cond
	args = append([]any{strings.ToUpper(strings.TrimSpace(code))}, args...)
	var p *Project
	var err error
	if tx != nil {
		p, err = scanProject(tx.QueryRowContext(ctx, q, args...))
	} else {
		p, err = scanProject(s.db.QueryRowContext(ctx, q, args...))
	}
	if db.IsNoRows(err) {
		return nil, notFound(code)
	}
	return p, err
}

// CreateRequest records a partner institution's request. The requesting
// institution is a party of the project from this moment (principle 2: the
// partner designs the project with FOSIS from its inception), so it must be
// an organisation of the partner country.
func (s *Store) CreateRequest(ctx context.Context, in Request) (*Project, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Title, in.Problem = clean(in.Title), strings.TrimSpace(in.Problem)
	in.PartnerCountry = strings.ToUpper(strings.TrimSpace(in.PartnerCountry))
	if in.SectorDAC == "" {
		in.SectorDAC = "16010"
	}
	if in.Instrument == "" {
		in.Instrument = "project"
	}
	if in.Currency == "" {
		in.Currency = "USD"
	}
	switch {
	case !codeRe.MatchString(in.Code):
		return nil, invalid("code", "coop.err.code.project_code", "%q is not a project code (2–40 capital letters, digits and dashes, e.g. CSS-PY-2026-01)", in.Code)
	case in.Title == "":
		return nil, invalid("title", "coop.err.title.request_needs", "a request needs a title")
	case !countryRe.MatchString(in.PartnerCountry) || in.PartnerCountry == "CL":
		return nil, invalid("partner_country", "coop.err.partner_country.iso_code", "%q is not the ISO code of a partner country (e.g. PY, GT)", in.PartnerCountry)
	case in.Channel != ChannelPartnerAgency && in.Channel != ChannelAGCI && in.Channel != ChannelDirect && in.Channel != ChannelFinancer:
		return nil, invalid("channel", "coop.err.channel.channel_partner", "%q is not a channel (partner_agency, agci, direct, financer)", in.Channel)
	case in.Channel == ChannelFinancer && strings.TrimSpace(in.TriangularAsker) == "":
		return nil, invalid("triangular_asker", "coop.err.triangular_asker.request_that", "a request that came through a financing source names that source as the one who asked for triangular cooperation")
	case !dacRe.MatchString(in.SectorDAC):
		return nil, invalid("sector_dac", "coop.err.sector_dac.digit_dac", "%q is not a 5-digit DAC purpose code (e.g. 16010 social protection)", in.SectorDAC)
	case in.Instrument != "programme" && in.Instrument != "project" && in.Instrument != "action":
		return nil, invalid("instrument", "coop.err.instrument.programme_project", "%q is not programme, project or action", in.Instrument)
	case !currencyRe.MatchString(in.Currency):
		return nil, invalid("currency", "coop.err.currency.iso_currency", "%q is not an ISO 4217 currency code", in.Currency)
	case in.RequestedOn.IsZero():
		return nil, invalid("requested_on", "coop.err.requested_on.give_date", "give the date the request was received")
	case in.RequestedOn.After(s.today()):
		return nil, invalid("requested_on", "coop.err.requested_on.future", "%s is in the future", in.RequestedOn)
	}
	var out *Project
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		ro, err := orgByName(ctx, tx, in.RequestingOrg)
		if err != nil {
			return err
		}
		if ro.SideIn(in.PartnerCountry) != SidePartner {
			return invalid("requesting_org", "coop.err.requesting_org.institution_request", "%s is not an institution of %s; the request comes from the partner country", ro.Name, in.PartnerCountry)
		}
		var asker any
		if strings.TrimSpace(in.TriangularAsker) != "" {
			ta, err := orgByName(ctx, tx, in.TriangularAsker)
			if err != nil {
				return err
			}
			asker = ta.ID
		}
		id, err := tx.InsertID(ctx, `INSERT INTO coop_projects (code, title, partner_country, requesting_org, channel, triangular_asker, problem, sector_dac, segib_sector, instrument, currency, public, step, requested_on, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Code, in.Title, in.PartnerCountry, ro.ID, string(in.Channel), asker, in.Problem, in.SectorDAC, clean(in.SEGIBSector), in.Instrument, in.Currency,
			b2i(in.Public), string(StepRequested), tx.DB().Date(in.RequestedOn.Time), tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
		if err != nil {
			if fosis.ErrorCode(err) == fosis.ECONFLICT {
				return fosis.KeyedErrorf(fosis.ECONFLICT, "coop.err.project_with_code", "a project with code %s already exists; codes never change or repeat (they are published)", in.Code)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_parties (project_id, org_id, iati_role) VALUES (?, ?, 4)`, id, ro.ID); err != nil {
			return err
		}
		if err := logStep(ctx, tx, r, id, StepRequested, in.RequestedOn, "request via "+string(in.Channel)); err != nil {
			return err
		}
		if err := auditWrite(ctx, tx, r, "coop.request.create", "coop_project", in.Code, nil, in); err != nil {
			return err
		}
		out, err = s.header(ctx, tx, r, in.Code)
		return err
	})
	return out, err
}

// logStep writes a line of the project's timeline.
func logStep(ctx context.Context, tx *db.Tx, r *reach, id int64, st Step, on Date, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO coop_steps (project_id, step, on_date, actor, note, at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, string(st), tx.DB().Date(on.Time), r.p.Username, note, tx.DB().Time(tx.Now))
	return err
}

// move changes the project's step from one to another, failing if someone
// else moved it meanwhile.
func move(ctx context.Context, tx *db.Tx, p *Project, to Step, extra string, args ...any) error {
	q := `UPDATE coop_projects SET step = ?, updated_at = ?` + extra + ` WHERE id = ? AND step = ?`
	all := append([]any{string(to), tx.DB().Time(tx.Now)}, args...)
	all = append(all, p.ID, string(p.Step))
	res, err := tx.ExecContext(ctx, q, all...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fosis.KeyedErrorf(fosis.ECONFLICT, "coop.err.project_changed_meanwhile", "project %s changed meanwhile; reload it and try again", p.Code)
	}
	return nil
}

// needStep refuses a transition from the wrong step, saying where the
// project is and what it needs.
func needStep(p *Project, action string, ok ...Step) error {
	for _, s := range ok {
		if p.Step == s {
			return nil
		}
	}
	names := make([]string, len(ok))
	for i, s := range ok {
		names[i] = string(s)
	}
	return blocked("coop.refused.workflow.needs_project", "%s needs project %s to be %s; it is %s", action, p.Code, strings.Join(names, " or "), p.Step)
}

// notFuture refuses a date after today.
func (s *Store) notFuture(field string, d Date) error {
	if d.IsZero() {
		return invalid(field, "coop.err.item.give_date", "give the date")
	}
	if d.After(s.today()) {
		return invalid(field, "coop.err.item.future_record", "%s is in the future; record things when they have happened", d)
	}
	return nil
}

// Criterion is one feasibility criterion and whether the request meets it.
type Criterion struct {
	Name string `json:"name"`
	Met  bool   `json:"met"`
	Note string `json:"note,omitempty"`
}

// Feasibility is the evaluation of a request.
type Feasibility struct {
	Criteria  []Criterion `json:"criteria"`
	Decision  string      `json:"decision"` // approve or reject
	DecidedOn Date        `json:"decided_on"`
	DecidedBy string      `json:"decided_by"`
	Note      string      `json:"note,omitempty"`
}

// Evaluate records the feasibility evaluation of a request. Approving a
// request that fails one of its own criteria is refused.
func (s *Store) Evaluate(ctx context.Context, code string, f Feasibility) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	if len(f.Criteria) == 0 {
		return invalid("criteria", "coop.err.criteria.list_criteria", "list the criteria the request was evaluated against (e.g. alignment with FOSIS programs, staff availability, partner commitment)")
	}
	seen := map[string]bool{}
	for i := range f.Criteria {
		c := &f.Criteria[i]
		c.Name = clean(c.Name)
		if c.Name == "" || seen[c.Name] {
			return invalid(fmt.Sprintf("criteria[%d]", i+1), "coop.err.item.each_criterion", "each criterion needs a distinct name")
		}
		seen[c.Name] = true
	}
	f.DecidedBy = clean(f.DecidedBy)
	if f.Decision != "approve" && f.Decision != "reject" {
		return invalid("decision", "coop.err.decision.neither_approve", "%q is neither approve nor reject", f.Decision)
	}
	if f.DecidedBy == "" {
		return invalid("decided_by", "coop.err.decided_by.say_who", "say who decided")
	}
	if err := s.notFuture("decided_on", f.DecidedOn); err != nil {
		return err
	}
	if f.Decision == "approve" {
		var unmet []string
		for _, c := range f.Criteria {
			if !c.Met {
				unmet = append(unmet, c.Name)
			}
		}
		if len(unmet) > 0 {
			return blocked("coop.refused.feasibility.cannot_approve", "cannot approve: criteria not met: %s", strings.Join(unmet, ", "))
		}
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if err := needStep(p, "the feasibility evaluation", StepRequested); err != nil {
			return err
		}
		if f.DecidedOn.Before(p.RequestedOn.Time) {
			return invalid("decided_on", "coop.err.decided_on.before_request", "%s is before the request (%s)", f.DecidedOn, p.RequestedOn)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_feasibility (project_id, decision, decided_on, decided_by, note) VALUES (?, ?, ?, ?, ?)`,
			p.ID, f.Decision, tx.DB().Date(f.DecidedOn.Time), f.DecidedBy, strings.TrimSpace(f.Note)); err != nil {
			return err
		}
		for _, c := range f.Criteria {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_feasibility_criteria (project_id, criterion, met, note) VALUES (?, ?, ?, ?)`,
				p.ID, c.Name, b2i(c.Met), strings.TrimSpace(c.Note)); err != nil {
				return err
			}
		}
		to := StepFeasible
		if f.Decision == "reject" {
			to = StepRejected
		}
		if err := move(ctx, tx, p, to, ""); err != nil {
			return err
		}
		if err := logStep(ctx, tx, r, p.ID, to, f.DecidedOn, "feasibility: "+f.Decision); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.feasibility", "coop_project", p.Code, nil, f)
	})
}

// DesignResult is what saving a design returns: its version and the flags
// (unpaired members) people must see.
type DesignResult struct {
	Version int    `json:"version"`
	Flags   []Flag `json:"flags"`
}

// SaveDesign stores d as the next version of the project's design. Besides
// Design.Validate it checks, against the database, that every Chilean member
// is a FOSIS professional with program experience (principle 5) at the level
// given, and that every budget party is a known organisation.
func (s *Store) SaveDesign(ctx context.Context, code string, d *Design) (*DesignResult, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	flags, err := d.Validate()
	if err != nil {
		return nil, err
	}
	staff, err := s.staff(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkStaff(d, staff); err != nil {
		return nil, err
	}
	var out DesignResult
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if err := needStep(p, "a new design version", StepFeasible, StepDesigning); err != nil {
			return err
		}
		for i, b := range d.Budget {
			if _, err := orgByName(ctx, tx, b.Org); err != nil {
				return invalid(fmt.Sprintf("budget[%d]", i+1), "coop.err.quoted", "%s", phraseOf(err))
			}
		}
		spec, digest := d.canonical()
		out.Version, out.Flags = p.LatestVersion+1, flags
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_designs (project_id, version, spec, digest, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, out.Version, string(spec), digest, tx.DB().Time(tx.Now), r.p.Username); err != nil {
			return err
		}
		if p.Step == StepFeasible {
			if err := move(ctx, tx, p, StepDesigning, ""); err != nil {
				return err
			}
		}
		if err := logStep(ctx, tx, r, p.ID, StepDesigning, Date{s.today()}, fmt.Sprintf("design version %d", out.Version)); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.design.save", "coop_project", p.Code, nil, map[string]any{"version": out.Version, "digest": digest})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// checkStaff checks the Chilean team against the staff list: each member is
// a known professional, at the level recorded for them, who designed or ran
// at least one national program (principle 5).
func checkStaff(d *Design, staff []Staff) error {
	byID := map[int64]*Staff{}
	for i := range staff {
		byID[staff[i].ID] = &staff[i]
	}
	var errs []fosis.FieldError
	for i, m := range d.Team {
		if m.Side != SideChile {
			continue
		}
		f := fmt.Sprintf("team[%d]", i+1)
		st := byID[m.StaffID]
		switch {
		case st == nil:
			errs = append(errs, fosis.KeyedField(f, "coop.err.team.not_staff", "%s: staff id %d is not a FOSIS professional on record (principle 5)", m.Name, m.StaffID))
		case len(st.Programs) == 0:
			errs = append(errs, fosis.KeyedField(f, "coop.err.team.no_program", "%s has not designed or run a FOSIS program; the Chilean team is FOSIS professionals with program experience (principle 5)", st.Name))
		case st.Level != m.Level:
			errs = append(errs, fosis.KeyedField(f, "coop.err.team.level", "%s is recorded at level %s, not %s", st.Name, st.Level, m.Level))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Field + ": " + e.Message
	}
	return &fosis.Error{Code: fosis.EINVALID, Message: "the Chilean team does not qualify: " + strings.Join(msgs, "; "), Fields: errs, Key: "coop.err.team_not_qualify"}
}

// design reads version v of the project's design (the latest for v = 0).
func (s *Store) design(ctx context.Context, tx *db.Tx, projectID int64, v int) (*Design, int, error) {
	q := `SELECT version, spec FROM coop_designs WHERE project_id = ? AND version = ?`
	args := []any{projectID, v}
	if v == 0 {
		q = `SELECT version, spec FROM coop_designs WHERE project_id = ? ORDER BY version DESC LIMIT 1`
		args = args[:1]
	}
	var spec string
	var err error
	if tx != nil {
		err = tx.QueryRowContext(ctx, q, args...).Scan(&v, &spec)
	} else {
		err = s.db.QueryRowContext(ctx, q, args...).Scan(&v, &spec)
	}
	if db.IsNoRows(err) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	d, err := ParseDesign([]byte(spec))
	return d, v, err
}

// Review is the decision of the department directors with the financing
// sources on one design version.
type Review struct {
	Version   int    `json:"version,omitempty"` // 0: the latest
	Decision  string `json:"decision"`          // approve or revise
	DecidedOn Date   `json:"decided_on"`
	Directors string `json:"directors"`
	Financers string `json:"financers,omitempty"`
	Note      string `json:"note,omitempty"`
}

// ReviewDesign records the directors' review. Approving is checked against
// staff availability: if the team, added to what already approved projects
// take, exceeds anyone's capacity in any month, approval is refused with the
// names and periods that clash. An approved design's budget becomes the
// budgeted side of the shared-costs ledger, and its parties join the project.
func (s *Store) ReviewDesign(ctx context.Context, code string, rv Review) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	rv.Directors = clean(rv.Directors)
	if rv.Decision != "approve" && rv.Decision != "revise" {
		return invalid("decision", "coop.err.decision.neither_approve2", "%q is neither approve nor revise", rv.Decision)
	}
	if rv.Directors == "" {
		return invalid("directors", "coop.err.directors.name_directors", "name the directors who reviewed the design")
	}
	if err := s.notFuture("decided_on", rv.DecidedOn); err != nil {
		return err
	}
	staff, err := s.staff(ctx)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if err := needStep(p, "the directors' review", StepDesigning); err != nil {
			return err
		}
		if rv.Version == 0 {
			rv.Version = p.LatestVersion
		}
		if rv.Version != p.LatestVersion {
			return blocked("coop.refused.workflow.version_latest", "version %d is not the latest design of %s (%d); review the latest", rv.Version, p.Code, p.LatestVersion)
		}
		d, _, err := s.design(ctx, tx, p.ID, rv.Version)
		if err != nil {
			return err
		}
		if rv.Decision == "approve" {
			if err := checkStaff(d, staff); err != nil {
				return err
			}
			load, err := s.committedLoad(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if clashes := Clashes(staff, append(load, assignments(d)...)); len(clashes) > 0 {
				msgs := make([]string, len(clashes))
				for i, c := range clashes {
					msgs[i] = c.String()
				}
				return blocked("coop.refused.staff_capacity.team_would", "the team would exceed staff availability: %s", strings.Join(msgs, "; "))
			}
			if err := s.writeBudget(ctx, tx, p, d); err != nil {
				return err
			}
			if err := move(ctx, tx, p, StepReviewed, ", approved_version = ?", rv.Version); err != nil {
				return err
			}
			if err := logStep(ctx, tx, r, p.ID, StepReviewed, rv.DecidedOn, fmt.Sprintf("design version %d approved by %s", rv.Version, rv.Directors)); err != nil {
				return err
			}
		} else if err := logStep(ctx, tx, r, p.ID, StepDesigning, rv.DecidedOn, fmt.Sprintf("design version %d sent back for revision", rv.Version)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_reviews (project_id, design_version, decision, decided_on, directors, financers, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, rv.Version, rv.Decision, tx.DB().Date(rv.DecidedOn.Time), rv.Directors, clean(rv.Financers), strings.TrimSpace(rv.Note), tx.DB().Time(tx.Now)); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.review", "coop_project", p.Code, nil, rv)
	})
}

// writeBudget makes the approved design's budget the ledger's budgeted
// amounts (keeping what was executed) and adds every contributing
// organisation as a party: financial partners from outside the two
// countries fund (IATI role 1), national agencies are accountable (2), the
// rest implement (4). FOSIS, the reporting organisation, implements.
func (s *Store) writeBudget(ctx context.Context, tx *db.Tx, p *Project, d *Design) error {
	if _, err := tx.ExecContext(ctx, `UPDATE coop_contributions SET budgeted = 0 WHERE project_id = ?`, p.ID); err != nil {
		return err
	}
	roles := map[int64]int{}
	for _, b := range d.Budget {
		o, err := orgByName(ctx, tx, b.Org)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO coop_contributions (project_id, org_id, year, category, kind, valuation, budgeted) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (project_id, org_id, year, category, kind) DO UPDATE SET budgeted = excluded.budgeted, valuation = excluded.valuation`,
			p.ID, o.ID, b.Year, b.Category, b.Kind, b.Valuation, b.Amount)
		if err != nil {
			return err
		}
		role := 4
		switch {
		case o.Financial && o.SideIn(p.PartnerCountry) == SideThird:
			role = 1
		case o.Agency:
			role = 2
		}
		if old, ok := roles[o.ID]; !ok || role < old {
			roles[o.ID] = role
		}
	}
	var fosisID int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM coop_orgs WHERE reporting = 1`).Scan(&fosisID)
	if err != nil && !db.IsNoRows(err) {
		return err
	}
	if fosisID != 0 {
		if _, ok := roles[fosisID]; !ok {
			roles[fosisID] = 4
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM coop_contributions WHERE project_id = ? AND budgeted = 0 AND executed = 0`, p.ID); err != nil {
		return err
	}
	for id, role := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_parties (project_id, org_id, iati_role) VALUES (?, ?, ?) ON CONFLICT (project_id, org_id) DO UPDATE SET iati_role = excluded.iati_role`, p.ID, id, role); err != nil {
			return err
		}
	}
	return nil
}

// Commitment is one party's commitment in the agreement.
type Commitment struct {
	Org        string `json:"org"`
	Commitment string `json:"commitment"`
	Required   bool   `json:"required"` // its signature is needed to start
}

// Agreement is the cooperation agreement: deadlines, resources, commitments
// per party and start-up financing.
type Agreement struct {
	Kind             string       `json:"kind"` // bilateral, trilateral, two_bilaterals
	EffectiveOn      Date         `json:"effective_on"`
	Deadlines        string       `json:"deadlines"`
	Resources        string       `json:"resources"`
	StartupFinancing int64        `json:"startup_financing"`
	Parties          []Commitment `json:"parties"`
}

// Agree records the agreement of a reviewed project. Every party that puts
// resources in (the ledger) and the requesting institution must commit, and
// the requesting institution's signature is always required.
func (s *Store) Agree(ctx context.Context, code string, a Agreement) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	if a.Kind != "bilateral" && a.Kind != "trilateral" && a.Kind != "two_bilaterals" {
		return invalid("kind", "coop.err.kind.bilateral_trilateral", "%q is not bilateral, trilateral or two_bilaterals", a.Kind)
	}
	if a.EffectiveOn.IsZero() {
		return invalid("effective_on", "coop.err.effective_on.give_date", "give the date the agreement takes effect")
	}
	if strings.TrimSpace(a.Deadlines) == "" || strings.TrimSpace(a.Resources) == "" {
		return invalid("deadlines", "coop.err.deadlines.state_agreement", "state the agreement's deadlines and resources")
	}
	if a.StartupFinancing < 0 {
		return invalid("startup_financing", "coop.err.startup_financing.start_up", "start-up financing cannot be negative")
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if err := needStep(p, "the agreement", StepReviewed); err != nil {
			return err
		}
		ids := map[int64]Commitment{}
		for i, c := range a.Parties {
			o, err := orgByName(ctx, tx, c.Org)
			if err != nil {
				return invalid(fmt.Sprintf("parties[%d]", i+1), "coop.err.quoted", "%s", phraseOf(err))
			}
			if strings.TrimSpace(c.Commitment) == "" {
				return invalid(fmt.Sprintf("parties[%d]", i+1), "coop.err.item.state_what", "%s: state what it commits to", o.Name)
			}
			if _, dup := ids[o.ID]; dup {
				return invalid(fmt.Sprintf("parties[%d]", i+1), "coop.err.item.appears_twice", "%s appears twice", o.Name)
			}
			ids[o.ID] = c
		}
		var ro int64
		if err := tx.QueryRowContext(ctx, `SELECT requesting_org FROM coop_projects WHERE id = ?`, p.ID).Scan(&ro); err != nil {
			return err
		}
		if c, ok := ids[ro]; !ok || !c.Required {
			return blocked("coop.refused.joint_design.requesting_institution", "the requesting institution (%s) must commit and sign the agreement", p.RequestingOrg)
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT o.id, o.name FROM coop_contributions c JOIN coop_orgs o ON o.id = c.org_id WHERE c.project_id = ? ORDER BY o.name`, p.ID)
		if err != nil {
			return err
		}
		var missing []string
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return err
			}
			if _, ok := ids[id]; !ok {
				missing = append(missing, name)
			}
		}
		rows.Close()
		if len(missing) > 0 {
			return blocked("coop.refused.shared_costs.every_party", "every party that puts resources in commits in the agreement; missing: %s", strings.Join(missing, ", "))
		}
		if a.Kind == "trilateral" && len(ids) < 3 {
			return invalid("kind", "coop.err.kind.trilateral_agreement", "a trilateral agreement has at least three parties; this one has %d", len(ids))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_agreements (project_id, kind, effective_on, deadlines, resources, startup_financing, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, a.Kind, tx.DB().Date(a.EffectiveOn.Time), strings.TrimSpace(a.Deadlines), strings.TrimSpace(a.Resources), a.StartupFinancing, tx.DB().Time(tx.Now)); err != nil {
			return err
		}
		for id, c := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_signatories (project_id, org_id, commitment, required) VALUES (?, ?, ?, ?)`,
				p.ID, id, strings.TrimSpace(c.Commitment), b2i(c.Required)); err != nil {
				return err
			}
		}
		if err := move(ctx, tx, p, StepAgreed, ""); err != nil {
			return err
		}
		if err := logStep(ctx, tx, r, p.ID, StepAgreed, a.EffectiveOn, "agreement ("+a.Kind+") in effect"); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.agreement", "coop_project", p.Code, nil, a)
	})
}

// Sign records the signature of org on the project's agreement. A partner
// counterpart may sign only for their own organisation.
func (s *Store) Sign(ctx context.Context, code, org, by string, on Date, place string) error {
	r, err := s.access(ctx)
	if err != nil {
		return err
	}
	by = clean(by)
	if by == "" {
		return invalid("by", "coop.err.by.name_person", "name the person who signed")
	}
	if err := s.notFuture("on", on); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		o, err := orgByName(ctx, tx, org)
		if err != nil {
			return err
		}
		if !r.write && (r.p.Role != "counterpart" || o.ID != r.org) {
			return fosis.KeyedErrorf(fosis.EFORBIDDEN, "coop.err.you_may_sign", "you may sign only for your own organisation")
		}
		if err := needStep(p, "a signature", StepAgreed); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE coop_signatories SET signed_on = ?, signed_by = ?, place = ? WHERE project_id = ? AND org_id = ? AND signed_on IS NULL`,
			tx.DB().Date(on.Time), by, clean(place), p.ID, o.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return blocked("coop.refused.agreement.party_agreement", "%s is not a party to the agreement of %s, or has already signed", o.Name, p.Code)
		}
		if err := logStep(ctx, tx, r, p.ID, StepAgreed, on, "signed by "+o.Name+" ("+by+")"); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.agreement.sign", "coop_project", p.Code, nil, map[string]any{"org": o.Name, "by": by, "on": on})
	})
}

// Start initiates the project: execution begins only when every required
// signature is in, and when the approved design still defines objectives,
// time frames, resources and stages (principle 1).
func (s *Store) Start(ctx context.Context, code string, on Date) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	if err := s.notFuture("on", on); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if err := needStep(p, "starting execution", StepAgreed); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT o.name, s.signed_on FROM coop_signatories s JOIN coop_orgs o ON o.id = s.org_id WHERE s.project_id = ? AND s.required = 1 ORDER BY o.name`, p.ID)
		if err != nil {
			return err
		}
		var missing []string
		var last time.Time
		for rows.Next() {
			var name string
			var d db.Day
			if err := rows.Scan(&name, &d); err != nil {
				rows.Close()
				return err
			}
			if d.IsZero() {
				missing = append(missing, name)
			} else if d.After(last) {
				last = d.Time
			}
		}
		rows.Close()
		if len(missing) > 0 {
			return blocked("coop.refused.signatures.execution_starts", "execution starts only when every required signature is in; missing: %s", strings.Join(missing, ", "))
		}
		if on.Before(last) {
			return invalid("on", "coop.err.on.before_last", "%s is before the last signature (%s)", on, last.Format(time.DateOnly))
		}
		d, _, err := s.design(ctx, tx, p.ID, p.ApprovedVersion)
		if err != nil {
			return err
		}
		if d == nil {
			return blocked("coop.refused.principle_1.project_has", "project %s has no approved design", p.Code)
		}
		if _, err := d.Validate(); err != nil {
			return blocked("coop.refused.principle_1.approved_design", "the approved design no longer defines objectives, time frames, resources and stages: %s", phraseOf(err))
		}
		if err := move(ctx, tx, p, StepExecuting, ", actual_start = ?", tx.DB().Date(on.Time)); err != nil {
			return err
		}
		if err := logStep(ctx, tx, r, p.ID, StepExecuting, on, "project initiated"); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.start", "coop_project", p.Code, nil, map[string]any{"on": on})
	})
}

// BeginSystematization moves an executing project to systematization and
// evaluation. The gate: at least one exchange event with its report, so
// there is something to systematize.
func (s *Store) BeginSystematization(ctx context.Context, code string, on Date) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	if err := s.notFuture("on", on); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if err := needStep(p, "systematization", StepExecuting); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM coop_events WHERE project_id = ? AND report <> ''`, p.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return blocked("coop.refused.exchange.record_at", "record at least one exchange event with its report before systematizing")
		}
		if on.Before(p.ActualStart.Time) {
			return invalid("on", "coop.err.on.before_project", "%s is before the project started (%s)", on, p.ActualStart)
		}
		if err := move(ctx, tx, p, StepSystematizing, ""); err != nil {
			return err
		}
		if err := logStep(ctx, tx, r, p.ID, StepSystematizing, on, "systematization and evaluation"); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.systematize", "coop_project", p.Code, nil, map[string]any{"on": on})
	})
}

// Close ends a project in systematization. The gate: lessons learned, the
// whole good-practice case, the evaluation findings and the management
// response are recorded.
func (s *Store) Close(ctx context.Context, code string, on Date) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	if err := s.notFuture("on", on); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if err := needStep(p, "closing", StepSystematizing); err != nil {
			return err
		}
		sy, err := systematization(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if miss := sy.missing(); len(miss) > 0 {
			return blocked("coop.refused.systematization.record_before", "record %s before closing", strings.Join(miss, ", "))
		}
		if !on.After(p.ActualStart.Time) {
			return invalid("on", "coop.err.on.after_project", "%s is not after the project started (%s)", on, p.ActualStart)
		}
		if err := move(ctx, tx, p, StepClosed, ", actual_end = ?", tx.DB().Date(on.Time)); err != nil {
			return err
		}
		if err := logStep(ctx, tx, r, p.ID, StepClosed, on, "closed"); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.close", "coop_project", p.Code, nil, map[string]any{"on": on})
	})
}

// SetPublic marks a project public (published in IATI) or not.
func (s *Store) SetPublic(ctx context.Context, code string, public bool) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE coop_projects SET public = ?, updated_at = ? WHERE id = ?`, b2i(public), tx.DB().Time(tx.Now), p.ID); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.public", "coop_project", p.Code, map[string]any{"public": p.Public}, map[string]any{"public": public})
	})
}
