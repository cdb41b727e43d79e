package web

import (
	"net/http"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
)

// fundsRoutes registers the budget-execution page.
func (s *Server) fundsRoutes(pages *routeMux) {
	pages.HandleFunc("GET /funds", s.requireUser(s.fundsPage))
}

// fundsData is the budget execution by programme line and region.
type fundsData struct {
	Year   string
	Line   string
	Region string
	Rows   []funds.Row
}

// Executed is the share of a line's assignment that is paid, justified or
// recovered, in whole per cent ("" without an assignment).
func (fundsData) Executed(r funds.Row) string {
	if r.Assigned <= 0 {
		return ""
	}
	return strconv.FormatInt((r.Paid+r.Justified+r.Recovered)*100/r.Assigned, 10) + " %"
}

func (s *Server) fundsPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Funds == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the funds ledger is not enabled"))
		return
	}
	q := r.URL.Query()
	d := fundsData{Year: q.Get("year"), Line: q.Get("line"), Region: q.Get("region")}
	var f funds.Filter
	if d.Year != "" {
		y, err := strconv.Atoi(d.Year)
		if err != nil {
			s.fail(w, r, fosis.KeyedErrorf(fosis.EINVALID, "funds.err.year", funds.Messages["funds.err.year"], 0))
			return
		}
		f.Year = y
	}
	f.Line, f.Region = d.Line, d.Region
	rows, err := s.cfg.Funds.Balances(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Rows = rows
	s.render(w, r, http.StatusOK, "funds", d)
}
