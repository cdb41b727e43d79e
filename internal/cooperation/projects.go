package cooperation

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation/iati"
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
	// SDGs are the Sustainable Development Goals (1–17) the project
	// contributes to, reported to SEGIB.
	SDGs []int `json:"sdgs,omitempty"`
	// OtherCountries are further receiving countries of a regional
	// initiative (SEGIB modality "regional"): ISO codes of partner
	// countries other than PartnerCountry.
	OtherCountries []string `json:"other_countries,omitempty"`
	// Bidirectional marks a bilateral exchange in which both countries
	// offer and receive (SEGIB role "ambos").
	Bidirectional bool `json:"bidirectional,omitempty"`
}

var (
	codeRe     = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,39}$`)
	dacRe      = regexp.MustCompile(`^[0-9]{5}$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
	// iatiActivityRe is an IATI activity identifier: an organisation
	// identifier (agency prefix and id) and the activity's code, no / & | ?.
	iatiActivityRe = regexp.MustCompile(`^[A-Za-z]{2}-[A-Za-z0-9]+-[^\s/&|?]+$`)
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
	// Closure is how a closed project ended: completed, or cancelled or
	// suspended (with ClosureReason) before its 18 months; "" while open.
	Closure       string `json:"closure,omitempty"`
	ClosureReason string `json:"closure_reason,omitempty"`
	// Bidirectional: both countries offer and receive (SEGIB "ambos").
	Bidirectional bool `json:"bidirectional,omitempty"`
	// Modality is bilateral or triangular, derived from the ledger (or the
	// latest design's budget before there is a ledger); "" when no one has
	// put resources in yet.
	Modality Modality `json:"modality"`
}

const projectCols = `p.id, p.code, p.title, p.partner_country, ro.name, p.channel, COALESCE(ta.name, ''), p.problem, p.sector_dac,
	p.segib_sector, p.instrument, p.currency, p.public, p.step, p.requested_on, p.actual_start, p.actual_end, p.approved_version,
	COALESCE((SELECT MAX(version) FROM coop_designs d WHERE d.project_id = p.id), 0), p.closure, p.closure_reason, p.bidirectional`

const projectFrom = ` FROM coop_projects p JOIN coop_orgs ro ON ro.id = p.requesting_org LEFT JOIN coop_orgs ta ON ta.id = p.triangular_asker`

func scanProject(sc rowScanner) (*Project, error) {
	var p Project
	var pub, bidi int
	var req, as, ae db.Day
	if err := sc.Scan(&p.ID, &p.Code, &p.Title, &p.PartnerCountry, &p.RequestingOrg, &p.Channel, &p.TriangularAsker, &p.Problem,
		&p.SectorDAC, &p.SEGIBSector, &p.Instrument, &p.Currency, &pub, &p.Step, &req, &as, &ae, &p.ApprovedVersion, &p.LatestVersion, &p.Closure, &p.ClosureReason, &bidi); err != nil {
		return nil, err
	}
	p.Public, p.Bidirectional = pub == 1, bidi == 1
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

// projects reads the projects r may see that meet where (all of them when
// where is ""), by code.
func (s *Store) projects(ctx context.Context, r *reach, where string) ([]*Project, error) {
	cond, args := r.scopeSQL()
	if where != "" {
		cond = where + ` AND ` + cond
	}
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (*Project, error) { return scanProject(rows) },
		`SELECT `+projectCols+projectFrom+` WHERE `+cond+` ORDER BY p.code`, args...)
}

// inProject runs fn in a transaction on project code as r may see it
// (header): the prologue of every change to a project.
func (s *Store) inProject(ctx context.Context, r *reach, code string, fn func(tx *db.Tx, p *Project) error) error {
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		p, err := s.header(ctx, tx, r, code)
		if err != nil {
			return err
		}
		return fn(tx, p)
	})
}

// an organisation of the partner country.
func (s *Store) CreateRequest(ctx context.Context, in Request) (*Project, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Title, in.Problem = clean(in.Title), strings.TrimSpace(in.Problem)
	in.PartnerCountry = strings.ToUpper(strings.TrimSpace(in.PartnerCountry))
	for i, c := range in.OtherCountries {
		in.OtherCountries[i] = strings.ToUpper(strings.TrimSpace(c))
	}
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
	case !iati.InList("Sector", in.SectorDAC):
		return nil, invalid("sector_dac", "coop.err.sector_dac.not_in_codelist", "%s is not an active purpose code of the DAC 5-digit Sector codelist: choose one from the list (e.g. 16010 social protection)", in.SectorDAC)
	case in.Instrument != "programme" && in.Instrument != "project" && in.Instrument != "action":
		return nil, invalid("instrument", "coop.err.instrument.programme_project", "%q is not programme, project or action", in.Instrument)
	case !currencyRe.MatchString(in.Currency) || !iati.InList("Currency", in.Currency):
		return nil, invalid("currency", "coop.err.currency.iso_currency", "%q is not an ISO 4217 currency code of the IATI Currency codelist (e.g. USD, EUR, CLP)", in.Currency)
	case slices.ContainsFunc(in.SDGs, func(g int) bool { return g < 1 || g > 17 }):
		return nil, invalid("sdgs", "coop.err.sdgs.range", "%v: the Sustainable Development Goals are numbered 1 to 17", in.SDGs)
	case slices.ContainsFunc(in.OtherCountries, func(c string) bool { return !countryRe.MatchString(c) || c == "CL" || c == in.PartnerCountry }):
		return nil, invalid("other_countries", "coop.err.other_countries.iso_code", "%v: each further receiving country is the ISO code of a partner country other than %s and Chile (e.g. BO, GT)", in.OtherCountries, in.PartnerCountry)
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
			db.Bool(in.Public), string(StepRequested), tx.DB().Date(in.RequestedOn.Time), tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
		if err != nil {
			if fosis.ErrorCode(err) == fosis.ECONFLICT {
				return fosis.KeyedErrorf(fosis.ECONFLICT, "coop.err.project_with_code", "a project with code %s already exists; codes never change or repeat (they are published)", in.Code)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO coop_parties (project_id, org_id, iati_role) VALUES (?, ?, 4)`, id, ro.ID); err != nil {
			return err
		}
		if in.Bidirectional {
			if _, err := tx.ExecContext(ctx, `UPDATE coop_projects SET bidirectional = 1 WHERE id = ?`, id); err != nil {
				return err
			}
		}
		for _, c := range in.OtherCountries {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_project_countries (project_id, country) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, c); err != nil {
				return err
			}
		}
		for _, g := range in.SDGs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_project_sdgs (project_id, goal) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, g); err != nil {
				return err
			}
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

// move changes the project's step from one to another: a compare-and-set
// on the step read, so that of two attempts at the same step exactly one
// wins and the other is told to reload.
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
	// The action, the steps and "or" are words of the catalogs, so that the
	// pages say the whole refusal in the reader's language.
	or := fosis.Phrase{Key: "coop.word.or", Text: " or "}
	var want fosis.Phrase
	switch len(ok) {
	case 1:
		want = stepWord(ok[0])
	default:
		// "a or b or c" as nested phrases: each joins one more step.
		want = stepWord(ok[len(ok)-1])
		for i := len(ok) - 2; i >= 0; i-- {
			want = fosis.Phrase{Key: "coop.word.either", Args: []any{stepWord(ok[i]), or, want}, Text: strings.Join(names[i:], " or ")}
		}
	}
	return blocked("coop.refused.workflow.needs_project", "%s needs project %s to be %s; it is %s", actionWord(action), p.Code, want, stepWord(p.Step))
}

// stepWord is a step as a word of the catalogs (coop.step.<step>).
func stepWord(st Step) fosis.Phrase {
	return fosis.Phrase{Key: "coop.step." + string(st), Text: string(st)}
}

// actions are the moves needStep names, with their catalog keys.
var actions = map[string]string{
	"an exchange event": "event", "recording execution": "execution", "systematization": "systematization",
	"the feasibility evaluation": "feasibility", "a new design version": "design", "the directors' review": "review",
	"the agreement": "agreement", "a signature": "sign", "an amendment": "amendment", "starting execution": "start", "closing": "close",
}

// actionWord is a move as a word of the catalogs (coop.action.<key>).
func actionWord(a string) fosis.Phrase {
	return fosis.Phrase{Key: "coop.action." + actions[a], Text: a}
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

// lastStepOn is the date of the project's latest dated step (the request,
// the feasibility decision, a design version, a review, the agreement, a
// signature, the start…): the next one may not be dated before it.
func lastStepOn(ctx context.Context, tx *db.Tx, id int64) (Date, error) {
	var d db.Day
	err := tx.QueryRowContext(ctx, `SELECT MAX(on_date) FROM coop_steps WHERE project_id = ?`, id).Scan(&d)
	return Date{d.Time}, err
}

// inOrder refuses a step dated before the step it follows. Entering steps
// after the fact (data from before fosis) stays possible, in order.
func inOrder(ctx context.Context, tx *db.Tx, p *Project, field string, on Date) error {
	last, err := lastStepOn(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	if on.Before(last.Time) {
		return blocked("coop.refused.dates.before_last_step", "%s: %s is before the project's last step (%s); every step is dated on or after the one it follows", field, on, last)
	}
	return nil
}

// pathStep is one move along the path: what it is called (in refusals),
// the steps it starts from, its date and whether only writers may take it.
type pathStep struct {
	action string
	from   []Step
	field  string // the date's field name in refusals
	on     Date
	anyone bool // counterparts may take it too (signatures); check says for whom
	// check, when set, runs before the step is checked: who may take it
	// is said before where the project is.
	check func(tx *db.Tx, r *reach, p *Project) error
}

// stepDone is what a step's body did: the step the project moves to ("" to
// stay, e.g. a signature), the columns the move sets, the timeline line and
// the audit entry.
type stepDone struct {
	to    Step
	set   string
	args  []any
	log   Step // the timeline's step; to when empty
	note  string
	audit string
	after any
}

// step runs the skeleton every move along the path shares: the caller may
// write, the date is given and not in the future, the project is visible
// and at one of the steps the move starts from, and the date is not before
// the project's last step; body checks the move's own rules and writes;
// then the project moves (a compare-and-set on its step), and the timeline
// and the audit trail record it, all in one transaction.
func (s *Store) step(ctx context.Context, code string, ps pathStep, body func(tx *db.Tx, r *reach, p *Project) (stepDone, error)) error {
	var r *reach
	var err error
	if ps.anyone {
		r, err = s.access(ctx)
	} else {
		r, err = s.writer(ctx)
	}
	if err != nil {
		return err
	}
	if err := s.notFuture(ps.field, ps.on); err != nil {
		return err
	}
	return s.inProject(ctx, r, code, func(tx *db.Tx, p *Project) error {
		if ps.check != nil {
			if err := ps.check(tx, r, p); err != nil {
				return err
			}
		}
		if err := needStep(p, ps.action, ps.from...); err != nil {
			return err
		}
		if err := inOrder(ctx, tx, p, ps.field, ps.on); err != nil {
			return err
		}
		done, err := body(tx, r, p)
		if err != nil {
			return err
		}
		if done.to != "" {
			if err := move(ctx, tx, p, done.to, done.set, done.args...); err != nil {
				return err
			}
		}
		if done.log == "" {
			done.log = done.to
		}
		if err := logStep(ctx, tx, r, p.ID, done.log, ps.on, done.note); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, done.audit, "coop_project", p.Code, nil, done.after)
	})
}

// Criterion is one feasibility criterion and whether the request meets it.
type Criterion struct {
	Name string `json:"name"`
	Met  bool   `json:"met"`
	Note string `json:"note,omitempty"`
}

// CriterionDef is a criterion every feasibility evaluation answers.
type CriterionDef struct {
	Key, ES, EN string
}

// RequiredCriteria are the criteria every feasibility evaluation answers
// (by key, or by its Spanish or English name): the seed's "FOSIS will
// evaluate all requests with partner institutions based on the feasibility
// of implementing the requested exchange", read through its principles — the
// request concerns what FOSIS designs and runs (principle 5), the requesting
// institution commits to design it jointly and to carry its share of the
// costs (principles 2 and 6), and the professionals are available
// ("based on the availability of human resources required to carry out a
// sustainable program"). Other criteria may be added.
var RequiredCriteria = []CriterionDef{
	{"alignment", "Alineación con programas de FOSIS", "Alignment with FOSIS programmes"},
	{"commitment", "Compromiso de la institución solicitante", "Commitment of the requesting institution"},
	{"staff", "Disponibilidad de profesionales", "Availability of professionals"},
}

var foldAccents = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n")

func foldName(s string) string { return foldAccents.Replace(strings.ToLower(clean(s))) }

// requiredCriterion returns the key of the required criterion name stands
// for, or "".
func requiredCriterion(name string) string {
	n := foldName(name)
	for _, c := range RequiredCriteria {
		if n == c.Key || n == foldName(c.ES) || n == foldName(c.EN) {
			return c.Key
		}
	}
	return ""
}

// Feasibility is the evaluation of a request.
type Feasibility struct {
	Criteria  []Criterion `json:"criteria"`
	Decision  string      `json:"decision"` // approve or reject
	DecidedOn Date        `json:"decided_on"`
	DecidedBy string      `json:"decided_by"`
	Note      string      `json:"note,omitempty"`
}

// Evaluate records the feasibility evaluation of a request. Every required
// criterion is answered; approving a request that fails one of its
// criteria is refused.
func (s *Store) Evaluate(ctx context.Context, code string, f Feasibility) error {
	if _, err := s.writer(ctx); err != nil {
		return err
	}
	if len(f.Criteria) == 0 {
		return invalid("criteria", "coop.err.criteria.list_criteria", "list the criteria the request was evaluated against (e.g. alignment with FOSIS programs, staff availability, partner commitment)")
	}
	seen := map[string]bool{}
	answered := map[string]bool{}
	for i := range f.Criteria {
		c := &f.Criteria[i]
		c.Name = clean(c.Name)
		if c.Name == "" || seen[foldName(c.Name)] {
			return invalid(fmt.Sprintf("criteria[%d]", i+1), "coop.err.item.each_criterion", "each criterion needs a distinct name")
		}
		seen[foldName(c.Name)] = true
		if k := requiredCriterion(c.Name); k != "" {
			if answered[k] {
				return invalid(fmt.Sprintf("criteria[%d]", i+1), "coop.err.item.each_criterion", "each criterion needs a distinct name")
			}
			answered[k] = true
		}
	}
	var missing []string
	for _, c := range RequiredCriteria {
		if !answered[c.Key] {
			missing = append(missing, c.EN)
		}
	}
	if len(missing) > 0 {
		return invalid("criteria", "coop.err.criteria.required", "answer every required criterion; missing: %s", strings.Join(missing, ", "))
	}
	f.DecidedBy = clean(f.DecidedBy)
	if f.Decision != "approve" && f.Decision != "reject" {
		return invalid("decision", "coop.err.decision.neither_approve", "%q is neither approve nor reject", f.Decision)
	}
	if f.DecidedBy == "" {
		return invalid("decided_by", "coop.err.decided_by.say_who", "say who decided")
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
	return s.step(ctx, code, pathStep{action: "the feasibility evaluation", from: []Step{StepRequested}, field: "decided_on", on: f.DecidedOn},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_feasibility (project_id, decision, decided_on, decided_by, note) VALUES (?, ?, ?, ?, ?)`,
				p.ID, f.Decision, tx.DB().Date(f.DecidedOn.Time), f.DecidedBy, strings.TrimSpace(f.Note)); err != nil {
				return stepDone{}, err
			}
			for _, c := range f.Criteria {
				if _, err := tx.ExecContext(ctx, `INSERT INTO coop_feasibility_criteria (project_id, criterion, met, note) VALUES (?, ?, ?, ?)`,
					p.ID, c.Name, db.Bool(c.Met), strings.TrimSpace(c.Note)); err != nil {
					return stepDone{}, err
				}
			}
			to := StepFeasible
			if f.Decision == "reject" {
				to = StepRejected
			}
			return stepDone{to: to, note: "feasibility: " + f.Decision, audit: "coop.feasibility", after: f}, nil
		})
}

// DesignResult is what saving a design returns: its version and the flags
// (unpaired members) people must see.
type DesignResult struct {
	Version int    `json:"version"`
	Flags   []Flag `json:"flags"`
}

// SaveDesign stores d as the next version of the project's design, dated
// d.Drafted (today when not given; never before the project's last step).
// Besides Design.Validate it checks, against the database, that every
// Chilean member is a FOSIS professional with program experience
// (principle 5) at the level given, and that every budget party is a known
// organisation. A project sent back by the directors, or reviewed and not yet
// agreed, takes a correcting version, which needs a review of its own.
func (s *Store) SaveDesign(ctx context.Context, code string, d *Design) (*DesignResult, error) {
	if _, err := s.writer(ctx); err != nil {
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
	if d.Drafted.IsZero() {
		d.Drafted = Date{s.today()}
	}
	var out DesignResult
	err = s.step(ctx, code, pathStep{action: "a new design version", from: []Step{StepFeasible, StepDesigning, StepReviewed}, field: "drafted", on: d.Drafted},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			for i, b := range d.Budget {
				if _, err := orgByName(ctx, tx, b.Org); err != nil {
					return stepDone{}, invalid(fmt.Sprintf("budget[%d]", i+1), "coop.err.quoted", "%s", phraseOf(err))
				}
			}
			spec, digest := d.canonical()
			out.Version, out.Flags = p.LatestVersion+1, flags
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_designs (project_id, version, spec, digest, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
				p.ID, out.Version, string(spec), digest, tx.DB().Time(tx.Now), r.p.Username); err != nil {
				return stepDone{}, err
			}
			done := stepDone{log: StepDesigning, note: fmt.Sprintf("design version %d", out.Version), audit: "coop.design.save",
				after: map[string]any{"version": out.Version, "digest": digest}}
			if p.Step != StepDesigning {
				// A correcting version of a reviewed design goes back to the
				// directors; the approved version stays the ledger's until then.
				done.to = StepDesigning
			}
			return done, nil
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

// FinancerDecision is one financing source's decision in the directors'
// review of a triangular project.
type FinancerDecision struct {
	Org      string `json:"org"`
	Decision string `json:"decision"` // approve or revise
}

// Review is the decision of the department directors with the financing
// sources on one design version.
type Review struct {
	Version   int    `json:"version,omitempty"` // 0: the latest
	Decision  string `json:"decision"`          // approve or revise
	DecidedOn Date   `json:"decided_on"`
	Directors string `json:"directors"`
	// Financers is free text (who took part); FinancerDecisions names each
	// financing source of a triangular design and its decision.
	Financers         string             `json:"financers,omitempty"`
	FinancerDecisions []FinancerDecision `json:"financer_decisions,omitempty"`
	Note              string             `json:"note,omitempty"`
}

// ParseFinancerDecisions reads "ORG=approve" or "ORG=revise" items (the
// command line's and the pages' form).
func ParseFinancerDecisions(items []string) ([]FinancerDecision, error) {
	var out []FinancerDecision
	for i, it := range items {
		if strings.TrimSpace(it) == "" {
			continue
		}
		org, dec, ok := strings.Cut(it, "=")
		dec = strings.TrimSpace(dec)
		if !ok || clean(org) == "" || (dec != "approve" && dec != "revise") {
			return nil, invalid(fmt.Sprintf("financer_decisions[%d]", i+1), "coop.err.financer_decisions.form", "%q: write ORGANISATION=approve or ORGANISATION=revise", it)
		}
		out = append(out, FinancerDecision{Org: clean(org), Decision: dec})
	}
	return out, nil
}

// ReviewDesign records the directors' review. Approving is checked against
// staff availability: if the team, added to what already approved projects
// take, exceeds anyone's capacity in any month, approval is refused with the
// names and periods that clash. A triangular design is reviewed "in
// conjunction with the third-party financing sources": each financer of its
// budget gives its decision, and approval needs every one to approve. The
// requesting country's contribution (at least in kind, valued) is required.
// An approved design's budget becomes the budgeted side of the shared-costs
// ledger, and its parties join the project.
func (s *Store) ReviewDesign(ctx context.Context, code string, rv Review) error {
	if _, err := s.writer(ctx); err != nil {
		return err
	}
	rv.Directors = clean(rv.Directors)
	if rv.Decision != "approve" && rv.Decision != "revise" {
		return invalid("decision", "coop.err.decision.neither_approve2", "%q is neither approve nor revise", rv.Decision)
	}
	if rv.Directors == "" {
		return invalid("directors", "coop.err.directors.name_directors", "name the directors who reviewed the design")
	}
	for i, fd := range rv.FinancerDecisions {
		if fd.Decision != "approve" && fd.Decision != "revise" {
			return invalid(fmt.Sprintf("financer_decisions[%d]", i+1), "coop.err.decision.neither_approve2", "%q is neither approve nor revise", fd.Decision)
		}
	}
	staff, err := s.staff(ctx)
	if err != nil {
		return err
	}
	return s.step(ctx, code, pathStep{action: "the directors' review", from: []Step{StepDesigning}, field: "decided_on", on: rv.DecidedOn},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			if rv.Version == 0 {
				rv.Version = p.LatestVersion
			}
			if rv.Version != p.LatestVersion {
				return stepDone{}, blocked("coop.refused.workflow.version_latest", "version %d is not the latest design of %s (%d); review the latest", rv.Version, p.Code, p.LatestVersion)
			}
			d, _, err := s.design(ctx, tx, p.ID, rv.Version)
			if err != nil {
				return stepDone{}, err
			}
			financers, partnerShare, err := budgetSides(ctx, tx, p, d)
			if err != nil {
				return stepDone{}, err
			}
			decided := map[int64]string{}
			for i, fd := range rv.FinancerDecisions {
				o, err := orgByName(ctx, tx, fd.Org)
				if err != nil {
					return stepDone{}, invalid(fmt.Sprintf("financer_decisions[%d]", i+1), "coop.err.quoted", "%s", phraseOf(err))
				}
				if _, ok := financers[o.ID]; !ok {
					return stepDone{}, invalid(fmt.Sprintf("financer_decisions[%d]", i+1), "coop.err.financer_decisions.not_financer", "%s does not finance design version %d; name the financing sources of its budget", o.Name, rv.Version)
				}
				decided[o.ID] = fd.Decision
			}
			done := stepDone{log: StepDesigning, note: fmt.Sprintf("design version %d sent back for revision", rv.Version), audit: "coop.review", after: rv}
			if rv.Decision == "approve" {
				var missing, against []string
				for id, name := range financers {
					switch decided[id] {
					case "":
						missing = append(missing, name)
					case "revise":
						against = append(against, name)
					}
				}
				slices.Sort(missing)
				slices.Sort(against)
				if len(missing) > 0 {
					return stepDone{}, blocked("coop.refused.financers.missing", "a triangular design is reviewed with its financing sources: give the decision of %s", strings.Join(missing, ", "))
				}
				if len(against) > 0 {
					return stepDone{}, blocked("coop.refused.financers.against", "%s asked for a revision; the design cannot be approved", strings.Join(against, ", "))
				}
				if partnerShare <= 0 {
					return stepDone{}, blocked("coop.refused.shared_costs.partner_share", "the requesting country contributes its authorities, professionals, office space and materials: give its contribution (at least in kind, valued) in the budget of %s", p.PartnerCountry)
				}
				if err := checkStaff(d, staff); err != nil {
					return stepDone{}, err
				}
				load, err := s.committedLoad(ctx, tx, p.ID)
				if err != nil {
					return stepDone{}, err
				}
				if clashes := Clashes(staff, append(load, assignments(d)...)); len(clashes) > 0 {
					msgs := make([]string, len(clashes))
					for i, c := range clashes {
						msgs[i] = c.String()
					}
					return stepDone{}, blocked("coop.refused.staff_capacity.team_would", "the team would exceed staff availability: %s", strings.Join(msgs, "; "))
				}
				if err := s.writeBudget(ctx, tx, p, d); err != nil {
					return stepDone{}, err
				}
				done.to, done.log, done.set, done.args = StepReviewed, "", ", approved_version = ?", []any{rv.Version}
				done.note = fmt.Sprintf("design version %d approved by %s", rv.Version, rv.Directors)
			}
			id, err := tx.InsertID(ctx, `INSERT INTO coop_reviews (project_id, design_version, decision, decided_on, directors, financers, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				p.ID, rv.Version, rv.Decision, tx.DB().Date(rv.DecidedOn.Time), rv.Directors, clean(rv.Financers), strings.TrimSpace(rv.Note), tx.DB().Time(tx.Now))
			if err != nil {
				return stepDone{}, err
			}
			for oid, dec := range decided {
				if _, err := tx.ExecContext(ctx, `INSERT INTO coop_review_financers (review_id, org_id, decision) VALUES (?, ?, ?)`, id, oid, dec); err != nil {
					return stepDone{}, err
				}
			}
			return done, nil
		})
}

// budgetSides returns the financing sources of a design's budget (third
// parties that put something in, by id) and what the partner country's
// organisations put in.
func budgetSides(ctx context.Context, tx *db.Tx, p *Project, d *Design) (map[int64]string, int64, error) {
	financers := map[int64]string{}
	var partner int64
	for _, b := range d.Budget {
		o, err := orgByName(ctx, tx, b.Org)
		if err != nil {
			return nil, 0, err
		}
		switch o.SideIn(p.PartnerCountry) {
		case SideThird:
			if b.Amount > 0 {
				financers[o.ID] = o.Name
			}
		case SidePartner:
			partner += b.Amount
		}
	}
	return financers, partner, nil
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
	// Required is kept for older files: every party named in the agreement
	// signs it before the project starts, whatever it says.
	Required bool `json:"required"`
	// IATIActivity is the party's own published IATI activity for this
	// project, if it publishes one (e.g. a financer's "XM-DAC-5-7-…"): the
	// IATI file names it on the incoming funds from that party.
	IATIActivity string `json:"iati_activity,omitempty"`
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

// Agree records the agreement of a reviewed project (the seed: "all parties
// involved discuss the possible deadlines, resources, commitments, etc. and
// the necessary start-up financing"). FOSIS, the requesting institution and
// every party that puts resources in (the ledger) commit, and each of them
// signs before the project starts. A project the ledger makes triangular
// has a trilateral agreement (or two bilaterals), never a bilateral one.
// The agreement takes effect on or after the review, and not in the future.
func (s *Store) Agree(ctx context.Context, code string, a Agreement) error {
	if _, err := s.writer(ctx); err != nil {
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
	return s.step(ctx, code, pathStep{action: "the agreement", from: []Step{StepReviewed}, field: "effective_on", on: a.EffectiveOn},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			ids := map[int64]Commitment{}
			for i, c := range a.Parties {
				o, err := orgByName(ctx, tx, c.Org)
				if err != nil {
					return stepDone{}, invalid(fmt.Sprintf("parties[%d]", i+1), "coop.err.quoted", "%s", phraseOf(err))
				}
				if strings.TrimSpace(c.Commitment) == "" {
					return stepDone{}, invalid(fmt.Sprintf("parties[%d]", i+1), "coop.err.item.state_what", "%s: state what it commits to", o.Name)
				}
				if a := strings.TrimSpace(c.IATIActivity); a != "" && !iatiActivityRe.MatchString(a) {
					return stepDone{}, invalid(fmt.Sprintf("parties[%d]", i+1), "coop.err.item.iati_activity", "%s: %q is not an IATI activity identifier (the publisher's organisation id, a dash and its code)", o.Name, a)
				}
				if _, dup := ids[o.ID]; dup {
					return stepDone{}, invalid(fmt.Sprintf("parties[%d]", i+1), "coop.err.item.appears_twice", "%s appears twice", o.Name)
				}
				ids[o.ID] = c
			}
			var ro, fosisID int64
			if err := tx.QueryRowContext(ctx, `SELECT requesting_org FROM coop_projects WHERE id = ?`, p.ID).Scan(&ro); err != nil {
				return stepDone{}, err
			}
			if _, ok := ids[ro]; !ok {
				return stepDone{}, blocked("coop.refused.joint_design.requesting_institution", "the requesting institution (%s) must commit and sign the agreement", p.RequestingOrg)
			}
			err := tx.QueryRowContext(ctx, `SELECT id FROM coop_orgs WHERE reporting = 1`).Scan(&fosisID)
			if err != nil && !db.IsNoRows(err) {
				return stepDone{}, err
			}
			if _, ok := ids[fosisID]; fosisID != 0 && !ok {
				return stepDone{}, blocked("coop.refused.agreement.fosis", "FOSIS commits and signs every agreement; add it to the parties")
			}
			var missing []string
			triangular := false
			err = db.Each(ctx, tx, func(rows *sql.Rows) error {
				var id int64
				var name, country string
				if err := rows.Scan(&id, &name, &country); err != nil {
					return err
				}
				if _, ok := ids[id]; !ok {
					missing = append(missing, name)
				}
				if (&Org{Country: country}).SideIn(p.PartnerCountry) == SideThird {
					triangular = true
				}
				return nil
			}, `SELECT DISTINCT o.id, o.name, o.country FROM coop_contributions c JOIN coop_orgs o ON o.id = c.org_id WHERE c.project_id = ? AND (c.budgeted > 0 OR c.executed > 0) ORDER BY o.name`, p.ID)
			if err != nil {
				return stepDone{}, err
			}
			if len(missing) > 0 {
				return stepDone{}, blocked("coop.refused.shared_costs.every_party", "every party that puts resources in commits in the agreement; missing: %s", strings.Join(missing, ", "))
			}
			if triangular && a.Kind == "bilateral" {
				return stepDone{}, invalid("kind", "coop.err.kind.bilateral_triangular", "project %s is triangular (a third party finances it): its agreement is trilateral or two bilaterals, not bilateral", p.Code)
			}
			if a.Kind == "trilateral" && len(ids) < 3 {
				return stepDone{}, invalid("kind", "coop.err.kind.trilateral_agreement", "a trilateral agreement has at least three parties; this one has %d", len(ids))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_agreements (project_id, kind, effective_on, deadlines, resources, startup_financing, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				p.ID, a.Kind, tx.DB().Date(a.EffectiveOn.Time), strings.TrimSpace(a.Deadlines), strings.TrimSpace(a.Resources), a.StartupFinancing, tx.DB().Time(tx.Now)); err != nil {
				return stepDone{}, err
			}
			for id, c := range ids {
				if _, err := tx.ExecContext(ctx, `INSERT INTO coop_signatories (project_id, org_id, commitment, required, iati_activity) VALUES (?, ?, ?, 1, ?)`,
					p.ID, id, strings.TrimSpace(c.Commitment), strings.TrimSpace(c.IATIActivity)); err != nil {
					return stepDone{}, err
				}
			}
			return stepDone{to: StepAgreed, note: "agreement (" + a.Kind + ") in effect", audit: "coop.agreement", after: a}, nil
		})
}

// Sign records the signature of org on the project's agreement, on or after
// the agreement and the signatures before it. A partner counterpart may
// sign only for their own organisation.
func (s *Store) Sign(ctx context.Context, code, org, by string, on Date, place string) error {
	if _, err := s.access(ctx); err != nil {
		return err
	}
	by = clean(by)
	if by == "" {
		return invalid("by", "coop.err.by.name_person", "name the person who signed")
	}
	var o *Org
	forWhom := func(tx *db.Tx, r *reach, p *Project) error {
		var err error
		if o, err = orgByName(ctx, tx, org); err != nil {
			return err
		}
		if !r.write && (r.p.Role != "counterpart" || o.ID != r.org) {
			return fosis.KeyedErrorf(fosis.EFORBIDDEN, "coop.err.you_may_sign", "you may sign only for your own organisation")
		}
		return nil
	}
	return s.step(ctx, code, pathStep{action: "a signature", from: []Step{StepAgreed}, field: "on", on: on, anyone: true, check: forWhom},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			res, err := tx.ExecContext(ctx, `UPDATE coop_signatories SET signed_on = ?, signed_by = ?, place = ? WHERE project_id = ? AND org_id = ? AND signed_on IS NULL`,
				tx.DB().Date(on.Time), by, clean(place), p.ID, o.ID)
			if err != nil {
				return stepDone{}, err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return stepDone{}, blocked("coop.refused.agreement.party_agreement", "%s is not a party to the agreement of %s, or has already signed", o.Name, p.Code)
			}
			return stepDone{log: StepAgreed, note: "signed by " + o.Name + " (" + by + ")", audit: "coop.agreement.sign",
				after: map[string]any{"org": o.Name, "by": by, "on": on}}, nil
		})
}

// Start initiates the project (the seed: "once consensus is reached and
// Work Agreements or Contracts have been signed by the corresponding
// authorities, the program is initiated"): every party of the agreement has
// signed, on or before the start; the agreement is in effect; the start
// falls in the approved design's period, not before its request stage; and
// the approved design still defines objectives, time frames, resources and
// stages (principle 1).
func (s *Store) Start(ctx context.Context, code string, on Date) error {
	return s.step(ctx, code, pathStep{action: "starting execution", from: []Step{StepAgreed}, field: "on", on: on},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			var missing []string
			err := db.Each(ctx, tx, func(rows *sql.Rows) error {
				var name string
				var d db.Day
				if err := rows.Scan(&name, &d); err != nil {
					return err
				}
				if d.IsZero() {
					missing = append(missing, name)
				}
				return nil
			}, `SELECT o.name, s.signed_on FROM coop_signatories s JOIN coop_orgs o ON o.id = s.org_id WHERE s.project_id = ? ORDER BY o.name`, p.ID)
			if err != nil {
				return stepDone{}, err
			}
			if len(missing) > 0 {
				return stepDone{}, blocked("coop.refused.signatures.execution_starts", "execution starts only when every party of the agreement has signed; missing: %s", strings.Join(missing, ", "))
			}
			d, _, err := s.design(ctx, tx, p.ID, p.ApprovedVersion)
			if err != nil {
				return stepDone{}, err
			}
			if d == nil {
				return stepDone{}, blocked("coop.refused.principle_1.project_has", "project %s has no approved design", p.Code)
			}
			if _, err := d.Validate(); err != nil {
				return stepDone{}, blocked("coop.refused.principle_1.approved_design", "the approved design no longer defines objectives, time frames, resources and stages: %s", phraseOf(err))
			}
			if on.Before(d.Start.Time) || on.After(d.End.Time) {
				return stepDone{}, blocked("coop.refused.dates.start_outside", "%s is outside the approved design's period (%s to %s)", on, d.Start, d.End)
			}
			for _, sp := range d.Stages {
				if sp.Stage == StageRequest && sp.Start.After(on.Time) {
					return stepDone{}, blocked("coop.refused.dates.request_after_start", "the approved design's request stage starts on %s, after the start (%s); correct the design first", sp.Start, on)
				}
			}
			return stepDone{to: StepExecuting, set: ", actual_start = ?", args: []any{tx.DB().Date(on.Time)}, note: "project initiated",
				audit: "coop.start", after: map[string]any{"on": on}}, nil
		})
}

// BeginSystematization moves an executing project to systematization and
// evaluation. The gate: at least one exchange event of its execution (from
// the start on) with its report, so there is something to systematize.
func (s *Store) BeginSystematization(ctx context.Context, code string, on Date) error {
	return s.step(ctx, code, pathStep{action: "systematization", from: []Step{StepExecuting}, field: "on", on: on},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM coop_events WHERE project_id = ? AND report <> '' AND starts_on >= ? AND ends_on <= ?`,
				p.ID, tx.DB().Date(p.ActualStart.Time), tx.DB().Date(on.Time)).Scan(&n); err != nil {
				return stepDone{}, err
			}
			if n == 0 {
				return stepDone{}, blocked("coop.refused.exchange.record_at", "record at least one exchange event of the execution (from %s on) with its report before systematizing", p.ActualStart)
			}
			return stepDone{to: StepSystematizing, note: "systematization and evaluation", audit: "coop.systematize", after: map[string]any{"on": on}}, nil
		})
}

// Closing is how a project closes: completed (after systematization, at
// least 18 months after it started), or cancelled or suspended before that,
// with the documented reason (IATI activity status 5 or 6).
type Closing struct {
	On     Date   `json:"on"`
	Status string `json:"status,omitempty"` // completed (default), cancelled, suspended
	Reason string `json:"reason,omitempty"`
}

// MinReason is the least a closing reason says, in characters.
const MinReason = 30

// Close ends a completed project in systematization; see CloseWith.
func (s *Store) Close(ctx context.Context, code string, on Date) error {
	return s.CloseWith(ctx, code, Closing{On: on})
}

// CloseWith ends a project. A completed project closes from systematization,
// with lessons learned, the whole good-practice case, the evaluation
// findings and the management response recorded, after at least 18 months
// of actual duration (principle 4: "all projects are designed for the
// medium term (minimum of 18 months)"). Closing earlier is cancelling or
// suspending it, from execution or systematization, with the reason.
func (s *Store) CloseWith(ctx context.Context, code string, c Closing) error {
	if _, err := s.writer(ctx); err != nil {
		return err
	}
	c.Reason = strings.TrimSpace(c.Reason)
	if c.Status == "" {
		c.Status = "completed"
	}
	from := []Step{StepSystematizing}
	switch c.Status {
	case "completed":
	case "cancelled", "suspended":
		if len([]rune(c.Reason)) < MinReason {
			return invalid("reason", "coop.err.reason.short", "a project %s before its end needs the documented reason (at least %d characters)", fosis.Phrase{Key: "coop.closure." + c.Status, Text: c.Status}, MinReason)
		}
		from = []Step{StepExecuting, StepSystematizing}
	default:
		return invalid("status", "coop.err.status.closure", "%q is not completed, cancelled or suspended", c.Status)
	}
	return s.step(ctx, code, pathStep{action: "closing", from: from, field: "on", on: c.On},
		func(tx *db.Tx, r *reach, p *Project) (stepDone, error) {
			if !c.On.After(p.ActualStart.Time) {
				return stepDone{}, invalid("on", "coop.err.on.after_project", "%s is not after the project started (%s)", c.On, p.ActualStart)
			}
			if c.Status == "completed" {
				sy, err := systematization(ctx, tx, p.ID)
				if err != nil {
					return stepDone{}, err
				}
				if miss := sy.missing(); len(miss) > 0 {
					return stepDone{}, blocked("coop.refused.systematization.record_before", "record %s before closing", strings.Join(miss, ", "))
				}
				if n := monthsBetween(p.ActualStart.Time, c.On.Time); n < MinMonths {
					return stepDone{}, blocked("coop.refused.medium_term.too_early", "project %s has run %d months (%s to %s); a project closes as completed after %d months at least: close it as cancelled or suspended, with the reason", p.Code, n, p.ActualStart, c.On, MinMonths)
				}
			}
			return stepDone{to: StepClosed, set: ", actual_end = ?, closure = ?, closure_reason = ?", args: []any{tx.DB().Date(c.On.Time), c.Status, c.Reason},
				note: "closed (" + c.Status + ")", audit: "coop.close", after: c}, nil
		})
}

// SetPublic marks a project public (published in IATI) or not.
func (s *Store) SetPublic(ctx context.Context, code string, public bool) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	return s.inProject(ctx, r, code, func(tx *db.Tx, p *Project) error {
		if _, err := tx.ExecContext(ctx, `UPDATE coop_projects SET public = ?, updated_at = ? WHERE id = ?`, db.Bool(public), tx.DB().Time(tx.Now), p.ID); err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.public", "coop_project", p.Code, map[string]any{"public": p.Public}, map[string]any{"public": public})
	})
}
