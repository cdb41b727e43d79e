package targeting

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// Store keeps scorecard models and scoring runs. A run is a snapshot: the
// model version it used (stored exactly, with its digest), the scoring date,
// and one result row per household, so results are reproducible and any two
// runs can be compared.
type Store struct {
	db     *db.DB
	reg    *registry.Store
	log    *slog.Logger
	models sync.Map // run id → *Model, see RunModel
	runs   sync.Map // run id → *Run, see runByID
	dists  sync.Map // run id → national []RegionBrackets, see Distribution
	cdists sync.Map // run id → national []CommuneBrackets, see CommuneDistribution
	diffs  sync.Map // [2]int64{a, b} → national *RunDiff, see DiffRuns
}

// NewStore returns a Store over d; reg supplies the registry frames.
func NewStore(d *db.DB, reg *registry.Store, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: d, reg: reg, log: log}
}

// Run describes one stored scoring run.
type Run struct {
	ID           int64     `json:"id"`
	ModelID      string    `json:"model_id"`
	ModelVersion int       `json:"model_version"`
	ModelName    string    `json:"model_name"`
	ModelDigest  string    `json:"model_digest"`
	AsOf         string    `json:"as_of"`
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at"`
	Households   int64     `json:"households"`
	Note         string    `json:"note,omitempty"`
	// Poorest5 is how many households the run flagged as the poorest 5 %,
	// Poorest5Share the same as a percentage of Households, and
	// Poorest5Warning is true when that share is above Poorest5WarnShare:
	// exact ties at the bottom of the ranking then reach more households than
	// the flag is meant for (docs/scorecard.md, "Ranking keys").
	Poorest5        int64   `json:"poorest5_households"`
	Poorest5Share   float64 `json:"poorest5_share"`
	Poorest5Warning bool    `json:"poorest5_warning"`
}

// Poorest5WarnShare is the share of households (in %) flagged as the
// poorest 5 % above which a run is reported with a warning.
const Poorest5WarnShare = 6.0

// setPoorest5 sets run's flagged count and the share and warning derived
// from it.
func (r *Run) setPoorest5(flagged int64) {
	r.Poorest5, r.Poorest5Share, r.Poorest5Warning = flagged, 0, false
	if r.Households > 0 {
		r.Poorest5Share = 100 * float64(flagged) / float64(r.Households)
		r.Poorest5Warning = r.Poorest5Share > Poorest5WarnShare
	}
}

// SaveModel stores m (if this id and version are new) and returns its row id.
// Storing a different model under an existing id and version is a conflict:
// a changed model needs a new version.
func (s *Store) SaveModel(ctx context.Context, m *Model) (int64, error) {
	if _, err := auth.National(ctx, true); err != nil {
		return 0, err
	}
	if err := m.Validate(); err != nil {
		return 0, err
	}
	var ref int64
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		var digest string
		err := tx.QueryRowContext(ctx, `SELECT id, digest FROM score_models WHERE model_id = ? AND version = ?`, m.ID, m.Version).Scan(&ref, &digest)
		if err == nil {
			if digest != m.Digest() {
				return fosis.Errorf(fosis.ECONFLICT, "model %q version %d is already stored with different content; give the changed model a new version", m.ID, m.Version)
			}
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		ref, err = tx.InsertID(ctx, `INSERT INTO score_models (model_id, version, kind, name, digest, spec, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.Version, string(m.Kind), m.Name, m.Digest(), string(m.Canonical()), tx.DB().Time(tx.Now))
		return err
	})
	return ref, err
}

// Activate makes m the model that 'fosis score' uses by default.
func (s *Store) Activate(ctx context.Context, m *Model) error {
	ref, err := s.SaveModel(ctx, m)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE score_models SET active = 0 WHERE active = 1`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE score_models SET active = 1 WHERE id = ?`, ref)
		return err
	})
}

// ActiveModel returns the active model, or the built-in default if none was
// activated.
func (s *Store) ActiveModel(ctx context.Context) (*Model, error) {
	var spec string
	err := s.db.QueryRowContext(ctx, `SELECT spec FROM score_models WHERE active = 1`).Scan(&spec)
	if err == sql.ErrNoRows {
		return DefaultModel(), nil
	}
	if err != nil {
		return nil, err
	}
	return LoadModel("stored.json", []byte(spec))
}

// RunModel returns the exact model a run used. Runs never change, so parsed
// models are kept (every household page explains a score with one).
func (s *Store) RunModel(ctx context.Context, runID int64) (*Model, error) {
	if m, ok := s.models.Load(runID); ok {
		return m.(*Model), nil
	}
	m, err := s.loadRunModel(ctx, runID)
	if err == nil {
		s.models.Store(runID, m)
	}
	return m, err
}

func (s *Store) loadRunModel(ctx context.Context, runID int64) (*Model, error) {
	var spec string
	err := s.db.QueryRowContext(ctx, `SELECT m.spec FROM score_runs r JOIN score_models m ON m.id = r.model WHERE r.id = ?`, runID).Scan(&spec)
	if err == sql.ErrNoRows {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no scoring run %d", runID)
	}
	if err != nil {
		return nil, err
	}
	return LoadModel("stored.json", []byte(spec))
}

// Outcome is a finished scoring job: its run, and the frame and results it
// computed (kept so that callers can print distributions without reading them
// back). Frame is the registry's shared frame: read-only.
type Outcome struct {
	Run     *Run
	Frame   *registry.Frame
	Results *Results
	// Timings of the phases, for the benchmark and the logs.
	Load, Compute, Write time.Duration
}

// ScoreAll runs m over the whole registry on day asOf and stores the snapshot.
func (s *Store) ScoreAll(ctx context.Context, m *Model, asOf time.Time, note string, progress func(stage string)) (*Outcome, error) {
	if _, err := auth.National(ctx, true); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(string) {}
	}
	started := time.Now().UTC()
	ref, err := s.SaveModel(ctx, m)
	if err != nil {
		return nil, err
	}
	progress("reading the registry")
	t0 := time.Now()
	// The shared frame: Score and the snapshot only read it, and a preview
	// or what-if after the run finds it in memory.
	f, err := s.reg.SharedFrame(ctx, false)
	if err != nil {
		return nil, err
	}
	if f.Len() == 0 {
		return nil, fosis.Errorf(fosis.EINVALID, "the registry is empty: import an extract first (fosis registry import DIR)")
	}
	out := &Outcome{Frame: f, Load: time.Since(t0)}
	progress("scoring and ranking")
	t0 = time.Now()
	res, err := Score(ctx, f, m, registry.DayNumber(asOf))
	if err != nil {
		return nil, err
	}
	out.Results, out.Compute = res, time.Since(t0)
	progress("writing the snapshot")
	t0 = time.Now()
	run, err := s.writeRun(ctx, ref, m, f, res, asOf, started, note)
	if err != nil {
		return nil, err
	}
	if f.Len() >= db.AnalyzeRows {
		if err := s.db.Analyze(ctx, "score_results"); err != nil {
			s.log.Warn("scoring run: the planner's statistics were not refreshed", "err", err)
		}
	}
	out.Run, out.Write = run, time.Since(t0)
	s.log.Info("scoring run", "run", run.ID, "model", m.ID, "version", m.Version, "households", run.Households,
		"load", out.Load, "compute", out.Compute, "write", out.Write)
	return out, nil
}

// ResultColumns are the columns of a snapshot row, in write order.
var ResultColumns = []string{"run", "household", "value", "percentile", "bracket", "poorest5", "upgrade", "tie1", "tie2"}

func (s *Store) writeRun(ctx context.Context, ref int64, m *Model, f *registry.Frame, res *Results, asOf, started time.Time, note string) (*Run, error) {
	run := &Run{ModelID: m.ID, ModelVersion: m.Version, ModelName: m.Name, ModelDigest: m.Digest(),
		AsOf: asOf.Format(time.DateOnly), StartedAt: started, Households: int64(f.Len()), Note: note}
	run.setPoorest5(int64(res.Flagged()))
	if run.Poorest5Warning {
		s.log.Warn("scoring run: more households flagged as the poorest 5 % than the flag is meant for",
			"model", m.ID, "version", m.Version, "flagged", run.Poorest5, "households", run.Households,
			"share", fmt.Sprintf("%.2f%%", run.Poorest5Share))
	}
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		id, err := tx.InsertID(ctx, `INSERT INTO score_runs (model, as_of, started_at, finished_at, households, note, poorest5_count) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ref, d.Date(asOf), d.Time(started), d.Time(tx.Now), f.Len(), note, run.Poorest5)
		if err != nil {
			return err
		}
		run.ID = id
		_, err = tx.CopyFrom(ctx, "score_results", ResultColumns, ResultSource(id, f, res))
		if err != nil {
			return err
		}
		run.FinishedAt = time.Now().UTC()
		if _, err = tx.ExecContext(ctx, `UPDATE score_runs SET finished_at = ? WHERE id = ?`, d.Time(run.FinishedAt), id); err != nil {
			return err
		}
		p := auth.FromContext(ctx)
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "score.run",
			Entity: "score_run", EntityID: strconv.FormatInt(id, 10), After: run})
		return err
	})
	return run, err
}

// ResultSource streams a run's result rows for a bulk load.
func ResultSource(runID int64, f *registry.Frame, res *Results) db.RowSource {
	return &db.FuncSource{N: f.Len(), Cols: len(ResultColumns), Fill: func(i int, v []any) error {
		v[0], v[1], v[2], v[3] = runID, f.Key[i], res.Value[i], res.Percentile[i]
		v[4], v[5], v[6] = int64(res.Bracket[i]), db.Bool(res.Poorest5[i]), int64(res.Upgrade[i])
		v[7], v[8] = res.Tie1[i], res.Tie2[i]
		return nil
	}}
}

const runSelect = `SELECT r.id, m.model_id, m.version, m.name, m.digest, r.as_of, r.started_at, r.finished_at, r.households, r.note, r.poorest5_count
	FROM score_runs r JOIN score_models m ON m.id = r.model`

func scanRun(sc interface{ Scan(...any) error }) (*Run, error) {
	var r Run
	var asOf db.Day
	var st, fin db.Instant
	var flagged int64
	if err := sc.Scan(&r.ID, &r.ModelID, &r.ModelVersion, &r.ModelName, &r.ModelDigest, &asOf, &st, &fin, &r.Households, &r.Note, &flagged); err != nil {
		return nil, err
	}
	r.setPoorest5(flagged)
	r.AsOf, r.StartedAt, r.FinishedAt = asOf.Format(time.DateOnly), st.Time, fin.Time
	return &r, nil
}

// runByID returns a run by id; runs never change once written, so they are
// kept after the first read.
func (s *Store) runByID(ctx context.Context, id int64) (*Run, error) {
	if r, ok := s.runs.Load(id); ok {
		return r.(*Run), nil
	}
	if _, err := auth.Caller(ctx); err != nil {
		return nil, err
	}
	r, err := s.readRun(ctx, strconv.FormatInt(id, 10))
	if err == nil {
		s.runs.Store(id, r)
	}
	return r, err
}

// Runs lists the stored runs, newest first.
func (s *Store) Runs(ctx context.Context) ([]Run, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (Run, error) {
		r, err := scanRun(rows)
		if err != nil {
			return Run{}, err
		}
		return *r, nil
	}, runSelect+` ORDER BY r.id DESC`)
	if err != nil {
		return nil, err
	}
	for i := range runs {
		if err := s.scopeRun(ctx, p, &runs[i]); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// Run returns one run; ref is a run id or "latest".
func (s *Store) Run(ctx context.Context, ref string) (*Run, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.readRun(ctx, ref)
	if err != nil {
		return nil, err
	}
	return r, s.scopeRun(ctx, p, r)
}

// readRun reads one run as stored, with its national count of households.
func (s *Store) readRun(ctx context.Context, ref string) (*Run, error) {
	q, arg := runSelect+` WHERE r.id = ?`, any(nil)
	if ref == "latest" {
		q = runSelect + ` ORDER BY r.id DESC LIMIT 1`
	} else {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || id < 1 {
			return nil, &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("%q is not a run id (a number, or latest)", ref)}
		}
		arg = id
	}
	var row *sql.Row
	if arg == nil {
		row = s.db.QueryRowContext(ctx, q)
	} else {
		row = s.db.QueryRowContext(ctx, q, arg)
	}
	r, err := scanRun(row)
	if err == sql.ErrNoRows {
		if ref == "latest" {
			return nil, fosis.Errorf(fosis.ENOTFOUND, "there is no scoring run yet: run 'fosis score' first")
		}
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no scoring run %s ('fosis score runs' lists them)", ref)
	}
	return r, err
}

// WriteSnapshot stores already computed results as a new run. The benchmark
// uses it to measure the bare cost of writing a snapshot.
func (s *Store) WriteSnapshot(ctx context.Context, m *Model, f *registry.Frame, res *Results, asOf time.Time, note string) error {
	ref, err := s.SaveModel(ctx, m)
	if err != nil {
		return err
	}
	_, err = s.writeRun(ctx, ref, m, f, res, asOf, time.Now().UTC(), note)
	return err
}
