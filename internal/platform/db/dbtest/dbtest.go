// Package dbtest gives each test a fresh, migrated database on the engine the
// test run asks for: SQLite by default, PostgreSQL when FOSIS_TEST_DB=postgres
// (server from FOSIS_TEST_POSTGRES_URL, default the local trust-auth one).
package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fosis/fosis/internal/platform/db"
)

// DefaultPostgresURL is the server used when FOSIS_TEST_POSTGRES_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Engine returns the engine this test run uses.
func Engine() db.Engine {
	if os.Getenv("FOSIS_TEST_DB") == "postgres" {
		return db.Postgres
	}
	return db.SQLite
}

// ServerURL returns the PostgreSQL server URL for tests.
func ServerURL() string {
	if u := os.Getenv("FOSIS_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
	counter      atomic.Int64
)

// DSN returns the connection string of a fresh, migrated, empty database that
// is dropped when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	if Engine() == db.SQLite {
		path := filepath.Join(t.TempDir(), "fosis.db")
		d, err := db.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return path
	}
	templateOnce.Do(func() { templateName, templateErr = makeTemplate() })
	if templateErr != nil {
		t.Fatalf("postgres test template: %v", templateErr)
	}
	name := fmt.Sprintf("fosis_t_%d_%d", os.Getpid(), counter.Add(1))
	admin := adminConn(t)
	if _, err := admin.Exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin := adminConn(t)
		if _, err := admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(ServerURL(), name)
}

// Open returns a fresh, migrated database, closed when the test ends.
func Open(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), DSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func adminConn(t testing.TB) *sql.DB {
	t.Helper()
	c, err := sql.Open("pgx", ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	c.SetMaxOpenConns(1)
	t.Cleanup(func() { c.Close() })
	return c
}

// makeTemplate creates (once per schema version, shared by every test process)
// a migrated template database that test databases are copied from, which is
// much faster than migrating each one.
func makeTemplate() (string, error) {
	sum := sha256.Sum256(db.MigrationDigest())
	name := "fosis_tmpl_" + hex.EncodeToString(sum[:8])
	ctx := context.Background()
	admin, err := sql.Open("pgx", ServerURL())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Several test processes may get here at once; one builds the template.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(715002)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(715002)")
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Templates of other schema versions are left alone: another checkout's
	// tests (a branch, a worktree) may be copying from one right now. Each
	// is a few megabytes.
	building := name + "_new"
	conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	d, err := db.Open(ctx, withDatabase(ServerURL(), building), nil)
	if err != nil {
		return "", err
	}
	_, err = d.Migrate(ctx)
	d.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}
