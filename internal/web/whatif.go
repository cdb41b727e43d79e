package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
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
	Model                  string // the model as JSON (the advanced box)
	AsOf                   string
	Form                   modelForm                     // the model as a form
	Fields                 map[string][]fosis.FieldError // the problems by where the form shows them
	Summary                []string                      // every problem with its field's label
	Numerics, Categoricals []string                      // the features a pmt model may weight
	Activated              string                        // "id vN" of the model just activated
	Problems               []fosis.FieldError
	Error                  string // catalog key of a problem with the request itself
	Detail                 string // a model problem without a field, e.g. a syntax error (the slice's words)
	Result                 *targeting.WhatIfResult
	Matrix                 matrixTable
	Regions                []regionMatrix
}

// whatIfForm shows the active model, ready to edit.
func (s *Server) whatIfForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if _, err := targeting.MayWhatIf(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	d := whatIfData{AsOf: time.Now().UTC().Format(time.DateOnly)}
	if id := r.URL.Query().Get("activated"); id != "" {
		if v, err := strconv.Atoi(r.URL.Query().Get("version")); err == nil {
			d.Activated = fmt.Sprintf("%s v%d", id, v)
		}
	}
	s.whatIfShow(w, r, http.StatusOK, d)
}

// modelJSON is a model as the advanced box shows it.
func modelJSON(m *targeting.Model) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, m.Canonical(), "", "  "); err != nil {
		return string(m.Canonical())
	}
	return buf.String()
}

// whatIfShow renders the what-if page: the form (the active model's when
// none was posted) with its problems next to their fields.
func (s *Server) whatIfShow(w http.ResponseWriter, r *http.Request, status int, d whatIfData) {
	ctx := r.Context()
	if d.Form.Kind == "" || d.Model == "" {
		m, err := s.cfg.Targeting.ActiveModel(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Form.Kind == "" {
			d.Form = modelFormOf(m)
		}
		if d.Model == "" {
			d.Model = modelJSON(m)
		}
	}
	d.Fields = d.Form.modelProblems(d.Problems)
	d.Summary = s.modelSummary(viewerOf(ctx).lang, d.Form, d.Problems)
	d.Numerics, d.Categoricals = targeting.NumericFeatures(), targeting.CategoricalFeatures()
	s.render(w, r, status, "whatif", d)
}

// whatIfRequest reads the what-if page's request: the model of the form,
// or of the advanced box (an uploaded file, or the text), and the scoring
// date. A button that adds or removes a row of weights answers with the
// form again. When it returns a nil model, it has answered already.
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
	fromFile := false
	if f, h, err := r.FormFile("file"); err == nil {
		b, err := io.ReadAll(io.LimitReader(f, maxModelBytes))
		f.Close()
		if err == nil && len(b) > 0 {
			name, data, d.Model, fromFile = h.Filename, b, string(b), true
		}
	}
	mode := r.FormValue("mode")
	_, typed := r.Form["model"]
	useJSON := fromFile || mode == "json" || (mode == "" && typed)
	if !useJSON {
		d.Form = modelFormFrom(r.Form)
		do := r.FormValue("do")
		var acted bool
		if d.Form.Numeric, acted = rowAction(do, "numeric", d.Form.Numeric, weightRow{}, nil); acted {
			s.whatIfShow(w, r, http.StatusOK, d)
			return nil, time.Time{}, d
		}
		if d.Form.Categorical, acted = rowAction(do, "categorical", d.Form.Categorical, weightRow{}, nil); acted {
			s.whatIfShow(w, r, http.StatusOK, d)
			return nil, time.Time{}, d
		}
	}
	asOf, err := time.Parse(time.DateOnly, d.AsOf)
	if err != nil {
		d.Problems = []fosis.FieldError{fosis.KeyedField("as_of", "whatif.err.as_of", "must be a date such as 2026-11-01")}
	}
	var m *targeting.Model
	if useJSON {
		var lerr error
		if m, lerr = targeting.LoadModel(name, data); lerr != nil {
			if err != nil {
				s.whatIfShow(w, r, fosis.HTTPStatus(fosis.EINVALID), d)
			} else {
				s.whatIfFailed(w, r, d, lerr)
			}
			return nil, time.Time{}, d
		}
		d.Form = modelFormOf(m)
	} else {
		var bad []fosis.FieldError
		m, bad = d.Form.model()
		d.Problems = append(d.Problems, bad...)
		// The model's own check, on the fields the form could read (a
		// value that is not a number is said once, by the form).
		if verr := m.Validate(); verr != nil {
			var fe *fosis.Error
			if !errors.As(verr, &fe) {
				s.fail(w, r, verr)
				return nil, time.Time{}, d
			}
			for _, p := range fe.Fields {
				if !slices.ContainsFunc(bad, func(b fosis.FieldError) bool { return b.Field == p.Field }) {
					d.Problems = append(d.Problems, p)
				}
			}
		} else if len(bad) == 0 {
			d.Model = modelJSON(m)
		}
	}
	if len(d.Problems) > 0 {
		s.whatIfShow(w, r, fosis.HTTPStatus(fosis.EINVALID), d)
		return nil, time.Time{}, d
	}
	return m, asOf, d
}

// whatIfFailed shows the form with a model's problems, each next to its
// field, or the error page for anything else.
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
	s.whatIfShow(w, r, fosis.HTTPStatus(fosis.EINVALID), d)
}

// whatIf runs the model of the form against the active one, writing
// nothing, and shows who would move, by region.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request) {
	m, asOf, d := s.whatIfRequest(w, r)
	if m == nil {
		return
	}
	if r.FormValue("do") == "activate" {
		s.whatIfActivate(w, r, m, d)
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
	s.whatIfShow(w, r, http.StatusOK, d)
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
