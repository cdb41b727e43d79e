package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrBackupEngine is returned by Backup on PostgreSQL, whose own tools make
// its backups (pg_dump, or a base backup with WAL archiving).
var ErrBackupEngine = errors.New("fosis backs up SQLite databases; back up PostgreSQL with pg_dump -Fc (docs/deployment.md)")

// Backup writes a consistent copy of the SQLite database to path while the
// server goes on serving: VACUUM INTO reads one snapshot in a read
// transaction (https://sqlite.org/lang_vacuum.html#vacuuminto), so writers
// are not stopped and the copy holds every transaction committed before it
// started and none after. The copy is also compacted. path must not exist.
func (d *DB) Backup(ctx context.Context, path string) error {
	if d.Engine != SQLite {
		return ErrBackupEngine
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists: give a new file name (a backup never overwrites)", path)
	}
	if strings.ContainsRune(path, 0) {
		return fmt.Errorf("%q is not a file name", path)
	}
	// A connection of its own: the readers are query-only (which VACUUM
	// INTO is not), and the writer's one connection would hold up every
	// write for the length of the copy.
	src := strings.TrimPrefix(strings.TrimPrefix(d.DSN, "sqlite://"), "file:")
	c, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity check over the whole file and
// returns its findings (none when the file is sound). On PostgreSQL it
// returns none: the server checks its own pages.
func (d *DB) IntegrityCheck(ctx context.Context) ([]string, error) {
	if d.Engine != SQLite {
		return nil, nil
	}
	rows, err := d.r.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if s != "ok" {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}
