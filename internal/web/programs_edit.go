package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
)

// The catalogue's editing pages: a programme line with its versions and an
// editor for its next version, and the executing agencies with their
// contracts. The programmes slice decides who may change them; the pages
// only hide the forms from others.

func (s *Server) programEditRoutes(pages *routeMux) {
	pages.HandleFunc("GET /programs/{code}", s.requireUser(s.programPage))
	pages.HandleFunc("POST /programs/{code}", s.requireUser(s.programSave))
	pages.HandleFunc("GET /agencies", s.requireUser(s.agenciesPage))
	pages.HandleFunc("POST /agencies", s.requireUser(s.agencyCreate))
	pages.HandleFunc("POST /agencies/{code}/contracts", s.requireUser(s.contractAdd))
	pages.HandleFunc("POST /agencies/{code}/staff", s.requireUser(s.staffAdd))
}

// programData is a programme line's page.
type programData struct {
	Program   programView
	Versions  []programs.Program
	CanManage bool
	JSON      string // the editor's text: the current version, or what was typed
	Errors    []fosis.FieldError
	Saved     string // the version just stored
}

// programInput is the part of a programme the editor shows: what a new
// version may set (ids, version and creation are assigned on save).
type programInput struct {
	Code      string        `json:"code"`
	Area      string        `json:"area"`
	Unit      string        `json:"unit"`
	NameES    string        `json:"name_es"`
	NameEN    string        `json:"name_en"`
	AmountCLP int64         `json:"amount_clp"`
	Months    int           `json:"duration_months"`
	Spec      programs.Spec `json:"spec"`
}

func (s *Server) programPage(w http.ResponseWriter, r *http.Request) {
	s.programPageWith(w, r, http.StatusOK, "", nil)
}

func (s *Server) programPageWith(w http.ResponseWriter, r *http.Request, status int, typed string, problems []fosis.FieldError) {
	ctx := r.Context()
	if s.cfg.Programs == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no programmes on this server"))
		return
	}
	p, err := s.cfg.Programs.Program(ctx, r.PathValue("code"), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.cfg.Programs.History(ctx, p.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := programData{Program: viewProgram(*p, viewerOf(ctx).lang), Versions: vs, CanManage: managesCalls(auth.FromContext(ctx)),
		JSON: typed, Errors: problems, Saved: r.URL.Query().Get("saved")}
	if _, err := strconv.Atoi(d.Saved); err != nil {
		d.Saved = ""
	}
	if d.JSON == "" {
		b, _ := json.MarshalIndent(programInput{Code: p.Code, Area: p.Area, Unit: p.Unit, NameES: p.NameES, NameEN: p.NameEN,
			AmountCLP: p.AmountCLP, Months: p.Months, Spec: p.Spec}, "", "  ")
		d.JSON = string(b)
	}
	s.render(w, r, status, "program", d)
}

// programSave stores the editor's text as the line's next version.
func (s *Server) programSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.cfg.Programs == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no programmes on this server"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	text := r.PostFormValue("program")
	var in programInput
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		s.programPageWith(w, r, fosis.HTTPStatus(fosis.EINVALID), text, []fosis.FieldError{fosis.KeyedField("program", "progedit.form.json", "%s", err.Error())})
		return
	}
	if in.Code != r.PathValue("code") {
		s.programPageWith(w, r, fosis.HTTPStatus(fosis.EINVALID), text, []fosis.FieldError{fosis.KeyedField("code", "progedit.form.code_fixed",
			"is the line's code and cannot change here: a new programme is a new line ('fosis programs save')")})
		return
	}
	p, err := s.cfg.Programs.SaveProgram(ctx, &programs.Program{Code: in.Code, Area: in.Area, Unit: in.Unit, NameES: in.NameES,
		NameEN: in.NameEN, AmountCLP: in.AmountCLP, Months: in.Months, Spec: in.Spec})
	var fe *fosis.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/programs/"+p.Code+"?saved="+strconv.Itoa(p.Version), http.StatusSeeOther)
	case errors.As(err, &fe) && (fe.Code == fosis.EINVALID || fe.Code == fosis.ECONFLICT):
		problems := fe.Fields
		if len(problems) == 0 {
			problems = []fosis.FieldError{{Field: "program", Message: fe.Message, Key: fe.Key, Args: fe.Args}}
		}
		s.programPageWith(w, r, fosis.HTTPStatus(fe.Code), text, problems)
	default:
		s.fail(w, r, err)
	}
}

// agenciesData is the executing agencies' page.
type agenciesData struct {
	Agencies  []programs.Agency
	Programs  []programView
	CanManage bool
	Form      contractForm
	Problem   string // what went wrong with the last form, in words
	Done      string // catalog key of what the last form did
}

// contractForm is the contract form as typed.
type contractForm struct {
	Agency, Program, Tender, StartsOn, EndsOn, Families, Budget, Communes string
}

func (s *Server) agenciesPage(w http.ResponseWriter, r *http.Request) {
	done := ""
	switch r.URL.Query().Get("done") {
	case "agency":
		done = "agencies.done.agency"
	case "contract":
		done = "agencies.done.contract"
	case "staff":
		done = "agencies.done.staff"
	}
	s.agenciesPageWith(w, r, http.StatusOK, agenciesData{Done: done})
}

func (s *Server) agenciesPageWith(w http.ResponseWriter, r *http.Request, status int, d agenciesData) {
	ctx := r.Context()
	if s.cfg.Programs == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no programmes on this server"))
		return
	}
	as, err := s.cfg.Programs.Agencies(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ps, err := s.cfg.Programs.Programs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Agencies, d.CanManage = as, managesCalls(auth.FromContext(ctx))
	for _, p := range ps {
		d.Programs = append(d.Programs, viewProgram(p, viewerOf(ctx).lang))
	}
	s.render(w, r, status, "agencies", d)
}

// formProblem renders the page again with the slice's refusal in words.
func (s *Server) agencyProblem(w http.ResponseWriter, r *http.Request, err error, f contractForm) {
	var fe *fosis.Error
	if !errors.As(err, &fe) || (fe.Code != fosis.EINVALID && fe.Code != fosis.ECONFLICT && fe.Code != fosis.ENOTFOUND) {
		s.fail(w, r, err)
		return
	}
	lang := viewerOf(r.Context()).lang
	var b bytes.Buffer
	b.WriteString(s.msgs.Say(lang, fe.Phrase()))
	for _, f := range fe.Fields {
		b.WriteString("; " + f.Field + ": " + s.msgs.Say(lang, f.Phrase()))
	}
	s.agenciesPageWith(w, r, statusOf(err), agenciesData{Form: f, Problem: b.String()})
}

func (s *Server) agencyCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if s.cfg.Programs == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no programmes on this server"))
		return
	}
	if _, err := s.cfg.Programs.CreateAgency(r.Context(), strings.TrimSpace(r.PostFormValue("code")), strings.TrimSpace(r.PostFormValue("name"))); err != nil {
		s.agencyProblem(w, r, err, contractForm{})
		return
	}
	http.Redirect(w, r, "/agencies?done=agency", http.StatusSeeOther)
}

func (s *Server) contractAdd(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if s.cfg.Programs == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no programmes on this server"))
		return
	}
	f := contractForm{Agency: r.PathValue("code"), Program: r.PostFormValue("program"), Tender: strings.TrimSpace(r.PostFormValue("tender_code")),
		StartsOn: r.PostFormValue("starts_on"), EndsOn: r.PostFormValue("ends_on"), Families: strings.TrimSpace(r.PostFormValue("families")),
		Budget: strings.TrimSpace(r.PostFormValue("budget_clp")), Communes: r.PostFormValue("communes")}
	families, err1 := strconv.Atoi(f.Families)
	budget, err2 := strconv.ParseInt(f.Budget, 10, 64)
	if err1 != nil || err2 != nil {
		s.agencyProblem(w, r, fosis.KeyedErrorf(fosis.EINVALID, "agencies.form.numbers", "families and budget are whole numbers (pesos without dots)"), f)
		return
	}
	var communes []string
	for _, c := range strings.FieldsFunc(f.Communes, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' }) {
		communes = append(communes, c)
	}
	_, err := s.cfg.Programs.AddContract(r.Context(), f.Agency, programs.Contract{Line: f.Program, TenderCode: f.Tender,
		StartsOn: f.StartsOn, EndsOn: f.EndsOn, Families: families, BudgetCLP: budget, Communes: communes})
	if err != nil {
		s.agencyProblem(w, r, err, f)
		return
	}
	http.Redirect(w, r, "/agencies?done=contract", http.StatusSeeOther)
}

// staffAdd makes an account, by username, the agency's staff.
func (s *Server) staffAdd(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	ctx := r.Context()
	if s.cfg.Programs == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no programmes on this server"))
		return
	}
	f := contractForm{Agency: r.PathValue("code")}
	if !managesCalls(auth.FromContext(ctx)) { // before saying whether the username exists
		s.fail(w, r, fosis.KeyedErrorf(fosis.EFORBIDDEN, "agencies.form.managers_only", "only administrators and national analysts manage agencies"))
		return
	}
	u, err := s.cfg.Users.UserByUsername(ctx, strings.TrimSpace(r.PostFormValue("username")))
	if err != nil {
		s.agencyProblem(w, r, err, f)
		return
	}
	if u.Role != auth.RoleAgency {
		s.agencyProblem(w, r, fosis.KeyedErrorf(fosis.EINVALID, "agencies.form.staff_role", "only an account with the executing-agency role can be an agency's staff; %s is %s",
			u.Username, fosis.Phrase{Key: "role." + string(u.Role), Text: string(u.Role)}), f)
		return
	}
	if err := s.cfg.Programs.AddStaff(ctx, u.ID, f.Agency); err != nil {
		s.agencyProblem(w, r, err, f)
		return
	}
	http.Redirect(w, r, "/agencies?done=staff", http.StatusSeeOther)
}
