// Package registrytest gives tests of other packages a registry loaded with
// a small synthetic extract, on the engine the test run uses.
package registrytest

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/synth"
)

// Imported returns a fresh database holding Chile's territory and a
// synthetic extract of n households generated with seed, and the registry
// over it. It fails the test if any household is rejected or the registry's
// integrity check finds a problem.
func Imported(t testing.TB, n int, seed uint64) (*db.DB, *registry.Store) {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d := dbtest.Open(t)
	reg := registry.NewStore(d, geo.Chile(), nil)
	if err := reg.SyncTerritory(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := synth.GenerateDir(ctx, dir, synth.Options{Households: n, Seed: seed}, nil); err != nil {
		t.Fatal(err)
	}
	sum, err := reg.Import(ctx, registry.ImportOptions{Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv")})
	if err != nil || sum.Rejected != 0 || sum.OrphanPersons != 0 {
		t.Fatalf("import of the synthetic extract: %+v, %v", sum, err)
	}
	// What fosis registry check runs: the bulk tables carry no foreign keys.
	if rep, err := reg.Integrity(ctx); err != nil || !rep.OK() {
		t.Fatalf("registry integrity after the import: %+v, %v", rep, err)
	}
	return d, reg
}

// Extract returns the two files of a synthetic extract of n households
// generated with seed, by name ("households", "persons"), for tests that
// upload one.
func Extract(t testing.TB, n int, seed uint64) map[string]string {
	t.Helper()
	var h, p bytes.Buffer
	if _, err := synth.Generate(context.Background(), synth.Options{Households: n, Seed: seed}, &h, &p, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"households": h.String(), "persons": p.String()}
}
