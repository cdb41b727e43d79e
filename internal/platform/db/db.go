// Package db is fosis's one way to a database: it opens SQLite (the embedded
// default) or PostgreSQL behind database/sql, applies the migrations, and keeps
// the few things the two engines do differently behind a narrow seam
// (placeholders, bulk loading, value encoding, error classification).
//
// Queries are written once with ? placeholders in the SQL both engines share;
// every method here rebinds them for PostgreSQL.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Engine names a supported database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DefaultPath is the SQLite file used when no --db flag or FOSIS_DB variable is given.
const DefaultPath = "fosis.db"

// DB is an open database. On SQLite it holds two pools: one writer connection
// (SQLite allows one writer at a time, so writes queue in Go rather than fail
// with SQLITE_BUSY) and a read pool that WAL lets run beside it. On PostgreSQL
// both are the same pool.
type DB struct {
	Engine Engine
	DSN    string // as given, for messages; never contains a password in logs
	w, r   *sql.DB
	log    *slog.Logger

	// stmts caches prepared read statements by query text: parsing and
	// planning a query cost more than running a primary-key lookup.
	stmts  sync.Map // string → *sql.Stmt
	nstmts atomic.Int32
}

// maxStmts bounds the statement cache; queries past it run unprepared.
const maxStmts = 256

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn — a PostgreSQL URL or a SQLite file
// path — and checks that it answers. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dsn == "" {
		dsn = DefaultPath
	}
	d := &DB{DSN: dsn, log: log}
	var err error
	if IsPostgres(dsn) {
		d.Engine = Postgres
		d.w, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
		}
		d.w.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
		d.w.SetMaxIdleConns(8)
		d.w.SetConnMaxIdleTime(5 * time.Minute)
		d.r = d.w
	} else {
		d.Engine = SQLite
		if err := d.openSQLite(dsn); err != nil {
			return nil, err
		}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.w.PingContext(pingCtx); err != nil {
		d.Close()
		return nil, fmt.Errorf("cannot reach the database %s: %w", redact(dsn), err)
	}
	return d, nil
}

func (d *DB) openSQLite(path string) error {
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create folder for %s: %w", path, err)
		}
	}
	// busy_timeout first so that the other pragmas wait rather than fail;
	// WAL lets readers run beside the single writer; synchronous=NORMAL is
	// safe with WAL (a crash may lose the last commits, never corrupts);
	// foreign keys are off by default in SQLite and must be switched on per
	// connection.
	pragmas := []string{
		"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)",
		"foreign_keys(ON)", "cache_size(-65536)", "temp_store(MEMORY)",
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	// The writer gets a larger page cache (256 MiB): national bulk loads
	// build b-trees far bigger than the default, and thrashing the cache
	// made a 1M-household import superlinear.
	var err error
	d.w, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode()+"&_pragma=cache_size(-262144)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	d.w.SetMaxOpenConns(1)
	d.w.SetConnMaxIdleTime(0)
	q.Add("_pragma", "query_only(ON)")
	// Readers map the database file into memory (up to SQLite's 2 GiB
	// ceiling) instead of reading each page through a system call: a page
	// view's random lookups in a national registry miss any page cache of
	// a sensible size, and the calls were a tenth of its time.
	q.Add("_pragma", "mmap_size(2147418112)")
	d.r, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		d.w.Close()
		return fmt.Errorf("open %s: %w", path, err)
	}
	d.r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	return nil
}

// Close closes both pools.
func (d *DB) Close() error {
	var errs []error
	d.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	if d.w != nil {
		errs = append(errs, d.w.Close())
	}
	if d.r != nil && d.r != d.w {
		errs = append(errs, d.r.Close())
	}
	return errors.Join(errs...)
}

// Rebind rewrites ? placeholders as $1, $2, … for PostgreSQL. Question marks
// inside single-quoted literals, double-quoted identifiers and -- comments are
// left alone.
func (d *DB) Rebind(q string) string {
	if d.Engine != Postgres || strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '\'', '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case '-':
			if i+1 < len(q) && q[i+1] == '-' {
				j := strings.IndexByte(q[i:], '\n')
				if j < 0 {
					b.WriteString(q[i:])
					return b.String()
				}
				b.WriteString(q[i : i+j])
				i += j - 1
				continue
			}
			b.WriteByte(c)
		case '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// QueryContext runs a read query on the read pool.
func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := d.prepared(ctx, q); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, d.classify(err)
	}
	rows, err := d.r.QueryContext(ctx, d.Rebind(q), args...)
	return rows, d.classify(err)
}

// QueryRowContext runs a read query expected to return at most one row.
func (d *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := d.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.r.QueryRowContext(ctx, d.Rebind(q), args...)
}

// prepared returns the cached prepared statement of q, preparing it on first
// use, or nil when the cache is full or preparing failed (the caller then
// runs q directly, which reports any error).
func (d *DB) prepared(ctx context.Context, q string) *sql.Stmt {
	if st, ok := d.stmts.Load(q); ok {
		return st.(*sql.Stmt)
	}
	if d.nstmts.Load() >= maxStmts {
		return nil
	}
	st, err := d.r.PrepareContext(ctx, d.Rebind(q))
	if err != nil {
		return nil
	}
	if prev, loaded := d.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	d.nstmts.Add(1)
	return st
}

// ExecContext runs one write statement in its own transaction on the writer.
func (d *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := d.w.ExecContext(ctx, d.Rebind(q), args...)
	return res, d.classify(err)
}

// Ping checks that the database answers.
// AnalyzeRows is how many rows a bulk load writes before its tables'
// statistics are refreshed (Analyze): below it the planner's estimates from
// the tables' sizes serve as well.
const AnalyzeRows = 10_000

// Analyze refreshes the planner's statistics of tables after a bulk load
// committed, on PostgreSQL: without them it guesses a few thousand rows
// for a table of millions, and plans a filtered listing as a scan of a
// whole scoring run (0.6 s instead of 0.1 s at 1M households). Autovacuum
// would catch up eventually, if it runs at all; a bulk load should not wait
// for it. ANALYZE samples a fixed number of rows, so it takes a fraction of
// a second at any size. On SQLite it does nothing: its planner's choices
// without statistics are the ones fosis's queries are written for.
func (d *DB) Analyze(ctx context.Context, tables ...string) error {
	for _, t := range tables {
		if !isIdent(t) {
			return fmt.Errorf("analyze: %q is not a table name", t)
		}
	}
	if d.Engine != Postgres || len(tables) == 0 {
		return nil
	}
	_, err := d.w.ExecContext(ctx, "ANALYZE "+strings.Join(tables, ", "))
	return err
}

// isIdent reports whether s is a plain lower-case SQL identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (d *DB) Ping(ctx context.Context) error {
	return d.r.PingContext(ctx)
}

// redact hides a password in a PostgreSQL URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// String describes the database for logs and messages, without secrets.
func (d *DB) String() string {
	return string(d.Engine) + " " + redact(d.DSN)
}
