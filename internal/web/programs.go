package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
)

// The programmes pages: the catalogue, calls (list, create, a call with its
// applications and actions) and an application's decision trace. The
// programmes slice enforces who sees and does what; these handlers parse
// forms and show its answers.

func (s *Server) programRoutes(pages *routeMux) {
	pages.HandleFunc("GET /programs", s.requireUser(s.programsPage))
	pages.HandleFunc("GET /calls", s.requireUser(s.callsPage))
	pages.HandleFunc("GET /calls/new", s.requireUser(s.callNew))
	pages.HandleFunc("POST /calls", s.requireUser(s.callCreate))
	pages.HandleFunc("GET /calls/{code}", s.requireUser(s.callPage))
	pages.HandleFunc("POST /calls/{code}/status", s.requireUser(s.callStatus))
	pages.HandleFunc("POST /calls/{code}/select", s.requireUser(s.callSelect))
	pages.HandleFunc("POST /calls/{code}/apply", s.requireUser(s.callApply))
	pages.HandleFunc("POST /calls/{code}/import", s.requireUser(s.callImport))
	pages.HandleFunc("GET /calls/{code}/preview", s.requireUser(s.previewPage))
	pages.HandleFunc("GET /calls/{code}/whatif", s.requireUser(s.whatIfPage))
	pages.HandleFunc("POST /calls/{code}/whatif", s.requireUser(s.whatIfPage))
	pages.HandleFunc("GET /applications/{id}", s.requireUser(s.tracePage))
	pages.HandleFunc("POST /applications/{id}/withdraw", s.requireUser(s.appWithdraw))
	pages.HandleFunc("POST /applications/{id}/enroll", s.requireUser(s.appEnroll))
}

// managesCalls reports whether p may create and move calls (the slice
// checks it again).
func managesCalls(p *auth.Principal) bool {
	return p != nil && (p.Role == auth.RoleAdmin || p.Role == auth.RoleAnalyst)
}

// programsData is the catalogue page's content.
type programsData struct {
	Programs []programView
}

// programView is a programme in the reader's language.
type programView struct {
	programs.Program
	Name, Target string
	Components   []string
}

func viewProgram(p programs.Program, lang string) programView {
	v := programView{Program: p, Name: p.NameES, Target: p.Spec.TargetES, Components: p.Spec.ComponentsES}
	if lang == "en" {
		v.Name, v.Target, v.Components = p.NameEN, p.Spec.TargetEN, p.Spec.ComponentsEN
	}
	return v
}

func (s *Server) programsPage(w http.ResponseWriter, r *http.Request) {
	ps, err := s.cfg.Programs.Programs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := programsData{}
	for _, p := range ps {
		d.Programs = append(d.Programs, viewProgram(p, viewerOf(r.Context()).lang))
	}
	s.render(w, r, http.StatusOK, "programs", d)
}

// callsData is the calls page's content.
type callsData struct {
	Calls     []callView
	CanManage bool
}

// callView is a call with its programme's name in the reader's language.
type callView struct {
	*programs.Call
	ProgramName string
	QuotaList   []placeQuota   // the quotas by name (call and preview pages; empty elsewhere)
	Reserved    []reservedView // the reserved shares in the reader's language
}

func viewCall(c *programs.Call, lang string) callView {
	n := c.ProgramNameES
	if lang == "en" {
		n = c.ProgramNameEN
	}
	v := callView{Call: c, ProgramName: n}
	for _, r := range c.Spec.Reserved {
		v.Reserved = append(v.Reserved, reservedView{Name: r.Rule.Name(lang), Percent: percent(r.Share)})
	}
	return v
}

func (s *Server) callsPage(w http.ResponseWriter, r *http.Request) {
	cs, err := s.cfg.Programs.Calls(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := callsData{CanManage: managesCalls(auth.FromContext(r.Context()))}
	for i := range cs {
		d.Calls = append(d.Calls, viewCall(&cs[i], viewerOf(r.Context()).lang))
	}
	s.render(w, r, http.StatusOK, "calls", d)
}

// parseQuotas reads "code = n" (or "code: n", "code n") lines.
func parseQuotas(field, text string) (map[string]int, *fosis.FieldError) {
	out := map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == '=' || r == ':' || r == ' ' || r == '\t' || r == ';' || r == ',' })
		if len(f) != 2 {
			fe := fosis.KeyedField(field, "calls.form.quota_line", "line %d: %q is not \"code = places\"", i+1, line)
			return nil, &fe
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			fe := fosis.KeyedField(field, "calls.form.quota_number", "line %d: %q is not a number of places", i+1, f[1])
			return nil, &fe
		}
		out[f[0]] = n
	}
	return out, nil
}

// parseRules reads "id | nombre | name | expression" lines.
func parseRules(field, text string) ([]programs.Rule, *fosis.FieldError) {
	var out []programs.Rule
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.SplitN(line, "|", 4)
		if len(f) != 4 {
			fe := fosis.KeyedField(field, "calls.form.rule_line", "line %d: write id | nombre | name | expression", i+1)
			return nil, &fe
		}
		out = append(out, programs.Rule{ID: strings.TrimSpace(f[0]), NameES: strings.TrimSpace(f[1]), NameEN: strings.TrimSpace(f[2]), Expr: strings.TrimSpace(f[3])})
	}
	return out, nil
}

// callData is a call page's content.
type callData struct {
	Call      callView
	Apps      []programs.Application
	Counts    map[string]int // applications by status
	CanManage bool
	CanApply  bool
	Error     error                  // the slice's refusal of an action (shown in the reader's language)
	ErrorKey  string                 // catalog key of the refused action
	RUN       string                 // the apply form, as typed
	Total     int                    // applications in all; Apps holds one page of them
	Import    *programs.ImportReport // the outcome of a CSV import just made
	After     int64                  // the page starts after this application (0: the first page)
	Next      int64                  // the next page starts after this one (0: the last page)
	Enrolled  int64                  // the application just enrolled (?enrolled=, after the redirect)
	Created   bool                   // the call was just created (?created=1, after the redirect)
}

// maxAppRows is the applications a call page lists at a time (a national
// call has hundreds of thousands).
const maxAppRows = 500

func (s *Server) callPageWith(w http.ResponseWriter, r *http.Request, status int, d callData) {
	ctx := r.Context()
	c, err := s.cfg.Programs.Call(ctx, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	apps, err := s.cfg.Programs.Applications(ctx, c.Code, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := auth.FromContext(ctx)
	d.Call, d.Apps, d.CanManage = viewCall(c, viewerOf(ctx).lang), apps, managesCalls(p)
	d.Call.QuotaList = s.callPlaces(auth.FromContext(ctx), c)
	d.CanApply = c.Status == programs.StatusOpen && p.Writes()
	d.Counts = map[string]int{}
	for _, a := range apps {
		d.Counts[a.Status]++
	}
	d.Total = len(apps)
	if d.Enrolled != 0 && !slices.ContainsFunc(apps, func(a programs.Application) bool { return a.ID == d.Enrolled && a.Status == programs.AppEnrolled }) {
		d.Enrolled = 0 // say only what the reader sees on this call
	}
	if a := r.URL.Query().Get("after"); a != "" && r.Method == http.MethodGet {
		d.After, _ = strconv.ParseInt(a, 10, 64)
	}
	if d.Apps, d.Next, err = programs.PageOf(apps, d.After, maxAppRows); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "call", d)
}

func (s *Server) callPage(w http.ResponseWriter, r *http.Request) {
	d := callData{}
	d.Enrolled, _ = strconv.ParseInt(r.URL.Query().Get("enrolled"), 10, 64)
	d.Created = r.URL.Query().Get("created") == "1"
	s.callPageWith(w, r, http.StatusOK, d)
}

// refused shows the call page again with the slice's reason for refusing
// an action, or the error page for errors that are not the user's to fix.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, key string, err error) {
	status := fosis.HTTPStatus(fosis.ErrorCode(err))
	switch fosis.ErrorCode(err) {
	case fosis.EINVALID, fosis.ECONFLICT:
	case fosis.ENOTFOUND:
		if r.PathValue("code") == "" {
			s.fail(w, r, err)
			return
		}
	default:
		s.fail(w, r, err)
		return
	}
	s.callPageWith(w, r, status, callData{Error: err, ErrorKey: key, RUN: r.PostFormValue("run")})
}

func (s *Server) callStatus(w http.ResponseWriter, r *http.Request) {
	c, err := s.cfg.Programs.SetStatus(r.Context(), r.PathValue("code"), r.PostFormValue("status"))
	if err != nil {
		s.refused(w, r, "calls.err.status", err)
		return
	}
	http.Redirect(w, r, "/calls/"+c.Code, http.StatusSeeOther)
}

func (s *Server) callSelect(w http.ResponseWriter, r *http.Request) {
	rec, err := s.cfg.Programs.RunSelection(r.Context(), r.PathValue("code"))
	if err != nil {
		s.refused(w, r, "calls.err.select", err)
		return
	}
	http.Redirect(w, r, "/calls/"+rec.Call, http.StatusSeeOther)
}

func (s *Server) callApply(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	in := programs.ApplyInput{RUN: strings.TrimSpace(r.PostFormValue("run")), Household: strings.TrimSpace(r.PostFormValue("household_id"))}
	a, err := s.cfg.Programs.Apply(r.Context(), r.PathValue("code"), in)
	if err != nil {
		s.refused(w, r, "calls.err.apply", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/applications/%d", a.ID), http.StatusSeeOther)
}

// callImport reads a CSV of applications into the call, all or nothing,
// and shows the call with the report: every wrong row with its line, or how
// many were stored, eligible or not.
func (s *Server) callImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<20)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.refused(w, r, "calls.err.apply", fosis.KeyedErrorf(fosis.EINVALID, "calls.form.no_file", "choose a CSV file of applications (at most 32 MiB)"))
		return
	}
	defer file.Close()
	rep, err := s.cfg.Programs.ImportApplications(r.Context(), r.PathValue("code"), file, hdr.Filename)
	if err != nil {
		s.refused(w, r, "calls.err.apply", err)
		return
	}
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = fosis.HTTPStatus(fosis.EINVALID) // rows refused
	}
	s.callPageWith(w, r, status, callData{Import: rep})
}

// traceData is an application's decision trace page.
type traceData struct {
	App      *programs.Application
	Call     callView
	Failures []failureView
	Seat     seatView
	Promoted *programs.Application // after a withdrawal, who took the place
	Done     string                // what was just done to it ("withdrawn"), after the redirect
}

// seatView is an application's place as a catalog key and its arguments:
// the slice stores it as "kind[:share]@quota".
type seatView struct {
	Key   string // "" when there is no place to show
	Quota string
	Share int
}

func viewSeat(seat string) seatView {
	kind, quota, _ := strings.Cut(seat, "@")
	kind, share, _ := strings.Cut(kind, ":")
	v := seatView{Quota: quota}
	v.Share, _ = strconv.Atoi(share)
	switch kind {
	case programs.SeatReserved, programs.SeatCommune, programs.SeatRegion, programs.SeatWaitlist:
		v.Key = "trace.seat." + kind
	}
	return v
}

// failureView is a failed rule in the reader's language with its values.
type failureView struct {
	Name, Values, Error string
}

func viewFailures(fs []programs.Failure, lang string) []failureView {
	var out []failureView
	for _, f := range fs {
		v := failureView{Name: f.NameES, Error: f.Error}
		if lang == "en" {
			v.Name = f.NameEN
		}
		keys := make([]string, 0, len(f.Values))
		for k := range f.Values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s = %v", k, f.Values[k]))
		}
		v.Values = strings.Join(parts, "; ")
		out = append(out, v)
	}
	return out
}

func (s *Server) traceOf(w http.ResponseWriter, r *http.Request, id int64, promoted *programs.Application, done string) {
	ctx := r.Context()
	a, err := s.cfg.Programs.Application(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.cfg.Programs.Call(ctx, a.Call)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := viewerOf(ctx).lang
	s.render(w, r, http.StatusOK, "trace", traceData{App: a, Call: viewCall(c, lang), Failures: viewFailures(a.Failed, lang),
		Seat: viewSeat(a.Seat), Promoted: promoted, Done: done})
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, fosis.Errorf(fosis.ENOTFOUND, "no application %q", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) tracePage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// After a withdrawal (a redirect, so that reloading asks nothing
	// again): say so, and who took the freed place (read like any
	// application, in the reader's scope).
	var promoted *programs.Application
	done := ""
	if r.URL.Query().Get("done") == "withdrawn" {
		done = "withdrawn"
		if pid, err := strconv.ParseInt(r.URL.Query().Get("promoted"), 10, 64); err == nil && pid > 0 {
			promoted, _ = s.cfg.Programs.Application(r.Context(), pid)
		}
	}
	s.traceOf(w, r, id, promoted, done)
}

func (s *Server) appWithdraw(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	why := strings.TrimSpace(r.PostFormValue("reason"))
	if why == "" { // the form asks for it; a bare POST gets the reader's words
		why = s.msgs.T(viewerOf(r.Context()).lang, "withdraw.default_reason")
	}
	p, err := s.cfg.Programs.Withdraw(r.Context(), id, why)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := fmt.Sprintf("/applications/%d?done=withdrawn", id)
	if p != nil {
		next += fmt.Sprintf("&promoted=%d", p.ID)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) appEnroll(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.cfg.Programs.Enroll(r.Context(), id, time.Now().UTC())
	if err != nil {
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			a, aerr := s.cfg.Programs.Application(r.Context(), id)
			if aerr == nil {
				r.SetPathValue("code", a.Call)
				s.refused(w, r, "calls.err.enroll", err)
				return
			}
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/calls/%s?enrolled=%d", url.PathEscape(a.Call), a.ID), http.StatusSeeOther)
}

// previewData is the eligibility preview page's content.
type previewData struct {
	Call   callView
	Report *programs.PreviewReport
}

func (s *Server) previewPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.cfg.Programs.Call(ctx, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.cfg.Programs.PreviewCall(ctx, c.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := previewData{Call: viewCall(c, viewerOf(ctx).lang), Report: rep}
	d.Call.QuotaList = s.callPlaces(auth.FromContext(ctx), c)
	s.render(w, r, http.StatusOK, "call_preview", d)
}

// whatIfForm is the what-if form as typed.
type whatIfForm struct {
	Quotas, MaxBracket, MaxPercentile string
}

// callWhatIfData is the call what-if page's content.
type callWhatIfData struct {
	Call    callView
	Form    whatIfForm
	Result  *programs.WhatIfResult
	Errors  []fosis.FieldError
	Changes []communeChange // places by commune, before and after
}

// communeChange is one commune's selected count before and after.
type communeChange struct {
	Code          string
	Before, After int
}

func (s *Server) whatIfPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !managesCalls(auth.FromContext(ctx)) {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EFORBIDDEN, "calls.form.managers_only", "only administrators and national analysts manage calls"))
		return
	}
	c, err := s.cfg.Programs.Call(ctx, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := callWhatIfData{Call: viewCall(c, viewerOf(ctx).lang)}
	if r.Method == http.MethodGet {
		codes := make([]string, 0, len(c.Communes))
		for code := range c.Communes {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			d.Form.Quotas += fmt.Sprintf("%s = %d\n", code, c.Communes[code])
		}
		s.render(w, r, http.StatusOK, "call_whatif", d)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	d.Form = whatIfForm{Quotas: r.PostFormValue("communes"), MaxBracket: r.PostFormValue("max_bracket"), MaxPercentile: r.PostFormValue("max_percentile")}
	var in programs.WhatIfInput
	if q, fe := parseQuotas("communes", d.Form.Quotas); fe != nil {
		d.Errors = append(d.Errors, *fe)
	} else if len(q) > 0 {
		in.Communes = q
	}
	if v := strings.TrimSpace(d.Form.MaxBracket); v != "" {
		if in.MaxBracket, err = strconv.Atoi(v); err != nil || in.MaxBracket < 0 {
			d.Errors = append(d.Errors, fosis.KeyedField("max_bracket", "callwhatif.form.bracket", "a bracket: 40, 50, … 100"))
		}
	}
	if v := strings.TrimSpace(strings.ReplaceAll(d.Form.MaxPercentile, ",", ".")); v != "" {
		if in.MaxPercentile, err = strconv.ParseFloat(v, 64); err != nil || in.MaxPercentile < 0 {
			d.Errors = append(d.Errors, fosis.KeyedField("max_percentile", "callwhatif.form.percentile", "a percentile between 0 and 100"))
		}
	}
	if len(d.Errors) == 0 {
		res, err := s.cfg.Programs.WhatIf(ctx, c.Code, in)
		var e *fosis.Error
		switch {
		case err == nil:
			d.Result = res
		case fosis.ErrorCode(err) == fosis.EINVALID && errors.As(err, &e):
			d.Errors = append(d.Errors, e.Fields...)
		default:
			s.fail(w, r, err)
			return
		}
	}
	status := http.StatusOK
	if len(d.Errors) > 0 {
		status = fosis.HTTPStatus(fosis.EINVALID)
	}
	if d.Result != nil {
		seen := map[string]bool{}
		for code := range d.Result.ByCommune {
			seen[code] = true
		}
		for code := range d.Result.ByCommuneAfter {
			seen[code] = true
		}
		for code := range seen {
			d.Changes = append(d.Changes, communeChange{code, d.Result.ByCommune[code], d.Result.ByCommuneAfter[code]})
		}
		sort.Slice(d.Changes, func(i, j int) bool { return d.Changes[i].Code < d.Changes[j].Code })
	}
	s.render(w, r, status, "call_whatif", d)
}
