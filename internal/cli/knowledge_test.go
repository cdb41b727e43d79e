package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestKnowledgeCommands adds a program to one deployment's catalogue,
// finds it, exports it as a package and imports it into another fresh
// deployment, where it arrives as a draft; a second import is refused.
func TestKnowledgeCommands(t *testing.T) {
	a, b := dbtest.DSN(t), dbtest.DSN(t)
	file := filepath.Join(t.TempDir(), "yo-emprendo-semilla.json")
	if out := mustRun(t, "--db", a, "knowledge", "add", "--file", filepath.Join("testdata", "cooperation", "program.json")); !strings.Contains(out, "yo-emprendo-semilla: version 1") {
		t.Fatalf("add: %s", out)
	}
	if out := mustRun(t, "--db", a, "knowledge", "search", "capital", "semilla"); !strings.HasPrefix(out, "yo-emprendo-semilla (program") {
		t.Fatalf("search: %s", out)
	}
	if out := mustRun(t, "--db", a, "knowledge", "search", "--lang", "en", "seed", "capital"); !strings.HasPrefix(out, "yo-emprendo-semilla (program") {
		t.Fatalf("search in English: %s", out)
	}
	mustRun(t, "--db", a, "knowledge", "export", "yo-emprendo-semilla", "--out", file)
	if out := mustRun(t, "--db", b, "knowledge", "import", file); !strings.Contains(out, "imported as a draft (version 1)") {
		t.Fatalf("import: %s", out)
	}
	if out := mustRun(t, "--db", b, "knowledge", "list"); !strings.Contains(out, "program  yo-emprendo-semilla  1        draft") {
		t.Fatalf("list after import:\n%s", out)
	}
	if code, _, errs := runCLI(t, "--db", b, "knowledge", "import", file); code == 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("second import: exit %d %s", code, errs)
	}
}
