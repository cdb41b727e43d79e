package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

// casesRoutes registers the pages of cases (the delivery slice enforces who
// sees and changes which case).
func (s *Server) casesRoutes(pages *routeMux) {
	pages.HandleFunc("GET /cases", s.requireUser(s.casesList))
	pages.HandleFunc("GET /cases/{id}", s.requireUser(s.caseFile))
	pages.HandleFunc("POST /cases/{id}/move", s.requireUser(s.caseMove))
	pages.HandleFunc("GET /cases/{id}/sessions/new", s.requireUser(s.sessionForm))
	pages.HandleFunc("POST /cases/{id}/sessions", s.requireUser(s.sessionSave))
	pages.HandleFunc("GET /sessions/{id}/notes", s.requireUser(s.sessionNotes))
	pages.HandleFunc("GET /cases/work", s.requireUser(s.casesWork))
	pages.HandleFunc("POST /plans/{id}/decision", s.requireUser(s.planDecision))
	pages.HandleFunc("GET /cases/{id}/diagnosis", s.requireUser(s.diagnosisForm))
	pages.HandleFunc("POST /cases/{id}/diagnosis", s.requireUser(s.diagnosisSave))
}

// casesData is the case list: the filters and a page of cases.
type casesData struct {
	Filter delivery.Filter
	States []string
	Page   *delivery.Page
	// More is the query string of the next page ("" for none).
	More template.URL
}

func (s *Server) casesList(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return
	}
	q := r.URL.Query()
	d := casesData{States: delivery.States, Filter: delivery.Filter{State: q.Get("state"), Line: q.Get("program"), Commune: q.Get("commune"),
		Counsellor: q.Get("counsellor"), Active: q.Get("active") == "1"}}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	page, err := s.cfg.Delivery.Cases(r.Context(), d.Filter, after, s.pageSize())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Page = page
	if page.Next != 0 {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("after", strconv.FormatInt(page.Next, 10))
		d.More = template.URL(next.Encode()) // encoded by url.Values: safe in a link (a string would be escaped again: after%3D…)
	}
	s.render(w, r, http.StatusOK, "cases", d)
}

// caseData is the case file.
type caseData struct {
	Case        *delivery.Case
	Methodology *delivery.Methodology
	Timeline    []delivery.Event
	Diagnosis   *delivery.Diagnosis
	Sessions    []delivery.Session
	Plans       []delivery.Plan
	// Checker: the viewer may approve plans (not a counsellor; the slice
	// also refuses the maker and the case's counsellor).
	Checker  bool
	Next     []string
	Reasons  []string
	MayNotes bool
	// Referrals are the case's referrals to services (directory.go);
	// Referred says one was just sent or moved.
	Referrals []delivery.Referral
	Referred  bool
	Saved     bool   // a session was just recorded
	DraftKey  string // the session form's draft to forget once saved
	Error     error  // a refused move
	// Extra is the progress per component, goods delivered and plan
	// actions (training.go).
	Extra *caseExtra
}

// Mark returns a condition's mark in phase ("" if not marked).
func (d caseData) Mark(phase, code string) string {
	m := d.Diagnosis.Entry
	if phase == delivery.PhaseExit {
		m = d.Diagnosis.Exit
	}
	return m[code].Status
}

func (s *Server) caseFile(w http.ResponseWriter, r *http.Request) {
	s.renderCase(w, r, http.StatusOK, nil)
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, refusal error) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	var err error
	ctx := r.Context()
	st := s.cfg.Delivery
	d := caseData{Reasons: delivery.ExitReasons, Error: refusal, Saved: r.URL.Query().Get("saved") == "1",
		Referred: r.URL.Query().Get("referred") == "1" || r.URL.Query().Get("referral") != "", DraftKey: draftKey(id)}
	if d.Case, err = st.Case(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Methodology, err = st.CaseMethodology(ctx, id); err == nil {
		if d.Timeline, err = st.Timeline(ctx, id); err == nil {
			if d.Diagnosis, err = st.Diagnosis(ctx, id); err == nil {
				if d.Sessions, err = st.Sessions(ctx, id); err == nil {
					if d.MayNotes, err = st.MayReadNotes(ctx, id); err == nil {
						if d.Plans, err = st.Plans(ctx, id); err == nil {
							if d.Referrals, err = st.Referrals(ctx, id); err == nil {
								d.Extra, err = s.caseExtra(r, d.Case, d.Methodology)
							}
						}
					}
				}
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Next = delivery.Next(d.Case.State)
	if p := viewerOf(ctx).p; p != nil {
		d.Checker = p.Role != "counsellor" && p.Writes()
	}
	s.render(w, r, status, "case", d)
}

// draftKey names a case's session draft in the browser's storage.
func draftKey(id int64) string { return "fosis.session." + strconv.FormatInt(id, 10) }

func (s *Server) caseMove(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	var err error
	_, err = s.cfg.Delivery.Transition(r.Context(), id, r.PostFormValue("from"), r.PostFormValue("to"), r.PostFormValue("reason"), r.PostFormValue("note"))
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	case fosis.ECONFLICT, fosis.EINVALID:
		s.renderCase(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), err)
	default:
		s.fail(w, r, err)
	}
}

// sessionData is the session form (on a phone: one column, large targets).
type sessionData struct {
	Case       *delivery.Case
	Components []delivery.Component
	Dimensions []delivery.Dimension
	Kinds      []string
	Statuses   []string
	Form       delivery.Session
	Attendees  string
	DraftKey   string
	Error      error
	Bad        map[string]bool // fields with a problem
}

// Has reports whether the form has dimension key ticked.
func (d sessionData) Has(key string) bool {
	for _, k := range d.Form.Dimensions {
		if k == key {
			return true
		}
	}
	return false
}

func (s *Server) sessionForm(w http.ResponseWriter, r *http.Request) {
	s.renderSession(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderSession(w http.ResponseWriter, r *http.Request, status int, form *delivery.Session, refusal error) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	var err error
	ctx := r.Context()
	d := sessionData{Kinds: delivery.SessionKinds, Statuses: []string{delivery.Held, delivery.Missed, delivery.Scheduled}, DraftKey: draftKey(id), Error: refusal, Bad: map[string]bool{}}
	if d.Case, err = s.cfg.Delivery.Case(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.cfg.Delivery.CaseMethodology(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range m.Components {
		if c.Kind == delivery.KindSessions || c.Kind == delivery.KindVisits || c.Kind == delivery.KindTraining {
			d.Components = append(d.Components, c)
		}
	}
	d.Dimensions = m.Dimensions
	if form != nil {
		d.Form = *form
		d.Attendees = strings.Join(form.Attendees, "\n")
	} else {
		d.Form = delivery.Session{Status: delivery.Held, Date: s.today(), Kind: delivery.SessionHome}
		if len(d.Components) > 0 {
			d.Form.Component, d.Form.Minutes = d.Components[0].Key, d.Components[0].Minutes
		}
	}
	if e, ok := refusal.(*fosis.Error); ok {
		for _, f := range e.Fields {
			d.Bad[f.Field] = true
		}
	}
	s.render(w, r, status, "session_new", d)
}

// deliveryID reads the id of the case, session or plan (what) in the path,
// answering not found itself when cases are not enabled or the id is not a
// number (as for one that does not exist).
func (s *Server) deliveryID(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return 0, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no %s %q", what, r.PathValue("id")))
		return 0, false
	}
	return id, true
}

func (s *Server) today() string {
	now := s.now()
	return now.UTC().Format("2006-01-02")
}

func (s *Server) sessionSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	var err error
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "the form could not be read"))
		return
	}
	minutes, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("minutes")))
	in := delivery.Session{Component: r.PostFormValue("component"), Kind: r.PostFormValue("kind"), Status: r.PostFormValue("status"),
		Date: r.PostFormValue("date"), Minutes: minutes, Attendees: strings.Split(r.PostFormValue("attendees"), "\n"),
		Dimensions: r.PostForm["dimensions"], Notes: r.PostFormValue("notes")}
	if strings.TrimSpace(r.PostFormValue("minutes")) != "" && strconv.Itoa(minutes) != strings.TrimSpace(r.PostFormValue("minutes")) {
		in.Minutes = -1 // not a number: the slice names the field
	}
	_, err = s.cfg.Delivery.RecordSession(r.Context(), id, in)
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"?saved=1", http.StatusSeeOther)
	case fosis.EINVALID, fosis.ECONFLICT:
		s.renderSession(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), &in, err)
	default:
		s.fail(w, r, err)
	}
}

// notesData is a session's notes, read (and audited) for this view.
type notesData struct {
	Session int64
	Case    string
	Notes   string
}

func (s *Server) sessionNotes(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "session")
	if !ok {
		return
	}
	var err error
	n, err := s.cfg.Delivery.Notes(r.Context(), id, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "session_notes", notesData{Session: id, Case: r.URL.Query().Get("case"), Notes: n})
}

// diagnosisData is the diagnosis form of one phase: every condition of the
// case's methodology by dimension, with its mark so far.
type diagnosisData struct {
	Case       *delivery.Case
	Phase      string
	Dimensions []delivery.Dimension
	Marks      map[string]delivery.Mark
	Statuses   []string
	Error      error
}

// Status returns the form's status of condition code ("" if unmarked).
func (d diagnosisData) Status(code string) string { return d.Marks[code].Status }

// Evidence returns the form's evidence of condition code.
func (d diagnosisData) Evidence(code string) string { return d.Marks[code].Evidence }

func (s *Server) diagnosisForm(w http.ResponseWriter, r *http.Request) {
	s.renderDiagnosis(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderDiagnosis(w http.ResponseWriter, r *http.Request, status int, marks map[string]delivery.Mark, refusal error) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	var err error
	ctx := r.Context()
	d := diagnosisData{Phase: r.FormValue("phase"), Statuses: []string{delivery.Met, delivery.NotMet, delivery.NA}, Error: refusal}
	if d.Phase != delivery.PhaseExit {
		d.Phase = delivery.PhaseEntry
	}
	if d.Case, err = s.cfg.Delivery.Case(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.cfg.Delivery.CaseMethodology(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Dimensions = m.Dimensions
	d.Marks = marks
	if d.Marks == nil {
		dx, err := s.cfg.Delivery.Diagnosis(ctx, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Marks = dx.Entry
		if d.Phase == delivery.PhaseExit {
			// The exit line starts from the entry's marks, to be measured again.
			d.Marks = map[string]delivery.Mark{}
			for k, v := range dx.Entry {
				v.Evidence = ""
				d.Marks[k] = v
			}
			for k, v := range dx.Exit {
				d.Marks[k] = v
			}
		}
	}
	s.render(w, r, status, "diagnosis", d)
}

func (s *Server) diagnosisSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "case")
	if !ok {
		return
	}
	var err error
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "the form could not be read"))
		return
	}
	var marks []delivery.Mark
	form := map[string]delivery.Mark{}
	for k, v := range r.PostForm {
		code, ok := strings.CutPrefix(k, "s_")
		if !ok || len(v) == 0 || v[0] == "" {
			continue
		}
		m := delivery.Mark{Condition: code, Status: v[0], Evidence: r.PostFormValue("e_" + code)}
		marks = append(marks, m)
		form[code] = m
	}
	err = s.cfg.Delivery.RecordDiagnosis(r.Context(), id, r.PostFormValue("phase"), marks)
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"#diagnosis", http.StatusSeeOther)
	case fosis.EINVALID, fosis.ECONFLICT:
		s.renderDiagnosis(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), form, err)
	default:
		s.fail(w, r, err)
	}
}

// workData is the work page: the agenda of the week, the alerts and, for
// whoever sees more than their own cases, the counsellors' caseloads.
type workData struct {
	Agenda     []delivery.AgendaItem
	Alerts     []delivery.Alert
	Caseloads  []delivery.Counsellor
	Days       int
	AlertsFull bool // the alerts list was cut at its limit
}

// Over reports whether a counsellor carries more cases than their limit.
func (workData) Over(c delivery.Counsellor) bool { return c.Active > c.Limit }

const workAlerts = 100

func (s *Server) casesWork(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Delivery == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cases are not enabled"))
		return
	}
	ctx := r.Context()
	d := workData{Days: delivery.DefaultNoContactDays}
	if n, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil && n > 0 && n <= 365 {
		d.Days = n
	}
	var err error
	if d.Agenda, err = s.cfg.Delivery.Agenda(ctx, 7); err == nil {
		if d.Alerts, err = s.cfg.Delivery.Alerts(ctx, d.Days, workAlerts); err == nil {
			d.AlertsFull = len(d.Alerts) == workAlerts
			d.Caseloads, err = s.cfg.Delivery.Counsellors(ctx)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cases_work", d)
}

func (s *Server) planDecision(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deliveryID(w, r, "plan")
	if !ok {
		return
	}
	var err error
	p, err := s.cfg.Delivery.DecidePlan(r.Context(), id, r.PostFormValue("approve") == "1", r.PostFormValue("comment"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("back") == "plan" { // decided on the plan form
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(p.CaseID, 10)+"/plan?decided="+p.Status, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(p.CaseID, 10)+"#plans", http.StatusSeeOther)
}
