package registry

// This file is the registry's read model of scoring: the only SQL in this
// package that names another slice's table (score_results, targeting's).
// A commune listing filtered by bracket or by the poorest 5% stays one
// indexed query: the filter is a read-only semi-join on score_results'
// primary key (run, household) composed with the other conditions of
// ListFilter. Asking targeting for the run's households first would mean a
// second query and an IN list as long as the commune, and targeting
// already imports registry (it could not be imported back).
// TestSQLStaysInItsSlice (arch_sql_test.go at the root) fails on SQL naming
// another slice's table anywhere else; its list of exceptions names this
// file and says why.

// resultsWhere returns f's conditions on the households' results in run
// f.Run (brackets, poorest 5%) as an EXISTS on households h, and their
// arguments.
func (f ListFilter) resultsWhere() (string, []any) {
	sql := ` AND EXISTS (SELECT 1 FROM score_results sr WHERE sr.run = ? AND sr.household = h.id`
	args := []any{f.Run}
	if len(f.Brackets) > 0 {
		sql += ` AND sr.bracket IN (`
		for i, b := range f.Brackets {
			if i > 0 {
				sql += `, `
			}
			sql += `?`
			args = append(args, b)
		}
		sql += `)`
	}
	if f.Poorest5 {
		sql += ` AND sr.poorest5 = 1`
	}
	return sql + `)`, args
}
