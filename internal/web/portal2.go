package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/portal"
)

// The portal's second part (issue 19): corrections asked by the person,
// withdrawing an application, rate limits and "my programme".
func (s *Server) portal2Routes(pages *routeMux) {
	pages.HandleFunc("GET /portal/correction", s.portalCorrection)
	pages.HandleFunc("POST /portal/correction", s.portalCorrectionPost)
	pages.HandleFunc("GET /portal/evidence/{code}", s.requireUser(s.portalEvidence))
	pages.HandleFunc("POST /portal/applications/{id}/withdraw", s.portalWithdraw)
	pages.HandleFunc("GET /portal/programme", s.portalProgramme)
}

// portalProgrammeData is "my programme": the household's cases.
type portalProgrammeData struct {
	Cases []delivery.CitizenCase
}

func (s *Server) portalProgramme(w http.ResponseWriter, r *http.Request) {
	ctx := s.citizenOf(r)
	if ctx == nil || s.cfg.Delivery == nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	cases, err := s.cfg.Delivery.OwnProgramme(ctx)
	if err != nil && fosis.ErrorCode(err) != fosis.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "portal_programme", &portalProgrammeData{Cases: cases})
}

// portalWithdraw withdraws the person's own application still waiting for
// the selection.
func (s *Server) portalWithdraw(w http.ResponseWriter, r *http.Request) {
	if viewerOf(r.Context()).p != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.citizens_only", "the portal is for people signed in with their own identity"))
		return
	}
	ctx := s.citizenOf(r)
	if ctx == nil || s.cfg.Programs == nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	a, err := s.cfg.Programs.WithdrawOwn(ctx, id)
	if err != nil {
		if fosis.ErrorCode(err) != fosis.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		apps, lerr := s.cfg.Programs.MyApplications(ctx)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		s.render(w, r, fosis.HTTPStatus(fosis.ECONFLICT), "portal_applications", &portalApplicationsData{Applications: apps, Error: err})
		return
	}
	http.Redirect(w, r, "/portal/applications?withdrawn="+url.QueryEscape(a.Call), http.StatusSeeOther)
}

// portalCorrectionData is the form that asks for a correction.
type portalCorrectionData struct {
	What  string
	Error error
}

// FieldError returns the refusal of field, for the form.
func (d *portalCorrectionData) FieldError(field string) *fosis.FieldError {
	var fe *fosis.Error
	if !errors.As(d.Error, &fe) {
		return nil
	}
	for i := range fe.Fields {
		if fe.Fields[i].Field == field {
			return &fe.Fields[i]
		}
	}
	return nil
}

func (s *Server) portalCorrection(w http.ResponseWriter, r *http.Request) {
	if s.citizenOf(r) == nil || s.cfg.Portal == nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "portal_correction", &portalCorrectionData{})
}

func (s *Server) portalCorrectionPost(w http.ResponseWriter, r *http.Request) {
	if viewerOf(r.Context()).p != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.citizens_only", "the portal is for people signed in with their own identity"))
		return
	}
	ctx := s.citizenOf(r)
	if ctx == nil || s.cfg.Portal == nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, portal.MaxEvidence+(64<<10))
	var file *portal.EvidenceFile
	var what string
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			s.render(w, r, fosis.HTTPStatus(fosis.EINVALID), "portal_correction", &portalCorrectionData{
				Error: &fosis.Error{Code: fosis.EINVALID, Key: "portal2.err.evidence_size", Args: []any{portal.MaxEvidence >> 20}, Message: "the file is too large",
					Fields: []fosis.FieldError{fosis.KeyedField("evidence", "portal2.err.evidence_size", "the file is larger than %d MB", portal.MaxEvidence>>20)}}})
			return
		}
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, fosis.KeyedErrorf(fosis.EINVALID, "coop.err.form.bad", "the form could not be read; reload the page and try again"))
			return
		}
	}
	what = r.PostFormValue("what")
	if f, h, err := r.FormFile("evidence"); err == nil {
		data, err := io.ReadAll(io.LimitReader(f, portal.MaxEvidence+1))
		f.Close()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		file = &portal.EvidenceFile{Name: h.Filename, Data: data}
	}
	if _, err := s.cfg.Portal.RequestCorrection(ctx, what, file, clientIP(r)); err != nil {
		if fosis.ErrorCode(err) == fosis.EINVALID || fosis.ErrorCode(err) == fosis.ECONFLICT {
			s.render(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), "portal_correction", &portalCorrectionData{What: what, Error: err})
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/portal?corrected=1#my-corrections-h", http.StatusSeeOther)
}

// portalEvidence downloads a person's evidence file, for staff who see
// their household.
func (s *Server) portalEvidence(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Portal == nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.ENOTFOUND, "portal2.err.no_evidence", "no evidence file has the code %s", r.PathValue("code")))
		return
	}
	e, err := s.cfg.Portal.Evidence(r.Context(), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", e.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="evidencia-`+e.Code+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(e.Data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(e.Data)
}
