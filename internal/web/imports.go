package web

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
	"github.com/fosis/fosis/internal/registry"
)

// defaultMaxUpload bounds an upload of the two extract files together.
const defaultMaxUpload = 4 << 30

func (s *Server) importRoutes(pages *routeMux) {
	pages.HandleFunc("GET /imports", s.requireUser(s.imports))
	pages.HandleFunc("POST /imports", s.requireUser(s.importUpload))
	pages.HandleFunc("GET /imports/jobs/{id}", s.requireUser(s.importJob))
	pages.HandleFunc("GET /imports/problems/{id}", s.requireUser(s.importProblems))
}

// importsData is the imports page: past imports, the running one, and the
// upload form for those who may import.
type importsData struct {
	Page      *registry.Page[registry.ImportRecord]
	Before    int64
	MayImport bool
	Running   *jobs.Job
	Error     string // catalog key
	ErrorArg  string
}

// mayImport reports whether p may load an extract (the registry decides; the
// page only hides the form from others).
func mayImport(p *auth.Principal) bool { return p != nil && p.SeesAllRegions() && p.Writes() }

func (s *Server) imports(w http.ResponseWriter, r *http.Request) {
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			s.fail(w, r, fosis.Errorf(fosis.EINVALID, "before: not a cursor"))
			return
		}
		before = n
	}
	s.importsPage(w, r, http.StatusOK, before, "", "")
}

func (s *Server) importsPage(w http.ResponseWriter, r *http.Request, status int, before int64, errKey, errArg string) {
	ctx := r.Context()
	pg, err := s.cfg.Registry.Imports(ctx, before, s.pageSize())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := importsData{Page: pg, Before: before, MayImport: mayImport(viewerOf(ctx).p), Error: errKey, ErrorArg: errArg}
	if j, ok := s.cfg.Jobs.Running(ctx, registry.ImportJobKind); ok {
		d.Running = &j
	}
	s.render(w, r, status, "imports", d)
}

// importUpload receives households.csv and persons.csv, streams them to a
// private temporary folder and starts the import in the background; the
// browser goes to the job's progress page.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if _, err := auth.National(ctx, true); err != nil {
		s.fail(w, r, err)
		return
	}
	max := s.cfg.MaxUpload
	if max <= 0 {
		max = defaultMaxUpload
	}
	dir, names, err := upload.Receive(w, r, s.cfg.UploadDir, max, "households", "persons")
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			s.importsPage(w, r, http.StatusRequestEntityTooLarge, 0, "imports.err.too_big", fmt.Sprint(max>>20))
		case fosis.ErrorCode(err) == fosis.EINVALID:
			s.importsPage(w, r, http.StatusBadRequest, 0, "imports.err.files", "")
		default:
			s.fail(w, r, err)
		}
		return
	}
	job, err := s.cfg.Registry.StartUploadedImport(ctx, s.cfg.Jobs, dir, names, "web")
	if err != nil {
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			s.importsPage(w, r, http.StatusConflict, 0, "imports.err.busy", "")
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/imports/jobs/"+job.ID, http.StatusSeeOther)
}

// importJobData is the progress page of an import.
type importJobData struct {
	Job     jobs.Job
	Summary *registry.ImportSummary
}

func (s *Server) importJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.cfg.Jobs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := importJobData{Job: j}
	d.Summary, _ = j.Result.(*registry.ImportSummary)
	s.render(w, r, http.StatusOK, "importjob", d)
}

// importProblems downloads an import's problem report as CSV.
func (s *Server) importProblems(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "no such import"))
		return
	}
	cw := download.CSV(w, fmt.Sprintf("import-%d-problems.csv", id))
	if err := s.cfg.Registry.ImportReport(r.Context(), id, cw); err != nil {
		if cw.Started() {
			s.log.Error("problem report", "import", id, "err", err) // too late for an error page
			return
		}
		s.fail(w, r, err)
	}
}
