package registry_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/synth"
)

// TestImportAnalyzes: on PostgreSQL an import that writes at least
// db.AnalyzeRows rows leaves fresh planner statistics on the tables it
// loaded, and a small one does not spend the time.
func TestImportAnalyzes(t *testing.T) {
	s, d := newStore(t)
	if d.Engine != db.Postgres {
		t.Skip("statistics are PostgreSQL's")
	}
	analyzed := func() int {
		var n int
		if err := d.QueryRowContext(sysCtx, `SELECT count(*) FROM pg_stat_user_tables
			WHERE relname IN ('households', 'persons', 'household_versions') AND last_analyze IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := s.Import(sysCtx, writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+pRowC)); err != nil {
		t.Fatal(err)
	}
	if n := analyzed(); n != 0 {
		t.Errorf("a 2-household import analyzed %d tables", n)
	}
	dir := filepath.Join(t.TempDir(), "gen")
	if _, err := synth.GenerateDir(sysCtx, dir, synth.Options{Households: 4000, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	sum, err := s.Import(sysCtx, registry.ImportOptions{Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv"),
		Today: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Inserted+sum.PersonsWritten < db.AnalyzeRows {
		t.Fatalf("the generated extract wrote only %d rows", sum.Inserted+sum.PersonsWritten)
	}
	if n := analyzed(); n != 3 {
		t.Errorf("after a %d-row import, %d of 3 tables analyzed", sum.Inserted+sum.PersonsWritten, n)
	}
}
