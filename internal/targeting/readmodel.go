package targeting

import "strconv"

// This file is targeting's read model of the registry: the only SQL in
// this package that names the registry's tables (households, communes,
// persons). Everything else reads the registry through registry.Store
// (LoadFrame, SharedFrame, Territory). These queries stay joins, one
// indexed query each, because a run's results (score_results, this
// slice's table) are counted or listed next to the households' identity and
// territory: asking the registry household by household would turn each
// into one query per household. They are read-only (scoreSQL reads
// persons and households and writes only score_results).
// TestSQLStaysInItsSlice (arch_sql_test.go at the root) fails on SQL naming
// another slice's table anywhere else; its list of exceptions names this
// file and says why.

// exportRunSQL lists a run's results with the household's public id, in
// household order (ExportRun).
const exportRunSQL = `SELECT h.household_id, r.value, r.tie1, r.tie2, r.percentile, r.bracket, r.poorest5, r.upgrade
		FROM score_results r JOIN households h ON h.id = r.household WHERE r.run = ? ORDER BY r.household`

// diffSQL lists the households scored in runs b (first argument) and a
// whose bracket differs, in household order (Diff).
const diffSQL = `SELECT h.household_id, h.commune_code, ra.bracket, rb.bracket
		FROM score_results ra
		JOIN score_results rb ON rb.run = ? AND rb.household = ra.household
		JOIN households h ON h.id = ra.household
		WHERE ra.run = ? AND ra.bracket <> rb.bracket
		ORDER BY ra.household`

// regionBracketsSQL counts a run's households by region and bracket
// (loadDistribution).
const regionBracketsSQL = `SELECT c.region_code, r.bracket, count(*)
		FROM score_results r
		JOIN households h ON h.id = r.household
		JOIN communes c ON c.code = h.commune_code
		WHERE r.run = ?
		GROUP BY c.region_code, r.bracket`

// communeBracketsSQL counts a run's households by commune and bracket
// (loadCommuneDistribution).
const communeBracketsSQL = `SELECT h.commune_code, r.bracket, count(*)
		FROM score_results r JOIN households h ON h.id = r.household
		WHERE r.run = ? GROUP BY h.commune_code, r.bracket`

// diffByRegionSQL counts the households scored in runs b (first argument)
// and a by region, bracket in a and bracket in b (loadDiff).
const diffByRegionSQL = `SELECT c.region_code, ra.bracket, rb.bracket, count(*)
		FROM score_results ra
		JOIN score_results rb ON rb.run = ? AND rb.household = ra.household
		JOIN households h ON h.id = ra.household
		JOIN communes c ON c.code = h.commune_code
		WHERE ra.run = ?
		GROUP BY c.region_code, ra.bracket, rb.bracket`

// movedSQL returns the query of eachMoved: the households scored in runs b
// and a whose bracket differs, with a key above after, in key order; with
// regional, only those of one region; with limit > 0, at most limit. Its
// arguments are b, then the region code when regional, then a and after.
func movedSQL(regional bool, limit int) string {
	q := `SELECT ra.household, h.household_id, h.commune_code, ra.bracket, rb.bracket
		FROM score_results ra
		JOIN score_results rb ON rb.run = ? AND rb.household = ra.household
		JOIN households h ON h.id = ra.household`
	if regional {
		q += ` JOIN communes c ON c.code = h.commune_code AND c.region_code = ?`
	}
	q += ` WHERE ra.run = ? AND ra.household > ? AND ra.bracket <> rb.bracket ORDER BY ra.household`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	return q
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
