package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/targeting"
)

// maxModelBytes bounds a model sent to the what-if form (the built-in ones
// are a few kilobytes).
const maxModelBytes = 1 << 20

// whatIfData is the what-if page's content: the form (the model's text and
// the scoring date), the problems of a model that does not validate, and
// the result of one that does.
type whatIfData struct {
	Model    string
	AsOf     string
	Problems []fosis.FieldError
	Error    string // catalog key of a problem with the request itself
	Detail   string // a model problem without a field, e.g. a syntax error (the slice's words)
	Result   *targeting.WhatIfResult
	Matrix   matrixTable
	Regions  []regionMatrix
}

// whatIfForm shows the active model, ready to edit.
func (s *Server) whatIfForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if _, err := targeting.MayWhatIf(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.cfg.Targeting.ActiveModel(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, m.Canonical(), "", "  "); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "whatif", whatIfData{Model: buf.String(), AsOf: time.Now().UTC().Format(time.DateOnly)})
}

// whatIfRequest reads the what-if form: the model (an uploaded file, or
// the text area) and the scoring date. When it returns a nil model, it has
// answered already: the form again with the problems.
func (s *Server) whatIfRequest(w http.ResponseWriter, r *http.Request) (*targeting.Model, time.Time, whatIfData) {
	if _, err := targeting.MayWhatIf(r.Context()); err != nil {
		s.fail(w, r, err)
		return nil, time.Time{}, whatIfData{}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxModelBytes+64<<10)
	if err := r.ParseMultipartForm(maxModelBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.render(w, r, http.StatusBadRequest, "whatif", whatIfData{Error: "whatif.too_big"})
		return nil, time.Time{}, whatIfData{}
	}
	d := whatIfData{Model: r.FormValue("model"), AsOf: r.FormValue("as_of")}
	name, data := "model", []byte(d.Model)
	if f, h, err := r.FormFile("file"); err == nil {
		b, err := io.ReadAll(io.LimitReader(f, maxModelBytes))
		f.Close()
		if err == nil && len(b) > 0 {
			name, data, d.Model = h.Filename, b, string(b)
		}
	}
	asOf, err := time.Parse(time.DateOnly, d.AsOf)
	if err != nil {
		d.Problems = []fosis.FieldError{fosis.KeyedField("as_of", "whatif.err.as_of", "must be a date such as 2026-11-01")}
		s.render(w, r, http.StatusBadRequest, "whatif", d)
		return nil, time.Time{}, d
	}
	m, err := targeting.LoadModel(name, data)
	if err != nil {
		s.whatIfFailed(w, r, d, err)
		return nil, time.Time{}, d
	}
	return m, asOf, d
}

// whatIfFailed shows the form with a model's problems, each with its path,
// or the error page for anything else.
func (s *Server) whatIfFailed(w http.ResponseWriter, r *http.Request, d whatIfData, err error) {
	var fe *fosis.Error
	if !errors.As(err, &fe) || fe.Code != fosis.EINVALID {
		s.fail(w, r, err)
		return
	}
	d.Problems = fe.Fields
	if len(fe.Fields) == 0 {
		d.Detail = fe.Message
	}
	s.render(w, r, http.StatusBadRequest, "whatif", d)
}

// whatIf runs the model of the form against the active one, writing
// nothing, and shows who would move, by region.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request) {
	m, asOf, d := s.whatIfRequest(w, r)
	if m == nil {
		return
	}
	res, err := s.cfg.Targeting.WhatIf(r.Context(), m, asOf)
	if err != nil {
		s.whatIfFailed(w, r, d, err)
		return
	}
	d.Result = res
	d.Matrix = matrixTable{ID: "matrix", Caption: whatIfCaption, Rows: matrixRows(res.Matrix)}
	d.Regions = regionMatrices(res.ByRegion, whatIfCaption)
	s.render(w, r, http.StatusOK, "whatif", d)
}

// whatIfMovedCSV runs the model of the form likewise and downloads the
// households that would change bracket.
func (s *Server) whatIfMovedCSV(w http.ResponseWriter, r *http.Request) {
	m, asOf, d := s.whatIfRequest(w, r)
	if m == nil {
		return
	}
	var bw *bufio.Writer
	_, err := s.cfg.Targeting.WhatIfMoved(r.Context(), m, asOf, func(c targeting.Change) error {
		if bw == nil { // the first row: the what-if ran, the download starts
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="what-if-moved.csv"`)
			bw = bufio.NewWriter(w)
			bw.WriteString("household_id,commune_code,from_bracket,to_bracket\n")
		}
		_, err := fmt.Fprintf(bw, "%s,%s,%d,%d\n", csvField(c.HouseholdID), csvField(c.CommuneCode), c.From, c.To)
		return err
	})
	switch {
	case err != nil && bw == nil:
		s.whatIfFailed(w, r, d, err)
	case err != nil:
		s.log.Error("what-if csv", "err", err) // the status is sent: the file ends short
	case bw == nil: // nobody moves: a file with its header alone
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="what-if-moved.csv"`)
		io.WriteString(w, "household_id,commune_code,from_bracket,to_bracket\n")
	default:
		bw.Flush()
	}
}
