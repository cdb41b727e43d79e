package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/download"
	"github.com/fosis/fosis/internal/platform/jobs"
	"github.com/fosis/fosis/internal/platform/upload"
)

// defaultMaxUpload bounds an upload of the two extract files together.
const defaultMaxUpload = 4 << 30

// accepted is a response with status 202: a job was started.
type accepted struct{ jobs.Job }

func (accepted) status() int { return http.StatusAccepted }

func (s *Server) imports(r *http.Request) (any, error) {
	q := r.URL.Query()
	before, limit, err := pageParams(q, "before", 50, 200)
	if err != nil {
		return nil, err
	}
	return s.Registry.Imports(r.Context(), before, limit)
}

// startImport receives households and persons as a multipart upload,
// streams them to disk and starts the import in the background: 202 with
// the job, to follow at /api/v1/jobs/{id}.
func (s *Server) startImport(w http.ResponseWriter, r *http.Request) (any, error) {
	ctx := r.Context()
	if _, err := auth.National(ctx, true); err != nil {
		return nil, err
	}
	if s.Jobs == nil {
		return nil, fosis.Errorf(fosis.EUNAVAILABLE, "this server does not run background jobs")
	}
	max := s.MaxUpload
	if max <= 0 {
		max = defaultMaxUpload
	}
	dir, names, err := upload.Receive(w, r, s.UploadDir, max, "households", "persons")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("the upload exceeds %d MiB: split the extract or import it on the server with 'fosis registry import'", max>>20),
				Fields: []fosis.FieldError{{Field: "households", Message: "too large"}}}
		}
		return nil, err
	}
	job, err := s.Registry.StartUploadedImport(ctx, s.Jobs, dir, names, "API")
	if err != nil {
		return nil, err
	}
	return accepted{job}, nil
}

func (s *Server) job(r *http.Request) (any, error) {
	if s.Jobs == nil {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no job %q", r.PathValue("id"))
	}
	return s.Jobs.Get(r.Context(), r.PathValue("id"))
}

// importProblems serves an import's problem report as CSV.
func (s *Server) importProblems(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, &fosis.Error{Code: fosis.EINVALID, Message: "the import id is a number",
			Fields: []fosis.FieldError{{Field: "id", Message: "not a number"}}})
		return
	}
	cw := download.CSV(w, fmt.Sprintf("import-%d-problems.csv", id))
	if err := s.Registry.ImportReport(r.Context(), id, cw); err != nil {
		if cw.Started() {
			s.Log.Error("problem report", "import", id, "err", err) // too late for an error body
			return
		}
		writeError(w, err)
	}
}
