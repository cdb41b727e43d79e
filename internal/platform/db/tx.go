package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tx is a write transaction on one connection. It is begun with a plain BEGIN
// (BEGIN IMMEDIATE on SQLite, so that the write lock is taken up front and the
// busy timeout applies) rather than through sql.Tx, so that engine-native bulk
// paths such as PostgreSQL's COPY run inside the same transaction.
type Tx struct {
	db   *DB
	conn *sql.Conn
	// Now is the transaction's fixed clock reading (UTC): every row written in
	// one transaction carries the same time.
	Now time.Time
}

// Transact runs fn in a write transaction and commits it if fn returns nil;
// otherwise, or if fn panics, it rolls back.
func (d *DB) Transact(ctx context.Context, fn func(tx *Tx) error) (err error) {
	conn, err := d.w.Conn(ctx)
	if err != nil {
		return d.classify(fmt.Errorf("get connection: %w", err))
	}
	defer conn.Close()
	begin := "BEGIN"
	if d.Engine == SQLite {
		begin = "BEGIN IMMEDIATE"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return d.classify(fmt.Errorf("begin: %w", err))
	}
	tx := &Tx{db: d, conn: conn, Now: time.Now().UTC().Truncate(time.Microsecond)}
	done := false
	defer func() {
		if done {
			return
		}
		// Roll back with a fresh context: ctx may be the reason we are here.
		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, rerr := conn.ExecContext(rctx, "ROLLBACK"); rerr != nil {
			// The connection is in an unknown state; make the pool drop it.
			_ = conn.Raw(func(any) error { return sql.ErrConnDone })
		}
		if p := recover(); p != nil {
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		return d.classify(err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return d.classify(fmt.Errorf("commit: %w", err))
	}
	done = true
	return nil
}

// DB returns the database the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := tx.conn.ExecContext(ctx, tx.db.Rebind(q), args...)
	return res, tx.db.classify(err)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := tx.conn.QueryContext(ctx, tx.db.Rebind(q), args...)
	return rows, tx.db.classify(err)
}

// QueryRowContext runs a query in the transaction expected to return one row.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.conn.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// PrepareContext prepares a statement on the transaction's connection.
func (tx *Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	st, err := tx.conn.PrepareContext(ctx, tx.db.Rebind(q))
	return st, tx.db.classify(err)
}

// InsertID runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id)
	if err != nil {
		return 0, tx.db.classify(err)
	}
	return id, nil
}

// errNoRows is re-exported so callers can test for it without importing database/sql.
var errNoRows = sql.ErrNoRows

// IsNoRows reports whether err means a query returned no row.
func IsNoRows(err error) bool { return errors.Is(err, errNoRows) }
