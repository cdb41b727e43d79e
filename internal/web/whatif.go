package web

import (
	"bytes"
	"encoding/json"
	"errors"
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

// whatIf runs the model of the form (an uploaded file, or the text area)
// against the active one, writing nothing; a model with problems comes back
// with every problem listed by its path.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if _, err := targeting.MayWhatIf(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxModelBytes+64<<10)
	if err := r.ParseMultipartForm(maxModelBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.render(w, r, http.StatusBadRequest, "whatif", whatIfData{Error: "whatif.too_big"})
		return
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
		d.Problems = []fosis.FieldError{{Field: "as_of", Message: "must be a date such as 2026-11-01"}}
		s.render(w, r, http.StatusBadRequest, "whatif", d)
		return
	}
	m, err := targeting.LoadModel(name, data)
	if err == nil {
		d.Result, err = s.cfg.Targeting.WhatIf(ctx, m, asOf)
	}
	var fe *fosis.Error
	switch {
	case err == nil:
		d.Matrix = matrixTable{ID: "matrix", Rows: matrixRows(d.Result.Matrix)}
		d.Regions = regionMatrices(d.Result.ByRegion)
		s.render(w, r, http.StatusOK, "whatif", d)
	case errors.As(err, &fe) && fe.Code == fosis.EINVALID:
		d.Problems = fe.Fields
		if len(fe.Fields) == 0 {
			d.Detail = fe.Message
		}
		s.render(w, r, http.StatusBadRequest, "whatif", d)
	default:
		s.fail(w, r, err)
	}
}
