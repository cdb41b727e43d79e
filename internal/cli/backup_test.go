package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestBackupRestore: a backup taken while another process writes is a
// consistent copy that restores and verifies; restore refuses to replace a
// database without --force, keeps the old one with it, and refuses a file
// that is not a sound fosis database (issue 18). PostgreSQL is backed up
// with its own tools, and fosis says so.
func TestBackupRestore(t *testing.T) {
	if dbtest.Engine() == db.Postgres {
		dsn := dbtest.DSN(t)
		code, _, errs := runCLI(t, "--db", dsn, "backup", "--out", filepath.Join(t.TempDir(), "x.db"))
		if code == 0 || !strings.Contains(errs, "pg_dump") {
			t.Errorf("backup of PostgreSQL: exit %d %q", code, errs)
		}
		return
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	extract := filepath.Join(dir, "x")
	mustRun(t, "registry", "generate", "--households", "300", "--seed", "4", "--out", extract)
	mustRun(t, "--db", src, "registry", "import", extract)

	// Accounts are added while the backup runs: the copy must still verify.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 5 {
			runCLI(t, "--db", src, "users", "add", "u"+string(rune('a'+i)), "--role", "analyst", "--name", "x")
		}
	}()
	backup := filepath.Join(dir, "copy.db")
	out := mustRun(t, "--db", src, "backup", "--out", backup)
	wg.Wait()
	if !strings.Contains(out, "chain intact") {
		t.Errorf("backup:\n%s", out)
	}
	if code, _, errs := runCLI(t, "--db", src, "backup", "--out", backup); code == 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("a backup over an existing file: exit %d %q", code, errs)
	}

	target := filepath.Join(dir, "restored.db")
	out = mustRun(t, "--db", target, "restore", "--from", backup)
	if !strings.Contains(out, "integrity ok") {
		t.Errorf("restore:\n%s", out)
	}
	if out := mustRun(t, "--db", target, "audit", "verify"); !strings.Contains(out, "chain intact") {
		t.Errorf("verify the restored database:\n%s", out)
	}
	a, err := Open(context.Background(), Config{DB: target, Quiet: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	a.DB.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM households").Scan(&n)
	a.Close()
	if n != 300 {
		t.Errorf("the restored database holds %d households, want 300", n)
	}

	if code, _, errs := runCLI(t, "--db", target, "restore", "--from", backup); code == 0 || !strings.Contains(errs, "--force") {
		t.Errorf("restore over a database without --force: exit %d %q", code, errs)
	}
	out = mustRun(t, "--db", target, "restore", "--from", backup, "--force")
	if !strings.Contains(out, "kept as") {
		t.Errorf("restore --force:\n%s", out)
	}
	kept, _ := filepath.Glob(target + ".before-restore-*")
	if len(kept) == 0 {
		t.Error("the replaced database was not kept")
	}

	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not a database ", 1000)), 0o644)
	if code, _, errs := runCLI(t, "--db", filepath.Join(dir, "other.db"), "restore", "--from", junk); code == 0 || !strings.Contains(errs, "cannot be restored") {
		t.Errorf("restore of a junk file: exit %d %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.db")); err == nil {
		t.Error("a refused restore left a database behind")
	}
}
