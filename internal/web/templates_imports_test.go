package web

import (
	"github.com/fosis/fosis"
	"time"

	"github.com/fosis/fosis/internal/platform/jobs"
	"github.com/fosis/fosis/internal/registry"
)

func init() {
	keyPrefixes = append(keyPrefixes, "imports")
	moreHandlerKeys = append(moreHandlerKeys, "imports.err.too_big", "imports.err.files", "imports.err.busy")
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	rec := registry.ImportRecord{ID: 3, Source: "hogares.csv + personas.csv (ana, web)", StartedAt: at, FinishedAt: at,
		HouseholdsRead: 1200, Inserted: 1190, Rejected: 10, Problems: 14, HasReport: true}
	clean := registry.ImportRecord{ID: 2, Source: "<b>x</b>", StartedAt: at, FinishedAt: at, HouseholdsRead: 5, Inserted: 5}
	list := &registry.Page[registry.ImportRecord]{Items: []registry.ImportRecord{rec, clean}, Next: "2", Total: 3}
	none := &registry.Page[registry.ImportRecord]{Items: []registry.ImportRecord{}}
	running := jobs.Job{ID: "abc", Kind: "registry.import", Owner: "ana", StartedAt: at, Stage: "write", Done: 500, Total: 2000}
	failed := jobs.Job{ID: "abd", Owner: "ana", StartedAt: at, FinishedAt: at, ErrorCode: "invalid", Error: "persons.csv: bad header: missing column(s): run",
		ErrorPhrase: fosis.Phrase{Key: "csvin.err.missing", Args: []any{"persons.csv", "run"}, Text: "persons.csv: bad header: missing column(s): run"}}
	done := jobs.Job{ID: "abe", Owner: "ana", StartedAt: at, FinishedAt: at}
	sum := &registry.ImportSummary{ID: 3, HouseholdsRead: 1200, PersonsRead: 3100, Inserted: 1190, Rejected: 10, Problems: 14,
		ProblemsByColumn: map[string]int{"run": 9, "zone": 5}, UnknownColumns: []string{"notas"}}
	stopped := &registry.ImportSummary{ID: 4, HouseholdsRead: 40, Rejected: 40, Problems: 10_001,
		Stopped: []registry.StopPoint{{File: "hogares.csv", Line: 10_400}}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"imports", importsData{Page: list, MayImport: true}, `id="problems-3" download`},
		templateCase{"imports", importsData{Page: list, MayImport: true}, `href="/imports?before=2"`},
		templateCase{"imports", importsData{Page: list, MayImport: true, Running: &running}, `id="import-running"`},
		templateCase{"imports", importsData{Page: none, MayImport: true, Error: "imports.err.too_big", ErrorArg: "4096"}, `id="import-error"`},
		templateCase{"imports", importsData{Page: none, Error: "imports.err.busy"}, `id="imports-empty"`},
		templateCase{"importjob", importJobData{Job: running}, `<progress class="w-100" id="job-progress" max="100" value="25">`},
		templateCase{"importjob", importJobData{Job: running}, `hx-trigger="load delay:1s"`},
		templateCase{"importjob", importJobData{Job: failed}, `id="job-failed"`},
		templateCase{"importjob", importJobData{Job: done, Summary: sum}, `id="download-problems"`},
		templateCase{"importjob", importJobData{Job: done, Summary: sum}, `id="unknown-columns"`},
		templateCase{"importjob", importJobData{Job: done, Summary: stopped}, `id="job-stopped"`},
	)
}
