package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/knowledge"
	"github.com/fosis/fosis/internal/platform/auth"
)

// The cooperation pages: the pipeline board, a project's page with its
// timeline, mirrored teams and cost-sharing chart, the forms that take a
// project along its path, and the IATI and SEGIB downloads. Every action
// goes through the cooperation slice as the signed-in user; the slice
// decides who may do what and answers out-of-scope projects as missing.

// cooperationRoutes registers the cooperation pages.
func (s *Server) cooperationRoutes(pages *routeMux) {
	pages.HandleFunc("GET /cooperation", s.requireUser(s.coopBoard))
	pages.HandleFunc("POST /cooperation", s.requireUser(s.coopCreate))
	pages.HandleFunc("GET /cooperation/iati.xml", s.requireUser(s.coopIATI))
	pages.HandleFunc("GET /cooperation/partners", s.requireUser(s.coopPartners))
	pages.HandleFunc("POST /cooperation/partners/{what}", s.requireUser(s.coopSavePartner))
	pages.HandleFunc("GET /cooperation/segib.csv", s.requireUser(s.coopSEGIB))
	pages.HandleFunc("GET /cooperation/segib.xlsx", s.requireUser(s.coopSEGIB))
	pages.HandleFunc("GET /cooperation/{code}", s.requireUser(s.coopProject))
	pages.HandleFunc("POST /cooperation/{code}/{action}", s.requireUser(s.coopAction))
	pages.HandleFunc("GET /knowledge", s.requireUser(s.knowledgePage))
	pages.HandleFunc("POST /knowledge", s.requireUser(s.knowledgeSave))
}

// coopWriter reports whether p may change cooperation projects (the slice
// decides; this only hides forms).
func coopWriter(p *auth.Principal) bool {
	return p != nil && (p.Role == auth.RoleCooperation || p.Role == auth.RoleAdmin)
}

// coopErr is a refusal shown on a page: the rule that blocked it (a catalog
// key coop.rule.<rule>, read from the refusal's key with
// cooperation.RuleOf, never from its text) or the kind of error, the
// slice's keyed message and its fields.
type coopErr struct {
	Rule   string // catalog key of the rule, or of the kind of error
	Detail fosis.Phrase
	Fields []fosis.FieldError
}

// coopRules are the rules the slice names in refusals; each has a catalog
// message coop.rule.<rule>.
var coopRules = []string{"workflow", "feasibility", "staff_capacity", "joint_design", "shared_costs", "signatures", "principle_1",
	"exchange", "systematization", "mutual_learning", "agreement", "dates", "medium_term", "financers"}

func newCoopErr(err error) *coopErr {
	e := &coopErr{Rule: "coop.err." + fosis.ErrorCode(err), Detail: fosis.Phrase{Text: fosis.ErrorMessage(err)}}
	var fe *fosis.Error
	if errors.As(err, &fe) {
		e.Detail, e.Fields = fe.Phrase(), fe.Fields
		if rule := cooperation.RuleOf(fe.Key); rule != "" && slices.Contains(coopRules, rule) {
			e.Rule = "coop.rule." + rule
		}
	}
	return e
}

// coopBoardData is the pipeline board.
type coopBoardData struct {
	Columns  []coopColumn
	Count    int
	CanWrite bool
	Partners []cooperation.Org // organisations that may request (with a country)
	Others   []cooperation.Org // organisations that may ask for triangulation
	Channels []string
	Form     coopRequestForm
	Error    *coopErr
	// Portfolio is who carries what across the projects the user sees,
	// by side (Chile, partner countries, third parties).
	Portfolio []coopBar
	PortH     int
	// Currencies are the currencies of the projects on the board, sorted:
	// the portfolio's amounts are in them (one: said in the legend).
	Currencies []string
	Total      int64
}

// coopColumn is one stage of the board.
type coopColumn struct {
	Stage    cooperation.Stage
	Projects []cooperation.Project
}

// coopRequestForm is what was typed in the new-request form.
type coopRequestForm struct {
	Code, Title, Country, Org, Channel, Asker, On, Problem, SDGs string
	Public, Bidirectional                                        bool
}

func (s *Server) coopBoard(w http.ResponseWriter, r *http.Request) {
	s.coopBoardPage(w, r, http.StatusOK, coopBoardData{Form: coopRequestForm{On: time.Now().Format(time.DateOnly), Channel: "agci"}})
}

func (s *Server) coopBoardPage(w http.ResponseWriter, r *http.Request, status int, d coopBoardData) {
	if s.cfg.Cooperation == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cooperation is not enabled"))
		return
	}
	ctx := r.Context()
	ps, err := s.cfg.Cooperation.List(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, st := range cooperation.Stages {
		d.Columns = append(d.Columns, coopColumn{Stage: st})
	}
	for _, p := range ps {
		i := 0
		for k, st := range cooperation.Stages {
			if st == p.Stage {
				i = k
			}
		}
		d.Columns[i].Projects = append(d.Columns[i].Projects, p)
	}
	d.Count = len(ps)
	tot, err := s.cfg.Cooperation.Portfolio(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Portfolio, d.PortH = newCoopChart(cooperation.Totals{Parties: tot.Sides})
	for _, p := range ps {
		if p.Currency != "" && !slices.Contains(d.Currencies, p.Currency) {
			d.Currencies = append(d.Currencies, p.Currency)
		}
	}
	slices.Sort(d.Currencies)
	d.Total = tot.All.Budgeted
	d.CanWrite = coopWriter(auth.FromContext(ctx))
	if d.CanWrite {
		orgs, err := s.cfg.Cooperation.Orgs(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, o := range orgs {
			// Requests come from partner-country institutions, not from
			// financing sources.
			if o.Country != "" && o.Country != "CL" && !o.Financial {
				d.Partners = append(d.Partners, o)
			}
			if !o.Reporting {
				d.Others = append(d.Others, o)
			}
		}
		d.Channels = []string{"partner_agency", "agci", "direct", "financer"}
	}
	s.render(w, r, status, "cooperation", d)
}

func (s *Server) coopCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	f := coopRequestForm{Code: r.PostFormValue("code"), Title: r.PostFormValue("title"), Org: r.PostFormValue("org"),
		Channel: r.PostFormValue("channel"), Asker: r.PostFormValue("asker"), On: r.PostFormValue("on"), Problem: r.PostFormValue("problem"),
		Public: r.PostFormValue("public") == "1", SDGs: r.PostFormValue("sdgs"), Bidirectional: r.PostFormValue("bidirectional") == "1"}
	err := func() error {
		on, err := cooperation.ParseDate(f.On)
		if err != nil {
			return coopFieldErr("requested_on", "coop.err.form.date", "%q is not a date (YYYY-MM-DD)", f.On)
		}
		var sdgs []int
		for _, x := range strings.FieldsFunc(f.SDGs, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			g, err := strconv.Atoi(x)
			if err != nil {
				return coopFieldErr("sdgs", "coop.err.form.number", "%q is not a whole number; write digits only, without separators", x)
			}
			sdgs = append(sdgs, g)
		}
		country := ""
		if orgs, err := s.cfg.Cooperation.Orgs(r.Context()); err == nil {
			for _, o := range orgs {
				if o.Name == f.Org {
					country = o.Country
				}
			}
		}
		_, err = s.cfg.Cooperation.CreateRequest(r.Context(), cooperation.Request{Code: f.Code, Title: f.Title, PartnerCountry: country,
			RequestingOrg: f.Org, Channel: cooperation.Channel(f.Channel), TriangularAsker: f.Asker, Problem: f.Problem, Public: f.Public, RequestedOn: on,
			SDGs: sdgs, Bidirectional: f.Bidirectional})
		return err
	}()
	if err != nil {
		if c := fosis.ErrorCode(err); c == fosis.EINVALID || c == fosis.ECONFLICT || c == fosis.ENOTFOUND {
			s.coopBoardPage(w, r, statusOf(err), coopBoardData{Form: f, Error: newCoopErr(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cooperation/"+url.PathEscape(strings.ToUpper(strings.TrimSpace(f.Code))), http.StatusSeeOther)
}

// statusOf is the HTTP status of a slice's error.
func statusOf(err error) int { return fosis.HTTPStatus(fosis.ErrorCode(err)) }

// The cost-sharing chart's geometry, in SVG user units: per party its name
// on a line of its own (a long one is never under a bar), then two
// stacked bars (budgeted, executed), cash then in kind.
const (
	coopChartWidth = 600.0
	coopChartLabel = 0.0 // where the bars start
	coopChartRow   = 60
)

// coopProjectData is a project's page.
type coopProjectData struct {
	V        *cooperation.View
	Pairs    [][2]cooperation.Member
	Unpaired []cooperation.Member
	Chart    []coopBar
	ChartH   int
	CanWrite bool
	CanSign  []string // organisations the user may sign for, not yet signed
	// CanSignAmend are the organisations the user may sign the pending
	// amendment for; Pending is that amendment's number (0: none).
	CanSignAmend []string
	Pending      int
	Today        string
	Done         string // the action just done (a catalog key), after a redirect
	Error        *coopErr
	Form         map[string]string // what was typed, shown again after a refusal
	Categories   []string
	SysFields    []string
	DocCats      []string
	Shared       []knowledge.Item // what the project shared, from the catalogue
	Event        eventForm        // the exchange-event form as typed (empty: a new one)
	Design       designForm       // the design form as typed (empty: the current design)
	StageList    []string
	Levels       []string
	EventKinds   []string
	Sides        []string
}

// SysValue is a systematization field as typed, or as recorded.
func (d *coopProjectData) SysValue(field string) string {
	if v, ok := d.Form[field]; ok {
		return v
	}
	sy := d.V.Systematization
	if sy == nil {
		return ""
	}
	return map[string]string{"lessons": sy.Lessons, "challenge": sy.Challenge, "solution": sy.Solution, "results": sy.Results,
		"sustainability": sy.Sustainability, "replicability": sy.Replicability, "findings": sy.Findings, "management_response": sy.ManagementResponse}[field]
}

// coopBar is one party's row of the cost-sharing chart.
type coopBar struct {
	Name, Side                       string
	LabelY, BudgetY, ExecY           int
	BudgetCash, BudgetKind           float64 // widths
	ExecCash, ExecKind               float64
	BudgetCashX, BudgetKindX         float64
	ExecCashX, ExecKindX             float64
	Budgeted, Executed, BCash, BKind int64
	ECash, EKind                     int64
}

// newCoopChart lays out the cost-sharing chart: every bar on one scale, the
// largest budgeted or executed total as wide as the chart.
func newCoopChart(t cooperation.Totals) ([]coopBar, int) {
	var top int64
	for _, p := range t.Parties {
		top = max(top, p.Budgeted, p.Executed)
	}
	scale := func(n int64) float64 {
		if top == 0 {
			return 0
		}
		return round2((coopChartWidth - coopChartLabel) * float64(n) / float64(top))
	}
	var bars []coopBar
	for i, p := range t.Parties {
		b := coopBar{Name: p.Name, Side: string(p.Side), LabelY: i*coopChartRow + 13, BudgetY: i*coopChartRow + 20, ExecY: i*coopChartRow + 38,
			Budgeted: p.Budgeted, Executed: p.Executed, BCash: p.BudgetedCash, BKind: p.BudgetedInKind, ECash: p.ExecutedCash, EKind: p.ExecutedInKind}
		b.BudgetCashX = coopChartLabel
		b.BudgetCash, b.BudgetKind = scale(p.BudgetedCash), scale(p.BudgetedInKind)
		b.BudgetKindX = coopChartLabel + b.BudgetCash
		b.ExecCash, b.ExecKind = scale(p.ExecutedCash), scale(p.ExecutedInKind)
		b.ExecCashX, b.ExecKindX = coopChartLabel, coopChartLabel+b.ExecCash
		bars = append(bars, b)
	}
	return bars, len(bars) * coopChartRow
}

func (s *Server) coopProject(w http.ResponseWriter, r *http.Request) {
	s.coopProjectPage(w, r, http.StatusOK, r.PathValue("code"), &coopProjectData{Done: coopDoneKey(r.URL.Query().Get("done"))})
}

// coopActions are the forms of the project page; each has a catalog message
// coop.done.<action> shown after it succeeds.
var coopActions = []string{"feasibility", "design", "review", "agreement", "sign", "start", "event", "execution", "systematize", "systematization", "close", "public", "document",
	"amend", "amend_sign", "amend_withdraw"}

func coopDoneKey(a string) string {
	for _, x := range coopActions {
		if x == a {
			return "coop.done." + a
		}
	}
	return ""
}

func (s *Server) coopProjectPage(w http.ResponseWriter, r *http.Request, status int, code string, d *coopProjectData) {
	if s.cfg.Cooperation == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cooperation is not enabled"))
		return
	}
	ctx := r.Context()
	v, err := s.cfg.Cooperation.Get(ctx, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.V = v
	if v.Design != nil {
		d.Pairs, d.Unpaired = v.Design.Pairs()
	}
	d.Chart, d.ChartH = newCoopChart(v.Totals)
	if s.cfg.Knowledge != nil {
		if d.Shared, err = s.cfg.Knowledge.ByProject(ctx, v.Project.Code); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p := auth.FromContext(ctx)
	d.CanWrite = coopWriter(p)
	if v.Agreement != nil && v.Project.Step == cooperation.StepAgreed {
		for _, sg := range v.Agreement.Signatures {
			if sg.SignedOn.IsZero() && (d.CanWrite || p.Role == auth.RoleCounterpart && sg.Org == v.Project.RequestingOrg) {
				d.CanSign = append(d.CanSign, sg.Org)
			}
		}
	}
	for _, am := range v.Amendments {
		if am.Status != "pending" {
			continue
		}
		d.Pending = am.Number
		for _, sg := range am.Signatures {
			if sg.SignedOn.IsZero() && (d.CanWrite || p.Role == auth.RoleCounterpart && sg.Org == v.Project.RequestingOrg) {
				d.CanSignAmend = append(d.CanSignAmend, sg.Org)
			}
		}
	}
	d.Today = time.Now().Format(time.DateOnly)
	d.Categories = cooperation.Categories
	d.DocCats = cooperation.DocumentCategories
	d.SysFields = []string{"lessons", "challenge", "solution", "results", "sustainability", "replicability", "findings", "management_response"}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	if d.Event.Kind == "" && len(d.Event.Participants) == 0 {
		d.Event = newEventForm(d.Today)
	}
	if len(d.Design.Stages) == 0 {
		d.Design = designFormOf(v.Design, d.Today)
	}
	for _, st := range cooperation.Stages {
		d.StageList = append(d.StageList, string(st))
	}
	d.Levels = []string{string(cooperation.LevelAuthority), string(cooperation.LevelDirector), string(cooperation.LevelCoordinator), string(cooperation.LevelProfessional)}
	d.EventKinds = cooperation.EventKinds
	d.Sides = []string{string(cooperation.SideChile), string(cooperation.SidePartner), string(cooperation.SideThird)}
	s.render(w, r, status, "coopproject", d)
}

// coopAction runs one form of the project page (one handler per action,
// coopActionHandlers) and redirects back, or shows the page again with the
// refusal and what was typed.
func (s *Server) coopAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EINVALID, "coop.err.form.bad", "the form could not be read; reload the page and try again"))
		return
	}
	code, action := r.PathValue("code"), r.PathValue("action")
	handle := coopActionHandlers[action]
	if s.cfg.Cooperation == nil || handle == nil || coopDoneKey(action) == "" {
		s.render(w, r, http.StatusNotFound, "error", errorData{Message: "error.notfound"})
		return
	}
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	var design designForm
	if action == "design" {
		design = designFormFrom(r.PostForm)
		if design.rows(r.PostForm.Get("do")) {
			s.coopProjectPage(w, r, http.StatusOK, code, &coopProjectData{Form: form, Design: design})
			return
		}
	}
	var event eventForm
	if action == "event" {
		event = eventFormFrom(r.PostForm)
		var acted bool
		if event.Participants, acted = rowAction(r.PostForm.Get("do"), "participants", event.Participants, participantRow{Side: string(cooperation.SidePartner)}, nil); acted {
			s.coopProjectPage(w, r, http.StatusOK, code, &coopProjectData{Form: form, Event: event})
			return
		}
	}
	if err := handle(coopForm{r}, s.cfg.Cooperation, code); err != nil {
		switch fosis.ErrorCode(err) {
		case fosis.EINVALID, fosis.ECONFLICT, fosis.EFORBIDDEN:
			s.coopProjectPage(w, r, statusOf(err), code, &coopProjectData{Error: newCoopErr(err), Form: form, Event: event, Design: design})
		default:
			s.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/cooperation/"+url.PathEscape(strings.ToUpper(strings.TrimSpace(code)))+"?done="+action+"#done", http.StatusSeeOther)
}

// coopForm reads a project page's form: every value read as a date, a
// number or JSON is refused, naming the field, when it is not one (a
// mistyped number never becomes 0).
type coopForm struct{ r *http.Request }

func (f coopForm) text(field string) string { return f.r.PostFormValue(field) }

func (f coopForm) date(field string) (cooperation.Date, error) {
	d, err := cooperation.ParseDate(f.text(field))
	if err != nil {
		return d, coopFieldErr(field, "coop.err.form.date", "%q is not a date (YYYY-MM-DD)", f.text(field))
	}
	return d, nil
}

// int64 reads a whole number; an empty field is 0 when optional.
func (f coopForm) int64(field string, optional bool) (int64, error) {
	v := strings.TrimSpace(f.text(field))
	if v == "" && optional {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, coopFieldErr(field, "coop.err.form.number", "%q is not a whole number; write digits only, without separators", v)
	}
	return n, nil
}

func (f coopForm) json(field string, v any) error {
	dec := json.NewDecoder(strings.NewReader(f.text(field)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return coopFieldErr(field, "coop.err.form.json", "not valid JSON of the documented shape: %s", err.Error())
	}
	return nil
}

// coopFieldErr is a keyed refusal of one field of a form.
func coopFieldErr(field, key, format string, args ...any) error {
	fe := fosis.KeyedField(field, key, format, args...)
	return &fosis.Error{Code: fosis.EINVALID, Message: field + ": " + fe.Message, Fields: []fosis.FieldError{fe}, Key: key, Args: args}
}

// coopActionHandlers are the project page's forms, one handler per action
// as the API has one per route.
var coopActionHandlers = map[string]func(f coopForm, c *cooperation.Store, code string) error{
	"feasibility": coopFeasibility,
	"design":      coopDesign,
	"review":      coopReview,
	"agreement":   coopAgreement,
	"sign":        coopSign,
	"start":       func(f coopForm, c *cooperation.Store, code string) error { return coopDated(f, code, c.Start) },
	"systematize": func(f coopForm, c *cooperation.Store, code string) error {
		return coopDated(f, code, c.BeginSystematization)
	},
	"close":           coopClose,
	"event":           coopEvent,
	"execution":       coopExecution,
	"systematization": coopSystematization,
	"public": func(f coopForm, c *cooperation.Store, code string) error {
		return c.SetPublic(f.r.Context(), code, f.text("public") == "1")
	},
	"document":       coopDocument,
	"amend":          coopAmend,
	"amend_sign":     coopAmendSign,
	"amend_withdraw": coopAmendWithdraw,
}

func coopFeasibility(f coopForm, c *cooperation.Store, code string) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	fe := cooperation.Feasibility{Decision: f.text("decision"), DecidedOn: on, DecidedBy: f.text("by"), Note: f.text("note")}
	met := map[string]bool{}
	for _, m := range f.r.PostForm["met"] {
		met[m] = true
	}
	for i, line := range strings.Split(f.text("criteria"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fe.Criteria = append(fe.Criteria, cooperation.Criterion{Name: line, Met: met[strconv.Itoa(i)] || f.text("all_met") == "1"})
		}
	}
	return c.Evaluate(f.r.Context(), code, fe)
}

func coopDesign(f coopForm, c *cooperation.Store, code string) error {
	var d *cooperation.Design
	var err error
	if strings.TrimSpace(f.text("design")) != "" { // the JSON of docs/cooperation.md
		d, err = cooperation.ParseDesign([]byte(f.text("design")))
	} else {
		d, err = designFormFrom(f.r.PostForm).design(f)
	}
	if err != nil {
		return err
	}
	_, err = c.SaveDesign(f.r.Context(), code, d)
	return err
}

func coopReview(f coopForm, c *cooperation.Store, code string) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	decisions, err := cooperation.ParseFinancerDecisions(strings.FieldsFunc(f.text("financer_decisions"), func(r rune) bool { return r == '\n' || r == ',' || r == ';' }))
	if err != nil {
		return err
	}
	return c.ReviewDesign(f.r.Context(), code, cooperation.Review{Decision: f.text("decision"), DecidedOn: on,
		Directors: f.text("directors"), Financers: f.text("financers"), FinancerDecisions: decisions, Note: f.text("note")})
}

func coopAgreement(f coopForm, c *cooperation.Store, code string) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	startup, err := f.int64("startup", true)
	if err != nil {
		return err
	}
	a := cooperation.Agreement{Kind: f.text("kind"), EffectiveOn: on, Deadlines: f.text("deadlines"), Resources: f.text("resources"), StartupFinancing: startup}
	orgs, commits := f.r.PostForm["party"], f.r.PostForm["commitment"]
	for i := range orgs {
		if i < len(commits) && strings.TrimSpace(commits[i]) != "" {
			a.Parties = append(a.Parties, cooperation.Commitment{Org: orgs[i], Commitment: commits[i], Required: true})
		}
	}
	return c.Agree(f.r.Context(), code, a)
}

func coopSign(f coopForm, c *cooperation.Store, code string) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	return c.Sign(f.r.Context(), code, f.text("org"), f.text("by"), on, f.text("place"))
}

func coopDated(f coopForm, code string, step func(context.Context, string, cooperation.Date) error) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	return step(f.r.Context(), code, on)
}

func coopClose(f coopForm, c *cooperation.Store, code string) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	return c.CloseWith(f.r.Context(), code, cooperation.Closing{On: on, Status: f.text("status"), Reason: f.text("reason")})
}

func coopEvent(f coopForm, c *cooperation.Store, code string) error {
	var e cooperation.Event
	if strings.TrimSpace(f.text("event")) != "" { // the JSON of docs/cooperation.md
		if err := f.json("event", &e); err != nil {
			return err
		}
	} else {
		var err error
		if e, err = eventFormFrom(f.r.PostForm).event(f); err != nil {
			return err
		}
	}
	_, err := c.AddEvent(f.r.Context(), code, e)
	return err
}

func coopExecution(f coopForm, c *cooperation.Store, code string) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	year, err := f.int64("year", false)
	if err != nil {
		return err
	}
	amount, err := f.int64("amount", false)
	if err != nil {
		return err
	}
	return c.RecordExecution(f.r.Context(), code, cooperation.Execution{Org: f.text("org"), Year: int(year), Category: f.text("category"),
		Kind: f.text("kind"), Valuation: f.text("valuation"), Amount: amount, On: on})
}

func coopSystematization(f coopForm, c *cooperation.Store, code string) error {
	return c.SaveSystematization(f.r.Context(), code, cooperation.Systematization{Lessons: f.text("lessons"), Challenge: f.text("challenge"),
		Solution: f.text("solution"), Results: f.text("results"), Sustainability: f.text("sustainability"),
		Replicability: f.text("replicability"), Findings: f.text("findings"), ManagementResponse: f.text("management_response")})
}

func coopDocument(f coopForm, c *cooperation.Store, code string) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	_, err = c.AddDocument(f.r.Context(), code, cooperation.Document{Title: f.text("title"), Category: f.text("category"),
		URL: f.text("url"), Format: f.text("format"), Language: f.text("language"), Date: on})
	return err
}

// coopIATI downloads the IATI file of the public projects the user may see.
func (s *Server) coopIATI(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cooperation == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cooperation is not enabled"))
		return
	}
	ex, err := s.cfg.Cooperation.ExportIATI(r.Context(), cooperation.ExportOptions{XSD: true})
	if err != nil {
		if c := fosis.ErrorCode(err); c == fosis.ECONFLICT || c == fosis.EUNAVAILABLE {
			s.coopBoardPage(w, r, statusOf(err), coopBoardData{Error: newCoopErr(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="fosis-iati-activities.xml"`)
	w.Write(ex.XML)
}

// coopSEGIB downloads the SEGIB report, CSV or XLSX, with column titles in
// the user's language.
func (s *Server) coopSEGIB(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cooperation == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cooperation is not enabled"))
		return
	}
	format := strings.TrimPrefix(path.Ext(r.URL.Path), ".")
	rows, err := s.cfg.Cooperation.SEGIB(r.Context(), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf strings.Builder
	lang := viewerOf(r.Context()).lang
	if format == "csv" {
		err = cooperation.WriteSEGIBCSV(&buf, rows, lang)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		err = cooperation.WriteSEGIBXLSX(&buf, rows, lang)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	if err != nil {
		w.Header().Del("Content-Type")
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="fosis-segib.`+format+`"`)
	w.Write([]byte(buf.String()))
}

// coopAmend proposes an amendment: the agreement's kind, and at most one
// organisation joining with its commitment per row of the form.
func coopAmend(f coopForm, c *cooperation.Store, code string) error {
	on, err := f.date("on")
	if err != nil {
		return err
	}
	a := cooperation.Amendment{Kind: f.text("kind"), On: on, Reason: f.text("reason")}
	orgs, commits := f.r.PostForm["org"], f.r.PostForm["commitment"]
	for i, o := range orgs {
		if strings.TrimSpace(o) == "" {
			continue
		}
		ap := cooperation.AmendParty{Org: o}
		if i < len(commits) {
			ap.Commitment = commits[i]
		}
		a.Add = append(a.Add, ap)
	}
	_, err = c.ProposeAmendment(f.r.Context(), code, a)
	return err
}

// amendNumber reads the amendment's number from the form.
func (f coopForm) amendNumber() (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(f.text("number")))
	if err != nil || n < 1 {
		return 0, coopFieldErr("number", "coop.err.amend.number", "%q is not an amendment number", f.text("number"))
	}
	return n, nil
}

func coopAmendSign(f coopForm, c *cooperation.Store, code string) error {
	n, err := f.amendNumber()
	if err != nil {
		return err
	}
	on, err := f.date("on")
	if err != nil {
		return err
	}
	return c.SignAmendment(f.r.Context(), code, n, f.text("org"), f.text("by"), on, f.text("place"))
}

func coopAmendWithdraw(f coopForm, c *cooperation.Store, code string) error {
	n, err := f.amendNumber()
	if err != nil {
		return err
	}
	on, err := f.date("on")
	if err != nil {
		return err
	}
	return c.WithdrawAmendment(f.r.Context(), code, n, on, f.text("reason"))
}
