package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations live in migrations/sqlite and migrations/postgres with matching
// version numbers; a parity test checks that both build the same schema.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

func (d *DB) provider() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if d.Engine == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
	}
	sub, err := fs.Sub(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	// Modules are built in parallel and number their migrations as they
	// start, so a lower version can land after a higher one; each module's
	// migration touches only its own tables, so they apply in any order.
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	if d.Engine == Postgres {
		// Several instances may start at once on one database (a rolling
		// upgrade): a session-level advisory lock has one of them migrate
		// while the others wait, then find nothing pending.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, d.w, sub, opts...)
}

// Migrate brings the schema up to the newest version and returns the versions
// it applied.
func (d *DB) Migrate(ctx context.Context) ([]int64, error) {
	p, err := d.provider()
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", d, err)
	}
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// SchemaStatus returns the current schema version and the newest one known.
func (d *DB) SchemaStatus(ctx context.Context) (current, newest int64, err error) {
	p, err := d.provider()
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		newest = srcs[len(srcs)-1].Version
	}
	return current, newest, nil
}

// MigrationDigest returns the concatenated text of every migration of both
// engines; tests use its hash to name a template database per schema version.
func MigrationDigest() []byte {
	var all []byte
	fs.WalkDir(migrationsFS, "migrations", func(path string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			b, _ := migrationsFS.ReadFile(path)
			all = append(append(all, path...), b...)
		}
		return nil
	})
	return all
}
