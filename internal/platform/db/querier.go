package db

import (
	"context"
	"database/sql"
)

// Querier is what reads need: a *DB (its read pool) or a *Tx (inside a
// transaction, which must read through its own connection). A function
// that reads both in and out of transactions takes a Querier instead of
// declaring its own "db or tx" interface.
type Querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)

// Bool returns the stored form of a boolean: 1 or 0 (booleans are 0/1
// integers on both engines, see CONTRIBUTING).
func Bool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Collect runs q on qr and returns one value per row, read by scan (which
// calls rows.Scan with the row's destinations): the loop of every list
// query, with the rows closed and their error checked. It returns an empty,
// non-nil slice when no row matches.
func Collect[T any](ctx context.Context, qr Querier, scan func(rows *sql.Rows) (T, error), q string, args ...any) ([]T, error) {
	rows, err := qr.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
