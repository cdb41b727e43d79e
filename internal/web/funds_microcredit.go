package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/geo"
)

// microcreditRoutes registers the budget execution, an envelope's
// movements and the microcredit institutions' pages (docs/funds.md).
func (s *Server) microcreditRoutes(pages *routeMux) {
	pages.HandleFunc("GET /funds/execution", s.requireUser(s.fundsExecution))
	pages.HandleFunc("GET /funds/envelopes/{call}", s.requireUser(s.fundsEnvelope))
	pages.HandleFunc("GET /funds/institutions", s.requireUser(s.fundsInstitutions))
	pages.HandleFunc("GET /funds/institutions/{code}", s.requireUser(s.fundsInstitution))
	pages.HandleFunc("POST /funds/institutions/{code}/loans", s.requireUser(s.fundsLoansImport))
	pages.HandleFunc("POST /funds/institutions/{code}/settlements", s.requireUser(s.fundsSettle))
}

// xlsxSay says a table's headers in lang.
func (s *Server) xlsxSay(lang string) funds.Say {
	return func(key, english string) string {
		if msg := s.msgs.T(lang, key); msg != key {
			return msg
		}
		return english
	}
}

// sendXLSX writes t as a download named name.
func (s *Server) sendXLSX(w http.ResponseWriter, r *http.Request, name string, t funds.Table) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := t.WriteXLSX(w, s.xlsxSay(viewerOf(r.Context()).lang)); err != nil {
		s.log.Error("xlsx", "path", r.URL.Path, "err", err)
	}
}

func (s *Server) fundsReady(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Funds == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the funds ledger is not enabled"))
		return false
	}
	return true
}

// execChart is the execution report's monthly bars, laid out here so that
// the template only draws (fill attributes, no styles: the CSP).
type execChart struct {
	Width, Height int
	Bars          []execBar
	Max           int64
}

type execBar struct {
	X, Y, W, H float64
	Fill       string
	Month      int
	Series     string // catalog key of the series
	Value      int64
	LabelX     float64
}

// The chart's geometry and colours: committed (light) and paid (dark) side
// by side for each month.
const (
	chartW, chartH, chartBase = 720.0, 240.0, 210.0
	committedFill, paidFill   = "#9ec5fe", "#0a58ca"
)

func newExecChart(rep *funds.ExecutionReport) execChart {
	c := execChart{Width: int(chartW), Height: int(chartH)}
	for _, m := range rep.Months {
		c.Max = max(c.Max, m.Committed, m.Paid)
	}
	slot := chartW / 12
	for i, m := range rep.Months {
		for k, v := range []int64{m.Committed, m.Paid} {
			h := 0.0
			if c.Max > 0 && v > 0 {
				h = math.Max(1, (chartBase-10.5)*float64(v)/float64(c.Max)) // the tallest bar 199.5 high
			}
			b := execBar{X: round2(float64(i)*slot + 6 + float64(k)*(slot-12)/2), W: round2((slot - 12) / 2), H: round2(h), Y: round2(chartBase - h),
				Month: i + 1, Value: v, LabelX: round2(float64(i)*slot + slot/2)}
			b.Fill, b.Series = committedFill, "funds.ex.committed"
			if k == 1 {
				b.Fill, b.Series = paidFill, "funds.ex.paid"
			}
			c.Bars = append(c.Bars, b)
		}
	}
	return c
}

// executionData is the budget-execution page.
type executionData struct {
	Year, Month, Line, Region string
	Report                    *funds.ExecutionReport
	Chart                     execChart
	Map                       choropleth
	XLSX                      string // the download link
	Names                     map[string]string
}

// monthRow is a month of the report's table.
type monthRow struct {
	N int
	funds.Exec
}

// MonthRows are the report's months, numbered from 1.
func (d executionData) MonthRows() []monthRow {
	if d.Report == nil {
		return nil
	}
	out := make([]monthRow, 12)
	for i, e := range d.Report.Months {
		out[i] = monthRow{N: i + 1, Exec: e}
	}
	return out
}

// RegionName is a region's name ("" → its code).
func (d executionData) RegionName(code string) string {
	if n, ok := d.Names[code]; ok {
		return n
	}
	return code
}

func (s *Server) fundsExecution(w http.ResponseWriter, r *http.Request) {
	if !s.fundsReady(w, r) {
		return
	}
	q := r.URL.Query()
	d := executionData{Year: q.Get("year"), Month: q.Get("month"), Line: q.Get("line"), Region: q.Get("region")}
	if d.Year == "" {
		d.Year = strconv.Itoa(time.Now().Year())
	}
	f := funds.ExecFilter{Line: d.Line, Region: d.Region}
	var err error
	if f.Year, err = strconv.Atoi(d.Year); err != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EINVALID, "funds.err.year", funds.Messages["funds.err.year"], 0))
		return
	}
	if d.Month != "" {
		if f.Month, err = strconv.Atoi(d.Month); err != nil {
			f.Month = -1
		}
	}
	rep, err := s.cfg.Funds.Execution(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Get("format") == "xlsx" {
		s.sendXLSX(w, r, fmt.Sprintf("ejecucion-%d.xlsx", rep.Year), funds.ExecutionTable(rep))
		return
	}
	d.Report, d.Chart = rep, newExecChart(rep)
	xq := url.Values{"year": {d.Year}, "format": {"xlsx"}}
	for k, v := range map[string]string{"month": d.Month, "line": d.Line, "region": d.Region} {
		if v != "" {
			xq.Set(k, v)
		}
	}
	d.XLSX = "/funds/execution?" + xq.Encode()
	d.Names = map[string]string{}
	bounds := &geo.Boundaries{}
	if s.cfg.Registry != nil {
		terr := s.cfg.Registry.Territory()
		for _, rg := range terr.Regions {
			d.Names[rg.Code] = rg.Name
		}
		if terr.Country == "CL" {
			bounds = chileBounds()
		}
	}
	// Every region of the country for a national reader (those without
	// an assignment in grey); a regional officer's own only.
	regions := rep.Regions
	if p := viewerOf(r.Context()).p; p.Role != auth.RoleRegional && s.cfg.Registry != nil && d.Region == "" {
		have := map[string]funds.ExecRegion{}
		for _, rg := range rep.Regions {
			have[rg.Region] = rg
		}
		regions = nil
		for _, rg := range s.cfg.Registry.Territory().Regions {
			x, ok := have[rg.Code]
			if !ok {
				x = funds.ExecRegion{Region: rg.Code}
			}
			regions = append(regions, x)
		}
	}
	var areas []mapArea
	var shapes []*geo.Shape
	for _, rg := range regions {
		shape, _ := bounds.Region(rg.Region)
		areas = append(areas, mapArea{Code: rg.Region, Name: d.RegionName(rg.Region), Href: "/funds/execution?year=" + d.Year + "&region=" + rg.Region,
			Share: rg.Share(), Count: rg.Total.Paid, Households: rg.Assigned})
		shapes = append(shapes, shape)
	}
	if len(areas) > 0 {
		d.Map = drawMap(areas, shapes, nil, regionColumn)
	}
	s.render(w, r, http.StatusOK, "funds_execution", d)
}

// envelopeData is an envelope's movements page.
type envelopeData struct {
	Call      string
	Movements []funds.Movement
	Balances  []fundsBalance
}

type fundsBalance struct {
	Account funds.Account
	Amount  int64
}

func (s *Server) fundsEnvelope(w http.ResponseWriter, r *http.Request) {
	if !s.fundsReady(w, r) {
		return
	}
	call := r.PathValue("call")
	ms, err := s.cfg.Funds.Movements(r.Context(), call)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "xlsx" {
		s.sendXLSX(w, r, "movimientos-"+url.PathEscape(call)+".xlsx", funds.MovementsTable(ms))
		return
	}
	d := envelopeData{Call: call, Movements: ms}
	for _, a := range funds.EnvelopeAccounts {
		v, err := s.cfg.Funds.EnvelopeBalance(r.Context(), call, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Balances = append(d.Balances, fundsBalance{Account: a, Amount: v})
	}
	s.render(w, r, http.StatusOK, "funds_envelope", d)
}

// institutionsData is the list of microcredit institutions.
type institutionsData struct {
	Institutions []funds.Institution
}

func (s *Server) fundsInstitutions(w http.ResponseWriter, r *http.Request) {
	if !s.fundsReady(w, r) {
		return
	}
	is, err := s.cfg.Funds.Institutions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(is) == 1 && viewerOf(r.Context()).p.Role == auth.RoleInstitution {
		http.Redirect(w, r, "/funds/institutions/"+url.PathEscape(is[0].Code), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "funds_institutions", institutionsData{Institutions: is})
}

// institutionData is an institution's page: its agreements, settlements,
// loans (a month, a page at a time), the report and settlement forms.
type institutionData struct {
	Institution funds.Institution
	Agreements  []funds.Agreement
	Settlements []funds.Settlement
	Loans       []funds.Loan
	Month       string
	Next        int64 // the cursor of the next page of loans (0: none)
	Report      *funds.LoanReport
	Error       error
	Done        string
	Settles     bool // the viewer may settle
	Reports     bool // the viewer may report loans
}

// Problems are the report's bad rows (for the template).
func (d institutionData) Problems() []funds.LoanProblem {
	if d.Report == nil {
		return nil
	}
	return d.Report.Problems
}

const loansPage = 50

func (s *Server) fundsInstitution(w http.ResponseWriter, r *http.Request) {
	if !s.fundsReady(w, r) {
		return
	}
	q := r.URL.Query()
	code := r.PathValue("code")
	switch q.Get("format") {
	case "xlsx":
		var t funds.Table
		switch q.Get("table") {
		case "settlements":
			ss, err := s.cfg.Funds.Settlements(r.Context(), code)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			t = funds.SettlementsTable(ss)
		default:
			ls, err := s.cfg.Funds.Loans(r.Context(), code, funds.LoanFilter{Month: q.Get("month")})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			t = funds.LoansTable(ls)
		}
		s.sendXLSX(w, r, t.Sheet+"-"+url.PathEscape(code)+".xlsx", t)
		return
	}
	s.renderInstitution(w, r, http.StatusOK, institutionData{Done: q.Get("done")})
}

func (s *Server) renderInstitution(w http.ResponseWriter, r *http.Request, status int, d institutionData) {
	ctx := r.Context()
	code := r.PathValue("code")
	in, err := s.cfg.Funds.Institution(ctx, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Institution = in
	if d.Agreements, err = s.cfg.Funds.Agreements(ctx, code); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Settlements, err = s.cfg.Funds.Settlements(ctx, code); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d.Month = q.Get("month")
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	ls, err := s.cfg.Funds.Loans(ctx, code, funds.LoanFilter{Month: d.Month, After: after, Limit: loansPage + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(ls) > loansPage {
		ls = ls[:loansPage]
		d.Next = ls[loansPage-1].ID
	}
	d.Loans = ls
	p := viewerOf(ctx).p
	d.Settles = p.Role == auth.RoleAdmin || p.Role == auth.RoleFinance
	d.Reports = d.Settles || p.Role == auth.RoleInstitution
	s.render(w, r, status, "funds_institution", d)
}

func (s *Server) fundsLoansImport(w http.ResponseWriter, r *http.Request) {
	if !s.fundsReady(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<20)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.microcreditRefused(w, r, nil, fosis.KeyedErrorf(fosis.EINVALID, "funds.form.no_file", "choose a CSV file of loans (at most 64 MiB)"))
		return
	}
	defer file.Close()
	rep, err := s.cfg.Funds.ImportLoansCSV(r.Context(), r.PathValue("code"), file, hdr.Filename)
	if err != nil {
		s.microcreditRefused(w, r, rep, err)
		return
	}
	done := "imported"
	if rep.Again {
		done = "again"
	}
	http.Redirect(w, r, "/funds/institutions/"+url.PathEscape(r.PathValue("code"))+"?done="+done, http.StatusSeeOther)
}

func (s *Server) fundsSettle(w http.ResponseWriter, r *http.Request) {
	if !s.fundsReady(w, r) {
		return
	}
	if _, err := s.cfg.Funds.Settle(r.Context(), r.PathValue("code"), r.PostFormValue("month")); err != nil {
		s.microcreditRefused(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/funds/institutions/"+url.PathEscape(r.PathValue("code"))+"?done=settled", http.StatusSeeOther)
}

// microcreditRefused shows the institution's page again with a refusal
// (and the report's bad rows); not found, forbidden and the rest go to the
// error page.
func (s *Server) microcreditRefused(w http.ResponseWriter, r *http.Request, rep *funds.LoanReport, err error) {
	switch fosis.ErrorCode(err) {
	case fosis.EINVALID, fosis.ECONFLICT:
		s.renderInstitution(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), institutionData{Report: rep, Error: err})
	default:
		s.fail(w, r, err)
	}
}
