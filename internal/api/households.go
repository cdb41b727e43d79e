package api

import (
	"net"
	"net/http"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// HouseholdResponse is a household with its members and its latest score.
type HouseholdResponse struct {
	Household *registry.HouseholdView     `json:"household"`
	Score     *targeting.ScoredHousehold  `json:"score"` // null if never scored
	History   []targeting.HouseholdResult `json:"score_history"`
}

func (s *Server) household(r *http.Request) (any, error) {
	file, err := s.Registry.HouseholdFileByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	score, hist, err := s.Targeting.LatestOf(r.Context(), file, lang(r))
	if err != nil {
		return nil, err
	}
	return &HouseholdResponse{Household: file.View(), Score: score, History: hist}, nil
}

func (s *Server) householdOfRUN(r *http.Request) (any, error) {
	h, err := s.Registry.HouseholdOfRUN(r.Context(), r.PathValue("run"))
	if err != nil {
		return nil, err
	}
	return s.withScore(r, h)
}

func (s *Server) searchNames(r *http.Request) (any, error) {
	q := r.URL.Query()
	limit, err := limitParam(q.Get("limit"), 50, 200)
	if err != nil {
		return nil, err
	}
	name := q.Get("name")
	if len(name) > 64 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "name is longer than 64 characters",
			Fields: []fosis.FieldError{{Field: "name", Message: "at most 64 characters"}}}
	}
	return s.Registry.SearchNames(r.Context(), name, limit)
}

func lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "es" {
		return l
	}
	if al := r.Header.Get("Accept-Language"); len(al) >= 2 && al[:2] == "en" {
		return "en"
	}
	return "es"
}

func (s *Server) withScore(r *http.Request, h *registry.HouseholdView) (*HouseholdResponse, error) {
	score, hist, err := s.Targeting.Latest(r.Context(), h.Key, lang(r))
	if err != nil {
		return nil, err
	}
	return &HouseholdResponse{Household: h, Score: score, History: hist}, nil
}

func (s *Server) listByCommune(r *http.Request) (any, error) {
	q := r.URL.Query()
	after, limit, err := pageParams(q, "after", 50, 500)
	if err != nil {
		return nil, err
	}
	filter, err := registry.ParseListFilter(q)
	if err != nil {
		return nil, err
	}
	if (len(filter.Brackets) > 0 || filter.Poorest5) && filter.Run == 0 {
		run, err := s.Targeting.Run(r.Context(), "latest")
		if err != nil {
			return nil, err
		}
		filter.Run = run.ID
	}
	return s.Registry.ListCommune(r.Context(), r.PathValue("code"), filter, after, limit)
}

func (s *Server) territory(r *http.Request) (any, error) {
	t := s.Registry.Territory()
	return map[string]any{"country": t.Country, "regions": t.Regions, "provinces": t.Provinces, "communes": t.Communes}, nil
}

func (s *Server) runs(r *http.Request) (any, error) {
	runs, err := s.Targeting.Runs(r.Context())
	return map[string]any{"items": runs}, err
}

func (s *Server) run(r *http.Request) (any, error) {
	return s.Targeting.Run(r.Context(), r.PathValue("run"))
}

// sensitive serves a household's sensitive data to roles that need it; the
// registry writes every such read to the audit trail.
func (s *Server) sensitive(r *http.Request) (any, error) {
	return s.Registry.Sensitive(r.Context(), r.PathValue("id"), clientIP(r))
}

// clientIP is the address the request came from, for the audit trail.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
