package web

import (
	"bytes"
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
	pages.HandleFunc("GET /programs/{code}/version.json", s.requireUser(s.programJSON))
	pages.HandleFunc("GET /agencies", s.requireUser(s.agenciesPage))
	pages.HandleFunc("POST /agencies", s.requireUser(s.agencyCreate))
	pages.HandleFunc("POST /agencies/{code}/contracts", s.requireUser(s.contractAdd))
	pages.HandleFunc("POST /agencies/{code}/staff", s.requireUser(s.staffAdd))
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
