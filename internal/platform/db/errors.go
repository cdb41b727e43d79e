package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fosis/fosis"
)

// classify maps driver errors to fosis error codes by their numeric codes
// (SQLSTATE on PostgreSQL, extended result codes on SQLite), never by message
// text. The original error stays in the chain for logs.
func (d *DB) classify(err error) error {
	if err == nil {
		return nil
	}
	var fe *fosis.Error
	if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	code, msg := "", ""
	var pe *pgconn.PgError
	var se *sqlite.Error
	switch {
	case errors.As(err, &pe):
		switch pe.Code {
		case "23505":
			code, msg = fosis.ECONFLICT, "a record with the same key already exists"
		case "23503":
			code, msg = fosis.EINVALID, "a referenced record does not exist"
		case "23514", "23502", "22P02", "22003":
			code, msg = fosis.EINVALID, "a value is not allowed"
		case "40001", "40P01", "55P03", "53300", "57P03":
			code, msg = fosis.EUNAVAILABLE, "the database is busy; try again"
		}
	case errors.As(err, &se):
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			code, msg = fosis.ECONFLICT, "a record with the same key already exists"
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			code, msg = fosis.EINVALID, "a referenced record does not exist"
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			code, msg = fosis.EINVALID, "a value is not allowed"
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT, sqlite3.SQLITE_BUSY_TIMEOUT:
			code, msg = fosis.EUNAVAILABLE, "the database is busy; try again"
		}
	}
	if code == "" {
		return err
	}
	return &wrapped{user: &fosis.Error{Code: code, Message: msg}, cause: err}
}

// wrapped carries a user-safe fosis.Error and keeps the driver error for logs.
type wrapped struct {
	user  *fosis.Error
	cause error
}

func (w *wrapped) Error() string   { return fmt.Sprintf("%s: %v", w.user.Code, w.cause) }
func (w *wrapped) Unwrap() []error { return []error{w.user, w.cause} }
