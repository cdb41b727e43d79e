package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// directoryRoutes registers the services directory, the referrals of cases
// and the plan form (the delivery slice enforces who reads and changes what).
func (s *Server) directoryRoutes(pages *routeMux) {
	pages.HandleFunc("GET /services", s.requireUser(s.servicesList))
	pages.HandleFunc("GET /services/new", s.requireUser(s.serviceNew))
	pages.HandleFunc("POST /services/import", s.requireUser(s.servicesImport))
	pages.HandleFunc("POST /services", s.requireUser(s.serviceCreate))
	pages.HandleFunc("GET /services/{id}/edit", s.requireUser(s.serviceEdit))
	pages.HandleFunc("POST /services/{id}", s.requireUser(s.serviceUpdate))
	pages.HandleFunc("GET /cases/{id}/referrals/new", s.requireUser(s.referralForm))
	pages.HandleFunc("POST /cases/{id}/referrals", s.requireUser(s.referralSave))
	pages.HandleFunc("POST /referrals/{id}/move", s.requireUser(s.referralMove))
	pages.HandleFunc("POST /referrals/{id}/satisfy", s.requireUser(s.referralSatisfy))
	pages.HandleFunc("GET /cases/{id}/plan", s.requireUser(s.planForm))
	pages.HandleFunc("POST /cases/{id}/plan", s.requireUser(s.planSave))
}

// fieldErrors translates a refusal's field problems into lang, by field
// (the first problem of each field).
func (s *Server) fieldErrors(lang string, err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*fosis.Error); ok {
		for _, f := range e.Fields {
			if _, dup := out[f.Field]; !dup {
				out[f.Field] = s.msgs.Say(lang, f.Phrase())
			}
		}
	}
	return out
}

// communeGroups returns the country's communes grouped by region, for the
// directory's pickers (region "" for all regions).
func (s *Server) communeGroups(region string) []communeGroup {
	if s.cfg.Registry == nil {
		return nil
	}
	terr := s.cfg.Registry.Territory()
	var out []communeGroup
	for _, reg := range terr.Regions {
		if region != "" && reg.Code != region {
			continue
		}
		g := communeGroup{Name: reg.Name}
		for _, c := range terr.Communes {
			if c.RegionCode == reg.Code {
				g.Communes = append(g.Communes, c)
			}
		}
		out = append(out, g)
	}
	return out
}

// communeName returns the name of commune code (the code when unknown).
func (s *Server) communeName(code string) string {
	if s.cfg.Registry == nil {
		return code
	}
	terr := s.cfg.Registry.Territory()
	if i, ok := terr.CommuneIndex(code); ok {
		return terr.Communes[i].Name
	}
	return code
}

// servicesData is the directory: its filters and the services found.
type servicesData struct {
	Filter     delivery.ServiceFilter
	Dimensions []string
	Communes   []communeGroup
	Services   []delivery.Service
	Names      map[string]string // commune code → name
	// Editor: the viewer may add services; EditRegion is the region whose
	// services they edit ("" for all, national staff).
	Editor     bool
	EditRegion string
	Saved      bool
	Cut        bool // the list stopped at directoryLimit
	Error      error
	// Imported is what an import just did (after its redirect);
	// ImportError a refused import, with a problem per bad row.
	Imported    *delivery.ServiceImport
	ImportError error
	Problems    []importProblem
}

// importProblem is a bad row of an import: its line, its column ("" for
// the whole row) and what is wrong.
type importProblem struct {
	Line   int
	Column string
	Err    fosis.FieldError
}

// importProblems reads the slice's "line 7 commune" field names.
func importProblems(fields []fosis.FieldError) []importProblem {
	var out []importProblem
	for _, f := range fields {
		rest, ok := strings.CutPrefix(f.Field, "line ")
		if !ok {
			continue
		}
		n, col, _ := strings.Cut(rest, " ")
		line, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		out = append(out, importProblem{Line: line, Column: col, Err: f})
	}
	return out
}

// MayEdit reports whether the viewer may edit v.
func (d servicesData) MayEdit(v delivery.Service) bool {
	return d.Editor && (d.EditRegion == "" || d.EditRegion == v.Region)
}

const directoryLimit = 300

func (s *Server) servicesList(w http.ResponseWriter, r *http.Request) {
	s.servicesPage(w, r, http.StatusOK, nil)
}

// servicesPage draws the directory, with a refused import's problems.
func (s *Server) servicesPage(w http.ResponseWriter, r *http.Request, status int, importErr error) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := servicesData{Filter: delivery.ServiceFilter{Commune: q.Get("commune"), Dimension: q.Get("dimension"), All: q.Get("all") == "1"},
		Dimensions: delivery.ServiceDimensions, Communes: s.communeGroups(""), Names: map[string]string{}, Saved: q.Get("saved") == "1",
		ImportError: importErr}
	if e, ok := importErr.(*fosis.Error); ok {
		d.Problems = importProblems(e.Fields)
	}
	if n := strings.Split(q.Get("imported"), "-"); len(n) == 4 {
		var v [4]int
		for i := range n {
			v[i], _ = strconv.Atoi(n[i])
		}
		d.Imported = &delivery.ServiceImport{Rows: v[0], Added: v[1], Updated: v[2], Unchanged: v[3]}
	}
	var err error
	d.Services, err = s.cfg.Delivery.Services(ctx, d.Filter, directoryLimit)
	switch fosis.ErrorCode(err) {
	case "":
	case fosis.EINVALID:
		d.Error, d.Filter.Dimension = err, ""
		if d.Services, err = s.cfg.Delivery.Services(ctx, d.Filter, directoryLimit); err != nil {
			s.fail(w, r, err)
			return
		}
	default:
		s.fail(w, r, err)
		return
	}
	d.Cut = len(d.Services) == directoryLimit
	for _, v := range d.Services {
		d.Names[v.Commune] = s.communeName(v.Commune)
	}
	d.Editor = s.cfg.Delivery.MayEditDirectory(ctx)
	if p := viewerOf(ctx).p; p != nil && !p.SeesAllRegions() {
		d.EditRegion = p.RegionCode
	}
	s.render(w, r, status, "services", d)
}

func (s *Server) servicesImport(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<20)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.servicesPage(w, r, fosis.HTTPStatus(fosis.EINVALID), fosis.KeyedErrorf(fosis.EINVALID, "delivery.err.import_file", "choose a CSV file of services (at most 16 MiB)"))
		return
	}
	defer file.Close()
	res, err := s.cfg.Delivery.ImportServices(r.Context(), file, hdr.Filename)
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, fmt.Sprintf("/services?all=1&imported=%d-%d-%d-%d", res.Rows, res.Added, res.Updated, res.Unchanged), http.StatusSeeOther)
	case fosis.EINVALID:
		s.servicesPage(w, r, fosis.HTTPStatus(fosis.EINVALID), err)
	default:
		s.fail(w, r, err)
	}
}

// serviceFormData is the form of a service of the directory.
type serviceFormData struct {
	Service    delivery.Service
	Dimensions []string
	Communes   []communeGroup
	Errors     map[string]string
	Error      error
}

// Has reports whether the form's service serves dimension key.
func (d serviceFormData) Has(key string) bool { return d.Service.Serves(key) }

func (s *Server) serviceNew(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return
	}
	if !s.cfg.Delivery.MayEditDirectory(r.Context()) {
		_, err := s.cfg.Delivery.SaveService(r.Context(), delivery.Service{}) // the slice's refusal, in the reader's language
		s.fail(w, r, err)
		return
	}
	s.renderServiceForm(w, r, http.StatusOK, delivery.Service{Commune: r.URL.Query().Get("commune"), Active: true}, nil)
}

func (s *Server) renderServiceForm(w http.ResponseWriter, r *http.Request, status int, v delivery.Service, refusal error) {
	region := ""
	if p := viewerOf(r.Context()).p; p != nil && !p.SeesAllRegions() {
		region = p.RegionCode
	}
	s.render(w, r, status, "service_form", serviceFormData{Service: v, Dimensions: delivery.ServiceDimensions, Communes: s.communeGroups(region),
		Errors: s.fieldErrors(viewerOf(r.Context()).lang, refusal), Error: refusal})
}

func (s *Server) serviceEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "service")
	if !ok {
		return
	}
	v, err := s.cfg.Delivery.EditableService(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderServiceForm(w, r, http.StatusOK, *v, nil)
}

// serviceFromForm reads a service from the posted form.
func serviceFromForm(r *http.Request) delivery.Service {
	return delivery.Service{Commune: r.PostFormValue("commune"), Institution: r.PostFormValue("institution"), Name: r.PostFormValue("service"),
		Dimensions: r.PostForm["dimensions"], Requirements: r.PostFormValue("requirements"), Contact: r.PostFormValue("contact"),
		Active: r.PostFormValue("active") == "1"}
}

func (s *Server) serviceCreate(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "the form could not be read"))
		return
	}
	s.saveService(w, r, serviceFromForm(r))
}

func (s *Server) serviceUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "service")
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "the form could not be read"))
		return
	}
	v := serviceFromForm(r)
	v.ID = id
	s.saveService(w, r, v)
}

func (s *Server) saveService(w http.ResponseWriter, r *http.Request, v delivery.Service) {
	saved, err := s.cfg.Delivery.SaveService(r.Context(), v)
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/services?saved=1&all=1&commune="+url.QueryEscape(saved.Commune)+"#service-"+strconv.FormatInt(saved.ID, 10), http.StatusSeeOther)
	case fosis.EINVALID:
		s.renderServiceForm(w, r, fosis.HTTPStatus(fosis.EINVALID), v, err)
	default:
		s.fail(w, r, err)
	}
}

// condOption is a condition of a case's methodology in a picker.
type condOption struct {
	Code, Text, Dimension string
	Unmet                 bool // not met at entry
}

// caseConditions returns the conditions of a case's methodology, those not
// met at entry first.
func (s *Server) caseConditions(r *http.Request, id int64) ([]condOption, error) {
	ctx := r.Context()
	m, err := s.cfg.Delivery.CaseMethodology(ctx, id)
	if err != nil {
		return nil, err
	}
	dx, err := s.cfg.Delivery.Diagnosis(ctx, id)
	if err != nil {
		return nil, err
	}
	lang := viewerOf(ctx).lang
	var unmet, rest []condOption
	for _, dm := range m.Dimensions {
		for _, c := range dm.Conditions {
			o := condOption{Code: c.Code, Text: c.Text(lang), Dimension: dm.Name(lang), Unmet: dx.Entry[c.Code].Status == delivery.NotMet}
			if o.Unmet {
				unmet = append(unmet, o)
			} else {
				rest = append(rest, o)
			}
		}
	}
	return append(unmet, rest...), nil
}

// referralData is the form that refers a case to a service.
type referralData struct {
	Case       *delivery.Case
	Services   []delivery.Service
	Names      map[string]string
	Conditions []condOption
	Dimension  string
	Dimensions []string
	Anywhere   bool // services of every commune, not only the case's
	Form       delivery.ReferralInput
	Errors     map[string]string
	Error      error
}

func (s *Server) referralForm(w http.ResponseWriter, r *http.Request) {
	s.renderReferral(w, r, http.StatusOK, delivery.ReferralInput{Condition: r.URL.Query().Get("condition"), SentOn: s.today()}, nil)
}

func (s *Server) renderReferral(w http.ResponseWriter, r *http.Request, status int, form delivery.ReferralInput, refusal error) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	ctx := r.Context()
	d := referralData{Form: form, Error: refusal, Errors: s.fieldErrors(viewerOf(ctx).lang, refusal), Dimensions: delivery.ServiceDimensions,
		Dimension: r.FormValue("dimension"), Names: map[string]string{}}
	var err error
	if d.Case, err = s.cfg.Delivery.Case(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Conditions, err = s.caseConditions(r, id); err != nil {
		s.fail(w, r, err)
		return
	}
	f := delivery.ServiceFilter{Commune: d.Case.Commune, Dimension: d.Dimension}
	if r.FormValue("anywhere") == "1" {
		f.Commune, d.Anywhere = "", true
	}
	if d.Services, err = s.cfg.Delivery.Services(ctx, f, directoryLimit); fosis.ErrorCode(err) == fosis.EINVALID {
		d.Dimension, f.Dimension = "", ""
		d.Services, err = s.cfg.Delivery.Services(ctx, f, directoryLimit)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, v := range d.Services {
		d.Names[v.Commune] = s.communeName(v.Commune)
	}
	s.render(w, r, status, "referral_new", d)
}

func (s *Server) referralSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "the form could not be read"))
		return
	}
	svc, _ := strconv.ParseInt(r.PostFormValue("service_id"), 10, 64)
	in := delivery.ReferralInput{ServiceID: svc, Condition: r.PostFormValue("condition"), Reason: r.PostFormValue("reason"), SentOn: r.PostFormValue("sent_on")}
	_, err := s.cfg.Delivery.Refer(r.Context(), id, in)
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"?referred=1#referrals", http.StatusSeeOther)
	case fosis.EINVALID:
		s.renderReferral(w, r, fosis.HTTPStatus(fosis.EINVALID), in, err)
	default:
		s.fail(w, r, err)
	}
}

// referralCase answers a referral's action: back to its case's file, with
// the refusal shown there when there is one.
func (s *Server) referralCase(w http.ResponseWriter, r *http.Request, x *delivery.Referral, err error) {
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(x.CaseID, 10)+"?referral="+strconv.FormatInt(x.ID, 10)+"#referrals", http.StatusSeeOther)
	case fosis.EINVALID, fosis.ECONFLICT:
		// The case file again, with the refusal at its top.
		r.SetPathValue("id", strconv.FormatInt(x.CaseID, 10))
		s.renderCase(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), err)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) referralMove(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "referral")
	if !ok {
		return
	}
	ctx := r.Context()
	x, err := s.cfg.Delivery.Referral(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = s.cfg.Delivery.MoveReferral(ctx, id, r.PostFormValue("from"), r.PostFormValue("to"), r.PostFormValue("on"), r.PostFormValue("outcome"))
	if err == nil && r.PostFormValue("satisfy") == "1" && r.PostFormValue("to") == delivery.RefResolved {
		_, err = s.cfg.Delivery.SatisfyCondition(ctx, id)
	}
	s.referralCase(w, r, x, err)
}

func (s *Server) referralSatisfy(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "referral")
	if !ok {
		return
	}
	ctx := r.Context()
	x, err := s.cfg.Delivery.Referral(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = s.cfg.Delivery.SatisfyCondition(ctx, id)
	s.referralCase(w, r, x, err)
}

// budgetRow is a budget line as typed (the amount as written).
type budgetRow struct {
	Item, Amount string
}

// planFormData is the plan form of a case: the plan's rows as typed, the
// problems by field, and the latest version to decide.
type planFormData struct {
	Case       *delivery.Case
	Kind       string
	Kinds      []string
	Goal       string
	Actions    []delivery.PlanAction
	Budget     []budgetRow
	Conditions []condOption
	// Limit is the most the budget may total (0: the line's plans carry
	// no budget); Total what the rows add up to.
	Limit, Total int64
	Errors       map[string]string
	Error        error
	Latest       *delivery.Plan // the newest version, to decide when proposed
	Checker      bool
	Saved        string // the version just proposed
	Decided      string // the status just given
}

// Err returns the problem of field f ("" if none).
func (d planFormData) Err(f string) string { return d.Errors[f] }

// RowErr returns the problem of row i of list (actions or budget), or of
// its field f.
func (d planFormData) RowErr(list string, i int, f string) string {
	k := list + "[" + strconv.Itoa(i) + "]"
	if f != "" {
		k += "." + f
	}
	return d.Errors[k]
}

// HasBudget reports whether the plan's kind carries a budget.
func (d planFormData) HasBudget() bool { return d.Kind != delivery.PlanFamily }

func (s *Server) planForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := s.cfg.Delivery.Case(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	plans, err := s.cfg.Delivery.Plans(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := planFormData{Kind: delivery.PlanKindOf(c.Line), Saved: r.URL.Query().Get("saved"), Decided: r.URL.Query().Get("decided")}
	if len(plans) > 0 {
		// Editing: the newest version is the starting point of the next.
		p := plans[0]
		d.Kind, d.Goal, d.Actions = p.Kind, p.Goal, p.Actions
		for _, b := range p.Budget {
			d.Budget = append(d.Budget, budgetRow{Item: b.Item, Amount: strconv.FormatInt(b.AmountCLP, 10)})
		}
	}
	if k := r.URL.Query().Get("kind"); k == delivery.PlanFamily || k == delivery.PlanBusiness || k == delivery.PlanWork {
		d.Kind = k
	}
	s.renderPlan(w, r, http.StatusOK, c, plans, d)
}

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, status int, c *delivery.Case, plans []delivery.Plan, d planFormData) {
	ctx := r.Context()
	var err error
	d.Case, d.Kinds = c, []string{delivery.PlanFamily, delivery.PlanBusiness, delivery.PlanWork}
	if d.Conditions, err = s.caseConditions(r, c.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Limit, err = s.cfg.Delivery.PlanLimit(ctx, c.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(d.Actions) == 0 && d.Goal == "" && len(plans) == 0 && d.Kind == delivery.PlanFamily {
		// A first family plan: a row per condition not met at entry.
		for _, o := range d.Conditions {
			if o.Unmet {
				d.Actions = append(d.Actions, delivery.PlanAction{Condition: o.Code})
			}
		}
	}
	if len(d.Actions) == 0 {
		d.Actions = []delivery.PlanAction{{}}
	}
	if d.HasBudget() && len(d.Budget) == 0 {
		d.Budget = []budgetRow{{}}
	}
	d.Total = 0
	for _, b := range d.Budget {
		if n := parsePesos(b.Amount); n > 0 {
			d.Total += n
		}
	}
	if len(plans) > 0 {
		d.Latest = &plans[0]
	}
	if p := viewerOf(ctx).p; p != nil {
		d.Checker = p.Role != "counsellor" && p.Writes()
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, status, "plan_form", d)
}

// parsePesos reads whole pesos as typed ("575.000", "$ 575000"); -1 when
// it is not a whole number, 0 when empty.
func parsePesos(v string) int64 {
	v = strings.NewReplacer(".", "", " ", "", "$", "", "\u00a0", "").Replace(strings.TrimSpace(v))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

func (s *Server) planSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "the form could not be read"))
		return
	}
	ctx := r.Context()
	c, err := s.cfg.Delivery.Case(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := planFormData{Kind: r.PostFormValue("kind"), Goal: r.PostFormValue("goal")}
	na, _ := strconv.Atoi(r.PostFormValue("actions"))
	nb, _ := strconv.Atoi(r.PostFormValue("budget"))
	na, nb = min(max(na, 0), 100), min(max(nb, 0), 100)
	for i := range na {
		k := strconv.Itoa(i)
		d.Actions = append(d.Actions, delivery.PlanAction{Condition: r.PostFormValue("a_cond_" + k), Action: r.PostFormValue("a_action_" + k),
			Who: r.PostFormValue("a_who_" + k), By: r.PostFormValue("a_by_" + k)})
	}
	for i := range nb {
		k := strconv.Itoa(i)
		d.Budget = append(d.Budget, budgetRow{Item: r.PostFormValue("b_item_" + k), Amount: r.PostFormValue("b_amount_" + k)})
	}
	// Adding and removing rows redraws the form (no script needed).
	switch op := r.PostFormValue("op"); {
	case op == "add-action":
		d.Actions = append(d.Actions, delivery.PlanAction{})
	case op == "add-budget":
		d.Budget = append(d.Budget, budgetRow{})
	case strings.HasPrefix(op, "del-action-"):
		if i, err := strconv.Atoi(strings.TrimPrefix(op, "del-action-")); err == nil && i >= 0 && i < len(d.Actions) {
			d.Actions = append(d.Actions[:i], d.Actions[i+1:]...)
		}
	case strings.HasPrefix(op, "del-budget-"):
		if i, err := strconv.Atoi(strings.TrimPrefix(op, "del-budget-")); err == nil && i >= 0 && i < len(d.Budget) {
			d.Budget = append(d.Budget[:i], d.Budget[i+1:]...)
		}
	case op == "kind":
		// The kind changed: the form is drawn again for it.
	default:
		s.proposePlan(w, r, c, d)
		return
	}
	plans, err := s.cfg.Delivery.Plans(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPlan(w, r, http.StatusOK, c, plans, d)
}

// proposePlan proposes the typed plan: blank rows are left out, and the
// slice's problems are put back next to the rows they are about.
func (s *Server) proposePlan(w http.ResponseWriter, r *http.Request, c *delivery.Case, d planFormData) {
	ctx := r.Context()
	in := delivery.Plan{Kind: d.Kind, Goal: d.Goal}
	var actionRow, budgetRowOf []int
	for i, a := range d.Actions {
		if strings.TrimSpace(a.Action+a.Who+a.By) == "" {
			continue
		}
		in.Actions = append(in.Actions, a)
		actionRow = append(actionRow, i)
	}
	if d.HasBudget() {
		for i, b := range d.Budget {
			if strings.TrimSpace(b.Item+b.Amount) == "" {
				continue
			}
			in.Budget = append(in.Budget, delivery.BudgetLine{Item: b.Item, AmountCLP: parsePesos(b.Amount)})
			budgetRowOf = append(budgetRowOf, i)
		}
	}
	p, err := s.cfg.Delivery.ProposePlan(ctx, c.ID, in)
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(c.ID, 10)+"/plan?saved="+strconv.Itoa(p.Version), http.StatusSeeOther)
		return
	case fosis.EINVALID, fosis.ECONFLICT:
	default:
		s.fail(w, r, err)
		return
	}
	d.Error = err
	errs := s.fieldErrors(viewerOf(ctx).lang, err)
	d.Errors = map[string]string{}
	for f, msg := range errs {
		d.Errors[formField(f, actionRow, budgetRowOf)] = msg
	}
	plans, perr := s.cfg.Delivery.Plans(ctx, c.ID)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	s.renderPlan(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), c, plans, d)
}

// formField maps a field of the proposed plan ("actions[1].by") to the
// form's row ("actions[3].by"), blank rows having been left out.
func formField(f string, actions, budget []int) string {
	for _, l := range []struct {
		name string
		rows []int
	}{{"actions[", actions}, {"budget[", budget}} {
		rest, ok := strings.CutPrefix(f, l.name)
		if !ok {
			continue
		}
		n, tail, ok := strings.Cut(rest, "]")
		i, err := strconv.Atoi(n)
		if !ok || err != nil || i < 0 || i >= len(l.rows) {
			return f
		}
		return l.name + strconv.Itoa(l.rows[i]) + "]" + tail
	}
	return f
}

// ReferralNext returns the statuses a referral in status may move to.
func (caseData) ReferralNext(status string) []string { return delivery.ReferralNext(status) }

// HasPlan reports whether the case's methodology has a plan component.
func (d caseData) HasPlan() bool {
	if d.Methodology == nil {
		return false
	}
	for _, c := range d.Methodology.Components {
		if c.Kind == delivery.KindPlan {
			return true
		}
	}
	return false
}

// openCondition is a condition not met at entry that no referral names yet.
type openCondition struct {
	Code, Text, Dimension string
}

// UnreferredUnmet returns the conditions not met at entry (and not met
// since in the exit line) that no referral of the case names, to refer.
func (d caseData) UnreferredUnmet(lang string) []openCondition {
	if d.Methodology == nil || d.Diagnosis == nil {
		return nil
	}
	named := map[string]bool{}
	for _, x := range d.Referrals {
		named[x.Condition] = true
	}
	var out []openCondition
	for _, dm := range d.Methodology.Dimensions {
		for _, c := range dm.Conditions {
			if d.Diagnosis.Entry[c.Code].Status == delivery.NotMet && d.Diagnosis.Exit[c.Code].Status != delivery.Met && !named[c.Code] {
				out = append(out, openCondition{Code: c.Code, Text: c.Text(lang), Dimension: dm.Key})
			}
		}
	}
	return out
}
