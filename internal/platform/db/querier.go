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
// integers on both engines, see CONTRIBUTING). It is an int64, a value
// database/sql passes to the driver as it is (an int would go through its
// reflective conversion, a cost the bulk import pays per row).
func Bool(b bool) int64 {
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
	out := []T{}
	err := Each(ctx, qr, func(rows *sql.Rows) error {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Column is the scan of a query of one column, for Collect:
// db.Collect(ctx, q, db.Column[int64], `SELECT id FROM …`).
func Column[T any](rows *sql.Rows) (T, error) {
	var v T
	err := rows.Scan(&v)
	return v, err
}

// Each runs q on qr and calls row once per row (row calls rows.Scan): the
// loop of a query whose rows fold into something other than a list (a map,
// groups, a stream written as it is read), with the rows closed and their
// error checked. An error from row stops the loop and is returned.
func Each(ctx context.Context, qr Querier, row func(rows *sql.Rows) error, q string, args ...any) error {
	rows, err := qr.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
