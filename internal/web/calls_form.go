package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/targeting"
)

// The new-call form: every field labelled, quotas as rows of a commune (or
// region) and its places, the eligibility rules, priority groups and
// reserved shares through the rule builder (rulebuilder.go). Every problem
// is shown at once next to its field, in the reader's language: the page's
// own checks and the slice's (programs.Store.CreateCall checks every field
// before refusing).

// callForm is the new-call form as typed.
type callForm struct {
	Code, Title, Program, OpensOn, ClosesOn, Run, Budget, Cooldown string
	Communes, Regions                                              []quotaRow
	Rules, Priorities, Reserved                                    []ruleRow
}

// quotaRow is one quota as typed: a commune's (or region's) code and its
// places.
type quotaRow struct{ Code, Places string }

// callNewData is the new-call page's content.
type callNewData struct {
	Form                        callForm
	Programs                    []programView
	Runs                        []targeting.Run
	Regions                     []regionOptions // the communes' select, by region
	Problems                    map[string][]fosis.FieldError
	Summary                     []string // every problem with its field's label
	Rules, Priorities, Reserved ruleBlockView
}

// regionOptions is a region with its communes, for the selects.
type regionOptions struct {
	Code, Name string
	Communes   []placeQuota
}

// callLabels are the catalog keys of the new-call form's fields.
var callLabels = map[string]string{
	"code": "calls.code", "title": "calls.call_title", "program": "calls.program", "run": "calls.run", "opens_on": "calls.opens_on",
	"closes_on": "calls.closes_on", "budget_clp": "calls.budget", "cooldown_months": "calls.cooldown", "communes": "calls.quotas",
	"regions": "callform.regions", "rules": "calls.rules", "priorities": "calls.priorities", "reserved": "callform.reserved",
	"incompatible": "callform.incompatible",
}

func (s *Server) callNewPage(w http.ResponseWriter, r *http.Request, status int, f callForm, problems []fosis.FieldError) {
	ctx := r.Context()
	ps, err := s.cfg.Programs.Programs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := viewerOf(ctx).lang
	d := callNewData{Form: f, Problems: byField(problems), Summary: s.problemSummary(lang, problems, callLabels)}
	for _, p := range ps {
		d.Programs = append(d.Programs, viewProgram(p, lang))
	}
	if d.Runs, err = s.cfg.Targeting.Runs(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	terr := s.cfg.Registry.Territory()
	for ri, reg := range terr.Regions {
		ro := regionOptions{Code: reg.Code, Name: reg.Name}
		for ci, c := range terr.Communes {
			if terr.CommuneRegion(ci) == ri {
				ro.Communes = append(ro.Communes, placeQuota{Code: c.Code, Name: c.Name})
			}
		}
		slices.SortFunc(ro.Communes, func(a, b placeQuota) int { return strings.Compare(a.Name, b.Name) })
		d.Regions = append(d.Regions, ro)
	}
	d.Rules = ruleBlock("rules", f.Rules, d.Problems, d.Programs)
	d.Priorities = ruleBlock("priorities", f.Priorities, d.Problems, d.Programs)
	d.Reserved = ruleBlock("reserved", f.Reserved, d.Problems, d.Programs)
	d.Reserved.Share = true
	s.render(w, r, status, "call_new", d)
}

func (s *Server) callNew(w http.ResponseWriter, r *http.Request) {
	if !managesCalls(auth.FromContext(r.Context())) {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EFORBIDDEN, "calls.form.managers_only", "only administrators and national analysts manage calls"))
		return
	}
	today := time.Now().UTC()
	s.callNewPage(w, r, http.StatusOK, callForm{OpensOn: today.Format(time.DateOnly),
		ClosesOn: today.AddDate(0, 1, 0).Format(time.DateOnly), Cooldown: "0", Communes: []quotaRow{{}}}, nil)
}

// quotaRowsFrom reads block's quota rows from a posted form.
func quotaRowsFrom(form url.Values, block string) []quotaRow {
	var out []quotaRow
	for i := range maxFormRows {
		p := fmt.Sprintf("%s.%d.", block, i)
		if _, ok := form[p+"code"]; !ok {
			break
		}
		out = append(out, quotaRow{Code: strings.TrimSpace(form.Get(p + "code")), Places: strings.TrimSpace(form.Get(p + "places"))})
	}
	return out
}

// quotas turns rows into a quota map; an empty row is left out.
func quotas(block string, rows []quotaRow) (map[string]int, []fosis.FieldError) {
	out := map[string]int{}
	var bad []fosis.FieldError
	for i, q := range rows {
		at := fmt.Sprintf("%s[%d]", block, i)
		if q.Code == "" && q.Places == "" {
			continue
		}
		if q.Code == "" {
			bad = append(bad, fosis.KeyedField(at, "callform.err.choose_place", "choose where the places are"))
			continue
		}
		n, err := strconv.Atoi(q.Places)
		if err != nil || n < 0 {
			bad = append(bad, fosis.KeyedField(at, "callform.err.places", "the places are a whole number, 0 or more"))
			continue
		}
		if _, dup := out[q.Code]; dup {
			bad = append(bad, fosis.KeyedField(at, "callform.err.twice", "this place already has a row"))
			continue
		}
		out[q.Code] = n
	}
	return out, bad
}

// callFormFrom reads the posted form.
func callFormFrom(form url.Values) callForm {
	return callForm{Code: form.Get("code"), Title: form.Get("title"), Program: form.Get("program"), OpensOn: form.Get("opens_on"),
		ClosesOn: form.Get("closes_on"), Run: form.Get("run"), Budget: form.Get("budget_clp"), Cooldown: form.Get("cooldown_months"),
		Communes: quotaRowsFrom(form, "communes"), Regions: quotaRowsFrom(form, "regions"),
		Rules: ruleRowsFrom(form, "rules"), Priorities: ruleRowsFrom(form, "priorities"), Reserved: ruleRowsFrom(form, "reserved")}
}

func (s *Server) callCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EINVALID, "progform.err.form", "the form could not be read"))
		return
	}
	f := callFormFrom(r.PostForm)
	do := r.PostForm.Get("do")
	all, err := s.cfg.Programs.Programs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	x := s.ruleContext(all)
	var acted bool
	if f.Communes, acted = rowAction(do, "communes", f.Communes, quotaRow{}, nil); acted {
		s.callNewPage(w, r, http.StatusOK, f, nil)
		return
	}
	if f.Regions, acted = rowAction(do, "regions", f.Regions, quotaRow{}, nil); acted {
		s.callNewPage(w, r, http.StatusOK, f, nil)
		return
	}
	for _, b := range []struct {
		name string
		rows *[]ruleRow
	}{{"rules", &f.Rules}, {"priorities", &f.Priorities}, {"reserved", &f.Reserved}} {
		kind := r.PostForm.Get(b.name + "_new_kind")
		if !slices.Contains(ruleKinds, kind) {
			kind = ruleCEL
		}
		if *b.rows, acted = rowAction(do, b.name, *b.rows, ruleRow{Kind: kind}, x.asCEL); acted {
			s.callNewPage(w, r, http.StatusOK, f, nil)
			return
		}
	}
	in := programs.CallInput{Code: strings.TrimSpace(f.Code), Title: strings.TrimSpace(f.Title), Program: f.Program, OpensOn: f.OpensOn, ClosesOn: f.ClosesOn}
	var bad []fosis.FieldError
	if in.Run, err = strconv.ParseInt(f.Run, 10, 64); err != nil {
		bad = append(bad, fosis.KeyedField("run", "calls.form.choose_run", "choose a scoring run"))
	}
	if in.BudgetCLP, err = strconv.ParseInt(pesos(f.Budget), 10, 64); err != nil {
		bad = append(bad, fosis.KeyedField("budget_clp", "calls.form.budget_number", "the budget is a whole number of pesos"))
	}
	if c := strings.TrimSpace(f.Cooldown); c != "" {
		if in.Spec.CooldownMonths, err = strconv.Atoi(c); err != nil {
			bad = append(bad, fosis.KeyedField("cooldown_months", "calls.form.months", "a whole number of months"))
		}
	}
	var more []fosis.FieldError
	in.Communes, more = quotas("communes", f.Communes)
	bad = append(bad, more...)
	in.Regions, more = quotas("regions", f.Regions)
	bad = append(bad, more...)
	in.Spec.Rules, more = x.rules("rules", f.Rules)
	bad = append(bad, more...)
	in.Spec.Priorities, more = x.rules("priorities", f.Priorities)
	bad = append(bad, more...)
	reserved, more := x.rules("reserved", f.Reserved)
	bad = append(bad, more...)
	for i, rule := range reserved {
		pct, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(f.Reserved[i].Share), ",", "."), 64)
		if err != nil || pct <= 0 || pct > 100 || math.IsNaN(pct) {
			bad = append(bad, fosis.KeyedField(fmt.Sprintf("reserved[%d].share", i), "callform.err.share", "a percentage above 0 and at most 100"))
			continue
		}
		in.Spec.Reserved = append(in.Spec.Reserved, programs.ReservedShare{Rule: rule, Share: pct / 100})
	}
	// The slice checks the rest, every field at once; the page's own
	// problems come first, then the slice's on the fields the page passed.
	// With problems of its own the page only asks the slice to check.
	var err2 error
	if len(bad) > 0 {
		err2 = s.cfg.Programs.CheckCall(ctx, in)
	} else {
		c, err := s.cfg.Programs.CreateCall(ctx, in)
		if err == nil {
			http.Redirect(w, r, "/calls/"+url.PathEscape(c.Code)+"?created=1", http.StatusSeeOther)
			return
		}
		err2 = err
	}
	err = err2
	var e *fosis.Error
	code := fosis.ErrorCode(err)
	if err != nil && code != fosis.EINVALID && code != fosis.ECONFLICT {
		s.fail(w, r, err)
		return
	}
	if errors.As(err, &e) {
		if len(e.Fields) == 0 {
			bad = append(bad, fosis.FieldError{Field: "code", Message: e.Message, Key: e.Key, Args: e.Args})
		}
		for _, fe := range e.Fields {
			if !pageSaid(bad, fe.Field) {
				bad = append(bad, fe)
			}
		}
	}
	if len(bad) > 0 {
		code = fosis.EINVALID
	}
	s.callNewPage(w, r, fosis.HTTPStatus(code), f, bad)
}

// pageSaid reports whether the page already has a problem on field (the
// slice, given a zero for a value the page could not read, would say
// something confusing about it).
func pageSaid(bad []fosis.FieldError, field string) bool {
	k := rowKey(field)
	for _, b := range bad {
		if rowKey(b.Field) == k || strings.HasPrefix(rowKey(b.Field), k+"[") {
			return true
		}
	}
	return false
}
