package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/results"
)

// TestResultsRefusalKeys: every refusal of the results slice has a key in
// both languages with arguments that fit its English format, and every
// status and unit the indicators page names has its word.
func TestResultsRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for key, english := range results.Messages {
		checkMessage(t, c, key, english)
	}
	for _, s := range []string{results.StatusOnTrack, results.StatusOffTrack, results.StatusNoTarget, results.StatusNoData} {
		checkMessage(t, c, "results.status."+s, "")
	}
	for _, u := range results.Units {
		checkMessage(t, c, "results.unit."+u, "")
	}
	for _, st := range results.Stages {
		checkMessage(t, c, "results.stage."+st, "")
	}
	// The impact estimators' refusals are written in place
	// (invalid("results.err.…", "format", …)): read them from the source.
	files, err := filepath.Glob("../results/impact/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("impact sources: %v", err)
	}
	re := regexp.MustCompile(`invalid\("(results\.err\.[a-z_]+)", "((?:[^"\\]|\\.)*)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			english, err := strconv.Unquote(`"` + m[2] + `"`)
			if err != nil {
				t.Fatal(err)
			}
			checkMessage(t, c, m[1], english)
			n++
		}
	}
	if n < 20 {
		t.Errorf("found %d refusals in the impact package's sources", n)
	}
}
