package web

import (
	"net/http"

	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

type householdData struct {
	H       *registry.HouseholdView
	Score   *targeting.ScoredHousehold // nil if never scored
	History []targeting.HouseholdResult
	Income  incomeTotals
	Changes *changesSection // change requests and history (changes.go); nil leaves them out
}

// incomeTotals are the household's monthly incomes by source, in pesos.
type incomeTotals struct{ Labor, Pension, Capital, Total int64 }

func (s *Server) household(w http.ResponseWriter, r *http.Request) {
	if asOf := r.URL.Query().Get("as_of"); asOf != "" {
		s.householdAsOf(w, r, asOf) // changes.go
		return
	}
	file, err := s.cfg.Registry.HouseholdFileByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.householdPage(r, file)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "household", d)
}

// householdPage gathers the household page's content for a household the
// registry has read with its score inputs.
func (s *Server) householdPage(r *http.Request, file *registry.HouseholdFile) (householdData, error) {
	ctx := r.Context()
	h := file.View()
	score, hist, err := s.cfg.Targeting.LatestOf(ctx, file, viewerOf(ctx).lang)
	if err != nil {
		return householdData{}, err
	}
	d := householdData{H: h, Score: score, History: hist}
	for _, m := range h.Members {
		d.Income.Labor += m.LaborCLP
		d.Income.Pension += m.PensionCLP
		d.Income.Capital += m.CapitalCLP
	}
	d.Income.Total = d.Income.Labor + d.Income.Pension + d.Income.Capital
	d.Changes, err = s.newChangesSection(r, file, h)
	return d, err
}

// communeData is the commune page's content: the filter and one page of the
// households that pass it, with their bracket in the latest run.
