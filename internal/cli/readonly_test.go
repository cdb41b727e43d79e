package cli

import (
	"os"
	"strings"
	"testing"
)

// TestReadOnlyWithoutDB: a read-only command run without --db where there is
// no database refuses, says what to do, and leaves no fosis.db behind (it
// created an empty one before: the test fails before the fix); migrate still
// creates it.
func TestReadOnlyWithoutDB(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("FOSIS_DB", "")
	for _, args := range [][]string{{"registry", "count"}, {"users", "list"}, {"score", "runs"}} {
		code, _, errs := runCLI(t, args...)
		if code == 0 || !strings.Contains(errs, "--db") || !strings.Contains(errs, "fosis migrate") {
			t.Errorf("fosis %s without a database: exit %d\n%s", strings.Join(args, " "), code, errs)
		}
		if _, err := os.Stat("fosis.db"); err == nil {
			t.Fatalf("fosis %s created fosis.db", strings.Join(args, " "))
		}
	}
	mustRun(t, "migrate")
	if _, err := os.Stat("fosis.db"); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	mustRun(t, "registry", "count") // now there is one
}
