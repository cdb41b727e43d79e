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

// scoreSQL computes the income model in portable SQL. Ages are compared as
// birth dates against cut-off dates computed in Go; income is summed in
// whole pesos and the needs index in thousandths (integers, as the engine
// does); the value is rounded to the cent with FLOOR(x × 100 + 0.5), which
// both engines compute as Go's quantize does; brackets use integer
// arithmetic on RANK() so that they match the Go engine exactly. Float
// parameters are cast so that PostgreSQL does not infer them as integers.
const scoreSQL = `INSERT INTO score_results (run, household, value, percentile, bracket, poorest5, upgrade, tie1, tie2)
WITH m AS (
	SELECT p.household AS hh,
		CASE WHEN p.in_school = 1 AND p.birth_date > ? AND p.labor_income_clp > CAST(? AS BIGINT)
				THEN p.labor_income_clp - CAST(? AS BIGINT)
			WHEN p.in_school = 1 AND p.birth_date > ? THEN 0
			ELSE p.labor_income_clp END + p.pension_income_clp + p.capital_income_clp AS income,
		CASE WHEN p.birth_date > ? THEN CAST(? AS BIGINT)
			WHEN p.birth_date <= ? THEN CAST(? AS BIGINT) ELSE 0 END AS age_w,
		CASE p.disability WHEN 'severe' THEN CAST(? AS BIGINT)
			WHEN 'moderate' THEN CAST(? AS BIGINT) ELSE 0 END AS dis_w,
		CASE p.dependency WHEN 'severe' THEN CAST(? AS BIGINT)
			WHEN 'moderate' THEN CAST(? AS BIGINT) ELSE 0 END AS dep_w,
		CASE WHEN p.health_plan = 'isapre' THEN 1 ELSE 0 END AS isapre
	FROM persons p
), inc AS (
	SELECT hh, COUNT(*) AS n, SUM(income) AS income,
		1000 + SUM(age_w + CASE WHEN dis_w >= dep_w THEN dis_w ELSE dep_w END) AS needs, MAX(isapre) AS isapre
	FROM m GROUP BY hh
), val AS (
	SELECT h.id, i.isapre, i.needs,
		FLOOR(CAST(i.income AS DOUBLE PRECISION) / power(CAST(i.n AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION))
			* 1000 / CAST(i.needs AS DOUBLE PRECISION) * 100 + 0.5) / 100 AS value,
		CASE WHEN ? = 1 AND h.vehicle_value_clp > 0 AND h.vehicle_value_clp >= ? THEN 1 ELSE 0 END
		+ CASE WHEN ? = 1 AND h.property_value_clp > 0 AND h.property_value_clp >= ? THEN 2 ELSE 0 END
		+ CASE WHEN ? = 1 AND h.school_fees_clp > 0 AND h.school_fees_clp >= ? THEN 8 ELSE 0 END AS up
	FROM households h JOIN inc i ON i.hh = h.id
), rk AS (
	SELECT id, value, -CAST(needs AS DOUBLE PRECISION) / 1000 AS tie1,
		up + CASE WHEN ? = 1 AND isapre = 1 AND value >= CAST(? AS DOUBLE PRECISION) THEN 4 ELSE 0 END AS up,
		RANK() OVER (ORDER BY value, needs DESC) AS r, COUNT(*) OVER () AS n FROM val
), br AS (
	SELECT id, value, tie1, up, r, n,
		CASE WHEN 100 * r <= 40 * n THEN 40 WHEN 100 * r <= 50 * n THEN 50 WHEN 100 * r <= 60 * n THEN 60
			WHEN 100 * r <= 70 * n THEN 70 WHEN 100 * r <= 80 * n THEN 80 WHEN 100 * r <= 90 * n THEN 90
			ELSE 100 END AS b
	FROM rk
)
SELECT CAST(? AS BIGINT), id, value, 100.0 * r / n,
	CASE WHEN up > 0 AND ? > b THEN ? ELSE b END,
	CASE WHEN 100 * r <= 5 * n THEN 1 ELSE 0 END, up, tie1, 0
FROM br`
