package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
)

// The programme line's page and its version form: labelled fields, rows of
// components added and removed by the server, eligibility through the rule
// builder (rulebuilder.go), and the version as JSON for power users (a
// download, and a box to paste one). Saving a form that changes nothing is
// refused by the slice (programs.err.unchanged).

// programData is a programme line's page.
type programData struct {
	Program   programView
	Versions  []programs.Program
	CanManage bool
	Form      programForm
	Rules     ruleBlockView
	Problems  map[string][]fosis.FieldError // by field (name, amount_clp, components[1], …)
	Summary   []string                      // every problem, with its field's label, in the reader's language
	JSON      string                        // the JSON box: what was pasted (empty: the current version)
	JSONError []fosis.FieldError            // what was wrong with the pasted JSON
	Saved     string                        // the version just stored
}

// programForm is the version form as typed.
type programForm struct {
	NameES, NameEN, Amount, Months, TargetES, TargetEN, Source string
	Invitation                                                 bool
	Components                                                 []componentRow
	Rules                                                      []ruleRow
}

// componentRow is one component, in both languages.
type componentRow struct{ ES, EN string }

// programInput is the part of a programme the JSON box shows: what a new
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

// versionJSON writes p's editable part as JSON, rules as written (no
// \u003e for >).
func versionJSON(p *programs.Program) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(programInput{Code: p.Code, Area: p.Area, Unit: p.Unit, NameES: p.NameES, NameEN: p.NameEN,
		AmountCLP: p.AmountCLP, Months: p.Months, Spec: p.Spec})
	return b.String()
}

// formOf opens a stored version in the form.
func (x ruleContext) formOf(p *programs.Program) programForm {
	f := programForm{NameES: p.NameES, NameEN: p.NameEN, Amount: strconv.FormatInt(p.AmountCLP, 10), Months: strconv.Itoa(p.Months),
		TargetES: p.Spec.TargetES, TargetEN: p.Spec.TargetEN, Source: p.Spec.Source, Invitation: p.Spec.Invitation,
		Rules: x.forForm(p.Spec.Rules)}
	for i := range max(len(p.Spec.ComponentsES), len(p.Spec.ComponentsEN)) {
		var c componentRow
		if i < len(p.Spec.ComponentsES) {
			c.ES = p.Spec.ComponentsES[i]
		}
		if i < len(p.Spec.ComponentsEN) {
			c.EN = p.Spec.ComponentsEN[i]
		}
		f.Components = append(f.Components, c)
	}
	return f
}

// programFormFrom reads the posted form.
func programFormFrom(form url.Values) programForm {
	f := programForm{NameES: form.Get("name_es"), NameEN: form.Get("name_en"), Amount: form.Get("amount_clp"), Months: form.Get("duration_months"),
		TargetES: form.Get("target_es"), TargetEN: form.Get("target_en"), Source: form.Get("source"), Invitation: form.Get("invitation") == "on",
		Rules: ruleRowsFrom(form, "rules")}
	for i := range maxFormRows {
		p := fmt.Sprintf("components.%d.", i)
		if _, ok := form[p+"es"]; !ok {
			break
		}
		f.Components = append(f.Components, componentRow{ES: form.Get(p + "es"), EN: form.Get(p + "en")})
	}
	return f
}

// program turns the form into a version of line cur, with the builder's
// and the numbers' problems (the slice checks the rest).
func (x ruleContext) program(cur *programs.Program, f programForm) (*programs.Program, []fosis.FieldError) {
	p := &programs.Program{Code: cur.Code, Area: cur.Area, Unit: cur.Unit, NameES: strings.TrimSpace(f.NameES), NameEN: strings.TrimSpace(f.NameEN),
		Spec: programs.Spec{TargetES: strings.TrimSpace(f.TargetES), TargetEN: strings.TrimSpace(f.TargetEN), Source: strings.TrimSpace(f.Source),
			Invitation: f.Invitation, ComponentsES: []string{}, ComponentsEN: []string{}}}
	var bad []fosis.FieldError
	var err error
	if p.AmountCLP, err = strconv.ParseInt(pesos(f.Amount), 10, 64); err != nil {
		bad = append(bad, fosis.KeyedField("amount_clp", "progform.err.pesos", "a whole number of pesos"))
	}
	if p.Months, err = strconv.Atoi(strings.TrimSpace(f.Months)); err != nil {
		bad = append(bad, fosis.KeyedField("duration_months", "progform.err.months", "a whole number of months"))
	}
	for i, c := range f.Components {
		es, en := strings.TrimSpace(c.ES), strings.TrimSpace(c.EN)
		switch {
		case es == "" && en == "":
			continue // an empty row: left out
		case es == "" || en == "":
			bad = append(bad, fosis.KeyedField(fmt.Sprintf("components[%d]", i), "progform.err.component_both", "name the component in both languages"))
		}
		p.Spec.ComponentsES = append(p.Spec.ComponentsES, es)
		p.Spec.ComponentsEN = append(p.Spec.ComponentsEN, en)
	}
	rules, rbad := x.rules("rules", f.Rules)
	p.Spec.Rules = rules
	return p, append(bad, rbad...)
}

// pesos strips what people type around an amount ($, dots, spaces).
func pesos(s string) string {
	return strings.NewReplacer(".", "", ",", "", "$", "", " ", "").Replace(s)
}

func (s *Server) programPage(w http.ResponseWriter, r *http.Request) {
	s.programPageWith(w, r, http.StatusOK, nil, nil, "", nil)
}

// programPageWith renders the line's page with form f (nil: the current
// version) and its problems, or with the pasted JSON and its problem.
func (s *Server) programPageWith(w http.ResponseWriter, r *http.Request, status int, f *programForm, problems []fosis.FieldError, typed string, jsonProblems []fosis.FieldError) {
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
	all, err := s.cfg.Programs.Programs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := viewerOf(ctx).lang
	x := s.ruleContext(all)
	d := programData{Program: viewProgram(*p, lang), Versions: vs, CanManage: managesCalls(auth.FromContext(ctx)),
		JSON: typed, JSONError: jsonProblems, Saved: r.URL.Query().Get("saved"), Problems: byField(problems)}
	if _, err := strconv.Atoi(d.Saved); err != nil {
		d.Saved = ""
	}
	if f == nil {
		cur := x.formOf(p)
		f = &cur
	}
	d.Form = *f
	if d.JSON == "" {
		d.JSON = versionJSON(p)
	}
	var progs []programView
	for _, q := range all {
		progs = append(progs, viewProgram(q, lang))
	}
	d.Rules = ruleBlock("rules", f.Rules, d.Problems, progs)
	d.Summary = s.problemSummary(lang, problems, programLabels)
	s.render(w, r, status, "program", d)
}

// programLabels are the catalog keys of the version form's fields, for the
// summary of problems; a list's rows are named by programLabels[list].
var programLabels = map[string]string{
	"name": "progform.name", "name_es": "progform.name_es", "name_en": "progform.name_en", "amount_clp": "programs.amount",
	"duration_months": "programs.months", "invitation": "progform.invitation", "area": "programs.area", "unit": "programs.unit",
	"code": "progform.code", "components": "progedit.components", "rules": "progform.rules",
}

// problemSummary says every problem with its field's label (labels: field
// or list name → catalog key): "Duración (meses): …", "Regla 2: …".
func (s *Server) problemSummary(lang string, bad []fosis.FieldError, labels map[string]string) []string {
	var out []string
	for _, fe := range bad {
		k := rowKey(fe.Field)
		label := ""
		if list, idx, ok := strings.Cut(k, "["); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			if key, ok := labels[list]; ok {
				label = s.msgs.T(lang, "progform.row_of", s.msgs.T(lang, key), n+1)
			}
		} else if key, ok := labels[k]; ok {
			label = s.msgs.T(lang, key)
		}
		msg := s.msgs.Say(lang, fe.Phrase())
		if label != "" {
			msg = label + ": " + msg
		}
		out = append(out, msg)
	}
	return out
}

// programSave handles the version form's buttons: add or remove a row, turn
// a rule into CEL, save the form, or save the pasted JSON.
func (s *Server) programSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.cfg.Programs == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no programmes on this server"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EINVALID, "progform.err.form", "the form could not be read"))
		return
	}
	do := r.PostForm.Get("do")
	if do == "json" || (do == "" && r.PostForm.Has("program")) {
		s.programSaveJSON(w, r)
		return
	}
	cur, err := s.cfg.Programs.Program(ctx, r.PathValue("code"), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	all, err := s.cfg.Programs.Programs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	x := s.ruleContext(all)
	f := programFormFrom(r.PostForm)
	var acted bool
	if f.Components, acted = rowAction(do, "components", f.Components, componentRow{}, nil); acted {
		s.programPageWith(w, r, http.StatusOK, &f, nil, "", nil)
		return
	}
	newKind := r.PostForm.Get("rules_new_kind")
	if !slices.Contains(ruleKinds, newKind) {
		newKind = ruleCEL
	}
	if f.Rules, acted = rowAction(do, "rules", f.Rules, ruleRow{Kind: newKind}, x.asCEL); acted {
		s.programPageWith(w, r, http.StatusOK, &f, nil, "", nil)
		return
	}
	p, bad := x.program(cur, f)
	if len(bad) > 0 {
		s.programPageWith(w, r, fosis.HTTPStatus(fosis.EINVALID), &f, bad, "", nil)
		return
	}
	s.storeVersion(w, r, p, func(status int, problems []fosis.FieldError) {
		s.programPageWith(w, r, status, &f, problems, "", nil)
	})
}

// storeVersion saves p, then redirects to the line's page; a refusal the
// author can fix goes to again with its problems.
func (s *Server) storeVersion(w http.ResponseWriter, r *http.Request, p *programs.Program, again func(status int, problems []fosis.FieldError)) {
	saved, err := s.cfg.Programs.SaveProgram(r.Context(), p)
	var fe *fosis.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/programs/"+url.PathEscape(saved.Code)+"?saved="+strconv.Itoa(saved.Version), http.StatusSeeOther)
	case errors.As(err, &fe) && (fe.Code == fosis.EINVALID || fe.Code == fosis.ECONFLICT):
		problems := fe.Fields
		if len(problems) == 0 {
			problems = []fosis.FieldError{{Field: "version", Message: fe.Message, Key: fe.Key, Args: fe.Args}}
		}
		again(fosis.HTTPStatus(fe.Code), problems)
	default:
		s.fail(w, r, err)
	}
}

// programSaveJSON stores the pasted JSON as the line's next version.
func (s *Server) programSaveJSON(w http.ResponseWriter, r *http.Request) {
	text := r.PostForm.Get("program")
	bad := func(status int, problems []fosis.FieldError) {
		s.programPageWith(w, r, status, nil, nil, text, problems)
	}
	var in programInput
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		bad(fosis.HTTPStatus(fosis.EINVALID), []fosis.FieldError{fosis.KeyedField("program", "progedit.form.json", "%s", err.Error())})
		return
	}
	if in.Code != r.PathValue("code") {
		bad(fosis.HTTPStatus(fosis.EINVALID), []fosis.FieldError{fosis.KeyedField("code", "progedit.form.code_fixed",
			"is the line's code and cannot change here: a new programme is a new line ('fosis programs save')")})
		return
	}
	s.storeVersion(w, r, &programs.Program{Code: in.Code, Area: in.Area, Unit: in.Unit, NameES: in.NameES,
		NameEN: in.NameEN, AmountCLP: in.AmountCLP, Months: in.Months, Spec: in.Spec}, bad)
}

// programJSON downloads the line's current version as the JSON the box,
// the API and 'fosis programs save' take.
func (s *Server) programJSON(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Programs == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no programmes on this server"))
		return
	}
	p, err := s.cfg.Programs.Program(r.Context(), r.PathValue("code"), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-v%d.json"`, p.Code, p.Version))
	fmt.Fprint(w, versionJSON(p))
}
