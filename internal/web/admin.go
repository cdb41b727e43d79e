package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/geo"
)

// The administration pages: users, API tokens and the audit trail. Every
// change goes through the auth store as the signed-in principal, so the
// store decides who may do it and writes the audit trail; the pages only
// hide what a role cannot use.

// usersData is the users page's content.
type usersData struct {
	Users     []auth.User
	CanManage bool // administrators; auditors only read
	Roles     []auth.Role
	Regions   []geo.Region
	Form      newUserForm
	Errors    map[string]string // field → catalog key
	Message   string            // catalog key of an error not tied to a field
	Created   *auth.User        // the account just created
	Password  string            // its generated password (or Reset's), shown once
	Reset     *auth.User        // the account whose password was just reset
}

// newUserForm is what was typed in the creation form, shown again when the
// store refuses it.
type newUserForm struct {
	Username, DisplayName, Role, RegionCode, Language string
}

func (s *Server) regions() []geo.Region {
	if s.cfg.Registry == nil {
		return nil
	}
	return s.cfg.Registry.Territory().Regions
}

// usersPage lists the users and renders the page with d's form state.
func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, status int, d usersData) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	users, err := s.cfg.Users.Users(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Users, d.CanManage, d.Roles, d.Regions = users, p.Role == auth.RoleAdmin, auth.Roles, s.regions()
	if d.Form.Language == "" {
		d.Form.Language = "es"
	}
	s.render(w, r, status, "users", d)
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	s.usersPage(w, r, http.StatusOK, usersData{})
}

// createUser creates an account with a generated password, shown once on
// the page that answers.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	f := newUserForm{
		Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Role: r.PostFormValue("role"), RegionCode: r.PostFormValue("region_code"), Language: r.PostFormValue("language"),
	}
	pw := auth.GeneratePassword()
	u, err := s.cfg.Users.CreateUser(ctx, auth.FromContext(ctx), auth.NewUser{Username: f.Username, DisplayName: f.DisplayName,
		Role: auth.Role(f.Role), RegionCode: f.RegionCode, Language: f.Language, Password: pw})
	if err != nil {
		var fe *fosis.Error
		code := fosis.ErrorCode(err)
		if (code != fosis.EINVALID && code != fosis.ECONFLICT) || !errors.As(err, &fe) || len(fe.Fields) == 0 {
			s.fail(w, r, err)
			return
		}
		d := usersData{Form: f, Errors: map[string]string{}}
		for _, fld := range fe.Fields {
			d.Errors[fld.Field] = fieldErrorKey(code, fld.Field, f)
		}
		s.usersPage(w, r, fosis.HTTPStatus(code), d)
		return
	}
	s.usersPage(w, r, http.StatusOK, usersData{Created: u, Password: pw})
}

// fieldErrorKey translates a field error of the auth store into a catalog
// key (the store's own messages are in English).
func fieldErrorKey(code, field string, f newUserForm) string {
	switch field {
	case "username":
		if code == fosis.ECONFLICT {
			return "users.err.username_taken"
		}
		return "users.err.username"
	case "display_name", "role", "language", "password":
		return "users.err." + field
	case "region_code":
		switch {
		case strings.TrimSpace(f.Role) == string(auth.RoleRegional) && strings.TrimSpace(f.RegionCode) == "":
			return "users.err.region_needed"
		case strings.TrimSpace(f.Role) != string(auth.RoleRegional):
			return "users.err.region_only_regional"
		}
		return "users.err.region_unknown"
	}
	return "error.invalid"
}

// setActive disables or enables an account (active=0 or 1).
func (s *Server) setActive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	active := r.PostFormValue("active")
	if err != nil || (active != "0" && active != "1") {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "not a user or not a state"))
		return
	}
	err = s.cfg.Users.SetActive(ctx, auth.FromContext(ctx), id, active == "1")
	if fosis.ErrorCode(err) == fosis.ECONFLICT { // the store refuses to disable oneself
		s.usersPage(w, r, fosis.HTTPStatus(fosis.ECONFLICT), usersData{Message: "users.err.self_disable"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// setRole changes a user's role and region.
func (s *Server) setRole(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "not a user"))
		return
	}
	role, region := r.PostFormValue("role"), r.PostFormValue("region_code")
	err = s.cfg.Users.SetRole(ctx, auth.FromContext(ctx), id, auth.Role(role), region)
	var fe *fosis.Error
	switch code := fosis.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	case code == fosis.ECONFLICT:
		s.usersPage(w, r, fosis.HTTPStatus(code), usersData{Message: "users.err.self_role"})
	case code == fosis.EINVALID && errors.As(err, &fe) && len(fe.Fields) > 0:
		s.usersPage(w, r, fosis.HTTPStatus(code), usersData{Message: fieldErrorKey(code, fe.Fields[0].Field, newUserForm{Role: role, RegionCode: region})})
	default:
		s.fail(w, r, err)
	}
}

// resetPassword gives a user a new generated password, shown once.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "not a user"))
		return
	}
	p := auth.FromContext(ctx)
	if p.Role != auth.RoleAdmin {
		s.fail(w, r, fosis.Errorf(fosis.EFORBIDDEN, "only an administrator may reset passwords"))
		return
	}
	u, err := s.cfg.Users.UserByID(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pw := auth.GeneratePassword()
	if err := s.cfg.Users.SetPassword(ctx, p, id, pw); err != nil {
		s.fail(w, r, err)
		return
	}
	s.usersPage(w, r, http.StatusOK, usersData{Reset: u, Password: pw})
}

// tokensData is the API tokens page's content.
type tokensData struct {
	Tokens  []auth.Token
	All     bool  // every user's tokens (administrators and auditors), else the user's own
	Me      int64 // the signed-in user's id
	Admin   bool  // may revoke any token
	Message string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	d := tokensData{All: p.SeesAudit(), Me: p.UserID, Admin: p.Role == auth.RoleAdmin, Message: msg}
	var user int64
	if !d.All {
		user = p.UserID
	}
	var err error
	if d.Tokens, err = s.cfg.Users.Tokens(ctx, p, user); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "tokens", d)
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request) {
	s.tokensPage(w, r, http.StatusOK, "")
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "not a token"))
		return
	}
	err = s.cfg.Users.RevokeToken(ctx, auth.FromContext(ctx), id)
	if fosis.ErrorCode(err) == fosis.ECONFLICT {
		s.tokensPage(w, r, fosis.HTTPStatus(fosis.ECONFLICT), "tokens.already_revoked")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}

// auditData is the audit trail page's content.
type auditData struct {
	Filter    auditForm
	Entries   []auditEntry
	OlderURL  string        // the next (older) page, "" on the last one
	NewestURL string        // the first page with the same filters
	Before    int64         // the cursor this page starts before (0 on the first page)
	Error     string        // catalog key of a bad filter
	Verify    *audit.Report // the outcome of "Verify the chain", when asked
}

// auditForm is the filter form as typed.
type auditForm struct {
	Actor, Action, Entity, EntityID, From, To string
}

// auditEntry is a record with its before and after indented for reading.
type auditEntry struct {
	audit.Record
	BeforeText, AfterText string
}

func indentJSON(s string) string {
	var b bytes.Buffer
	if s == "" || json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}

// mayAudit renders the forbidden page for roles that do not see the trail.
func (s *Server) mayAudit(w http.ResponseWriter, r *http.Request) bool {
	if p := auth.FromContext(r.Context()); p == nil || !p.SeesAudit() {
		s.fail(w, r, fosis.Errorf(fosis.EFORBIDDEN, "only administrators and auditors see the audit trail"))
		return false
	}
	return true
}

// auditList lists one page of the trail, newest first, filtered by the query
// (actor, action, entity, id, from, to as dates, both included) and paged by
// keyset (before = the last seq of the newer page).
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	if !s.mayAudit(w, r) {
		return
	}
	s.auditPage(w, r, r.URL.Query(), nil)
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, q url.Values, rep *audit.Report) {
	d := auditData{Verify: rep, Filter: auditForm{
		Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Entity: strings.TrimSpace(q.Get("entity")), EntityID: strings.TrimSpace(q.Get("id")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
	}}
	size := s.cfg.PageSize
	if size <= 0 {
		size = 50
	}
	size = min(size, audit.MaxLimit-1) // one more is read, to know whether there is an older page
	f := audit.Filter{Actor: d.Filter.Actor, Action: d.Filter.Action, Entity: d.Filter.Entity, EntityID: d.Filter.EntityID,
		Limit: size + 1}
	var err error
	if d.Filter.From != "" {
		if f.From, err = time.Parse(time.DateOnly, d.Filter.From); err != nil {
			d.Error = "audit.bad_date"
		}
	}
	if d.Filter.To != "" {
		if f.To, err = time.Parse(time.DateOnly, d.Filter.To); err != nil {
			d.Error = "audit.bad_date"
		}
		f.To = f.To.AddDate(0, 0, 1) // the whole last day
	}
	if b := q.Get("before"); b != "" {
		if f.AfterSeq, err = strconv.ParseInt(b, 10, 64); err != nil || f.AfterSeq < 0 {
			d.Error, f.AfterSeq = "audit.bad_cursor", 0
		}
		d.Before = f.AfterSeq
	}
	if d.Error != "" {
		s.render(w, r, fosis.HTTPStatus(fosis.EINVALID), "audit", d) // a bad filter or cursor
		return
	}
	recs, err := auth.BrowseAudit(r.Context(), s.cfg.DB, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keep := url.Values{}
	for k, v := range map[string]string{"actor": d.Filter.Actor, "action": d.Filter.Action, "entity": d.Filter.Entity,
		"id": d.Filter.EntityID, "from": d.Filter.From, "to": d.Filter.To} {
		if v != "" {
			keep.Set(k, v)
		}
	}
	d.NewestURL = "/audit"
	if len(keep) > 0 {
		d.NewestURL += "?" + keep.Encode()
	}
	if len(recs) > size {
		recs = recs[:size]
		keep.Set("before", strconv.FormatInt(recs[len(recs)-1].Seq, 10))
		d.OlderURL = "/audit?" + keep.Encode()
	}
	for _, rec := range recs {
		d.Entries = append(d.Entries, auditEntry{Record: rec, BeforeText: indentJSON(rec.Before), AfterText: indentJSON(rec.After)})
	}
	s.render(w, r, http.StatusOK, "audit", d)
}

// auditVerify checks the whole chain and shows the report above the newest
// entries.
func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) {
	if !s.mayAudit(w, r) {
		return
	}
	rep, err := auth.VerifyAudit(r.Context(), s.cfg.DB)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditPage(w, r, url.Values{}, &rep)
}
