package api

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/results"
)

// resultsRoutes are the endpoints of the results slice (docs/results.md):
// the coverage funnel, a call's focalisation, the open data, indicators,
// their values and alerts. The slice scopes every figure (a regional
// officer: their region's) and keeps the computations for national staff.
func (s *Server) resultsRoutes() []route {
	return []route{
		{"GET", "/api/v1/results/funnel", false, handle(s.resultsFunnel)},
		{"POST", "/api/v1/results/funnel/compute", false, handle(s.resultsFunnelCompute)},
		{"GET", "/api/v1/results/focalisation/{call}", false, handle(s.resultsFocal)},
		{"GET", "/api/v1/results/opendata", false, http.HandlerFunc(s.resultsOpenData)},
		{"GET", "/api/v1/results/indicators", false, handle(s.resultsIndicators)},
		{"POST", "/api/v1/results/indicators", false, handle(s.resultsDeclare)},
		{"POST", "/api/v1/results/indicators/compute", false, handle(s.resultsCompute)},
		{"GET", "/api/v1/results/indicators/values", false, handle(s.resultsValues)},
		{"GET", "/api/v1/results/indicators/{id}/history", false, handle(s.resultsHistory)},
		{"GET", "/api/v1/results/alerts", false, handle(s.resultsAlerts)},
		{"GET", "/api/v1/results/alerts/agencies", false, handle(s.resultsAgenciesBehind)},
	}
}

func (s *Server) resultsStore() (*results.Store, error) {
	if s.Results == nil {
		return nil, fosis.Errorf(fosis.EUNAVAILABLE, "the results are not enabled on this server")
	}
	return s.Results, nil
}

// ResultsIndicators is the answer of GET /api/v1/results/indicators.
type ResultsIndicators struct {
	Indicators []results.Indicator `json:"indicators"`
}

// ResultsValues is the answer of the values, history and alerts.
type ResultsValues struct {
	Values []results.Value `json:"values"`
}

// ResultsPeriod is the body of POST /api/v1/results/indicators/compute.
type ResultsPeriod struct {
	Period string `json:"period"`
}

func (s *Server) resultsFunnel(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	return st.Funnel(r.Context(), results.FunnelFilter{Line: q.Get("line"), Call: q.Get("call"), Period: q.Get("period"), Region: q.Get("region"), By: q.Get("by")})
}

func (s *Server) resultsFunnelCompute(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	return st.ComputeFunnel(r.Context())
}

func (s *Server) resultsFocal(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	return st.Focalisation(r.Context(), r.PathValue("call"))
}

// resultsOpenData answers the open data as JSON, or as CSV with
// ?format=csv.
func (s *Server) resultsOpenData(w http.ResponseWriter, r *http.Request) {
	st, err := s.resultsStore()
	if err != nil {
		writeError(w, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "csv" && format != "json" {
		writeError(w, fosis.KeyedErrorf(fosis.EINVALID, "results.err.format", results.Messages["results.err.format"], format))
		return
	}
	od, err := st.OpenData(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	if format != "csv" {
		writeJSON(w, http.StatusOK, od)
		return
	}
	var b bytes.Buffer
	if err := od.WriteCSV(&b); err != nil {
		var fe *fosis.Error
		if !errors.As(err, &fe) {
			s.Log.Error("open data", "err", err)
		}
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="coverage.csv"`)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

func (s *Server) resultsIndicators(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	is, err := st.Indicators(r.Context(), r.URL.Query().Get("line"))
	if err != nil {
		return nil, err
	}
	return ResultsIndicators{Indicators: is}, nil
}

func (s *Server) resultsDeclare(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	var in results.Indicator
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.SaveIndicator(r.Context(), in)
}

func (s *Server) resultsCompute(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	var in ResultsPeriod
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	return st.ComputeIndicators(r.Context(), in.Period)
}

func (s *Server) resultsValues(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	vs, err := st.Values(r.Context(), results.ValueFilter{Line: q.Get("line"), Period: q.Get("period"), Region: q.Get("region"), OffTrack: q.Get("off_track") == "1"})
	if err != nil {
		return nil, err
	}
	return ResultsValues{Values: vs}, nil
}

func (s *Server) resultsHistory(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, fosis.KeyedErrorf(fosis.ENOTFOUND, "results.err.no_history", results.Messages["results.err.no_history"], 0)
	}
	vs, err := st.History(r.Context(), id, r.URL.Query().Get("region"))
	if err != nil {
		return nil, err
	}
	return ResultsValues{Values: vs}, nil
}

func (s *Server) resultsAlerts(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	vs, err := st.Alerts(r.Context())
	if err != nil {
		return nil, err
	}
	return ResultsValues{Values: vs}, nil
}

// ResultsAgenciesBehind is the answer of GET /api/v1/results/alerts/agencies.
type ResultsAgenciesBehind struct {
	Agencies []results.AgencyBehind `json:"agencies"`
}

// resultsAgenciesBehind answers the executing agencies behind their
// schedule of sessions this month (line= narrows to one line), in reach.
func (s *Server) resultsAgenciesBehind(r *http.Request) (any, error) {
	st, err := s.resultsStore()
	if err != nil {
		return nil, err
	}
	bs, err := st.AgenciesBehind(r.Context(), r.URL.Query().Get("line"))
	if err != nil {
		return nil, err
	}
	return ResultsAgenciesBehind{Agencies: bs}, nil
}
