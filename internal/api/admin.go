package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
)

var errNoUsers = fosis.Errorf(fosis.EUNAVAILABLE, "this server does not administer users")

// bodyEmpty is the field message of a request without a body.
const bodyEmpty = "the body is empty"

// maxBody bounds a JSON request body.
const maxBody = 8 << 20

// decodeBody reads a JSON request body into v strictly: unknown fields and
// trailing data are errors (a misspelt field is not silently ignored), each
// with the problem in the error shape.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return &fosis.Error{Code: fosis.EINVALID, Message: "the request needs a JSON body",
				Fields: []fosis.FieldError{{Field: "body", Message: bodyEmpty}}}
		case errors.As(err, &typ):
			return &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("%s must be a JSON %s", typ.Field, typ.Type),
				Fields: []fosis.FieldError{{Field: typ.Field, Message: "must be a " + typ.Type.String()}}}
		case errors.As(err, &syn):
			return fosis.Errorf(fosis.EINVALID, "the body is not valid JSON (at byte %d)", syn.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("unknown field %q", name),
				Fields: []fosis.FieldError{{Field: name, Message: "is not a field of this request"}}}
		}
		return fosis.Errorf(fosis.EINVALID, "the body could not be read: %v", err)
	}
	if dec.More() {
		return fosis.Errorf(fosis.EINVALID, "the body holds more than one JSON value")
	}
	return nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, &fosis.Error{Code: fosis.EINVALID, Message: "the id is a positive number",
			Fields: []fosis.FieldError{{Field: "id", Message: "not a number"}}}
	}
	return id, nil
}

func (s *Server) users(r *http.Request) (any, error) {
	if s.Users == nil {
		return nil, errNoUsers
	}
	return s.Users.Users(r.Context(), auth.FromContext(r.Context()))
}

// NewUserRequest is the body of POST /api/v1/users.
type NewUserRequest struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	RegionCode  string `json:"region_code"`
	Language    string `json:"language"`
}

// UserWithPassword is a user together with a generated password, which the
// API shows this once.
type UserWithPassword struct {
	User     *auth.User `json:"user"`
	Password string     `json:"password"`
}

type created struct{ v any }

func (c created) status() int                  { return http.StatusCreated }
func (c created) MarshalJSON() ([]byte, error) { return json.Marshal(c.v) }

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) (any, error) {
	if s.Users == nil {
		return nil, errNoUsers
	}
	var req NewUserRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	pw := auth.GeneratePassword()
	u, err := s.Users.CreateUser(r.Context(), auth.FromContext(r.Context()), auth.NewUser{Username: req.Username,
		DisplayName: req.DisplayName, Role: auth.Role(req.Role), RegionCode: req.RegionCode, Language: req.Language, Password: pw})
	if err != nil {
		return nil, err
	}
	return created{UserWithPassword{User: u, Password: pw}}, nil
}

// userRequest reads a user route's {id} and its JSON body into req, once
// it has checked that this server administers users.
func (s *Server) userRequest(r *http.Request, req any) (int64, error) {
	if s.Users == nil {
		return 0, errNoUsers
	}
	id, err := pathID(r)
	if err != nil {
		return 0, err
	}
	return id, decodeBody(r, req)
}

// ActiveRequest is the body of POST /api/v1/users/{id}/active.
type ActiveRequest struct {
	Active *bool `json:"active"`
}

func (s *Server) setActive(w http.ResponseWriter, r *http.Request) (any, error) {
	var req ActiveRequest
	id, err := s.userRequest(r, &req)
	if err != nil {
		return nil, err
	}
	if req.Active == nil {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "say whether the account is active",
			Fields: []fosis.FieldError{{Field: "active", Message: "is required (true or false)"}}}
	}
	ctx := r.Context()
	if err := s.Users.SetActive(ctx, auth.FromContext(ctx), id, *req.Active); err != nil {
		return nil, err
	}
	return s.Users.UserByID(ctx, id)
}

// RoleRequest is the body of POST /api/v1/users/{id}/role.
type RoleRequest struct {
	Role       string `json:"role"`
	RegionCode string `json:"region_code"`
}

func (s *Server) setRole(w http.ResponseWriter, r *http.Request) (any, error) {
	var req RoleRequest
	id, err := s.userRequest(r, &req)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	if err := s.Users.SetRole(ctx, auth.FromContext(ctx), id, auth.Role(req.Role), req.RegionCode); err != nil {
		return nil, err
	}
	return s.Users.UserByID(ctx, id)
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) (any, error) {
	if s.Users == nil {
		return nil, errNoUsers
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	p := auth.FromContext(ctx)
	if p.Role != auth.RoleAdmin {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "only an administrator may reset passwords")
	}
	u, err := s.Users.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	pw := auth.GeneratePassword()
	if err := s.Users.SetPassword(ctx, p, id, pw); err != nil {
		return nil, err
	}
	return UserWithPassword{User: u, Password: pw}, nil
}

// tokens lists API tokens: every user's for administrators and auditors
// (or one user's, with user_id), the caller's own for anyone else.
func (s *Server) tokens(r *http.Request) (any, error) {
	if s.Users == nil {
		return nil, errNoUsers
	}
	ctx := r.Context()
	p := auth.FromContext(ctx)
	user := p.UserID
	if p.SeesAudit() {
		user = 0
	}
	if v := r.URL.Query().Get("user_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: "user_id is a user's id",
				Fields: []fosis.FieldError{{Field: "user_id", Message: "not a number"}}}
		}
		user = n
	}
	return s.Users.Tokens(ctx, p, user)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) (any, error) {
	if s.Users == nil {
		return nil, errNoUsers
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	if err := s.Users.RevokeToken(ctx, auth.FromContext(ctx), id); err != nil {
		return nil, err
	}
	return map[string]any{"revoked": id}, nil
}

// AuditPage is one page of the audit trail, newest first.
type AuditPage struct {
	Items []audit.Record `json:"items"`
	// Next is the cursor of the next (older) page: pass it as before.
	Next string `json:"next,omitempty"`
}

// auditTrail lists the trail filtered by actor, action, entity, entity_id,
// from and to (RFC 3339 instants or dates), newest first, paged by before.
func (s *Server) auditTrail(r *http.Request) (any, error) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), EntityID: q.Get("entity_id")}
	var problems []fosis.FieldError
	when := func(name string, end bool) time.Time {
		v := q.Get(name)
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			if end {
				t = t.AddDate(0, 0, 1) // the whole day
			}
			return t
		}
		problems = append(problems, fosis.FieldError{Field: name, Message: "is not a date (YYYY-MM-DD) nor an RFC 3339 instant"})
		return time.Time{}
	}
	f.From, f.To = when("from", false), when("to", true)
	before, err := cursorParam(q, "before")
	if err != nil {
		problems = append(problems, err.(*fosis.Error).Fields...)
	}
	f.AfterSeq = before
	limit, err := limitParam(q.Get("limit"), 100, audit.MaxLimit-1)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "the filter is not valid", Fields: problems}
	}
	f.Limit = limit + 1
	recs, err := auth.BrowseAudit(r.Context(), s.DB, f)
	if err != nil {
		return nil, err
	}
	page := AuditPage{Items: recs}
	if page.Items == nil {
		page.Items = []audit.Record{}
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = strconv.FormatInt(page.Items[limit-1].Seq, 10)
	}
	return page, nil
}

func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) (any, error) {
	return auth.VerifyAudit(r.Context(), s.DB)
}
