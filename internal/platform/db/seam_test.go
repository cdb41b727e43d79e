package db_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// seamBreaks are ways around the database seam (issue 12 §3): the
// database's own clock in a query (use tx.Now, or the caller's clock, so
// that one query text serves both engines and tests can move time), and a
// package's own copy of DB.Time.
var seamBreaks = regexp.MustCompile(`julianday\('now'\)|(?i:current_timestamp)|func instant\(`)

// TestDatabaseSeam fails when a Go source of the module (tests aside) goes
// around the seam.
func TestDatabaseSeam(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	files := 0
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && path != root && (e.Name() == "migrations" || strings.HasPrefix(e.Name(), ".")) {
			return filepath.SkipDir
		}
		if e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range seamBreaks.FindAll(b, -1) {
			t.Errorf("%s: %s: use tx.Now (or the store's clock) and DB.Time", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read only %d Go files from %s: is the root right?", files, root)
	}
}
