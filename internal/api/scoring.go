package api

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/targeting"
)

// The scoring pages' data: a run's bracket counts by region and by commune
// (the maps), the comparison of two runs (the diff) and the what-if.

// maxModelBytes bounds a model sent to the what-if.
const maxModelBytes = 1 << 20

// RegionsResponse is a run's bracket counts by region.
type RegionsResponse struct {
	Run      *targeting.Run             `json:"run"`
	Brackets []int                      `json:"brackets"`
	Items    []targeting.RegionBrackets `json:"items"`
}

// CommunesResponse is a run's bracket counts by commune of one region.
type CommunesResponse struct {
	Run        *targeting.Run              `json:"run"`
	RegionCode string                      `json:"region_code"`
	Brackets   []int                       `json:"brackets"`
	Items      []targeting.CommuneBrackets `json:"items"`
}

func (s *Server) runRegions(r *http.Request) (any, error) {
	ctx := r.Context()
	run, err := s.Targeting.Run(ctx, r.PathValue("run"))
	if err != nil {
		return nil, err
	}
	dist, err := s.Targeting.Distribution(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	return RegionsResponse{Run: run, Brackets: brackets(), Items: dist}, nil
}

func (s *Server) runCommunes(r *http.Request) (any, error) {
	ctx := r.Context()
	run, err := s.Targeting.Run(ctx, r.PathValue("run"))
	if err != nil {
		return nil, err
	}
	region := r.PathValue("region")
	dist, err := s.Targeting.CommuneDistribution(ctx, run.ID, region)
	if err != nil {
		return nil, err
	}
	return CommunesResponse{Run: run, RegionCode: region, Brackets: brackets(), Items: dist}, nil
}

// brackets are the brackets as numbers (a []uint8 would be JSON base64).
func brackets() []int {
	var out []int
	for _, b := range targeting.Brackets() {
		out = append(out, int(b))
	}
	return out
}

// runPair reads the required a= and b= run ids.
func runPair(r *http.Request) (int64, int64, error) {
	var ids [2]int64
	var fields []fosis.FieldError
	for i, name := range []string{"a", "b"} {
		id, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
		if err != nil || id < 1 {
			fields = append(fields, fosis.FieldError{Field: name, Message: "must be a run id (a positive number)"})
		}
		ids[i] = id
	}
	if fields != nil {
		return 0, 0, &fosis.Error{Code: fosis.EINVALID, Message: "a and b must be the ids of the two runs to compare", Fields: fields}
	}
	return ids[0], ids[1], nil
}

func (s *Server) diff(r *http.Request) (any, error) {
	a, b, err := runPair(r)
	if err != nil {
		return nil, err
	}
	return s.Targeting.DiffRuns(r.Context(), a, b)
}

func (s *Server) diffMoved(r *http.Request) (any, error) {
	a, b, err := runPair(r)
	if err != nil {
		return nil, err
	}
	limit, err := limitParam(r.URL.Query().Get("limit"), 100, 1000)
	if err != nil {
		return nil, err
	}
	return s.Targeting.Moved(r.Context(), a, b, r.URL.Query().Get("after"), limit)
}

// whatIfModel reads a what-if request: the model in the body (JSON, or YAML
// with a YAML content type) and the as_of date (default today).
func whatIfModel(r *http.Request) (*targeting.Model, time.Time, error) {
	if _, err := targeting.MayWhatIf(r.Context()); err != nil {
		return nil, time.Time{}, err // before reading a body the caller may not send
	}
	asOf := time.Now().UTC()
	if v := r.URL.Query().Get("as_of"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return nil, time.Time{}, &fosis.Error{Code: fosis.EINVALID, Message: "as_of: must be a date such as 2026-11-01",
				Fields: []fosis.FieldError{{Field: "as_of", Message: "must be a date such as 2026-11-01"}}}
		}
		asOf = d
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxModelBytes+1))
	if err != nil {
		return nil, time.Time{}, err
	}
	if len(data) > maxModelBytes {
		return nil, time.Time{}, fosis.Errorf(fosis.EINVALID, "the model is larger than 1 MB")
	}
	name := "model"
	switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
	case "application/json":
		name = "model.json"
	case "application/yaml", "application/x-yaml", "text/yaml":
		name = "model.yaml"
	}
	m, err := targeting.LoadModel(name, data)
	return m, asOf, err
}

// whatIf scores the registry under the model in the request body and
// compares it with the active model, storing nothing.
func (s *Server) whatIf(r *http.Request) (any, error) {
	m, asOf, err := whatIfModel(r)
	if err != nil {
		return nil, err
	}
	return s.Targeting.WhatIf(r.Context(), m, asOf)
}

// WhatIfMovedResponse lists the households a what-if would move.
type WhatIfMovedResponse struct {
	Households int                `json:"households"`
	Items      []targeting.Change `json:"items"`
}

// whatIfMoved is whatIf's list of the households that would change bracket.
func (s *Server) whatIfMoved(r *http.Request) (any, error) {
	m, asOf, err := whatIfModel(r)
	if err != nil {
		return nil, err
	}
	out := WhatIfMovedResponse{Items: []targeting.Change{}}
	out.Households, err = s.Targeting.WhatIfMoved(r.Context(), m, asOf, func(c targeting.Change) error {
		out.Items = append(out.Items, c)
		return nil
	})
	return out, err
}
