package fosis

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// tableOwners says which package owns the tables each migration creates
// (by the migration's number, the same on both engines). A migration not
// listed here is owned by the package its tables' prefix names
// (prefixOwners); its tables are skipped, with a log line, when neither
// says.
var tableOwners = map[string]string{
	"00001": "registry",
	"00002": "targeting",
	"00003": "platform/audit",
	"00004": "platform/auth",
	"00005": "platform/auth",
	"00006": "registry",
	"00007": "programs",
	"00008": "cooperation",
	"00011": "knowledge",
	"00013": "registry",
	"00014": "registry",
	"00023": "registry",
	"00024": "registry",
	"00040": "cooperation",
	"00045": "knowledge",
	"00070": "funds",
	"00071": "funds",
	"00072": "funds",
	"00073": "funds",
	"00061": "delivery",
	"00062": "delivery",
}

var prefixOwners = map[string]string{
	"coop_":      "cooperation",
	"knowledge_": "knowledge",
	"score_":     "targeting",
	"program_":   "programs",
	"call_":      "programs",
	"agency_":    "programs",
	"household_": "registry",
	"import_":    "registry",
	"results_":   "results",
}

// sqlExceptions is the one list of files allowed to name another
// package's tables in their SQL, with the tables and why. Anything else
// reads another slice through its exported functions (CONTRIBUTING,
// "Dependency rules").
var sqlExceptions = []struct {
	file   string
	tables []string
	why    string
}{
	{"internal/targeting/readmodel.go", []string{"households", "communes", "persons"},
		"targeting's read model of the registry: a run's results counted or listed next to the households' ids, communes and regions, and ScoreSQL's scoring over persons, each one indexed join (per household calls to the registry would be N queries)"},
	{"internal/registry/readmodel.go", []string{"score_results"},
		"the commune listing's bracket filter: one read-only semi-join on score_results' primary key, so the listing stays one indexed query (targeting imports registry, so registry cannot call it)"},
	{"internal/platform/auth/users.go", []string{"regions"},
		"a user's region is checked to exist; platform may import no slice, and the check is one count on regions' primary key"},
}

// sqlScanned are the packages whose Go sources are scanned: the slices and
// the platform packages that own tables.
var sqlScanned = []string{"registry", "targeting", "programs", "cooperation", "knowledge", "results", "platform/auth", "platform/audit"}

var sqlTableRef = regexp.MustCompile(`\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_][a-z0-9_]*)`)

// TestSQLStaysInItsSlice fails on SQL in a package's Go sources (string
// literals, tests excepted) that reads or writes a table another package
// owns, unless sqlExceptions lists the file and table.
func TestSQLStaysInItsSlice(t *testing.T) {
	owner := sqlTableOwners(t)
	allowed := map[string]bool{}
	for _, e := range sqlExceptions {
		for _, tb := range e.tables {
			allowed[e.file+" "+tb] = true
		}
	}
	used := map[string]bool{}
	for _, pkg := range sqlScanned {
		root := filepath.Join("internal", filepath.FromSlash(pkg))
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			here := filepath.ToSlash(filepath.Dir(strings.TrimPrefix(path, "internal"+string(filepath.Separator))))
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			file := filepath.ToSlash(path)
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				for _, m := range sqlTableRef.FindAllStringSubmatch(s, -1) {
					o, known := owner[m[1]]
					if !known || o == here || strings.HasPrefix(here, o+"/") {
						continue
					}
					if allowed[file+" "+m[1]] {
						used[file+" "+m[1]] = true
						continue
					}
					t.Errorf("%s: SQL names %s, a table of %s: call an exported function of %s, or add the file to sqlExceptions (arch_sql_test.go) saying why", file, m[1], o, o)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range sqlExceptions {
		for _, tb := range e.tables {
			if !used[e.file+" "+tb] {
				t.Errorf("sqlExceptions lists %s for %s, which no longer names it: remove it", e.file, tb)
			}
		}
	}
}

// sqlTableOwners reads the tables the SQLite migrations create and returns
// their owners.
func sqlTableOwners(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("internal", "platform", "db", "migrations", "sqlite", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	sort.Strings(files)
	create := regexp.MustCompile(`(?i)CREATE TABLE(?: IF NOT EXISTS)?\s+([a-z_][a-z0-9_]*)`)
	owner := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		num, _, _ := strings.Cut(filepath.Base(f), "_")
		for _, m := range create.FindAllStringSubmatch(string(b), -1) {
			o := tableOwners[num]
			for p, po := range prefixOwners {
				if o == "" && strings.HasPrefix(m[1], p) {
					o = po
				}
			}
			if o == "" {
				t.Logf("%s creates %s: no owner known, not checked (add the migration to tableOwners)", filepath.Base(f), m[1])
				continue
			}
			owner[m[1]] = o
		}
	}
	return owner
}
