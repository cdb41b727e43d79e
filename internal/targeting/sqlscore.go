package targeting

import (
	"context"
	"fmt"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// ScoreSQL is the same scoring run as ScoreAll for an income model, written
// as one INSERT … SELECT with window functions that the database runs over
// the persons table. It exists as the benchmark's comparison point (the way a
// team without columnar arrays would write it) and as a cross-check of the Go
// engine. It computes the value and the needs index exactly as the engine
// does (integer pesos and thousandths, the value rounded to the cent) and
// ranks on those two keys; the third key, the proxy-means score, is the Go
// engine's alone (tie2 is 0), so households equal on the first two keys may
// be ordered differently among themselves, and every other household must
// land in the same bracket.
func (s *Store) ScoreSQL(ctx context.Context, m *Model, asOf time.Time, note string) (*Run, error) {
	if _, err := auth.National(ctx, true); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.Kind != KindIncome {
		return nil, fosis.Errorf(fosis.EINVALID, "the SQL scoring path implements income models only")
	}
	ref, err := s.SaveModel(ctx, m)
	if err != nil {
		return nil, err
	}
	p := m.Income
	day := registry.DayNumber(asOf)
	date := func(n int32) any { return s.db.Date(registry.DayTime(n)) }
	var upTo int
	var vehOn, propOn, isaOn, feeOn int
	var vehMin, propMin, isaMin, feeMin int64
	if mt := m.MeansTest; mt != nil {
		upTo = mt.UpgradeToBracket
		on := func(p *int64) (int, int64) {
			if p == nil {
				return 0, 0
			}
			return 1, *p
		}
		vehOn, vehMin = on(mt.VehicleMinCLP)
		propOn, propMin = on(mt.PropertyMinCLP)
		isaOn, isaMin = on(mt.IsapreMinIncomeCLP)
		feeOn, feeMin = on(mt.SchoolFeesMinCLP)
	}
	c := compile(m, &registry.Frame{}, day)
	started := time.Now().UTC()
	run := &Run{ModelID: m.ID, ModelVersion: m.Version, ModelName: m.Name, ModelDigest: m.Digest(),
		AsOf: asOf.Format(time.DateOnly), StartedAt: started, Note: note}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		id, err := tx.InsertID(ctx, `INSERT INTO score_runs (model, as_of, started_at, finished_at, households, note) VALUES (?, ?, ?, ?, 0, ?)`,
			ref, d.Date(asOf), d.Time(started), d.Time(tx.Now), note)
		if err != nil {
			return err
		}
		run.ID = id
		res, err := tx.ExecContext(ctx, scoreSQL,
			date(ageCut(day, p.StudentAgeMax+1)), c.exempt, c.exempt, date(ageCut(day, p.StudentAgeMax+1)),
			date(ageCut(day, 18)), c.needMinor, date(ageCut(day, p.OlderAdultAge)), c.needOlder,
			c.disW[registry.SevSevere], c.disW[registry.SevModerate], c.depW[registry.SevSevere], c.depW[registry.SevModerate],
			p.EquivalenceExponent,
			vehOn, vehMin, propOn, propMin, feeOn, feeMin,
			isaOn, isaMin,
			id, upTo, upTo)
		if err != nil {
			return fmt.Errorf("score in SQL: %w", err)
		}
		n, _ := res.RowsAffected()
		run.Households = n
		run.FinishedAt = time.Now().UTC()
		var flagged int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM score_results WHERE run = ? AND poorest5 = 1`, id).Scan(&flagged); err != nil {
			return err
		}
		run.setPoorest5(flagged)
		_, err = tx.ExecContext(ctx, `UPDATE score_runs SET finished_at = ?, households = ?, poorest5_count = ? WHERE id = ?`,
			d.Time(run.FinishedAt), n, flagged, id)
		return err
	})
	return run, err
}
