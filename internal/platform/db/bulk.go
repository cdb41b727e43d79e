package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// RowSource streams rows into a bulk load. Its method set is the same as
// pgx.CopyFromSource so a source passes straight to COPY.
type RowSource interface {
	// Next advances to the next row; it returns false at the end or on error.
	Next() bool
	// Values returns the current row, in the column order of the load.
	Values() ([]any, error)
	// Err returns the error that stopped the source, if any.
	Err() error
}

// CopyFrom inserts every row of src into table. PostgreSQL uses COPY; SQLite
// a prepared single-row INSERT on the transaction's connection, which is the
// fastest path SQLite has (no per-statement parse, no lock churn). It returns
// the number of rows written.
func (tx *Tx) CopyFrom(ctx context.Context, table string, cols []string, src RowSource) (int64, error) {
	if tx.db.Engine == Postgres {
		return tx.copyPostgres(ctx, table, cols, src)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), placeholders(len(cols)))
	return tx.execEach(ctx, q, src)
}

// Upsert inserts or updates every row of src into table, matching on the key
// columns (which must carry a unique constraint). Non-key columns are
// overwritten. PostgreSQL stages the rows with COPY into a temporary table and
// merges them with one INSERT … ON CONFLICT; SQLite runs a prepared
// INSERT … ON CONFLICT per row.
func (tx *Tx) Upsert(ctx context.Context, table string, cols, key []string, src RowSource) (int64, error) {
	set := make([]string, 0, len(cols))
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	for _, c := range cols {
		if !isKey[c] {
			set = append(set, fmt.Sprintf("%s = excluded.%s", c, c))
		}
	}
	conflict := fmt.Sprintf("ON CONFLICT (%s) DO UPDATE SET %s", strings.Join(key, ", "), strings.Join(set, ", "))
	colList := strings.Join(cols, ", ")
	if tx.db.Engine == Postgres {
		stage := "stage_" + table
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(
			"CREATE TEMP TABLE %s (LIKE %s INCLUDING DEFAULTS) ON COMMIT DROP", stage, table)); err != nil {
			return 0, err
		}
		n, err := tx.copyPostgres(ctx, stage, cols, src)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(
			"INSERT INTO %s (%s) SELECT %s FROM %s %s", table, colList, colList, stage, conflict)); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, "DROP TABLE "+stage); err != nil {
			return 0, err
		}
		return n, nil
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) %s", table, colList, placeholders(len(cols)), conflict)
	return tx.execEach(ctx, q, src)
}

func (tx *Tx) execEach(ctx context.Context, q string, src RowSource) (int64, error) {
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	var n int64
	for src.Next() {
		vals, err := src.Values()
		if err != nil {
			return n, err
		}
		if _, err := st.ExecContext(ctx, vals...); err != nil {
			return n, tx.db.classify(fmt.Errorf("row %d: %w", n+1, err))
		}
		n++
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
	}
	return n, src.Err()
}

func (tx *Tx) copyPostgres(ctx context.Context, table string, cols []string, src RowSource) (int64, error) {
	var n int64
	err := tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("bulk load: unexpected driver connection %T", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		return err
	})
	if err == nil {
		err = src.Err()
	}
	return n, tx.db.classify(err)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// SliceSource is a RowSource over rows held in memory.
type SliceSource struct {
	Rows [][]any
	i    int
}

// Next implements RowSource.
func (s *SliceSource) Next() bool { s.i++; return s.i <= len(s.Rows) }

// Values implements RowSource.
func (s *SliceSource) Values() ([]any, error) { return s.Rows[s.i-1], nil }

// Err implements RowSource.
func (s *SliceSource) Err() error { return nil }

// FuncSource is a RowSource that calls Fill for rows 0..N-1, reusing one
// values slice, so that a bulk load from columnar data allocates nothing per row.
type FuncSource struct {
	N    int
	Fill func(i int, vals []any) error
	vals []any
	i    int
	err  error
	Cols int
}

// Next implements RowSource.
func (s *FuncSource) Next() bool {
	if s.err != nil || s.i >= s.N {
		return false
	}
	if s.vals == nil {
		s.vals = make([]any, s.Cols)
	}
	s.err = s.Fill(s.i, s.vals)
	s.i++
	return s.err == nil
}

// Values implements RowSource.
func (s *FuncSource) Values() ([]any, error) { return s.vals, nil }

// Err implements RowSource.
func (s *FuncSource) Err() error { return s.err }
