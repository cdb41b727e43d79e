package registry

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/jobs"
)

// ImportRecord is one past import, as the list of imports shows it.
type ImportRecord struct {
	ID             int64     `json:"id"`
	Source         string    `json:"source"`
	StartedAt      time.Time `json:"started_at"`
	FinishedAt     time.Time `json:"finished_at"`
	HouseholdsRead int       `json:"households_read"`
	PersonsRead    int       `json:"persons_read"`
	Inserted       int       `json:"households_inserted"`
	Updated        int       `json:"households_updated"`
	Rejected       int       `json:"households_rejected"`
	PersonsMoved   int       `json:"persons_moved"`
	Problems       int       `json:"problems"`
	// HasReport is true when the problem report can be downloaded.
	HasReport bool `json:"has_report"`
}

// Imports lists the imports, newest first, limit at a time before the
// cursor (0 for the newest). Imports concern the whole national registry,
// so only national roles see them.
func (s *Store) Imports(ctx context.Context, before int64, limit int) (*Page[ImportRecord], error) {
	if _, err := national(ctx, false); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 200)
	page := &Page[ImportRecord]{Items: []ImportRecord{}}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM imports`).Scan(&page.Total); err != nil {
		return nil, err
	}
	q := `SELECT i.id, i.source, i.started_at, i.finished_at, i.households_read, i.persons_read, i.households_inserted,
		i.households_updated, i.households_rejected, i.persons_moved, i.problems, r.import_id IS NOT NULL
		FROM imports i LEFT JOIN import_reports r ON r.import_id = i.id`
	args := []any{}
	if before > 0 {
		q += ` WHERE i.id < ?`
		args = append(args, before)
	}
	items, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (ImportRecord, error) {
		var r ImportRecord
		var started, finished db.Instant
		err := rows.Scan(&r.ID, &r.Source, &started, &finished, &r.HouseholdsRead, &r.PersonsRead, &r.Inserted,
			&r.Updated, &r.Rejected, &r.PersonsMoved, &r.Problems, &r.HasReport)
		r.StartedAt, r.FinishedAt = started.Time, finished.Time
		return r, err
	}, q+` ORDER BY i.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, err
	}
	page.Items = items
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = fmt.Sprint(page.Items[limit-1].ID)
	}
	return page, nil
}

// ImportReport writes the problem report of import id as CSV (file, line,
// column, value, reason, household_id) to w. An import without problems has
// no report: not found.
func (s *Store) ImportReport(ctx context.Context, id int64, w io.Writer) error {
	if _, err := national(ctx, false); err != nil {
		return err
	}
	var gz []byte
	err := s.db.QueryRowContext(ctx, `SELECT csv_gzip FROM import_reports WHERE import_id = ?`, id).Scan(&gz)
	if err == sql.ErrNoRows {
		return fosis.Errorf(fosis.ENOTFOUND, "import %d has no problem report (it found no problems, or does not exist)", id)
	}
	if err != nil {
		return err
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return fmt.Errorf("problem report of import %d: %w", id, err)
	}
	if _, err := io.Copy(w, zr); err != nil {
		return err
	}
	return zr.Close()
}

// ImportJobKind is the job kind of an import run in the background. Only one
// runs at a time: an import is one transaction over the whole registry.
const ImportJobKind = "registry.import"

// StartUploadedImport starts, on t, the import of an extract uploaded to
// dir (upload.Receive with the fields "households" and "persons"; names are
// the files' names on the user's machine) as a background job that removes
// dir when it ends, or at once if the job cannot start. via names where it
// came from ("web", "API") in the list of imports.
func (s *Store) StartUploadedImport(ctx context.Context, t *jobs.Tracker, dir string, names map[string]string, via string) (jobs.Job, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		os.RemoveAll(dir)
		return jobs.Job{}, err
	}
	opt := ImportOptions{
		Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv"),
		ErrorsPath: filepath.Join(dir, "import-errors.csv"), HouseholdsName: names["households"], PersonsName: names["persons"],
		Source: fmt.Sprintf("%s + %s (%s, %s)", names["households"], names["persons"], p.Username, via),
	}
	job, err := t.Start(ctx, ImportJobKind, true, s.ImportTask(opt, func() { os.RemoveAll(dir) }))
	if err != nil {
		os.RemoveAll(dir)
	}
	return job, err
}

// ImportTask is Import as a background job (see platform/jobs): it reports
// the import's progress and returns its summary. cleanup, if set, runs when
// the import ends (to remove the uploaded files: the database keeps the
// problem report, so the summary names no report file).
func (s *Store) ImportTask(opt ImportOptions, cleanup func()) jobs.Task {
	return func(ctx context.Context, progress jobs.Progress) (any, error) {
		if cleanup != nil {
			defer cleanup()
		}
		opt.Progress = progress
		sum, err := s.Import(ctx, opt)
		if sum != nil && cleanup != nil {
			sum.ErrorsPath = ""
		}
		return sum, err
	}
}
