package web

import (
	"html"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
)

// The change-request pages: on the household page, its requests, the way
// to the form that submits one (/households/{id}/changes/new) and its history (?as_of=YYYY-MM-DD shows the household as
// recorded then); and the checkers' queue, /changes, with approve and reject
// (and withdraw for the maker). The registry decides who may do what; the
// pages only leave out the buttons a user cannot use.

// shownVersions is how many of a household's versions its page lists, the
// newest; the date picker reaches the older ones. A household imported
// every month for years has many, and each costs the page's rendering.
const shownVersions = 12

// changeRows is how many field changes the form offers at once.
const changeRows = 3

// changesRoutes registers the pages.
func (s *Server) changesRoutes(pages *routeMux) {
	pages.HandleFunc("GET /households/{id}/changes/new", s.requireUser(s.newChange))
	pages.HandleFunc("POST /households/{id}/changes", s.requireUser(s.submitChange))
	pages.HandleFunc("GET /changes", s.requireUser(s.changeQueue))
	pages.HandleFunc("POST /changes/{id}/{decision}", s.requireUser(s.decideChange))
}

// changesSection is the household page's change requests and history.
type changesSection struct {
	Requests      []changeItem
	Versions      []registry.Version // the newest shownVersions
	OlderVersions int                // how many more there are
	CanSubmit     bool
	Submitted     string // id of the request just submitted
	Decided       string // catalog key of the decision just made
	Form          changeForm
	Targets       []changeTarget
	Kinds         []string
	AddFields     []addField
	// AsOf is the version shown instead of the current household (nil: the
	// current one); AsOfDate is the date asked for (kept in the picker).
	AsOf     *registry.HouseholdVersion
	AsOfDate string
	Today    string
}

// changeTarget is one option of a form row: a household field or one
// member's field.
type changeTarget struct {
	Value string // "h:rooms", "m:12345678-5:employed"
	RUN   string // "" for household fields
	Field string
	Label string // as the option shows it, in the user's language
}

// The form's selects have many options (every field of every member, in
// each row): they are written here, once per select, rather than by the
// template, whose per-option function calls made up most of the household
// page's time. Values and labels are HTML-escaped.

// TargetOptions is the options of a row's field select, with selected
// chosen.
func (c *changesSection) TargetOptions(selected string) template.HTML {
	var b strings.Builder
	for _, t := range c.Targets {
		writeOption(&b, t.Value, t.Label, t.Value == selected)
	}
	return template.HTML(b.String())
}

// AddOptions is the options of a new-member select, with the typed value
// chosen.
func (c *changesSection) AddOptions(f addField) template.HTML {
	var b strings.Builder
	selected := c.Form.Add[f.Name]
	for _, o := range f.Options {
		writeOption(&b, o.Value, o.Label, o.Value == selected)
	}
	return template.HTML(b.String())
}

func writeOption(b *strings.Builder, value, label string, selected bool) {
	b.WriteString(`<option value="`)
	b.WriteString(html.EscapeString(value))
	b.WriteString(`"`)
	if selected {
		b.WriteString(` selected`)
	}
	b.WriteString(`>`)
	b.WriteString(html.EscapeString(label))
	b.WriteString("</option>")
}

// addField is one input of the new member's fieldset; Options make it a
// select.
type addField struct {
	Name    string
	Options []option
}

type option struct{ Value, Label string }

// addFields lists the new member's inputs, with the choices of enums and
// flags in lang.
func (s *Server) addFields(lang string) []addField {
	out := []addField{{Name: "run"}}
	for _, f := range registry.MemberFields {
		af := addField{Name: f}
		switch f {
		case "in_school", "employed", "indigenous", "pregnant":
			af.Options = []option{{"0", s.msgs.T(lang, "no")}, {"1", s.msgs.T(lang, "yes")}}
		case "relation", "sex", "health_plan", "disability", "dependency":
			e := memberEnums[f]
			for _, w := range e.Words[1:] {
				af.Options = append(af.Options, option{w, s.wordLabel(lang, e.Name, w)})
			}
		}
		out = append(out, af)
	}
	return out
}

// wordLabel is a code word in lang: the pages' code.* message, or the
// change pages' own for the words only they show.
func (s *Server) wordLabel(lang, enum, w string) string {
	for _, key := range []string{"code." + enum + "." + w, "changes.code." + enum + "." + w} {
		if msg := s.msgs.T(lang, key); msg != key {
			return msg
		}
	}
	return w
}

// changeForm is what was typed in the form, shown again with the problems.
type changeForm struct {
	Kind, Reason, Evidence string
	Rows                   [changeRows]changeRow
	Remove                 map[string]bool
	Add                    map[string]string // new member's values by column name
	Errors                 map[string]string // form field → translated message
	Message                string            // catalog key of the error not tied to a field
}

// changeRow is one row of field changes.
type changeRow struct{ Target, Value string }

// memberEnums are the selects of the new-member fieldset.
var memberEnums = map[string]registry.Enum{
	"relation": registry.Relation, "sex": registry.Sex, "health_plan": registry.HealthPlan,
	"disability": registry.Severity, "dependency": registry.Severity,
}

// newChangesSection fills the household page's section for h: its
// requests and its versions. The form to submit a request has a page of its
// own (changeFormSection), so that the household page, read far more often
// than a request is submitted, does not carry it. file is the current
// household as just read (nil for a past version, h).
func (s *Server) newChangesSection(r *http.Request, file *registry.HouseholdFile, h *registry.HouseholdView) (*changesSection, error) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	var reqs []registry.ChangeRequest
	var vs []registry.Version
	var err error
	if file != nil {
		// The household was just read in scope: its requests and versions
		// by its key, without finding it again.
		if reqs, err = s.cfg.Registry.ChangesOf(ctx, file); err == nil {
			vs, err = s.cfg.Registry.VersionsOf(ctx, file)
		}
	} else {
		reqs, err = s.cfg.Registry.HouseholdChanges(ctx, h.ID)
		// A past version may be in the user's territory while the
		// household now is not (it moved region): then its requests are
		// not theirs to see.
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			reqs, err = nil, nil
		}
		if err == nil {
			vs, err = s.cfg.Registry.Versions(ctx, h.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	older := 0
	if len(vs) > shownVersions {
		vs, older = vs[:shownVersions], len(vs)-shownVersions
	}
	q := r.URL.Query()
	c := &changesSection{Requests: s.changeItems(viewerOf(ctx).lang, p, reqs), Versions: vs, OlderVersions: older,
		CanSubmit: p != nil && p.Writes(), Today: time.Now().UTC().Format(time.DateOnly),
		Submitted: q.Get("submitted"), Decided: doneKey(q.Get("done"))}
	if _, err := strconv.ParseInt(c.Submitted, 10, 64); err != nil {
		c.Submitted = ""
	}
	return c, nil
}

// changeFormSection is the change form's page content for h: the kinds, the
// fields of the household and of each member the user may see, and the new
// member's inputs.
func (s *Server) changeFormSection(r *http.Request, h *registry.HouseholdView) *changesSection {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	lang := viewerOf(ctx).lang
	c := &changesSection{Kinds: registry.ChangeKinds, CanSubmit: true, Today: time.Now().UTC().Format(time.DateOnly),
		AddFields: s.addFields(lang)}
	c.Form.Kind = registry.KindUpdate
	household := s.msgs.T(lang, "changes.household")
	for _, f := range registry.HouseholdFields {
		c.Targets = append(c.Targets, changeTarget{Value: "h:" + f, Field: f, Label: household + " · " + s.msgs.T(lang, "changes.field."+f)})
	}
	for _, m := range h.Members {
		for _, f := range registry.MemberFields {
			if registry.SensitiveField(f) && !p.SeesSensitive() {
				continue
			}
			c.Targets = append(c.Targets, changeTarget{Value: "m:" + m.RUN + ":" + f, RUN: m.RUN, Field: f,
				Label: m.RUN + " · " + s.msgs.T(lang, "changes.field."+f)})
		}
	}
	return c
}

// newChange shows the form to submit a change request on a household. Only
// users who write see it; the registry checks the rest at submission.
func (s *Server) newChange(w http.ResponseWriter, r *http.Request) {
	if p := auth.FromContext(r.Context()); p == nil || !p.Writes() {
		s.fail(w, r, fosis.Errorf(fosis.EFORBIDDEN, "your role only reads"))
		return
	}
	file, err := s.cfg.Registry.HouseholdFileByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := file.View()
	s.render(w, r, http.StatusOK, "change_new", householdData{H: h, Changes: s.changeFormSection(r, h)})
}

// householdAsOf renders the household page for the version of ?as_of.
func (s *Server) householdAsOf(w http.ResponseWriter, r *http.Request, date string) {
	ctx := r.Context()
	id := r.PathValue("id")
	day, err := registry.ParseAsOf(date)
	if err != nil {
		s.render(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), "error", errorData{Message: "changes.bad_date", Arg: date})
		return
	}
	if today := s.now().UTC().Format(time.DateOnly); day.Format(time.DateOnly) > today {
		s.render(w, r, fosis.HTTPStatus(fosis.EINVALID), "error", errorData{Message: "asof.future", Arg: date})
		return
	}
	v, err := s.cfg.Registry.AsOf(ctx, id, day)
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		// Before its first version: say so when the reader sees the
		// household today (another region's looks missing, as before).
		if _, ferr := s.cfg.Registry.HouseholdFileByID(ctx, id); ferr == nil {
			s.render(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), "error", errorData{Message: "asof.not_yet", Arg: date})
			return
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.newChangesSection(r, nil, v.Household)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c.AsOf, c.AsOfDate, c.CanSubmit = v, date, false
	d := householdData{H: v.Household, Changes: c}
	for _, m := range v.Household.Members {
		d.Income.Labor += m.LaborCLP
		d.Income.Pension += m.PensionCLP
		d.Income.Capital += m.CapitalCLP
	}
	d.Income.Total = d.Income.Labor + d.Income.Pension + d.Income.Capital
	s.render(w, r, http.StatusOK, "household", d)
}

// submitChange reads the form into a change request and submits it; on a
// problem it shows the form's page again with the values typed and a
// message by each field.
func (s *Server) submitChange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "unreadable form"))
		return
	}
	id := r.PathValue("id")
	f := changeForm{Kind: r.PostFormValue("kind"), Reason: r.PostFormValue("reason"), Evidence: r.PostFormValue("evidence"),
		Remove: map[string]bool{}, Add: map[string]string{}, Errors: map[string]string{}}
	lang := viewerOf(ctx).lang
	in := registry.ChangeInput{Kind: f.Kind, Reason: f.Reason, Evidence: f.Evidence}
	var hRow, mRow []int
	for i := range changeRows {
		row := changeRow{Target: r.PostFormValue("target" + strconv.Itoa(i)), Value: r.PostFormValue("value" + strconv.Itoa(i))}
		f.Rows[i] = row
		switch parts := strings.Split(row.Target, ":"); {
		case row.Target == "" && strings.TrimSpace(row.Value) == "":
		case len(parts) == 2 && parts[0] == "h":
			in.Changes.Household = append(in.Changes.Household, registry.FieldChange{Field: parts[1], To: row.Value})
			hRow = append(hRow, i)
		case len(parts) == 3 && parts[0] == "m":
			in.Changes.Members = append(in.Changes.Members, registry.MemberChange{RUN: parts[1], Field: parts[2], To: row.Value})
			mRow = append(mRow, i)
		default:
			f.Errors["row"+strconv.Itoa(i)] = s.msgs.T(lang, "changes.err.choose_field")
		}
	}
	for _, run := range r.PostForm["remove"] {
		f.Remove[run] = true
		in.Changes.Remove = append(in.Changes.Remove, run)
	}
	// The new member's fieldset counts only if something was typed or
	// chosen in it (every input starts empty).
	adding := false
	for _, col := range append([]string{"run"}, registry.MemberFields...) {
		v := r.PostFormValue("add_" + col)
		f.Add[col] = v
		adding = adding || strings.TrimSpace(v) != ""
	}
	if adding {
		m := registry.MemberValues{}
		for col, v := range f.Add {
			m[col] = v
		}
		in.Changes.Add = append(in.Changes.Add, m)
	}
	var err error
	if len(f.Errors) == 0 {
		var req *registry.ChangeRequest
		req, err = s.cfg.Registry.SubmitChange(ctx, id, in, clientIP(r))
		if err == nil {
			http.Redirect(w, r, "/households/"+url.PathEscape(id)+"?submitted="+strconv.FormatInt(req.ID, 10)+"#changes", http.StatusSeeOther)
			return
		}
		problems, ok := registry.AsChangeError(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		for _, p := range problems {
			key := formKey(p.Field, hRow, mRow)
			if _, dup := f.Errors[key]; !dup {
				f.Errors[key] = s.msgs.Say(lang, p.Keyed().Phrase())
			}
		}
	}
	f.Message = "changes.err.form"
	file, herr := s.cfg.Registry.HouseholdFileByID(ctx, id)
	if herr != nil {
		s.fail(w, r, herr)
		return
	}
	h := file.View()
	c := s.changeFormSection(r, h)
	c.Form = f
	status := fosis.HTTPStatus(fosis.EINVALID) // the form's own checks
	if err != nil {
		status = fosis.HTTPStatus(fosis.ErrorCode(err))
	}
	s.render(w, r, status, "change_new", householdData{H: h, Changes: c})
}

// formKey maps a problem's field ("household[1].to", "add[0].sex") to the
// form's ("row2", "add.sex").
func formKey(field string, hRow, mRow []int) string {
	idx := func(prefix string, rows []int) (string, bool) {
		rest, ok := strings.CutPrefix(field, prefix+"[")
		if !ok {
			return "", false
		}
		n, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, ']'), 0)])
		if err != nil || n < 0 || n >= len(rows) {
			return "", false
		}
		return "row" + strconv.Itoa(rows[n]), true
	}
	if k, ok := idx("household", hRow); ok {
		return k
	}
	if k, ok := idx("members", mRow); ok {
		return k
	}
	if strings.HasPrefix(field, "remove[") {
		return "remove"
	}
	if rest, ok := strings.CutPrefix(field, "add[0]."); ok {
		return "add." + rest
	}
	if field == "add[0]" {
		return "add"
	}
	return field
}

// queueData is the checkers' queue page.
type queueData struct {
	State  string
	States []string
	Page   *registry.Page[registry.ChangeRequest]
	Items  []changeItem
	After  int64
	// Decide is whether the user may decide requests at all (the maker's
	// own requests still show no approve button).
	Decide  bool
	Done    string // catalog key of the decision just made
	DoneID  string
	Message string // catalog key of an error
	Errors  map[string]string
}

func (s *Server) changeQueue(w http.ResponseWriter, r *http.Request) {
	s.queuePage(w, r, http.StatusOK, queueData{Done: doneKey(r.URL.Query().Get("done")), DoneID: r.URL.Query().Get("id")})
}

func doneKey(d string) string {
	switch d {
	case string(registry.Approve), string(registry.Reject), string(registry.Withdraw):
		return "changes.done." + d
	}
	return ""
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, status int, d queueData) {
	ctx := r.Context()
	q := r.URL.Query()
	d.State = q.Get("state")
	if d.State == "" {
		d.State = registry.StateSubmitted
	}
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			s.fail(w, r, fosis.Errorf(fosis.EINVALID, "after: not a cursor"))
			return
		}
		d.After = n
	}
	size := s.cfg.PageSize
	if size <= 0 {
		size = 50
	}
	pg, err := s.cfg.Registry.ChangeQueue(ctx, d.State, d.After, size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := auth.FromContext(ctx)
	d.Page, d.States, d.Decide = pg, registry.ChangeStates, p.Writes()
	d.Items = s.changeItems(viewerOf(ctx).lang, p, pg.Items)
	s.render(w, r, status, "changes", d)
}

// decideChange approves, rejects or withdraws a request and goes back to
// where the form was (the queue or the household page).
func (s *Server) decideChange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d := registry.Decision(r.PathValue("decision"))
	if err != nil || !slices.Contains([]registry.Decision{registry.Approve, registry.Reject, registry.Withdraw}, d) {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no such decision"))
		return
	}
	_, err = s.cfg.Registry.Decide(ctx, id, d, r.PostFormValue("comment"), clientIP(r))
	if err != nil {
		switch fosis.ErrorCode(err) {
		case fosis.EINVALID, fosis.ECONFLICT, fosis.EFORBIDDEN:
			qd := queueData{Message: "changes.err.decide." + fosis.ErrorCode(err), DoneID: strconv.FormatInt(id, 10), Errors: map[string]string{}}
			lang := viewerOf(ctx).lang
			if problems, ok := registry.AsChangeError(err); ok {
				for _, p := range problems {
					qd.Errors[strconv.FormatInt(id, 10)] += s.msgs.Say(lang, p.Keyed().Phrase()) + " "
				}
			}
			status := statusOf(err)
			s.queuePage(w, r, status, qd)
		default:
			s.fail(w, r, err)
		}
		return
	}
	next := localPath(r.PostFormValue("next"))
	if next == "/" {
		next = "/changes"
	}
	sep := "?"
	if strings.Contains(next, "?") {
		sep = "&"
	}
	http.Redirect(w, r, next+sep+"done="+string(d)+"&id="+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// clientIP is the address the request came from, for the audit trail.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// formatRUN shows a RUN with dots, as people write it.
func formatRUN(run string) string {
	if body, err := rut.Parse(run); err == nil {
		return rut.FormatDots(body)
	}
	return run
}

// changeItem is a request as the pages show it: its changes as lines in
// the user's language, and whether the user made it.
type changeItem struct {
	registry.ChangeRequest
	Lines []changeLine
	Mine  bool
}

// changeLine is one change: a field set (From → To), a member added or
// removed.
type changeLine struct {
	Op    string // "set", "add", "remove"
	Label string
	From  string
	To    string
}

// enumOfField names the page enum a field's words belong to.
var enumOfField = map[string]string{
	"zone": "zone", "tenure": "tenure", "floor": "condition", "walls": "condition", "roof": "condition",
	"water": "water", "sanitation": "sanitation", "relation": "relation", "sex": "sex",
}

// shownValue writes a field's value in the user's language: code words and
// flags translated, money and dates as they are.
func (s *Server) shownValue(lang, field, v string) string {
	switch {
	case v == "(sensitive)":
		return s.msgs.T(lang, "changes.masked")
	case field == "in_school" || field == "employed" || field == "indigenous" || field == "pregnant":
		if v == "1" {
			return s.msgs.T(lang, "yes")
		}
		return s.msgs.T(lang, "no")
	case enumOfField[field] != "":
		key := "code." + enumOfField[field] + "." + v
		if msg := s.msgs.T(lang, key); msg != key {
			return msg
		}
	case strings.HasSuffix(field, "_clp"):
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return "$" + groupDigits(lang, n)
		}
	}
	return v
}

// changeItems prepares requests for a page.
func (s *Server) changeItems(lang string, p *auth.Principal, reqs []registry.ChangeRequest) []changeItem {
	out := make([]changeItem, 0, len(reqs))
	for _, r := range reqs {
		it := changeItem{ChangeRequest: r, Mine: p != nil && r.Maker == p.Username}
		for _, c := range r.Changes.Household {
			it.Lines = append(it.Lines, changeLine{Op: "set", Label: s.msgs.T(lang, "changes.field."+c.Field),
				From: s.shownValue(lang, c.Field, c.From), To: s.shownValue(lang, c.Field, c.To)})
		}
		for _, c := range r.Changes.Members {
			it.Lines = append(it.Lines, changeLine{Op: "set", Label: formatRUN(c.RUN) + " · " + s.msgs.T(lang, "changes.field."+c.Field),
				From: s.shownValue(lang, c.Field, c.From), To: s.shownValue(lang, c.Field, c.To)})
		}
		for _, m := range r.Changes.Add {
			it.Lines = append(it.Lines, changeLine{Op: "add", Label: formatRUN(m["run"]),
				To: s.shownValue(lang, "relation", m["relation"]) + " · " + s.shownValue(lang, "sex", m["sex"]) + " · " + m["birth_date"]})
		}
		for _, run := range r.Changes.Remove {
			it.Lines = append(it.Lines, changeLine{Op: "remove", Label: formatRUN(run)})
		}
		out = append(out, it)
	}
	return out
}
