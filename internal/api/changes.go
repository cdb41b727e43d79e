package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/registry"
)

// Change requests and the household's history: everything the pages do,
// as JSON. The registry enforces who may submit and decide, and scope.

// changeRoutes are the rows of the route table for change requests and
// history.
func (s *Server) changeRoutes() []route {
	return []route{
		{"GET", "/api/v1/households/{id}/changes", false, handle(s.householdChanges)},
		{"POST", "/api/v1/households/{id}/changes", false, handle(s.submitChange)},
		{"GET", "/api/v1/households/{id}/versions", false, handle(s.householdVersions)},
		{"GET", "/api/v1/households/{id}/as-of/{date}", false, handle(s.householdAsOf)},
		{"GET", "/api/v1/changes", false, handle(s.changeQueue)},
		{"GET", "/api/v1/changes/{change}", false, handle(s.changeRequest)},
		{"POST", "/api/v1/changes/{change}/approve", false, handle(s.decide(registry.Approve))},
		{"POST", "/api/v1/changes/{change}/reject", false, handle(s.decide(registry.Reject))},
		{"POST", "/api/v1/changes/{change}/withdraw", false, handle(s.decide(registry.Withdraw))},
	}
}

func (s *Server) householdChanges(r *http.Request) (any, error) {
	items, err := s.Registry.HouseholdChanges(r.Context(), r.PathValue("id"))
	return map[string]any{"items": items}, err
}

func (s *Server) submitChange(r *http.Request) (any, error) {
	var in registry.ChangeInput
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return s.Registry.SubmitChange(r.Context(), r.PathValue("id"), in, clientIP(r))
}

func (s *Server) householdVersions(r *http.Request) (any, error) {
	items, err := s.Registry.Versions(r.Context(), r.PathValue("id"))
	return map[string]any{"items": items}, err
}

func (s *Server) householdAsOf(r *http.Request) (any, error) {
	day, err := registry.ParseAsOf(r.PathValue("date"))
	if err != nil {
		return nil, err
	}
	return s.Registry.AsOf(r.Context(), r.PathValue("id"), day)
}

func (s *Server) changeQueue(r *http.Request) (any, error) {
	q := r.URL.Query()
	after, limit, err := pageParams(q, "after", 50, 200)
	if err != nil {
		return nil, err
	}
	return s.Registry.ChangeQueue(r.Context(), q.Get("state"), after, limit)
}

// changeID reads the {change} path parameter; a malformed id is not found,
// like an id that does not exist.
func changeID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("change"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fosis.Errorf(fosis.ENOTFOUND, "no change request %q", r.PathValue("change"))
	}
	return id, nil
}

func (s *Server) changeRequest(r *http.Request) (any, error) {
	id, err := changeID(r)
	if err != nil {
		return nil, err
	}
	return s.Registry.ChangeRequest(r.Context(), id)
}

// DecisionBody is the optional body of approve, reject and withdraw.
type DecisionBody struct {
	Comment string `json:"comment"`
}

func (s *Server) decide(d registry.Decision) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		id, err := changeID(r)
		if err != nil {
			return nil, err
		}
		var body DecisionBody
		if err := decodeBody(r, &body); err != nil && fosis.ErrorCode(err) == fosis.EINVALID && !emptyBody(err) {
			return nil, err
		}
		return s.Registry.Decide(r.Context(), id, d, body.Comment, clientIP(r))
	}
}

// emptyBody reports whether err is decodeBody's error for no body at all
// (a decision needs no body: its comment is optional).
func emptyBody(err error) bool {
	var fe *fosis.Error
	return errors.As(err, &fe) && len(fe.Fields) == 1 && fe.Fields[0].Message == bodyEmpty
}
