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

// The other half of the seam (issue 12 §3): reads that run in and out of
// transactions take a db.Querier, booleans are written with db.Bool, and a
// query's loop is db.Collect or db.Each. TestQueryHelpers fails on a
// package's own "db or tx" interface, its own bool-to-0/1 helper, and a
// hand-written rows loop in the sources already moved onto the helpers.
var (
	localQuerier = regexp.MustCompile(`type\s+\w+\s+interface\s*\{[^}]*\bQuery(?:Row)?Context\(`)
	boolHelper   = regexp.MustCompile(`func\s+\w+\(\w+\s+bool\)\s+int\d*\s*\{\s*if\s+\w+\s*\{\s*return\s+1\s*\}\s*return\s+0\s*\}`)
	rowsLoop     = regexp.MustCompile(`for\s+\w*[rR]ows\.Next\(\)`)
)

// localQueriers are the files still declaring their own querier interface,
// each with why it is not yet db.Querier. Remove a line when its file moves.
var localQueriers = map[string]string{
	"internal/delivery/methodology.go": "the delivery slice was being extended in parallel when the helpers came; its querier is db.Querier's QueryRowContext half",
	"internal/funds/funds.go":          "the funds slice was being extended in parallel when the helpers came; its querier is db.Querier's QueryRowContext half",
}

// loopsSwept are the folders whose every query loop goes through
// db.Collect or db.Each; a new slice adds its folder here. loopsKept are
// the files in them that keep a loop of their own, with why.
var (
	loopsSwept = []string{
		"internal/programs/",
		"internal/targeting/",
		"internal/registry/",
		"internal/cooperation/",
	}
	loopsKept = map[string]string{
		"internal/registry/frame_load.go": "the frame reader streams the whole registry (millions of rows scanned into sql.RawBytes and appended to columns): the measured hot path of bench/RESULTS-7M-*, left as measured",
	}
)

// TestQueryHelpers: see localQuerier, boolHelper and rowsLoop.
func TestQueryHelpers(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	seenQueriers := map[string]bool{}
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
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "internal/platform/db/") {
			return nil // where the helpers live
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if localQuerier.Match(b) {
			if _, ok := localQueriers[rel]; ok {
				seenQueriers[rel] = true
			} else {
				t.Errorf("%s declares its own querier interface: take a db.Querier", rel)
			}
		}
		if m := boolHelper.Find(b); m != nil {
			t.Errorf("%s: %s: write booleans with db.Bool", rel, strings.SplitN(string(m), "{", 2)[0])
		}
		for _, p := range loopsSwept {
			if _, kept := loopsKept[rel]; strings.HasPrefix(rel, p) && !kept {
				for _, m := range rowsLoop.FindAll(b, -1) {
					t.Errorf("%s: %q: use db.Collect (a list) or db.Each (anything else)", rel, m)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f := range localQueriers {
		if !seenQueriers[f] {
			t.Errorf("localQueriers lists %s, which declares no querier interface any more: remove the line", f)
		}
	}
}
